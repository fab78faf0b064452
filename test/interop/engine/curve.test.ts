// CURVE (RFC 26) against libzmq 4.3.5 through zeromq.js, with our mechanism on a bare ZMTP connection
// (codec + CurveClient/CurveServer): both directions, with and without a ZAP handler, real messages
// through MESSAGE boxes, and libzmq's own monitor events on refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { curveKeyPair, z85Encode, type ZapClient } from '../../../core/zmtp/index.js';
import {
  RawPeer,
  curveClient,
  curveServer,
  expectRefusedByLibzmqZap,
  expectZapRefusal,
  libzmqReply,
  rawListener,
  startEngineZapHandler,
  startZapHandler,
  watchEvents,
  type ErrorStep,
  type ReadyStep,
} from './security-raw-peer.js';
import { Context, Dealer, FrameDecoder, Publisher, Reply, Request, Router, Subscriber, setWireTap } from '../../../core/internal.js';

async function curveReply(context: zmq.Context, extra: Partial<zmq.SocketOptions<zmq.Reply>> = {}) {
  const server = curveKeyPair();
  return { server, ...(await libzmqReply(context, { curveServer: true, curveSecretKey: server.secretKey, ...extra })) };
}

test('CURVE client (ours) -> zeromq.js Reply without ZAP handler: handshake, request and reply through boxes', async () => {
  const context = new zmq.Context();
  const { rep, server, port } = await curveReply(context);
  const peer = await RawPeer.connect(port, curveClient(server.publicKey));
  try {
    const step = await peer.handshake;
    assert.equal(step.status, 'ready', (step as ErrorStep).reason);
    assert.equal(step.peerProperties['Socket-Type'], 'REP');
    const big = Buffer.alloc(100_000, 0x5a);
    for (let i = 0; i < 3; i++) {
      peer.send(['', `hello ${i}`, big]);
      const [text, body] = await rep.receive();
      assert.equal(text.toString(), `hello ${i}`);
      assert.ok(body.equals(big));
      await rep.send([`world ${i}`, '']);
      const reply = await peer.receive();
      assert.deepEqual(reply?.map(String), ['', `world ${i}`, '']);
    }
    assert.deepEqual(peer.problems, []);
  } finally {
    await peer.close();
    rep.close();
  }
});

test('CURVE client (ours) -> zeromq.js Reply with a ZAP handler that accepts our long-term key', async () => {
  const context = new zmq.Context();
  const keys = curveKeyPair();
  const zap = await startZapHandler(context, (r) =>
    z85Encode(r.credentials[0]) === keys.publicKey ? { statusCode: '200', userId: 'carol' } : { statusCode: '400' },
  );
  const { rep, server, port } = await curveReply(context, { zapDomain: 'interop' });
  const peer = await RawPeer.connect(port, curveClient(server.publicKey, keys));
  try {
    assert.equal((await peer.handshake).status, 'ready');
    peer.send(['', 'ping']);
    assert.equal(String((await rep.receive())[0]), 'ping');
    assert.equal(zap.requests.length, 1);
    const r = zap.requests[0];
    assert.equal(r.mechanism, 'CURVE');
    assert.equal(r.domain, 'interop');
    assert.equal(r.address, '127.0.0.1');
    assert.equal(z85Encode(r.credentials[0]), keys.publicKey);
    assert.deepEqual(zap.bad, []);
  } finally {
    await peer.close();
    rep.close();
    await zap.close();
  }
});

test('CURVE client (ours) refused by the ZAP handler: we report auth 400, libzmq emits handshake:error:auth', async () => {
  await expectRefusedByLibzmqZap(
    () => ({ statusCode: '400', statusText: 'not on the list' }),
    curveReply,
    ({ server }) => curveClient(server.publicKey),
  );
});

test('CURVE client (ours) with the wrong server key: libzmq refuses HELLO (handshake:error:protocol)', async () => {
  const context = new zmq.Context();
  const { rep, events, port } = await curveReply(context);
  const peer = await RawPeer.connect(port, curveClient(curveKeyPair().publicKey));
  try {
    const step = await peer.handshake;
    assert.equal(step.status, 'error');
    const e = await events.next('handshake:error:protocol');
    assert.equal((e as { error: { code: string } }).error.code, 'ERR_ZMTP_CRYPTOGRAPHIC');
  } finally {
    await peer.close();
    rep.close();
  }
});

test('zeromq.js Request -> CURVE server (ours): handshake, envelope and reply through boxes; our ZAP sees its key', async () => {
  const context = new zmq.Context();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const seen: string[] = [];
  const zap: ZapClient = async (request) => {
    seen.push(`${request.mechanism} ${request.domain} ${request.address} ${z85Encode(request.credentials[0])}`);
    return { statusCode: '200', statusText: 'OK', userId: 'dave', metadata: Buffer.alloc(0) };
  };
  const listener = await rawListener(curveServer(server.secretKey, { zap }));
  const req = new zmq.Request({
    context,
    linger: 0,
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  req.connect(`tcp://127.0.0.1:${listener.port}`);
  try {
    const peer = await listener.next();
    const step = (await peer.handshake) as ReadyStep;
    assert.equal(step.status, 'ready', (step as unknown as ErrorStep).reason);
    assert.equal(step.peerProperties['Socket-Type'], 'REQ');
    assert.equal(step.userId, 'dave');
    assert.deepEqual(seen, [`CURVE ours 127.0.0.1 ${client.publicKey}`]);
    for (let i = 0; i < 3; i++) {
      await req.send([`question ${i}`, Buffer.alloc(300, i)]);
      const msg = await peer.receive();
      assert.deepEqual(msg?.slice(0, 2).map(String), ['', `question ${i}`]);
      assert.ok(msg[2].equals(Buffer.alloc(300, i)));
      peer.send(['', `answer ${i}`]);
      assert.deepEqual((await req.receive()).map(String), [`answer ${i}`]);
    }
    assert.deepEqual(peer.problems, []);
  } finally {
    req.close();
    await listener.close();
  }
});

test('zeromq.js Request refused by our CURVE server ZAP (400): libzmq client emits handshake:error:auth 400', async () => {
  const context = new zmq.Context();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const zap: ZapClient = async () => ({ statusCode: '400', statusText: 'no', userId: '', metadata: Buffer.alloc(0) });
  const listener = await rawListener(curveServer(server.secretKey, { zap }));
  const req = new zmq.Request({
    context,
    linger: 0,
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  const events = watchEvents(req);
  req.connect(`tcp://127.0.0.1:${listener.port}`);
  try {
    const peer = await listener.next();
    await expectZapRefusal(await peer.handshake, events);
  } finally {
    req.close();
    await listener.close();
  }
});

test('zeromq.js Request with the wrong server key: our CURVE server refuses HELLO with a protocol error', async () => {
  const context = new zmq.Context();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const listener = await rawListener(curveServer(server.secretKey));
  const req = new zmq.Request({
    context,
    linger: 0,
    curveServerKey: curveKeyPair().publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  req.connect(`tcp://127.0.0.1:${listener.port}`);
  try {
    const peer = await listener.next();
    const step = (await peer.handshake) as ErrorStep;
    assert.equal(step.status, 'error');
    assert.equal(step.kind, 'protocol');
    assert.match(step.reason, /HELLO signature box does not open/);
  } finally {
    req.close();
    await listener.close();
  }
});

// ---------------------------------------------------------------- our engine's sockets end to end

test('engine: our Request (CURVE) -> zeromq.js Reply with its ZAP handler accepting, then refusing (our handshake:error:auth 400)', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  const server = curveKeyPair();
  const friend = curveKeyPair();
  const zap = await startZapHandler(theirs, (r) =>
    z85Encode(r.credentials[0]) === friend.publicKey ? { statusCode: '200' } : { statusCode: '400', statusText: 'stranger' },
  );
  const rep = new zmq.Reply({ context: theirs, linger: 0, curveServer: true, curveSecretKey: server.secretKey, zapDomain: 'e2e' });
  await rep.bind('tcp://127.0.0.1:*');
  const req = new Request(
    { linger: 0, curveServerKey: server.publicKey, curvePublicKey: friend.publicKey, curveSecretKey: friend.secretKey },
    ctx,
  );
  const stranger = curveKeyPair();
  const req2 = new Request(
    { linger: 0, curveServerKey: server.publicKey, curvePublicKey: stranger.publicKey, curveSecretKey: stranger.secretKey },
    ctx,
  );
  const events2 = watchEvents(req2);
  try {
    req.connect(rep.lastEndpoint!);
    for (let i = 0; i < 5; i++) {
      await req.send([`q${i}`, Buffer.alloc(i * 20000, i)]);
      const [q, body] = await rep.receive();
      assert.equal(String(q), `q${i}`);
      assert.ok(body.equals(Buffer.alloc(i * 20000, i)));
      await rep.send(`a${i}`);
      assert.deepEqual((await req.receive()).map(String), [`a${i}`]);
    }
    req2.connect(rep.lastEndpoint!);
    const e = await events2.next('handshake:error:auth');
    assert.equal(e.error?.status, 400);
    assert.deepEqual(zap.requests.map((r) => z85Encode(r.credentials[0])).slice(0, 2), [friend.publicKey, stranger.publicKey]);
  } finally {
    req.close();
    req2.close();
    rep.close();
    await zap.close();
  }
});

test('engine: zeromq.js Request -> our Reply (CURVE) with our own engine ZAP handler accepting, then refusing', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  const server = curveKeyPair();
  const friend = curveKeyPair();
  const zap = await startEngineZapHandler(ctx, (r) =>
    z85Encode(r.credentials[0]) === friend.publicKey ? { statusCode: '200', userId: 'friend' } : { statusCode: '400' },
  );
  const rep = new Reply({ linger: 0, curveServer: true, curveSecretKey: server.secretKey, zapDomain: 'ours' }, ctx);
  const ourEvents = watchEvents(rep);
  await rep.bind('tcp://127.0.0.1:*');
  const req = new zmq.Request({
    context: theirs,
    linger: 0,
    curveServerKey: server.publicKey,
    curvePublicKey: friend.publicKey,
    curveSecretKey: friend.secretKey,
  });
  const stranger = curveKeyPair();
  const req2 = new zmq.Request({
    context: theirs,
    linger: 0,
    curveServerKey: server.publicKey,
    curvePublicKey: stranger.publicKey,
    curveSecretKey: stranger.secretKey,
  });
  const theirEvents = watchEvents(req2);
  try {
    req.connect(rep.lastEndpoint!);
    for (let i = 0; i < 3; i++) {
      await req.send(['x', `y${i}`]);
      assert.deepEqual((await rep.receive()).map(String), ['x', `y${i}`]);
      await rep.send(`z${i}`);
      assert.deepEqual((await req.receive()).map(String), [`z${i}`]);
    }
    const r = zap.requests[0];
    assert.equal(r.mechanism, 'CURVE');
    assert.equal(r.domain, 'ours');
    assert.equal(r.address, '127.0.0.1');
    req2.connect(rep.lastEndpoint!);
    assert.equal((await theirEvents.next('handshake:error:auth')).error?.status, 400);
    assert.equal((await ourEvents.next('handshake:error:auth')).error?.status, 400);
    assert.deepEqual(zap.bad, []);
  } finally {
    req.close();
    req2.close();
    rep.close();
    await zap.close();
  }
});

test('engine: our Dealer <-> our Router over CURVE without a ZAP handler (Stonehouse), and a wrong server key fails the handshake', async () => {
  const ctx = new Context();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const router = new Router({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }, ctx);
  const routerEvents = watchEvents(router);
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new Dealer(
    { linger: 0, routingId: 'd1', curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey },
    ctx,
  );
  const wrong = new Dealer(
    { linger: 0, curveServerKey: curveKeyPair().publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey },
    ctx,
  );
  try {
    dealer.connect(router.lastEndpoint!);
    await dealer.send(['one', 'two']);
    const [id, ...rest] = await router.receive();
    assert.equal(String(id), 'd1');
    assert.deepEqual(rest.map(String), ['one', 'two']);
    await router.send([id, 'back']);
    assert.deepEqual((await dealer.receive()).map(String), ['back']);
    wrong.connect(router.lastEndpoint!);
    const e = await routerEvents.next('handshake:error:protocol');
    assert.match(e.reason ?? e.error?.message ?? '', /HELLO/);
  } finally {
    dealer.close();
    wrong.close();
    router.close();
  }
});

test('engine: commands travel inside CURVE boxes (flag 0x02): SUBSCRIBE both ways and PING/PONG with libzmq', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  const server = curveKeyPair();
  const client = curveKeyPair();
  const clientOpts = { curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey };
  // our SUB (client) -> their PUB (server), then their SUB (client) -> our PUB (server)
  const theirPub = new zmq.Publisher({ context: theirs, linger: 0, curveServer: true, curveSecretKey: server.secretKey });
  await theirPub.bind('tcp://127.0.0.1:*');
  const ourSub = new Subscriber({ linger: 0, ...clientOpts }, ctx);
  ourSub.subscribe('wanted');
  ourSub.connect(theirPub.lastEndpoint!);
  const ourPub = new Publisher({ linger: 0, curveServer: true, curveSecretKey: server.secretKey }, ctx);
  await ourPub.bind('tcp://127.0.0.1:*');
  const theirSub = new zmq.Subscriber({ context: theirs, linger: 0, ...clientOpts });
  theirSub.subscribe('wanted');
  theirSub.connect(ourPub.lastEndpoint!);
  let publishing = true;
  const publisher = (async () => {
    // a subscription takes effect some time after connect: publish until both subscribers have heard
    while (publishing) {
      await theirPub.send(['unwanted', 'x']);
      await theirPub.send(['wanted', 'from libzmq']);
      await ourPub.send(['unwanted', 'x']);
      await ourPub.send(['wanted', 'from us']);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    assert.deepEqual((await ourSub.receive()).map(String), ['wanted', 'from libzmq']);
    assert.deepEqual((await theirSub.receive()).map(String), ['wanted', 'from us']);
  } finally {
    publishing = false;
    await publisher;
    ourSub.close();
    ourPub.close();
    theirSub.close();
    theirPub.close();
  }

  // heartbeats: our PINGs are sealed with the command flag, libzmq answers PONG inside a box; if either
  // side misread the flag, the PING would reach the ROUTER as a message or the PONG would not count.
  const router = new zmq.Router({ context: theirs, linger: 0, curveServer: true, curveSecretKey: server.secretKey });
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new Dealer({ linger: 0, routingId: 'hb', heartbeatInterval: 30, heartbeatTimeout: 10_000, ...clientOpts }, ctx);
  const dealerEvents = watchEvents(dealer);
  let inbound = Buffer.alloc(0);
  const decoder = new FrameDecoder('v3');
  let boxesIn = 0;
  let enough!: () => void;
  const gotEnough = new Promise<void>((resolve) => {
    enough = resolve;
  });
  setWireTap((chunk) => {
    if (chunk.direction !== 'in') return;
    if (inbound.length < 64) {
      inbound = Buffer.concat([inbound, chunk.data]);
      if (inbound.length < 64) return;
      chunk = { ...chunk, data: inbound.subarray(64) };
    }
    decoder.push(Buffer.from(chunk.data), (_more, _command, body) => {
      if (body.subarray(0, 8).toString('latin1') === '\x07MESSAGE' && ++boxesIn === 3) enough();
    });
  });
  try {
    dealer.connect(router.lastEndpoint!);
    await gotEnough; // three boxes in while we sent no message: libzmq's PONGs
    await dealer.send('real message');
    assert.deepEqual((await router.receive()).map(String), ['hb', 'real message']);
    assert.equal(dealerEvents.events.filter((e) => e.type === 'disconnect').length, 0);
  } finally {
    setWireTap(undefined);
    dealer.close();
    router.close();
  }
});
