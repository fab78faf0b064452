// setWireTap: the engine's own tcp traffic, chunk by chunk, exactly as written and read, with no pcap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { FrameDecoder, parseCommand, parseGreeting, REVISION_3 } from '../../../core/zmtp/index.js';
import { setWireTap, type WireTapChunk } from '../../../core/index.js';
import { ours } from './machinery-helpers.js';

test('the wire tap sees every byte both ways, and nothing once removed', async () => {
  const chunks: WireTapChunk[] = [];
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const push = ours('PUSH');
  setWireTap((c) => chunks.push(c));
  try {
    push.connect(pull.lastEndpoint!);
    await push.send(['tapped', 'message']);
    await pull.receive();
    const out = Buffer.concat(chunks.filter((c) => c.direction === 'out').map((c) => c.data));
    const inn = Buffer.concat(chunks.filter((c) => c.direction === 'in').map((c) => c.data));
    const ids = new Set(chunks.map((c) => c.connectionId));
    assert.equal(ids.size, 1);
    assert.equal(chunks[0].remoteAddress, pull.lastEndpoint);
    assert.match(chunks[0].localAddress, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(chunks.every((c) => c.ts > 1.6e12));
    // What we wrote: a 3.1 greeting, READY, then the message.
    const g = parseGreeting(out, REVISION_3);
    assert.equal(g.status === 'done' && g.greeting.version, '3.1');
    const frames: { command: boolean; body: Buffer }[] = [];
    new FrameDecoder('v3').push(out.subarray(64), (_m, command, body) => frames.push({ command, body }));
    assert.equal(parseCommand(frames[0].body).name, 'READY');
    assert.deepEqual(frames.slice(1).map((f) => f.body.toString()), ['tapped', 'message']);
    // What we read: libzmq's greeting and READY.
    const theirs: Buffer[] = [];
    new FrameDecoder('v3').push(inn.subarray(64), (_m, _c, body) => theirs.push(body));
    assert.equal(parseCommand(theirs[0]).name, 'READY');

    setWireTap(undefined);
    const before = chunks.length;
    await push.send('untapped');
    await pull.receive();
    assert.equal(chunks.length, before);
    assert.throws(() => setWireTap('nope' as never), TypeError);
  } finally {
    setWireTap(undefined);
    push.close();
    pull.close();
  }
});
