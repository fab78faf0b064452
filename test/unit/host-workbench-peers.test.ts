// The workbench's peers and endpoint states from the engine's monitor events, with real peers: a STREAM
// socket's raw TCP peers (no handshake event, as libzmq) are shown ready on both sides, the connect side
// naming the peer's address; a PLAIN client refused by a libzmq server's ZAP handler shows that it does
// not dial again (libzmq's session stops after a refusal) until the user connects anew.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { Host } from '../../core/host/index.js';
import type { SocketInfo as Info } from '../../core/host/protocol.js';
import { startZapHandler } from '../interop/engine/security-raw-peer.js';

let host: Host;
before(() => {
  host = new Host();
});
after(async () => {
  await host.close();
});

/** Polls the socket's info until `ok` holds (the host folds events asynchronously); fails after 10 s with the last info. */
async function until(id: string, ok: (info: Info) => boolean): Promise<Info> {
  let last: Info | undefined;
  for (let i = 0; i < 200; i++) {
    last = (await host.request('socket.list')).find((x) => x.id === id);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never reached: ${JSON.stringify(last)}`);
}

test('STREAM: a raw TCP peer is a ready peer on the bind side and on the connect side', async () => {
  const stream = await host.request('socket.create', { type: 'STREAM', name: 'raw-bind' });
  const bound = await host.request('socket.bind', { id: stream.id, endpoint: 'tcp://127.0.0.1:*' });
  const port = Number(new URL(bound.endpoints[0].endpoint).port);
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverPort = (server.address() as net.AddressInfo).port;
  const dialer = await host.request('socket.create', { type: 'STREAM', name: 'raw-connect' });
  try {
    await new Promise((r) => client.once('connect', r));
    const info = await until(stream.id, (x) => x.peers.length === 1);
    assert.equal(info.peers[0].state, 'ready');
    assert.equal(info.peers[0].address, `tcp://127.0.0.1:${client.localPort}`);
    assert.equal(info.endpoints[0].status?.phase, 'listening');
    assert.deepEqual(info.endpoints[0].status?.ready, [`tcp://127.0.0.1:${client.localPort}`]);

    await host.request('socket.connect', { id: dialer.id, endpoint: `tcp://127.0.0.1:${serverPort}` });
    const connected = await until(dialer.id, (x) => x.peers.length === 1 && x.endpoints[0].status?.phase === 'connected');
    // The 'connect' event names the peer (our addition), so the peer is listed by its address.
    assert.equal(connected.peers[0].address, `tcp://127.0.0.1:${serverPort}`);
    assert.equal(connected.peers[0].state, 'ready');

    client.destroy();
    const gone = await until(stream.id, (x) => x.peers.length === 0);
    assert.equal(gone.endpoints[0].status?.phase, 'listening');
    assert.equal(gone.endpoints[0].status?.handshakeFailure, undefined, "a STREAM peer's close is no failed handshake");
  } finally {
    client.destroy();
    server.close();
    await host.request('socket.close', { id: stream.id });
    await host.request('socket.close', { id: dialer.id });
  }
});

test('a PLAIN client refused by ZAP is not dialing again, and says so, until it connects anew', async () => {
  const context = new zmq.Context();
  const zap = await startZapHandler(context, () => ({ statusCode: '400', statusText: 'no' }));
  const pull = new zmq.Pull({ context, linger: 0, plainServer: true, zapDomain: 'test' });
  await pull.bind('tcp://127.0.0.1:*');
  const endpoint = pull.lastEndpoint!;
  const push = await host.request('socket.create', {
    type: 'PUSH',
    name: 'refused',
    options: { plainUsername: 'u', plainPassword: 'p', reconnectInterval: 50 },
  });
  try {
    await host.request('socket.connect', { id: push.id, endpoint });
    const refused = await until(push.id, (x) => x.endpoints[0].status?.phase === 'handshake-failed');
    assert.match(refused.endpoints[0].status?.reason ?? '', /ZAP|refused|400/);
    // Ten reconnect intervals later: still refused, with no new attempt (libzmq's session stopped).
    await new Promise((r) => setTimeout(r, 500));
    // Rows fold repeats into a count: count the events.
    const auths = async () =>
      (await host.request('socket.events', { id: push.id })).items
        .filter((e) => e.type === 'handshake:error:auth')
        .reduce((n, e) => n + e.count, 0);
    const types = (await host.request('socket.events', { id: push.id })).items.map((e) => e.type);
    assert.equal(await auths(), 1, types.join(' '));
    assert.ok(!types.includes('connect:retry'), types.join(' '));
    const still = await until(push.id, () => true);
    assert.equal(still.endpoints[0].status?.phase, 'handshake-failed');
    assert.equal(still.endpoints[0].status?.nextAttemptAt, undefined);
    assert.equal(still.peers.length, 0);
    // The user connects again: one more attempt, refused again.
    await host.request('socket.disconnect', { id: push.id, endpoint });
    await host.request('socket.connect', { id: push.id, endpoint });
    for (let i = 0; i < 200 && (await auths()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await auths(), 2, 'the new connect made one new attempt');
    assert.equal((await until(push.id, () => true)).endpoints[0].status?.phase, 'handshake-failed');
  } finally {
    await host.request('socket.close', { id: push.id });
    pull.close();
    await zap.close();
  }
});
