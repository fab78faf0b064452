// setWireTap: the engine's own tcp traffic, chunk by chunk, exactly as written and read, with no pcap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { FrameDecoder, parseCommand, parseGreeting, REVISION_3 } from '../../../core/zmtp/index.js';
import { setWireTap, type WireTapChunk } from '../../../core/internal.js';
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
    assert.deepEqual(
      frames.slice(1).map((f) => f.body.toString()),
      ['tapped', 'message'],
    );
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

test('the wire tap tells each listener once when a connection ends, after its last chunk', async () => {
  const { addWireTap, setWireTap: set } = await import('../../../core/internal.js');
  const events: string[] = [];
  const closes: import('../../../core/internal.js').WireTapClose[] = [];
  const lateCloses: number[] = [];
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  const endpoint = pull.lastEndpoint!;
  const push = ours('PUSH');
  const off = addWireTap(
    (c) => events.push(`chunk ${c.connectionId}`),
    (e) => {
      events.push(`close ${e.connectionId}`);
      closes.push(e);
    },
  );
  const throwing = addWireTap(
    () => {},
    () => {
      throw new Error('faulty close listener');
    },
  );
  let offLate: (() => void) | undefined;
  try {
    push.connect(endpoint);
    await push.send('before-close');
    await pull.receive();
    const ids = [...new Set(events.map((e) => Number(e.split(' ')[1])))];
    assert.equal(ids.length, 1);
    assert.equal(closes.length, 0, 'no close while the connection is up');
    // Added after the connection began: still told about its end.
    offLate = addWireTap(
      () => {},
      (e) => lateCloses.push(e.connectionId),
    );
    pull.close();
    const deadline = Date.now() + 20_000;
    while (closes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(closes.length, 1);
    assert.equal(closes[0].connectionId, ids[0]);
    assert.equal(closes[0].remoteAddress, endpoint);
    assert.match(closes[0].localAddress, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.match(closes[0].reason, /peer closed|connection error/);
    assert.ok(closes[0].ts > 1.6e12);
    assert.equal(events[events.length - 1], `close ${ids[0]}`, 'the close comes after every chunk of its connection');
    assert.deepEqual(lateCloses, [ids[0]]);
    assert.throws(() => addWireTap(() => {}, 'nope' as never), TypeError);
  } finally {
    off();
    throwing();
    offLate?.();
    set(undefined);
    push.close();
    if (!pull.closed) pull.close();
  }
  // Removed: a later connection's end is not reported.
  const before = closes.length;
  const pull2 = new zmq.Pull({ linger: 0 });
  await pull2.bind('tcp://127.0.0.1:*');
  const push2 = ours('PUSH');
  try {
    push2.connect(pull2.lastEndpoint!);
    await push2.send('x');
    await pull2.receive();
  } finally {
    push2.close();
    pull2.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closes.length, before);
});
