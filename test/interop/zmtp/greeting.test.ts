// The codec against libzmq's real bytes: its stepwise greeting and its fallback to ZMTP 2.0 and 1.0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as zmq from 'zeromq';
import {
  FrameDecoder,
  encodeGreetingV3,
  encodeGreetingV2,
  encodeFrame,
  encodeMessage,
  parseGreeting,
  parseCommand,
  REVISION_1_0,
  REVISION_2_0,
  SIGNATURE_SIZE,
} from '../../../core/zmtp/index.js';

/** A raw TCP client that collects what the peer sends. */
async function rawClient(port: number) {
  const sock = net.connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  sock.on('data', (d) => {
    received = Buffer.concat([received, d]);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  return {
    sock,
    get received() {
      return received;
    },
    async waitFor(bytes: number): Promise<Buffer> {
      while (received.length < bytes) await new Promise<void>((r) => waiters.push(r));
      return received;
    },
  };
}

async function routerPort(router: zmq.Router): Promise<number> {
  await router.bind('tcp://127.0.0.1:*');
  return Number(router.lastEndpoint!.split(':').pop());
}

test('libzmq sends its signature first and the rest of a 3.1 greeting after ours, then READY', async () => {
  const router = new zmq.Router();
  const port = await routerPort(router);
  const c = await rawClient(port);
  try {
    const sig = await c.waitFor(SIGNATURE_SIZE);
    assert.deepEqual(parseGreeting(sig.subarray(0, SIGNATURE_SIZE)), { status: 'more', need: 11 });
    c.sock.write(encodeGreetingV3('NULL', false));
    const all = await c.waitFor(64);
    const g = parseGreeting(all);
    assert.equal(g.status, 'done');
    if (g.status !== 'done') return;
    assert.equal(g.greeting.version, '3.1');
    assert.equal(g.greeting.mechanism, 'NULL');
    assert.equal(g.greeting.asServer, false);
    // The READY command follows as a v3 command frame.
    const decoder = new FrameDecoder('v3');
    const frames: { command: boolean; body: Buffer }[] = [];
    c.sock.write(encodeFrame('v3', Buffer.from('\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER', 'latin1'), false, true));
    const withReady = await c.waitFor(64 + 2);
    decoder.push(withReady.subarray(64), (_more, command, body) => frames.push({ command, body }));
    while (frames.length === 0) {
      const more = await c.waitFor(c.received.length + 1);
      decoder.push(more.subarray(64 + decoder.offset + decoder.buffered), (_m, command, body) => frames.push({ command, body }));
    }
    assert.equal(frames[0].command, true);
    const ready = parseCommand(frames[0].body);
    assert.equal(ready.name, 'READY');
    assert.equal('properties' in ready && ready.properties['Socket-Type'], 'ROUTER');
    // And a message we send arrives.
    c.sock.write(encodeMessage('v3', [Buffer.from('hello')]));
    const [, payload] = await router.receive();
    assert.equal(payload.toString(), 'hello');
  } finally {
    c.sock.destroy();
    router.close();
  }
});

test('libzmq falls back to ZMTP 2.0 framing when the peer sends revision 1', async () => {
  const router = new zmq.Router();
  const port = await routerPort(router);
  const c = await rawClient(port);
  try {
    c.sock.write(encodeGreetingV2('DEALER'));
    const bytes = await c.waitFor(12 + 2);
    const g = parseGreeting(bytes, REVISION_2_0);
    assert.equal(g.status, 'done');
    if (g.status !== 'done') return;
    assert.equal(g.greeting.version, '2.0');
    assert.equal(g.greeting.revision, 3, 'libzmq still announces revision 3');
    assert.equal(g.greeting.socketType, 'ROUTER');
    // Its identity frame follows in 2.0 framing.
    const frames: Buffer[] = [];
    new FrameDecoder('v2').push(bytes.subarray(12), (_m, _c, body) => frames.push(body));
    assert.deepEqual(frames, [Buffer.alloc(0)]);
    // Our identity frame, then a two-frame message.
    c.sock.write(Buffer.concat([encodeMessage('v2', [Buffer.alloc(0)]), encodeMessage('v2', [Buffer.from('a'), Buffer.from('bc')])]));
    const msg = await router.receive();
    assert.deepEqual(msg.slice(1).map(String), ['a', 'bc']);
  } finally {
    c.sock.destroy();
    router.close();
  }
});

test('libzmq talks ZMTP 1.0 to a peer that sends no signature: its signature doubles as an identity frame', async () => {
  const router = new zmq.Router();
  const port = await routerPort(router);
  const c = await rawClient(port);
  try {
    // An empty 1.0 identity frame, then a message "abc".
    c.sock.write(Buffer.concat([encodeMessage('v1', [Buffer.alloc(0)]), encodeMessage('v1', [Buffer.from('abc')])]));
    const msg = await router.receive();
    assert.equal(msg[1].toString(), 'abc');
    const bytes = await c.waitFor(SIGNATURE_SIZE);
    const g = parseGreeting(bytes, REVISION_1_0);
    assert.equal(g.status === 'done' && g.greeting.version, '1.0');
    const frames: Buffer[] = [];
    const err = new FrameDecoder('v1').push(bytes, (_m, _c, body) => frames.push(body));
    assert.equal(err, undefined);
    assert.deepEqual(frames, [Buffer.alloc(0)], 'the signature decodes as an empty 1.0 identity frame');
  } finally {
    c.sock.destroy();
    router.close();
  }
});
