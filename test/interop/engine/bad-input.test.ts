// Bad input from one peer closes that one connection with a monitor event and a clear reason; the
// socket keeps working and a well-behaved libzmq peer sending at the same time loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { encodeFrame, encodeGreetingV3, encodeMessage, readyCommand } from '../../../core/zmtp/index.js';
import { nextEvent, ours, rawConnect, type RawPeer } from './machinery-helpers.js';
import type { Socket } from '../../../core/engine/socket.js';
import type { EventType, SocketEvent } from '../../../core/engine/monitor.js';

const GOOD = 200;

/** Our PULL with a libzmq PUSH sending GOOD numbered messages around the bad peer's visit. */
async function scenario(options: Record<string, unknown>, bad: (port: number, pull: Socket) => Promise<void>): Promise<void> {
  const pull = ours('PULL', options);
  await pull.bind('tcp://127.0.0.1:*');
  const port = Number(pull.lastEndpoint!.split(':').pop());
  const good = new zmq.Push({ linger: 0 });
  good.connect(pull.lastEndpoint!);
  try {
    for (let i = 0; i < GOOD / 2; i++) await good.send(['good', String(i)]);
    await bad(port, pull);
    for (let i = GOOD / 2; i < GOOD; i++) await good.send(['good', String(i)]);
    for (let i = 0; i < GOOD; i++) {
      const msg = await pull.receive();
      assert.deepEqual(msg.map(String), ['good', String(i)], 'the good peer lost nothing and nothing foreign slipped in');
    }
  } finally {
    good.close();
    pull.close();
  }
}

/** Connects a raw peer and waits for the event it provokes on `pull`, matched by the raw peer's port. */
async function provoke(
  pull: Socket,
  port: number,
  type: EventType,
  bytes: Buffer[],
  end = false,
): Promise<{ event: SocketEvent; peer: RawPeer }> {
  const peer = await rawConnect(port);
  const mine = (e: SocketEvent) => e.remoteAddress === `tcp://127.0.0.1:${peer.sock.localPort}`;
  // Any closing event, so a wrong event type fails the assertion instead of hanging.
  const ev = Promise.race(CLOSING.map((t) => nextEvent(pull, t, mine)));
  for (const b of bytes) peer.sock.write(b);
  if (end) peer.sock.end();
  const event = await ev;
  assert.equal(event.type, type, `expected ${type}, got ${event.type}: ${event.reason}`);
  await peer.closed;
  return { event, peer };
}

const CLOSING: EventType[] = ['disconnect', 'handshake:error:protocol', 'handshake:error:auth', 'handshake:error:other'];

const handshake = [encodeGreetingV3('NULL', false), encodeFrame('v3', readyCommand({ 'Socket-Type': 'PUSH' }), false, true)];

test('garbage greeting: an invalid mechanism name fails the handshake (protocol)', async () => {
  await scenario({}, async (port, pull) => {
    const g = encodeGreetingV3('NULL', false);
    g.write('\x01\x02bad', 12, 'latin1');
    const { event } = await provoke(pull, port, 'handshake:error:protocol', [g]);
    assert.match(event.reason!, /invalid mechanism name/);
  });
});

test('garbage after the greeting: reserved frame flags fail the handshake (protocol)', async () => {
  await scenario({}, async (port, pull) => {
    const { event } = await provoke(pull, port, 'handshake:error:protocol', [
      encodeGreetingV3('NULL', false),
      Buffer.from([0xf0, 0x03, 1, 2, 3]),
    ]);
    assert.match(event.reason!, /reserved frame flag bits/);
  });
});

test('garbage in ZMTP 1.0 framing: a zero-length frame after the identity closes the connection', async () => {
  await scenario({}, async (port, pull) => {
    const { event } = await provoke(pull, port, 'disconnect', [Buffer.from([0x01, 0x00, 0x00, 0x00])]);
    assert.match(event.reason!, /ZMTP 1\.0 frame with length 0/);
  });
});

test('oversize frame beyond maxMessageSize closes that connection before its body is buffered', async () => {
  await scenario({ maxMessageSize: 1000 }, async (port, pull) => {
    const header = Buffer.alloc(9);
    header[0] = 0x02; // LONG
    header.writeBigUInt64BE(1_000_000n, 1);
    const { event } = await provoke(pull, port, 'disconnect', [...handshake, header, Buffer.alloc(100)]);
    assert.match(event.reason!, /frame of 1000000 bytes exceeds maxMessageSize 1000/);
  });
});

test('a multipart message that never ends is bounded by maxMessageSize: many frames under the limit each add up', async () => {
  await scenario({ maxMessageSize: 1000 }, async (port, pull) => {
    // 2,000 empty frames, all with MORE: no frame is large, the message is (each frame counts a byte).
    const endless = Buffer.alloc(2 * 2000);
    for (let i = 0; i < endless.length; i += 2) endless[i] = 0x01;
    const { event } = await provoke(pull, port, 'disconnect', [...handshake, Buffer.from([0x01, 0x03]), Buffer.from('abc'), endless]);
    assert.match(event.reason!, /multipart message of \d+ frames .* exceeds maxMessageSize 1000/);
  });
});

test('oversize message from a real libzmq peer is refused the same way', async () => {
  const pull = ours('PULL', { maxMessageSize: 1000 });
  await pull.bind('tcp://127.0.0.1:*');
  const big = new zmq.Push({ linger: 0, reconnectInterval: -1 });
  const ok = new zmq.Push({ linger: 0 });
  try {
    const ev = nextEvent(pull, 'disconnect');
    big.connect(pull.lastEndpoint!);
    ok.connect(pull.lastEndpoint!);
    await big.send(Buffer.alloc(5000));
    const e = await ev;
    assert.match(e.reason!, /exceeds maxMessageSize 1000/);
    await ok.send('small');
    assert.equal((await pull.receive())[0].toString(), 'small');
  } finally {
    big.close();
    ok.close();
    pull.close();
  }
});

test('command in the wrong state: READY after the handshake closes the connection', async () => {
  await scenario({}, async (port, pull) => {
    const again = encodeFrame('v3', readyCommand({ 'Socket-Type': 'PUSH' }), false, true);
    const { event } = await provoke(pull, port, 'disconnect', [...handshake, again]);
    assert.match(event.reason!, /READY command received after the handshake finished/);
  });
});

test('command in the wrong state: a message frame before the handshake fails it (protocol)', async () => {
  await scenario({}, async (port, pull) => {
    const { event } = await provoke(pull, port, 'handshake:error:protocol', [
      encodeGreetingV3('NULL', false),
      encodeMessage('v3', [Buffer.from('early')]),
    ]);
    assert.match(event.reason!, /message frame received before the security handshake finished/);
  });
});

test('incompatible peer socket type in READY fails the handshake (a disconnect naming it; libzmq NULL gives no handshake event)', async () => {
  await scenario({}, async (port, pull) => {
    const sub = [encodeGreetingV3('NULL', false), encodeFrame('v3', readyCommand({ 'Socket-Type': 'SUB' }), false, true)];
    const { event } = await provoke(pull, port, 'disconnect', sub);
    assert.match(event.reason!, /peer socket type SUB cannot talk to PULL/);
  });
});

test('truncated stream: a frame cut short and a multipart message without its last frame are dropped', async () => {
  await scenario({}, async (port, pull) => {
    const header = Buffer.from([0x00, 100]);
    const cut = await provoke(pull, port, 'disconnect', [...handshake, header, Buffer.alloc(10)], true);
    assert.match(cut.event.reason!, /closed in the middle of a message \(12 bytes of an incomplete frame/);
    const partFrame = encodeFrame('v3', Buffer.from('first part'), true, false);
    const partial = await provoke(pull, port, 'disconnect', [...handshake, partFrame], true);
    assert.match(partial.event.reason!, /1 frames of an incomplete message dropped/);
  });
});

test('a raw peer that speaks correctly is delivered (control for the cases above)', async () => {
  const pull = ours('PULL');
  await pull.bind('tcp://127.0.0.1:*');
  try {
    const peer = await rawConnect(Number(pull.lastEndpoint!.split(':').pop()));
    for (const b of handshake) peer.sock.write(b);
    peer.sock.write(encodeMessage('v3', [Buffer.from('a'), Buffer.from('b')]));
    assert.deepEqual((await pull.receive()).map(String), ['a', 'b']);
    peer.sock.destroy();
  } finally {
    pull.close();
  }
});

test('a peer that never completes the handshake is dropped after handshakeInterval (other)', async () => {
  await scenario({ handshakeInterval: 100 }, async (port, pull) => {
    const { event } = await provoke(pull, port, 'handshake:error:other', [Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f])]);
    assert.match(event.reason!, /handshake did not complete within 100 ms/);
  });
});
