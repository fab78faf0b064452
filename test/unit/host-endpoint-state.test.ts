// An endpoint's state derived from monitor events, as the engine emits them (sequences taken from our
// engine: a connect to a closed port, to a host that does not resolve, a handshake that fails).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeStatus, initialStatus, nextStatus, type EndpointEvent, type EndpointStatus } from '../../core/host/endpoint-state.js';

const fmt = (ts: number) => `t${ts}`;
function run(kind: 'bind' | 'connect', events: EndpointEvent[]): EndpointStatus {
  return events.reduce((s, e) => nextStatus(s, kind, e), initialStatus(kind, 0));
}

test('a connect to a closed port is retrying with the reason and the next attempt, never connected', () => {
  const s = run('connect', [
    { type: 'connect:delay', ts: 1 },
    { type: 'connect:retry', reason: 'connect ECONNREFUSED 127.0.0.1:1', interval: 142, ts: 1.01 },
    { type: 'connect:delay', ts: 1.2 },
    { type: 'connect:retry', reason: 'connect ECONNREFUSED 127.0.0.1:1', interval: 100, ts: 1.25 },
  ]);
  assert.equal(s.phase, 'retrying');
  assert.equal(s.retries, 2);
  assert.equal(s.since, 1.01);
  assert.equal(describeStatus(s, fmt), 'retrying: connect ECONNREFUSED 127.0.0.1:1 (2 attempts), next attempt t1.35');
  // During the next attempt it still says why the last one failed.
  assert.equal(nextStatus(s, 'connect', { type: 'connect:delay', ts: 1.4 }).phase, 'retrying');
});

test("an unresolvable host retries with getaddrinfo's reason", () => {
  const s = run('connect', [
    { type: 'connect:delay', ts: 1 },
    { type: 'connect:retry', reason: 'getaddrinfo ENOTFOUND nowhere.invalid', interval: 100, ts: 2 },
  ]);
  assert.equal(s.phase, 'retrying');
  assert.match(describeStatus(s, fmt), /^retrying: getaddrinfo ENOTFOUND nowhere\.invalid/);
  assert.equal(s.ready.length, 0);
});

test('connect, handshake, disconnect: handshaking, connected to 1 peer, connecting again', () => {
  const peer = 'tcp://127.0.0.1:5555';
  let s = run('connect', [
    { type: 'connect:retry', reason: 'x', interval: 10, ts: 1 },
    { type: 'connect', remoteAddress: peer, ts: 2 },
  ]);
  assert.equal(s.phase, 'handshaking');
  s = nextStatus(s, 'connect', { type: 'handshake', remoteAddress: peer, ts: 3 });
  assert.equal(s.phase, 'connected');
  assert.equal(s.retries, 0);
  assert.equal(describeStatus(s, fmt), `connected to 1 peer (${peer})`);
  s = nextStatus(s, 'connect', { type: 'disconnect', remoteAddress: peer, reason: 'peer closed', ts: 4 });
  assert.equal(s.phase, 'connecting');
  assert.equal(s.since, 4);
});

test('a failed handshake says why until a handshake succeeds', () => {
  const peer = 'tcp://127.0.0.1:5555';
  let s = run('connect', [
    { type: 'connect', remoteAddress: peer, ts: 1 },
    { type: 'handshake:error:protocol', remoteAddress: peer, reason: "CURVE: cannot open the server's WELCOME", ts: 2 },
    { type: 'disconnect', remoteAddress: peer, ts: 2 },
    { type: 'connect:retry', reason: 'x', interval: 10, ts: 3 },
  ]);
  assert.equal(s.phase, 'handshake-failed');
  assert.equal(describeStatus(s, fmt), "handshake failed: CURVE: cannot open the server's WELCOME, next attempt t3.01");
  s = nextStatus(s, 'connect', { type: 'connect', remoteAddress: peer, ts: 4 });
  assert.equal(s.phase, 'handshaking');
  s = nextStatus(s, 'connect', { type: 'handshake', remoteAddress: peer, ts: 5 });
  assert.equal(s.phase, 'connected');
  assert.equal(s.handshakeFailure, undefined);
});

test('refused by ZAP, the connect endpoint says it does not dial again (libzmq stops after a refusal)', () => {
  const peer = 'tcp://127.0.0.1:5555';
  // Our engine's sequence (monitor-sequences.test.ts pins it to libzmq's): no connect:retry after it.
  const s = run('connect', [
    { type: 'connect:retry', reason: 'x', interval: 10, ts: 0.5 },
    { type: 'connect', remoteAddress: peer, ts: 1 },
    { type: 'handshake:error:auth', remoteAddress: peer, reason: 'PLAIN server refused the handshake: ZAP status 400', ts: 2 },
    { type: 'disconnect', remoteAddress: peer, ts: 2 },
  ]);
  assert.equal(s.phase, 'handshake-failed');
  assert.equal(s.nextAttemptAt, undefined);
  assert.equal(
    describeStatus(s, fmt),
    'handshake failed: PLAIN server refused the handshake: ZAP status 400; not dialing again (as libzmq after a refusal or a protocol error): reconnect',
  );
});

test('a STREAM peer is connected without a handshake event (libzmq sends none)', () => {
  const peer = 'tcp://127.0.0.1:5555';
  let s = [{ type: 'connect', remoteAddress: peer, ts: 1 }].reduce(
    (st, e) => nextStatus(st, 'connect', e, true),
    initialStatus('connect', 0),
  );
  assert.equal(s.phase, 'connected');
  assert.deepEqual(s.ready, [peer]);
  const closed = nextStatus(
    s,
    'connect',
    { type: 'handshake:error:other', remoteAddress: peer, reason: 'peer closed the connection', ts: 2 },
    true,
  );
  assert.equal(closed, s, "a STREAM peer's close comes as handshake:error:other, then disconnect: no failed handshake");
  s = nextStatus(s, 'connect', { type: 'disconnect', remoteAddress: peer, ts: 2 }, true);
  assert.equal(s.phase, 'connecting');
  const bound = nextStatus(initialStatus('bind', 0), 'bind', { type: 'accept', remoteAddress: peer, ts: 1 }, true);
  assert.equal(describeStatus(bound, fmt), 'listening, 1 peer');
});

test('a bound endpoint counts its peers', () => {
  let s = run('bind', [
    { type: 'accept', remoteAddress: 'tcp://127.0.0.1:1001', ts: 1 },
    { type: 'accept', remoteAddress: 'tcp://127.0.0.1:1002', ts: 1 },
    { type: 'handshake', remoteAddress: 'tcp://127.0.0.1:1001', ts: 2 },
  ]);
  assert.equal(s.phase, 'listening');
  assert.equal(describeStatus(s, fmt), 'listening, 1 peer, 1 handshaking');
  s = nextStatus(s, 'bind', {
    type: 'handshake:error:auth',
    remoteAddress: 'tcp://127.0.0.1:1002',
    reason: 'ZAP refused user "bob" (400)',
    ts: 3,
  });
  assert.equal(describeStatus(s, fmt), 'listening, 1 peer, last handshake failed: ZAP refused user "bob" (400)');
  // Unrelated events change nothing (same object).
  assert.equal(nextStatus(s, 'bind', { type: 'listening', ts: 4 }), s);
});
