// The message tap tells "written to a peer's connection" from "still queued": a PUSH connected to a port
// where nobody listens keeps its message in the pipe; once a libzmq PULL binds there, the engine writes it
// to the connection and the tap names the same frames and the peer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { Push, addMessageTap, type MessageWritten } from '../../../core/internal.js';
import { freePort } from '../../e2e/traffic.js';

test('a queued message stays in the pipe until a peer comes up, then the tap reports its write', async () => {
  const port = await freePort();
  const push = new Push({ reconnectInterval: 20, linger: 0 });
  const written: MessageWritten[] = [];
  const remove = addMessageTap((w) => written.push(w));
  const pull = new zmq.Pull({ linger: 0 });
  try {
    push.connect(`tcp://127.0.0.1:${port}`);
    const body = Buffer.from('hello from a queue');
    await push.send([Buffer.from('topic'), body]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(push.queuedOn(body), `tcp://127.0.0.1:${port}`, 'queued while nobody listens');
    assert.equal(written.length, 0);
    await pull.bind(`tcp://127.0.0.1:${port}`);
    const [t, b] = await pull.receive();
    assert.equal(b.toString(), 'hello from a queue');
    assert.equal(t.toString(), 'topic');
    const mine = written.filter((w) => w.msg[w.msg.length - 1] === body);
    assert.equal(mine.length, 1, 'the tap saw the same frame Buffer once');
    assert.match(mine[0].remoteAddress, new RegExp(`^tcp://127\\.0\\.0\\.1:${port}$`));
    assert.equal(push.queuedOn(body), undefined);
  } finally {
    remove();
    push.close();
    pull.close();
  }
});

test('the tap is off once its last listener is removed, and a throwing listener does not break the write', async () => {
  const wiretap = await import('../../../core/engine/wiretap.js');
  const remove1 = addMessageTap(() => {
    throw new Error('faulty listener');
  });
  const seen: number[] = [];
  const remove2 = addMessageTap(() => seen.push(1));
  assert.ok(wiretap.messageTap);
  wiretap.tapMessage([Buffer.from('x')], 'tcp://a:1');
  assert.equal(seen.length, 1);
  remove1();
  remove2();
  remove2();
  assert.equal(wiretap.messageTap, undefined);
});
