// What the workbench says happened to a sent message, from the facts the engine gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveSendState, describeSendState, withWrite } from '../../core/host/message-state.js';

const base = { writtenTo: [], queued: false, readyPeers: 0, socketType: 'PUSH' };

test('a refused send names the code', () => {
  const s = deriveSendState({ ...base, error: { code: 'EAGAIN', message: 'Socket temporarily unavailable' } });
  assert.deepEqual(s, { kind: 'refused', code: 'EAGAIN', message: 'Socket temporarily unavailable' });
  assert.equal(describeSendState(s), 'refused (EAGAIN): Socket temporarily unavailable');
  assert.equal(
    describeSendState(deriveSendState({ ...base, error: { code: 'EHOSTUNREACH', message: 'Host unreachable' } })),
    'refused (EHOSTUNREACH): Host unreachable',
  );
});

test('queued with no peer is not "sent"; a later write makes it written', () => {
  const q = deriveSendState({ ...base, queued: true });
  assert.equal(describeSendState(q), 'queued: no peer connected yet');
  assert.equal(
    describeSendState(deriveSendState({ ...base, queued: true, readyPeers: 1 })),
    'queued: waiting for the connection to take it',
  );
  const w = withWrite(q, 'tcp://127.0.0.1:5555');
  assert.deepEqual(w, { kind: 'written', to: ['tcp://127.0.0.1:5555'] });
  assert.equal(withWrite(w, 'tcp://127.0.0.1:5555'), w);
  assert.deepEqual(withWrite(w, 'tcp://127.0.0.1:6666'), { kind: 'written', to: ['tcp://127.0.0.1:5555', 'tcp://127.0.0.1:6666'] });
  // A refusal or a drop stays what it was.
  const r = deriveSendState({ ...base, error: { message: 'x' } });
  assert.equal(withWrite(r, 'tcp://a:1'), r);
});

test('written wins over queued; neither written nor queued is dropped, with the reason', () => {
  assert.equal(describeSendState(deriveSendState({ ...base, writtenTo: ['tcp://a:1'], queued: true })), 'written to tcp://a:1');
  assert.equal(describeSendState(deriveSendState({ ...base, socketType: 'PUB' })), 'dropped: no subscriber connected');
  assert.match(
    describeSendState(deriveSendState({ ...base, socketType: 'PUB', readyPeers: 2 })),
    /dropped: the queue was at its high-water mark/,
  );
  assert.equal(
    describeSendState(deriveSendState({ ...base, socketType: 'REP', readyPeers: 1 })),
    'dropped: the peer it is addressed to has gone, or its queue was full',
  );
  // Taken at once by an inproc peer (neither written by a connection nor still queued).
  assert.deepEqual(deriveSendState({ ...base, inproc: ['inproc://x'] }), { kind: 'written', to: ['inproc://x'] });
  assert.equal(deriveSendState({ ...base, socketType: 'PUB', inproc: ['inproc://x'] }).kind, 'dropped');
});
