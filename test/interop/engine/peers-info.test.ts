// Socket.peers: what the engine knows about each connected peer after its handshake (Socket-Type,
// Identity, User-Id and metadata from the ZAP handler, Peer-Address), for NULL, PLAIN and CURVE clients
// that are real libzmq sockets (zeromq.js). libzmq offers the same facts per message (zmq_msg_gets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { Context, Router, curveKeyPair, encodeMetadata, z85Encode } from '../../../core/internal.js';
import { startEngineZapHandler } from './security-raw-peer.js';

test('engine ROUTER + ZAP handler: peers lists each libzmq client with its User-Id, ZAP metadata and routing id', async () => {
  const ctx = new Context();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const zap = await startEngineZapHandler(ctx, (r) => {
    const user =
      r.mechanism === 'PLAIN'
        ? r.credentials[0].toString()
        : r.mechanism === 'CURVE'
          ? `key:${z85Encode(r.credentials[0]).slice(0, 8)}`
          : 'anonymous';
    return { statusCode: '200', userId: user, metadata: encodeMetadata({ Role: r.mechanism === 'PLAIN' ? 'operator' : 'viewer' }) };
  });
  const routers = {
    NULL: new Router({ linger: 0, zapDomain: 'global' }, ctx),
    PLAIN: new Router({ linger: 0, plainServer: true }, ctx),
    CURVE: new Router({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }, ctx),
  };
  const dealers: zmq.Dealer[] = [];
  try {
    for (const [mechanism, router] of Object.entries(routers)) {
      await router.bind('tcp://127.0.0.1:*');
      const options: Record<string, unknown> = { linger: 0, routingId: `${mechanism}-client` };
      if (mechanism === 'PLAIN') Object.assign(options, { plainUsername: 'alice', plainPassword: 'pw' });
      if (mechanism === 'CURVE')
        Object.assign(options, { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey });
      const dealer = new zmq.Dealer(options);
      dealers.push(dealer);
      dealer.connect(router.lastEndpoint!);
      await dealer.send('hello');
      const [from, body] = await router.receive();
      assert.equal(body.toString(), 'hello');

      assert.equal(router.peers.length, 1, mechanism);
      const peer = router.peers[0];
      assert.deepEqual(peer.routingId, from, `${mechanism}: the routing id a message arrives with names the peer`);
      assert.equal(from.toString(), `${mechanism}-client`);
      assert.equal(peer.socketType, 'DEALER');
      assert.equal(peer.endpoint, router.lastEndpoint);
      assert.match(peer.remoteAddress, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      const expectedUser = { NULL: 'anonymous', PLAIN: 'alice', CURVE: `key:${client.publicKey.slice(0, 8)}` }[mechanism];
      assert.equal(peer.userId, expectedUser, mechanism);
      assert.equal(peer.properties['User-Id'], expectedUser);
      assert.equal(peer.properties.Role, mechanism === 'PLAIN' ? 'operator' : 'viewer', `${mechanism}: ZAP metadata`);
      assert.equal(peer.properties.Identity, `${mechanism}-client`, `${mechanism}: READY metadata (encrypted for CURVE)`);
      assert.equal(peer.properties['Peer-Address'], '127.0.0.1');
    }
    // A peer that leaves is no longer listed.
    dealers[0].close();
    for (let i = 0; i < 200 && routers.NULL.peers.length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(routers.NULL.peers.length, 0);
  } finally {
    for (const d of dealers) d.close();
    for (const r of Object.values(routers)) r.close();
    await zap.close();
  }
});
