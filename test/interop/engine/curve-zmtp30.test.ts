// Subscriptions re-sent after a reconnect to a CURVE peer must travel sealed like every other frame. A ZMTP
// 3.0 peer takes a subscription as a [\x01topic] message (3.1: a SUBSCRIBE command); both must go out as
// CURVE MESSAGE boxes. The peer is a bare connection built from our codec and CURVE mechanism (libzmq 4.3
// only speaks 3.1, so no libzmq can play a 3.0 peer): it reports any frame it cannot open as a problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveKeyPair, splitCommand } from '../../../core/zmtp/index.js';
import { Subscriber } from '../../../core/internal.js';
import { RawPeer, curveServer, rawListener, type ErrorStep } from './security-raw-peer.js';
import type { SocketEvent } from '../../../core/engine/monitor.js';

/** The subscription the peer saw first after its handshake: as a message (3.0) or a SUBSCRIBE command (3.1). */
async function firstSubscription(peer: RawPeer, minor: number): Promise<string> {
  const step = await peer.handshake;
  assert.equal(step.status, 'ready', (step as ErrorStep).reason);
  for (;;) {
    if (peer.problems.length > 0) assert.fail(`frames the CURVE peer could not open: ${peer.problems.join('; ')}`);
    if (minor === 1) {
      const sub = peer.commands.map(splitCommand).find((c) => c?.name === 'SUBSCRIBE');
      if (sub) return `SUBSCRIBE ${sub.data.toString()}`;
    }
    if (minor === 0) {
      // An unsealed frame would not open and land in problems, never here.
      const msg = await Promise.race([peer.receive(), new Promise<undefined>((r) => setTimeout(r, 50))]);
      if (msg) return `message ${msg.map((f) => f.toString('latin1')).join('|')}`;
      if (peer.socket.destroyed) assert.fail('the connection closed before a subscription came');
    } else {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

for (const minor of [0, 1]) {
  test(`SUB (ours, CURVE) reconnecting to a ZMTP 3.${minor} CURVE publisher re-sends its subscription sealed`, async () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const listener = await rawListener(curveServer(server.secretKey, { socketType: 'PUB' }), minor);
    const sub = new Subscriber({
      linger: 0,
      reconnectInterval: 20,
      curveServerKey: server.publicKey,
      curvePublicKey: client.publicKey,
      curveSecretKey: client.secretKey,
    });
    const expected = minor === 0 ? 'message \x01news' : 'SUBSCRIBE news';
    try {
      sub.subscribe('news');
      sub.connect(`tcp://127.0.0.1:${listener.port}`);
      const first = await listener.next();
      assert.equal(await firstSubscription(first, minor), expected);
      first.send(['news first']);
      assert.deepEqual((await sub.receive()).map(String), ['news first']);
      // The peer goes away; our session dials again and re-sends what it had subscribed.
      await first.close();
      const second = await listener.next();
      assert.equal(await firstSubscription(second, minor), expected);
      second.send(['news second']);
      assert.deepEqual((await sub.receive()).map(String), ['news second']);
      assert.deepEqual(second.problems, []);
    } finally {
      sub.close();
      await listener.close();
    }
  });
}

test('the guard: bytes written unframed on a CURVE connection after its handshake are refused, and the connection ends', async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const listener = await rawListener(curveServer(server.secretKey, { socketType: 'PUB' }), 0);
  const sub = new Subscriber({
    linger: 0,
    reconnectInterval: 60_000,
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  try {
    sub.subscribe('');
    const endpoint = `tcp://127.0.0.1:${listener.port}`;
    const disconnected = new Promise<SocketEvent>((resolve) => sub.events.on('disconnect', resolve));
    sub.connect(endpoint);
    const peer = await listener.next();
    assert.equal(await firstSubscription(peer, 0), 'message \x01');
    // No path of the engine writes so (the test above is the bug this guards against): reach the
    // connection's unframed writer directly, as a future bug would.
    type Internals = { sessions: Map<string, { conn?: { send(bytes: Buffer): void } }[]> };
    const conn = (sub as unknown as Internals).sessions.get(endpoint)?.[0]?.conn;
    assert.ok(conn, 'the session has its connection');
    conn.send(Buffer.from([0, 5, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
    const event = await disconnected;
    assert.match(event.reason ?? '', /refused to write an unsealed frame on an encrypted connection/);
    await peer.closed;
    assert.deepEqual(peer.problems, [], 'the peer never saw the clear bytes');
  } finally {
    sub.close();
    await listener.close();
  }
});
