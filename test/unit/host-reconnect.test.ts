// socket.reconnect: a connect endpoint that libzmq (and our engine) gave up on after a ZAP refusal is
// dialed anew, with what it was connected with, against a zeromq.js PLAIN server whose ZAP handler changes
// its mind; and the request is checked like the others.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { Host } from '../../core/host/index.js';
import type { EndpointInfo } from '../../core/host/protocol.js';
import { givenUp } from '../../core/host/endpoint-state.js';
import { startZapHandler } from '../interop/engine/security-raw-peer.js';
import { rejects } from '../helpers/host-errors.js';

let host: Host;
before(() => {
  host = new Host();
});
after(() => host.close());

/** Polls the socket's connect endpoint until `ok` holds (the status follows monitor events asynchronously). */
async function endpointUntil(id: string, ok: (e: EndpointInfo) => boolean, what: string): Promise<EndpointInfo> {
  const limit = Date.now() + 10_000;
  for (;;) {
    const info = (await host.request('socket.list', {})).find((s) => s.id === id)!;
    const e = info.endpoints.find((x) => x.kind === 'connect')!;
    if (ok(e)) return e;
    if (Date.now() > limit) assert.fail(`${what}: the endpoint is ${JSON.stringify(e.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('socket.reconnect requests are checked: unknown socket, no such connect endpoint, a bound one, bad fields', async () => {
  const s = await host.request('socket.create', { type: 'PULL', name: 'checked' });
  const bound = (await host.request('socket.bind', { id: s.id, endpoint: 'tcp://127.0.0.1:*' })).endpoints[0].endpoint;
  try {
    await rejects(host.request('socket.reconnect', { id: 's999', endpoint: 'tcp://127.0.0.1:1' }), 'ENOTFOUND', /no socket with id 's999'/);
    await rejects(host.request('socket.reconnect', { id: s.id, endpoint: 'tcp://127.0.0.1:1' }), 'ENOENT', /no connected endpoint/);
    await rejects(host.request('socket.reconnect', { id: s.id, endpoint: bound }), 'ENOENT', /no connected endpoint/);
    await rejects(host.request('socket.reconnect', { id: s.id, endpoint: '' }), 'EINVAL', /endpoint/);
    await rejects(host.request('socket.reconnect', { id: s.id, endpoint: bound, extra: 1 } as never), 'EINVAL', /extra/);
  } finally {
    await host.request('socket.close', { id: s.id });
  }
});

test('a PLAIN client refused by a zeromq.js ZAP handler is given up on; after the policy changes, reconnect gets it through', async () => {
  let allow = false;
  const context = new zmq.Context();
  const zap = await startZapHandler(context, () => ({ statusCode: allow ? '200' : '400', statusText: allow ? 'OK' : 'not yet' }));
  const server = new zmq.Router({ context, linger: 0, plainServer: true, zapDomain: 'test' });
  await server.bind('tcp://127.0.0.1:*');
  const endpoint = server.lastEndpoint!;
  // A ROUTER that names its peer at connect (routingId) and refuses to send to an unknown one (mandatory):
  // its send to that name works only if the reconnect gave the name again.
  const client = await host.request('socket.create', {
    type: 'ROUTER',
    name: 'plain-router',
    options: { plainUsername: 'u', plainPassword: 'p', linger: 0, reconnectInterval: 100, mandatory: true },
  });
  try {
    await host.request('socket.connect', { id: client.id, endpoint, routingId: 'server' });
    const refused = await endpointUntil(client.id, (e) => e.status !== undefined && givenUp(e.status), 'refused and given up');
    assert.match(refused.status!.reason!, /400/);
    // Given up means given up: no attempt follows while nothing changes.
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(givenUp((await endpointUntil(client.id, () => true, 'still')).status!));

    allow = true;
    const again = await host.request('socket.reconnect', { id: client.id, endpoint });
    assert.deepEqual(
      again.endpoints.map((e) => [e.kind, e.endpoint, e.connectRoutingId, e.status?.phase]),
      [['connect', endpoint, 'server', 'connecting']],
    );
    await endpointUntil(client.id, (e) => e.status?.phase === 'connected', 'connected after the reconnect');
    await host.request('socket.send', {
      id: client.id,
      frames: [
        { kind: 'text', data: 'server' },
        { kind: 'text', data: 'let in' },
      ],
    });
    const [, body] = (await server.receive()) as Buffer[];
    assert.equal(body.toString(), 'let in');
  } finally {
    await host.request('socket.close', { id: client.id });
    server.close();
    await zap.close();
  }
});
