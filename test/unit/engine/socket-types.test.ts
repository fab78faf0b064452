// Socket types against real pipes: each test drives a type through Pipe.pair() ends, either with
// the remote end standing for a peer connection, or with two types joined directly (inproc-like).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZmqError } from '../../../core/engine/errors.js';
import {
  DealerType,
  PairType,
  PubType,
  PullType,
  PushType,
  RepType,
  ReqType,
  RouterType,
  StreamType,
  SubType,
  XPubType,
  XSubType,
} from '../../../core/engine/types/index.js';
import { attachPeer, link, msg, str, TestHost } from './harness.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ZmqError, `expected a ZmqError, got ${e}`);
    return e.code;
  }
  return undefined;
}

test('PUSH round-robins across peers and says "would block" with no peer', () => {
  const push = new PushType(new TestHost());
  assert.equal(push.send(msg('x')), false, 'no peers: the socket would block (EAGAIN with sendTimeout 0)');
  assert.equal(push.hasOut(), false);
  const peers = [attachPeer(push), attachPeer(push), attachPeer(push)];
  for (let i = 0; i < 6; i++) assert.equal(push.send(msg(`m${i}`)), true);
  assert.deepEqual(
    peers.map((p) => p.drain().map((m) => m[0])),
    [
      ['m0', 'm3'],
      ['m1', 'm4'],
      ['m2', 'm5'],
    ],
  );
  assert.equal(
    code(() => push.receive()),
    'ENOTSUP',
  );
});

test('PUSH: multipart messages are all-or-nothing at the HWM', () => {
  const host = new TestHost();
  const push = new PushType(host);
  const peer = attachPeer(push, { sendHwm: 2 });
  assert.equal(push.send(msg('a1', 'a2', 'a3')), true);
  assert.equal(push.send(msg('b1', 'b2')), true);
  assert.equal(push.send(msg('c1', 'c2', 'c3')), false, 'third message refused whole');
  assert.equal(push.hasOut(), false);
  const before = host.writable;
  assert.deepEqual(peer.drain(), [
    ['a1', 'a2', 'a3'],
    ['b1', 'b2'],
  ]);
  // The reader drained: the pipe reports room, the type wakes the socket.
  assert.ok(host.writable > before);
  assert.equal(push.send(msg('c1', 'c2', 'c3')), true);
  assert.deepEqual(peer.drain(), [['c1', 'c2', 'c3']]);
});

test('PULL fair-queues from three peers', () => {
  const host = new TestHost();
  const pull = new PullType(host);
  const peers = [attachPeer(pull), attachPeer(pull), attachPeer(pull)];
  peers.forEach((p, i) => {
    for (let k = 0; k < 2; k++) p.remote.write(msg(`p${i}.${k}`));
  });
  assert.ok(host.readable >= 3, 'each peer woke the socket');
  const got: string[] = [];
  for (let m = pull.receive(); m; m = pull.receive()) got.push(m[0].toString());
  assert.deepEqual(got, ['p0.0', 'p1.0', 'p2.0', 'p0.1', 'p1.1', 'p2.1']);
  assert.equal(
    code(() => pull.send(msg('x'))),
    'ENOTSUP',
  );
});

test('conflate: PULL keeps only the newest message, PUSH queues only the newest', () => {
  const pull = new PullType(new TestHost({ conflate: true }));
  const p = attachPeer(pull);
  for (let i = 0; i < 5; i++) p.remote.write(msg(`v${i}`));
  assert.deepEqual(str(pull.receive()), ['v4']);
  assert.equal(pull.receive(), undefined);

  const push = new PushType(new TestHost({ conflate: true }));
  const q = attachPeer(push, { sendHwm: 1 });
  for (let i = 0; i < 5; i++) assert.equal(push.send(msg(`v${i}`)), true, 'never blocks');
  assert.deepEqual(q.drain(), [['v4']]);
});

test('REQ/REP lock-step through a direct link, envelopes hidden', () => {
  const req = new ReqType(new TestHost());
  const rep = new RepType(new TestHost());
  link(req, rep);
  assert.equal(
    code(() => req.receive()),
    'EFSM',
    'receive before send',
  );
  assert.equal(
    code(() => rep.send(msg('x'))),
    'EFSM',
    'reply before request',
  );
  assert.equal(req.send(msg('hello', 'world')), true);
  assert.equal(req.hasOut(), false);
  assert.equal(
    code(() => req.send(msg('again'))),
    'EFSM',
    'second send without reply',
  );
  assert.deepEqual(str(rep.receive()), ['hello', 'world']);
  assert.equal(
    code(() => rep.receive()),
    'EFSM',
    'second receive before replying',
  );
  assert.equal(rep.send(msg('hi')), true);
  assert.deepEqual(str(req.receive()), ['hi']);
  assert.equal(req.send(msg('next')), true, 'lock-step resets');
});

test('REQ sends [delimiter, body] round-robin and only accepts the reply from the pipe it asked', () => {
  const req = new ReqType(new TestHost());
  const a = attachPeer(req);
  const b = attachPeer(req);
  req.send(msg('q1'));
  assert.deepEqual(a.drain(), [['', 'q1']]);
  b.remote.write(msg('', 'intruder'));
  assert.equal(req.receive(), undefined, 'reply from the other peer is dropped');
  a.remote.write(msg('no-delimiter'));
  assert.equal(req.receive(), undefined, 'malformed reply dropped');
  a.remote.write(msg('', 'r1'));
  assert.deepEqual(str(req.receive()), ['r1']);
  req.send(msg('q2'));
  assert.deepEqual(b.drain(), [['', 'q2']], 'next request goes to the next peer');
});

test('REQ correlate: request ids on the wire, replies with a stale id dropped; relaxed allows resend', () => {
  const req = new ReqType(new TestHost({ correlate: true, relaxed: true }));
  const p = attachPeer(req);
  req.send(msg('first'));
  const [first] = p.remote.read()!.slice(0, 1);
  assert.equal(first.length, 4);
  // Relaxed: a new request while waiting is allowed.
  assert.equal(req.send(msg('second')), true);
  const m2 = p.remote.read()!;
  assert.equal(m2.length, 3);
  assert.notDeepEqual(m2[0], first, 'a new request id');
  assert.equal(m2[0].readUInt32LE(0), (first.readUInt32LE(0) + 1) >>> 0);
  p.remote.write([first, Buffer.alloc(0), Buffer.from('late answer to first')]);
  p.remote.write([m2[0], Buffer.alloc(0), Buffer.from('answer to second')]);
  assert.deepEqual(str(req.receive()), ['answer to second']);

  const strict = new ReqType(new TestHost({ correlate: true }));
  attachPeer(strict);
  strict.send(msg('x'));
  assert.equal(
    code(() => strict.send(msg('y'))),
    'EFSM',
  );
  assert.equal(strict.getOption('relaxed'), false);
  assert.throws(
    () => strict.setOption('relaxed', 'yes'),
    { name: 'TypeError', message: 'Option value must be a boolean' },
    'option values are validated (TypeError, as in zeromq.js)',
  );
});

test('REP keeps the whole envelope and sends the reply back to the right peer', () => {
  const rep = new RepType(new TestHost());
  const a = attachPeer(rep, { routingId: 'A' });
  const b = attachPeer(rep, { routingId: 'B' });
  b.remote.write(msg('hop2', 'hop1', '', 'req-b'));
  a.remote.write(msg('only-body'));
  a.remote.write(msg('', 'req-a'));
  assert.deepEqual(str(rep.receive()), ['req-b']);
  rep.send(msg('rep-b', 'part2'));
  assert.deepEqual(b.drain(), [['hop2', 'hop1', '', 'rep-b', 'part2']]);
  assert.deepEqual(str(rep.receive()), ['req-a'], 'the request without delimiter was dropped');
  rep.send(msg('rep-a'));
  assert.deepEqual(a.drain(), [['', 'rep-a']]);
});

test('ROUTER prefixes routing ids, generates 5-byte ids, routes replies', () => {
  const router = new RouterType(new TestHost());
  const named = attachPeer(router, { routingId: 'peer-1' });
  const anon = attachPeer(router);
  named.remote.write(msg('hello'));
  anon.remote.write(msg('', 'x'));
  const m1 = router.receive()!;
  const m2 = router.receive()!;
  assert.deepEqual(str(m1), ['peer-1', 'hello']);
  assert.equal(m2[0].length, 5);
  assert.equal(m2[0][0], 0);
  assert.deepEqual(str(m2.slice(1)), ['', 'x']);
  assert.equal(router.send([m2[0], Buffer.from('back')]), true);
  assert.deepEqual(anon.drain(), [['back']]);
  assert.equal(router.send(msg('nobody', 'lost')), true, 'unknown id: dropped silently');
  assert.equal(router.send(msg('peer-1')), true, 'a lone address frame is dropped');
  assert.deepEqual(named.drain(), []);
  // The last message of a peer that left still carries its id, and the id is then unroutable.
  named.remote.write(msg('bye'));
  named.remote.terminate();
  assert.deepEqual(str(router.receive()), ['peer-1', 'bye']);
  router.setOption('mandatory', true);
  assert.equal(
    code(() => router.send(msg('peer-1', 'x'))),
    'EHOSTUNREACH',
  );
});

test('ROUTER mandatory: EHOSTUNREACH for unknown peers, would-block when the peer is full', () => {
  const router = new RouterType(new TestHost({ mandatory: true }));
  assert.equal(
    code(() => router.send(msg('ghost', 'x'))),
    'EHOSTUNREACH',
  );
  const p = attachPeer(router, { routingId: 'p', sendHwm: 1 });
  assert.equal(router.send(msg('p', 'one')), true);
  assert.equal(router.hasOut(), false);
  assert.equal(router.send(msg('p', 'two')), false, 'blocks instead of dropping');
  router.setOption('mandatory', false);
  assert.equal(router.send(msg('p', 'three')), true, 'not mandatory: dropped');
  assert.deepEqual(p.drain(), [['one']]);
  p.remote.terminate();
  router.setOption('mandatory', true);
  assert.equal(
    code(() => router.send(msg('p', 'x'))),
    'EHOSTUNREACH',
    'after the peer left',
  );
});

test('ROUTER duplicate routing id: ignored without handover, taken over with handover', () => {
  const router = new RouterType(new TestHost());
  const first = attachPeer(router, { routingId: 'dup' });
  const second = attachPeer(router, { routingId: 'dup' });
  second.remote.write(msg('from second'));
  first.remote.write(msg('from first'));
  assert.deepEqual(str(router.receive()), ['dup', 'from first']);
  assert.equal(router.receive(), undefined, 'the duplicate peer is not read');

  const ho = new RouterType(new TestHost({ handover: true }));
  const old = attachPeer(ho, { routingId: 'dup' });
  const fresh = attachPeer(ho, { routingId: 'dup' });
  assert.equal(old.events.terminated, true, 'the old connection is closed');
  ho.send(msg('dup', 'to the new one'));
  assert.deepEqual(fresh.drain(), [['to the new one']]);
  assert.deepEqual(old.drain(), []);
});

test('probeRouter: DEALER announces itself, ROUTER sees [id, ""]', () => {
  const router = new RouterType(new TestHost());
  const dealer = new DealerType(new TestHost({ probeRouter: true }));
  link(dealer, router);
  const m = router.receive()!;
  assert.equal(m.length, 2);
  assert.equal(m[1].length, 0);
  router.send([m[0], Buffer.from('welcome')]);
  assert.deepEqual(str(dealer.receive()), ['welcome']);
});

test('PAIR refuses a second peer', () => {
  const pair = new PairType(new TestHost());
  const a = attachPeer(pair);
  const b = attachPeer(pair);
  assert.equal(b.events.terminated, true);
  pair.send(msg('x'));
  assert.deepEqual(a.drain(), [['x']]);
  a.remote.write(msg('y'));
  assert.deepEqual(str(pair.receive()), ['y']);
});

test('SUB: subscriptions to every peer, re-sent to new pipes, prefix filtering', () => {
  const sub = new SubType(new TestHost());
  const early = attachPeer(sub);
  sub.setOption('subscribe', 'news');
  sub.setOption('subscribe', 'news');
  sub.setOption('subscribe', Buffer.from([0xff, 0]));
  assert.deepEqual(
    early.remote.read()!.map((f) => f.toString('hex')),
    ['016e657773'],
  );
  assert.equal(early.remote.read()!.length, 1, 'duplicate subscription is sent too');
  assert.deepEqual(
    early.remote.read()!.map((f) => f.toString('hex')),
    ['01ff00'],
  );
  const late = attachPeer(sub);
  const resent = late
    .drain()
    .map((m) => m[0])
    .sort();
  assert.equal(resent.length, 2, 're-subscribed once per distinct prefix');
  sub.setOption('unsubscribe', 'news');
  assert.equal(early.remote.read(), undefined, 'still one reference: no cancel yet');
  sub.setOption('unsubscribe', 'news');
  assert.deepEqual(
    early.remote.read()!.map((f) => f.toString('hex')),
    ['006e657773'],
  );
  sub.setOption('subscribe', 'a');
  early.drain();
  early.remote.write(msg('b', 'dropped'));
  early.remote.write(msg('abc', 'kept'));
  early.remote.write(msg('a'));
  assert.equal(sub.hasIn(), true);
  assert.deepEqual(str(sub.receive()), ['abc', 'kept']);
  assert.deepEqual(str(sub.receive()), ['a']);
  assert.equal(sub.receive(), undefined);
  assert.equal(
    code(() => sub.send(msg('x'))),
    'ENOTSUP',
  );
});

test('SUB invertMatching delivers what does not match', () => {
  const sub = new SubType(new TestHost({ invertMatching: true }));
  const p = attachPeer(sub);
  sub.setOption('subscribe', 'skip');
  p.remote.write(msg('skip-me'));
  p.remote.write(msg('take-me'));
  assert.deepEqual(str(sub.receive()), ['take-me']);
});

test('PUB drops for a subscriber at its HWM, others get everything, multipart whole', () => {
  const pub = new PubType(new TestHost());
  const slow = attachPeer(pub, { sendHwm: 2 });
  const fast = attachPeer(pub);
  slow.remote.write(msg('\x01'));
  fast.remote.write(msg('\x01t'));
  for (let i = 0; i < 5; i++) assert.equal(pub.send(msg(`t${i}`, 'part2')), true, 'PUB never blocks');
  pub.send(msg('other'));
  assert.deepEqual(slow.drain(), [
    ['t0', 'part2'],
    ['t1', 'part2'],
  ]);
  assert.deepEqual(
    fast.drain().map((m) => m[0]),
    ['t0', 't1', 't2', 't3', 't4'],
  );
  assert.equal(pub.hasIn(), false);
  assert.equal(
    code(() => pub.receive()),
    'ENOTSUP',
  );
});

test('XPUB reports unique subscriptions, verbose reports all, unsubscribe on leave', async () => {
  const host = new TestHost();
  const xpub = new XPubType(host);
  const a = attachPeer(xpub);
  const b = attachPeer(xpub);
  a.remote.write(msg('\x01topic'));
  b.remote.write(msg('\x01topic'));
  assert.deepEqual(str(xpub.receive()), ['\x01topic']);
  assert.equal(xpub.receive(), undefined, 'the second one is not new');
  xpub.send(msg('topic-1'));
  assert.equal(a.drain().length, 1);
  assert.equal(b.drain().length, 1);
  a.remote.write(msg('\x00topic'));
  assert.equal(xpub.receive(), undefined, 'b still holds it');
  b.remote.terminate();
  // A departed peer's subscriptions are removed over the next loop turns.
  while (!xpub.hasIn()) await new Promise((r) => setImmediate(r));
  assert.deepEqual(str(xpub.receive()), ['\x00topic'], 'last holder left');
  b.remote.write(msg('ignored after terminate'));

  const verbose = new XPubType(new TestHost({ verbosity: 'allSubs' }));
  const c = attachPeer(verbose);
  c.remote.write(msg('\x01x'));
  c.remote.write(msg('\x01x'));
  assert.deepEqual([str(verbose.receive()), str(verbose.receive())], [['\x01x'], ['\x01x']]);
  assert.equal(
    code(() => verbose.setOption('verbosity', 'loud')),
    'EINVAL',
  );
});

test('XPUB manual mode: the application decides which subscriptions apply; welcome message', async () => {
  const xpub = new XPubType(new TestHost({ manual: true, welcomeMessage: 'WELCOME' }));
  const p = attachPeer(xpub);
  assert.deepEqual(p.drain(), [['WELCOME']]);
  p.remote.write(msg('\x01weather'));
  assert.deepEqual(str(xpub.receive()), ['\x01weather']);
  xpub.send(msg('weather today'));
  assert.deepEqual(p.drain(), [], 'not applied yet');
  xpub.setOption('subscribe', 'weath');
  xpub.send(msg('weather today'));
  assert.deepEqual(p.drain(), [['weather today']]);
  p.remote.terminate();
  while (!xpub.hasIn()) await new Promise((r) => setImmediate(r));
  assert.deepEqual(str(xpub.receive()), ['\x00weather'], 'manual subscriptions reported on leave');
});

test('XPUB noDrop: send would block while a matching subscriber is full, and wakes when it drains', () => {
  const host = new TestHost({ noDrop: true });
  const xpub = new XPubType(host);
  const p = attachPeer(xpub, { sendHwm: 1 });
  p.remote.write(msg('\x01'));
  xpub.receive();
  assert.equal(xpub.send(msg('a')), true);
  assert.equal(xpub.send(msg('b')), false);
  const before = host.writable;
  assert.deepEqual(p.drain(), [['a']]);
  assert.ok(host.writable > before, 'the socket is woken to retry the send');
  assert.equal(xpub.send(msg('b')), true);
});

test('XSUB sends subscriptions and user messages upstream to XPUB, receives everything', () => {
  const xsub = new XSubType(new TestHost());
  const xpub = new XPubType(new TestHost());
  link(xsub, xpub);
  xsub.send(msg('\x01a'));
  assert.deepEqual(str(xpub.receive()), ['\x01a']);
  xsub.send(msg('hello', 'upstream'));
  assert.deepEqual(str(xpub.receive()), ['hello', 'upstream']);
  xpub.send(msg('a1'));
  xpub.send(msg('b1'));
  assert.deepEqual(str(xsub.receive()), ['a1']);
  assert.equal(xsub.receive(), undefined, 'XPUB filtered b1');
});

test('STREAM: connect/disconnect notifications, raw data by routing id, empty data closes', () => {
  // The remote end plays the raw connection (libzmq's raw engine): an empty message when it starts and
  // when it ends; the type turns them into [id, ''] notifications, or drops them with notify off.
  const notice = Buffer.alloc(0);
  const stream = new StreamType(new TestHost());
  const p = attachPeer(stream);
  p.remote.write([notice]);
  const hello = stream.receive()!;
  assert.equal(hello.length, 2);
  assert.equal(hello[0].length, 5, 'generated routing id');
  assert.equal(hello[1].length, 0, 'connect notification');
  const id = hello[0];
  p.remote.write([Buffer.from('GET / HTTP/1.0\r\n\r\n')]);
  assert.deepEqual(str(stream.receive()), [id.toString(), 'GET / HTTP/1.0\r\n\r\n']);
  assert.equal(stream.send([id, Buffer.from('HTTP/1.0 200 OK\r\n')]), true);
  assert.deepEqual(p.drain(), [['HTTP/1.0 200 OK\r\n']]);
  assert.equal(
    code(() => stream.send(msg('nobody', 'x'))),
    'EHOSTUNREACH',
  );
  assert.equal(
    code(() => stream.send([id])),
    'EINVAL',
  );
  assert.equal(stream.send([id, Buffer.alloc(0)]), true);
  assert.equal(p.events.terminated, true, 'empty data closes the connection');
  assert.equal(
    code(() => stream.send([id, Buffer.from('x')])),
    'EHOSTUNREACH',
    'gone after close',
  );

  const q = attachPeer(stream, { routingId: 'named' });
  // The routing id exists from attach on (libzmq attaches a connecting STREAM's pipe at connect()).
  assert.equal(stream.send([Buffer.from('named'), Buffer.from('early')]), true, 'sendable before the connection starts');
  assert.deepEqual(q.drain(), [['early']]);
  q.remote.write([notice]);
  assert.deepEqual(str(stream.receive()), ['named', ''], 'connect-time routing id used');
  q.remote.write([Buffer.from('data')]);
  q.remote.write([notice]);
  q.remote.terminate();
  assert.deepEqual(str(stream.receive()), ['named', 'data']);
  assert.deepEqual(str(stream.receive()), ['named', ''], 'disconnect notification after the data');
  assert.equal(stream.receive(), undefined);

  const quiet = new StreamType(new TestHost({ notify: false }));
  const r = attachPeer(quiet);
  r.remote.write([notice]);
  r.remote.write([Buffer.from('only data')]);
  r.remote.write([notice]);
  r.remote.terminate();
  assert.deepEqual(str(quiet.receive()?.slice(1)), ['only data'], 'no notifications with notify off');
  assert.equal(quiet.receive(), undefined);
});
