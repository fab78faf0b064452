// ZAP (RFC 27) and both mechanisms against the second real peer: Debian's python3-zmq (libzmq 4.3.4),
// whose ZAP handler is pyzmq's own ThreadAuthenticator. Our PLAIN/CURVE run on a bare codec connection.
import { test } from 'node:test';
import * as zmq from 'zeromq';
import assert from 'node:assert/strict';
import { curveKeyPair, z85Encode, type Mechanism, type ZapClient } from '../../../core/zmtp/index.js';
import {
  RawPeer,
  curveClient,
  curveServer,
  plainClient,
  plainServer,
  rawListener,
  startEngineZapHandler,
  startPyzmqPeer,
  watchEvents,
  type ErrorStep,
  type ReadyStep,
} from './security-raw-peer.js';
import { portOf } from '../../helpers/port.js';
import { Context, Reply, Request } from '../../../core/internal.js';

const hex = (s: string) => Buffer.from(s).toString('hex');

/** Our client with `mechanism` is refused by pyzmq's ThreadAuthenticator: auth 400 here, HANDSHAKE_FAILED_AUTH 400 there. */
async function assertRefusedByPyzmq(py: ReturnType<typeof startPyzmqPeer>, port: number, mechanism: Mechanism): Promise<void> {
  const bad = await RawPeer.connect(port, mechanism);
  try {
    const refused = (await bad.handshake) as ErrorStep;
    assert.equal(refused.kind, 'auth');
    assert.equal(refused.zapStatus, 400);
    assert.equal((await py.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
  } finally {
    await bad.close();
  }
}

/** A pyzmq client started with `config` is refused by our ZAP: zapStatus 400 here, HANDSHAKE_FAILED_AUTH 400 there. */
async function assertPyzmqClientRefused(listener: Awaited<ReturnType<typeof rawListener>>, config: Record<string, unknown>): Promise<void> {
  const bad = startPyzmqPeer(config);
  try {
    const peer = await listener.next();
    assert.equal(((await peer.handshake) as ErrorStep).zapStatus, 400);
    assert.equal((await bad.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
  } finally {
    await bad.stop();
  }
}

test('pyzmq PLAIN server with ThreadAuthenticator: our client is let in with the right password, refused (400) with a wrong one', async () => {
  const py = startPyzmqPeer({ role: 'server', mechanism: 'PLAIN', users: { admin: 'secret' } });
  try {
    const { port } = await py.next((l) => l.port !== undefined);
    const good = await RawPeer.connect(port!, plainClient('admin', 'secret'));
    const step = (await good.handshake) as ReadyStep;
    assert.equal(step.status, 'ready', (step as unknown as ErrorStep).reason);
    assert.equal(step.peerProperties['Socket-Type'], 'REP');
    good.send(['', 'hi', 'there']);
    assert.deepEqual((await py.next((l) => l.recv !== undefined)).recv, [hex('hi'), hex('there')]);
    assert.deepEqual((await good.receive())?.map(String), ['', 'echo:hi', 'echo:there']);
    await good.close();
    await assertRefusedByPyzmq(py, port!, plainClient('admin', 'guess'));
  } finally {
    await py.stop();
  }
});

test('pyzmq CURVE server with ThreadAuthenticator allow-list: our key is let in, another key is refused (400)', async () => {
  const server = curveKeyPair();
  const allowed = curveKeyPair();
  const py = startPyzmqPeer({ role: 'server', mechanism: 'CURVE', secret: server.secretKey, allow: [allowed.publicKey] });
  try {
    const { port } = await py.next((l) => l.port !== undefined);
    const good = await RawPeer.connect(port!, curveClient(server.publicKey, allowed));
    assert.equal((await good.handshake).status, 'ready');
    good.send(['', 'boxed']);
    assert.deepEqual((await py.next((l) => l.recv !== undefined)).recv, [hex('boxed')]);
    assert.deepEqual((await good.receive())?.map(String), ['', 'echo:boxed']);
    assert.deepEqual(good.problems, []);
    await good.close();
    await assertRefusedByPyzmq(py, port!, curveClient(server.publicKey, curveKeyPair()));
  } finally {
    await py.stop();
  }
});

function zapAllowing(check: (credentials: Buffer[]) => boolean, log: string[]): ZapClient {
  return async (r) => {
    log.push(`${r.mechanism}:${r.credentials.map((c) => (r.mechanism === 'CURVE' ? z85Encode(c) : c.toString())).join('/')}`);
    return check(r.credentials)
      ? { statusCode: '200', statusText: 'OK', userId: 'u', metadata: Buffer.alloc(0) }
      : { statusCode: '400', statusText: 'denied', userId: '', metadata: Buffer.alloc(0) };
  };
}

test('pyzmq PLAIN REQ clients -> our PLAIN server and ZAP: accepted one gets its reply, refused one sees auth 400', async () => {
  const log: string[] = [];
  const listener = await rawListener(
    plainServer({ zapDomain: 'd', zap: zapAllowing((c) => c[0].toString() === 'py' && c[1].toString() === 'pw', log) }),
  );
  const good = startPyzmqPeer({
    role: 'client',
    mechanism: 'PLAIN',
    port: listener.port,
    username: 'py',
    password: 'pw',
    send: ['q1', 'q2'],
  });
  try {
    const peer = await listener.next();
    assert.equal((await peer.handshake).status, 'ready');
    assert.deepEqual((await peer.receive())?.map(String), ['', 'q1', 'q2']);
    peer.send(['', 'a1']);
    assert.deepEqual((await good.next((l) => l.reply !== undefined)).reply, [hex('a1')]);
    assert.deepEqual(log, ['PLAIN:py/pw']);
  } finally {
    await good.stop();
  }
  try {
    await assertPyzmqClientRefused(listener, {
      role: 'client',
      mechanism: 'PLAIN',
      port: listener.port,
      username: 'py',
      password: 'nope',
      send: ['q'],
    });
  } finally {
    await listener.close();
  }
});

test('pyzmq CURVE REQ clients -> our CURVE server and ZAP: accepted one gets its reply, refused one sees auth 400', async () => {
  const server = curveKeyPair();
  const friend = curveKeyPair();
  const stranger = curveKeyPair();
  const log: string[] = [];
  const listener = await rawListener(
    curveServer(server.secretKey, { zapDomain: 'd', zap: zapAllowing((c) => z85Encode(c[0]) === friend.publicKey, log) }),
  );
  const good = startPyzmqPeer({
    role: 'client',
    mechanism: 'CURVE',
    port: listener.port,
    serverKey: server.publicKey,
    public: friend.publicKey,
    secret: friend.secretKey,
    send: ['secret question'],
  });
  try {
    const peer = await listener.next();
    assert.equal((await peer.handshake).status, 'ready');
    assert.deepEqual((await peer.receive())?.map(String), ['', 'secret question']);
    peer.send(['', 'secret answer']);
    assert.deepEqual((await good.next((l) => l.reply !== undefined)).reply, [hex('secret answer')]);
    assert.deepEqual(log, [`CURVE:${friend.publicKey}`]);
    assert.deepEqual(peer.problems, []);
  } finally {
    await good.stop();
  }
  try {
    await assertPyzmqClientRefused(listener, {
      role: 'client',
      mechanism: 'CURVE',
      port: listener.port,
      serverKey: server.publicKey,
      public: stranger.publicKey,
      secret: stranger.secretKey,
      send: ['q'],
    });
  } finally {
    await listener.close();
  }
});

// ---------------------------------------------------------------- our engine's sockets end to end

test('engine: our Requests (PLAIN, CURVE) -> pyzmq REP servers guarded by ThreadAuthenticator: accepted and refused (auth 400)', async () => {
  const ctx = new Context();
  const plainPy = startPyzmqPeer({ role: 'server', mechanism: 'PLAIN', users: { admin: 'secret' } });
  const server = curveKeyPair();
  const friend = curveKeyPair();
  const curvePy = startPyzmqPeer({ role: 'server', mechanism: 'CURVE', secret: server.secretKey, allow: [friend.publicKey] });
  const sockets: Request[] = [];
  const make = (options: ConstructorParameters<typeof Request>[0]) => {
    const s = new Request({ linger: 0, ...options }, ctx);
    sockets.push(s);
    return s;
  };
  try {
    const plainPort = (await plainPy.next((l) => l.port !== undefined)).port!;
    const curvePort = (await curvePy.next((l) => l.port !== undefined)).port!;
    const cases = [
      {
        ok: make({ plainUsername: 'admin', plainPassword: 'secret' }),
        bad: make({ plainUsername: 'admin', plainPassword: 'x' }),
        port: plainPort,
        py: plainPy,
      },
      {
        ok: make({ curveServerKey: server.publicKey, curvePublicKey: friend.publicKey, curveSecretKey: friend.secretKey }),
        bad: make({
          curveServerKey: server.publicKey,
          ...(({ publicKey, secretKey }) => ({ curvePublicKey: publicKey, curveSecretKey: secretKey }))(curveKeyPair()),
        }),
        port: curvePort,
        py: curvePy,
      },
    ];
    for (const { ok, bad, port, py } of cases) {
      ok.connect(`tcp://127.0.0.1:${port}`);
      await ok.send(['one', 'two']);
      assert.deepEqual((await ok.receive()).map(String), ['echo:one', 'echo:two']);
      const badEvents = watchEvents(bad);
      bad.connect(`tcp://127.0.0.1:${port}`);
      assert.equal((await badEvents.next('handshake:error:auth')).error?.status, 400);
      assert.equal((await py.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
    }
  } finally {
    for (const s of sockets) s.close();
    await plainPy.stop();
    await curvePy.stop();
  }
});

test('engine: pyzmq REQ clients (PLAIN, CURVE) -> our Reply sockets with our engine ZAP handler: accepted and refused', async () => {
  const ctx = new Context();
  const server = curveKeyPair();
  const friend = curveKeyPair();
  const zap = await startEngineZapHandler(ctx, (r) => {
    const ok =
      r.mechanism === 'PLAIN'
        ? r.credentials[0].toString() === 'py' && r.credentials[1].toString() === 'pw'
        : z85Encode(r.credentials[0]) === friend.publicKey;
    return ok ? { statusCode: '200', userId: 'x' } : { statusCode: '400', statusText: 'denied' };
  });
  const plainRep = new Reply({ linger: 0, plainServer: true, zapDomain: 'py' }, ctx);
  const curveRep = new Reply({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }, ctx);
  await plainRep.bind('tcp://127.0.0.1:*');
  await curveRep.bind('tcp://127.0.0.1:*');
  const peers: ReturnType<typeof startPyzmqPeer>[] = [];
  const py = (config: Record<string, unknown>) => {
    const p = startPyzmqPeer({ role: 'client', ...config });
    peers.push(p);
    return p;
  };
  const stranger = curveKeyPair();
  try {
    const cases = [
      {
        rep: plainRep,
        ok: { mechanism: 'PLAIN', username: 'py', password: 'pw' },
        bad: { mechanism: 'PLAIN', username: 'py', password: 'no' },
      },
      {
        rep: curveRep,
        ok: { mechanism: 'CURVE', serverKey: server.publicKey, public: friend.publicKey, secret: friend.secretKey },
        bad: { mechanism: 'CURVE', serverKey: server.publicKey, public: stranger.publicKey, secret: stranger.secretKey },
      },
    ];
    for (const { rep, ok, bad } of cases) {
      const port = portOf(rep.lastEndpoint);
      const repEvents = watchEvents(rep);
      const good = py({ ...ok, port, send: ['question'] });
      assert.deepEqual((await rep.receive()).map(String), ['question']);
      await rep.send('answer');
      assert.deepEqual((await good.next((l) => l.reply !== undefined)).reply, [hex('answer')]);
      const refused = py({ ...bad, port, send: ['q'] });
      assert.equal((await refused.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
      assert.equal((await repEvents.next('handshake:error:auth')).error?.status, 400);
    }
    assert.deepEqual(zap.bad, []);
    assert.deepEqual([...new Set(zap.requests.map((r) => `${r.mechanism}:${r.domain}`))].sort(), ['CURVE:', 'PLAIN:py']);
  } finally {
    for (const p of peers) await p.stop();
    plainRep.close();
    curveRep.close();
    await zap.close();
  }
});

test('engine: ZAP 500 and 300 from our engine handler: libzmq clients see auth 500, and a silent close for 300 (no ERROR)', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  const server = curveKeyPair();
  let status = '500';
  const zap = await startEngineZapHandler(ctx, () => ({ statusCode: status, statusText: 'try later' }));
  const rep = new Reply({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }, ctx);
  const repEvents = watchEvents(rep);
  await rep.bind('tcp://127.0.0.1:*');
  const clientOpts = () => {
    const k = curveKeyPair();
    return { context: theirs, linger: 0, curveServerKey: server.publicKey, curvePublicKey: k.publicKey, curveSecretKey: k.secretKey };
  };
  const req500 = new zmq.Request(clientOpts());
  const events500 = watchEvents(req500);
  let req300: zmq.Request | undefined;
  try {
    req500.connect(rep.lastEndpoint!);
    assert.equal((await events500.next('handshake:error:auth')).error?.status, 500);
    assert.equal((await repEvents.next('handshake:error:auth')).error?.status, 500);
    req500.close();

    status = '300';
    repEvents.events.length = 0;
    req300 = new zmq.Request(clientOpts());
    const events300 = watchEvents(req300);
    req300.connect(rep.lastEndpoint!);
    assert.equal((await repEvents.next('handshake:error:auth')).error?.status, 300);
    // libzmq's client only sees the connection drop: no ERROR command, so no auth event of its own
    const drop = await Promise.race(['disconnect', 'handshake:error:other', 'handshake:error:protocol'].map((t) => events300.next(t)));
    assert.ok(drop);
    assert.equal(events300.events.filter((e) => e.type === 'handshake:error:auth').length, 0);
  } finally {
    req500.close();
    req300?.close();
    rep.close();
    await zap.close();
  }
});

test('engine: a ZAP handler sending an invalid status code fails the handshake as a protocol error, and the socket keeps serving', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  let status = '299';
  const zap = await startEngineZapHandler(ctx, () => ({ statusCode: status }));
  const rep = new Reply({ linger: 0, plainServer: true }, ctx);
  const repEvents = watchEvents(rep);
  await rep.bind('tcp://127.0.0.1:*');
  const first = new zmq.Request({ context: theirs, linger: 0, plainUsername: 'a', plainPassword: 'b' });
  const second = new zmq.Request({ context: theirs, linger: 0, plainUsername: 'a', plainPassword: 'b' });
  try {
    first.connect(rep.lastEndpoint!);
    const e = await repEvents.next('handshake:error:protocol');
    assert.match(e.reason ?? e.error?.message ?? '', /299/);
    first.close();
    status = '200';
    second.connect(rep.lastEndpoint!);
    await second.send('still there?');
    assert.deepEqual((await rep.receive()).map(String), ['still there?']);
    await rep.send('yes');
    assert.deepEqual((await second.receive()).map(String), ['yes']);
  } finally {
    first.close();
    second.close();
    rep.close();
    await zap.close();
  }
});
