// PLAIN (RFC 24) against libzmq 4.3.5 through zeromq.js, with our mechanism on a bare ZMTP connection
// (codec + PlainClient/PlainServer): both directions, ZAP accepting and refusing, and libzmq's rule that
// a PLAIN server without a ZAP handler refuses everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { type ZapClient } from '../../../core/zmtp/index.js';
import {
  RawPeer,
  expectRefusedByLibzmqZap,
  expectZapRefusal,
  libzmqReply,
  plainClient,
  plainServer,
  rawListener,
  startEngineZapHandler,
  startZapHandler,
  watchEvents,
  type ErrorStep,
  type ReadyStep,
} from './security-raw-peer.js';
import { Context, Dealer, Router } from '../../../core/internal.js';

const asDealer = { 'Socket-Type': 'DEALER', Identity: 'dealer-1' };

const plainReply = (context: zmq.Context) => libzmqReply(context, { plainServer: true, zapDomain: 'plain-test' });

const users: Record<string, string> = { admin: 'secret', üser: 'pässwörd' };
const checkUsers = (r: { credentials: Buffer[] }) =>
  users[r.credentials[0].toString()] === r.credentials[1].toString()
    ? { statusCode: '200', userId: r.credentials[0].toString() }
    : { statusCode: '400', statusText: 'bad credentials' };

test('PLAIN client (ours) -> zeromq.js Reply with a ZAP handler: accepted, messages flow, the handler saw our credentials', async () => {
  const context = new zmq.Context();
  const zap = await startZapHandler(context, checkUsers);
  const { rep, port } = await plainReply(context);
  const peer = await RawPeer.connect(port, plainClient('üser', 'pässwörd', asDealer));
  try {
    const step = (await peer.handshake) as ReadyStep;
    assert.equal(step.status, 'ready', (step as unknown as ErrorStep).reason);
    assert.equal(step.peerProperties['Socket-Type'], 'REP');
    peer.send(['', 'first', 'second']);
    assert.deepEqual((await rep.receive()).map(String), ['first', 'second']);
    await rep.send('reply');
    assert.deepEqual((await peer.receive())?.map(String), ['', 'reply']);
    assert.equal(zap.requests.length, 1);
    const r = zap.requests[0];
    assert.equal(r.mechanism, 'PLAIN');
    assert.equal(r.domain, 'plain-test');
    assert.equal(r.address, '127.0.0.1');
    assert.deepEqual(r.credentials.map(String), ['üser', 'pässwörd']);
  } finally {
    await peer.close();
    rep.close();
    await zap.close();
  }
});

test('PLAIN client (ours) with a wrong password: we report auth 400 and libzmq emits handshake:error:auth 400', async () => {
  await expectRefusedByLibzmqZap(checkUsers, plainReply, () => plainClient('admin', 'wrong', asDealer));
});

test('PLAIN client (ours) -> zeromq.js PLAIN server with no ZAP handler: libzmq refuses (handshake:error:other)', async () => {
  const context = new zmq.Context();
  const { rep, events, port } = await plainReply(context);
  const peer = await RawPeer.connect(port, plainClient('admin', 'secret', asDealer));
  try {
    const step = await peer.handshake;
    assert.equal(step.status, 'error');
    await events.next('handshake:error:other');
  } finally {
    await peer.close();
    rep.close();
  }
});

test('zeromq.js Dealer -> PLAIN server (ours) with our ZAP accepting: metadata, user id and messages both ways', async () => {
  const context = new zmq.Context();
  const seen: string[][] = [];
  const zap: ZapClient = async (r) => {
    seen.push([r.mechanism, r.domain, r.address, ...r.credentials.map(String)]);
    return { statusCode: '200', statusText: 'OK', userId: 'erin', metadata: Buffer.alloc(0) };
  };
  const listener = await rawListener(plainServer({ zap, socketType: 'ROUTER' }));
  const dealer = new zmq.Dealer({ context, linger: 0, routingId: 'dealer-js', plainUsername: 'erin', plainPassword: 'open sesame' });
  dealer.connect(`tcp://127.0.0.1:${listener.port}`);
  try {
    const peer = await listener.next();
    const step = (await peer.handshake) as ReadyStep;
    assert.equal(step.status, 'ready', (step as unknown as ErrorStep).reason);
    assert.equal(step.peerProperties['Socket-Type'], 'DEALER');
    assert.equal(step.peerProperties['Identity'], 'dealer-js');
    assert.equal(step.userId, 'erin');
    assert.deepEqual(seen, [['PLAIN', 'ours', '127.0.0.1', 'erin', 'open sesame']]);
    await dealer.send(['a', 'b']);
    assert.deepEqual((await peer.receive())?.map(String), ['a', 'b']);
    peer.send(['c']);
    assert.deepEqual((await dealer.receive()).map(String), ['c']);
  } finally {
    dealer.close();
    await listener.close();
  }
});

test('zeromq.js Dealer refused by our PLAIN server ZAP (400), and with no ZAP at all', async () => {
  const context = new zmq.Context();
  const refuse: ZapClient = async () => ({ statusCode: '400', statusText: 'no', userId: '', metadata: Buffer.alloc(0) });
  const listener = await rawListener(plainServer({ zap: refuse, socketType: 'ROUTER' }));
  const dealer = new zmq.Dealer({ context, linger: 0, plainUsername: 'mallory', plainPassword: 'guess' });
  const events = watchEvents(dealer);
  dealer.connect(`tcp://127.0.0.1:${listener.port}`);
  const noZap = await rawListener(plainServer({ socketType: 'ROUTER' }));
  const dealer2 = new zmq.Dealer({ context, linger: 0, plainUsername: 'mallory', plainPassword: 'guess' });
  dealer2.connect(`tcp://127.0.0.1:${noZap.port}`);
  try {
    await expectZapRefusal(await (await listener.next()).handshake, events);
    const step2 = (await (await noZap.next()).handshake) as ErrorStep;
    assert.equal(step2.status, 'error');
    assert.equal(step2.kind, 'no-detail');
  } finally {
    dealer.close();
    dealer2.close();
    await listener.close();
    await noZap.close();
  }
});

// ---------------------------------------------------------------- our engine's sockets end to end

test('engine: our Dealer (PLAIN) -> zeromq.js Router with its ZAP handler: accepted, then a wrong password gets our handshake:error:auth 400', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  const zap = await startZapHandler(theirs, checkUsers);
  const router = new zmq.Router({ context: theirs, linger: 0, plainServer: true, zapDomain: 'e2e' });
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new Dealer({ linger: 0, routingId: 'engine-dealer', plainUsername: 'admin', plainPassword: 'secret' }, ctx);
  const wrong = new Dealer({ linger: 0, plainUsername: 'admin', plainPassword: 'nope' }, ctx);
  const wrongEvents = watchEvents(wrong);
  try {
    dealer.connect(router.lastEndpoint!);
    await dealer.send(['m1', 'm2']);
    const [id, ...rest] = await router.receive();
    assert.equal(String(id), 'engine-dealer');
    assert.deepEqual(rest.map(String), ['m1', 'm2']);
    await router.send([id, 'r1']);
    assert.deepEqual((await dealer.receive()).map(String), ['r1']);
    wrong.connect(router.lastEndpoint!);
    assert.equal((await wrongEvents.next('handshake:error:auth')).error?.status, 400);
    // (the refused dealer keeps reconnecting, so more requests may follow)
    assert.deepEqual(
      zap.requests.slice(0, 2).map((r) => r.credentials.map(String)),
      [
        ['admin', 'secret'],
        ['admin', 'nope'],
      ],
    );
  } finally {
    dealer.close();
    wrong.close();
    router.close();
    await zap.close();
  }
});

test('engine: zeromq.js Dealer -> our Router (PLAIN) with our engine ZAP handler accepting, then refusing; no handler refuses all', async () => {
  const theirs = new zmq.Context();
  const ctx = new Context();
  const zap = await startEngineZapHandler(ctx, checkUsers);
  const router = new Router({ linger: 0, plainServer: true, zapDomain: 'ours' }, ctx);
  const routerEvents = watchEvents(router);
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new zmq.Dealer({ context: theirs, linger: 0, routingId: 'js', plainUsername: 'üser', plainPassword: 'pässwörd' });
  const wrong = new zmq.Dealer({ context: theirs, linger: 0, plainUsername: 'üser', plainPassword: 'x' });
  const wrongEvents = watchEvents(wrong);
  const lonelyCtx = new Context();
  const lonely = new Router({ linger: 0, plainServer: true }, lonelyCtx);
  const lonelyEvents = watchEvents(lonely);
  await lonely.bind('tcp://127.0.0.1:*');
  const hopeful = new zmq.Dealer({ context: theirs, linger: 0, plainUsername: 'admin', plainPassword: 'secret' });
  try {
    dealer.connect(router.lastEndpoint!);
    await dealer.send('hi');
    const [id, body] = await router.receive();
    assert.equal(String(id), 'js');
    assert.equal(String(body), 'hi');
    await router.send([id, 'hello js']);
    assert.deepEqual((await dealer.receive()).map(String), ['hello js']);
    const r = zap.requests[0];
    assert.deepEqual([r.mechanism, r.domain, r.address, ...r.credentials.map(String)], ['PLAIN', 'ours', '127.0.0.1', 'üser', 'pässwörd']);

    wrong.connect(router.lastEndpoint!);
    assert.equal((await wrongEvents.next('handshake:error:auth')).error?.status, 400);
    assert.equal((await routerEvents.next('handshake:error:auth')).error?.status, 400);

    hopeful.connect(lonely.lastEndpoint!);
    const e = await lonelyEvents.next('handshake:error:other');
    assert.match(e.reason ?? e.error?.message ?? '', /no ZAP handler/);
  } finally {
    dealer.close();
    wrong.close();
    hopeful.close();
    router.close();
    lonely.close();
    await zap.close();
  }
});
