// PLAIN (RFC 24) against libzmq 4.3.5 through zeromq.js, with our mechanism on a bare ZMTP connection
// (codec + PlainClient/PlainServer): both directions, ZAP accepting and refusing, and libzmq's rule that
// a PLAIN server without a ZAP handler refuses everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { createMechanism, type HandshakeStep, type ZapClient } from '../../../core/zmtp/index.js';
import { RawPeer, rawListener, startZapHandler, watchEvents } from './security-raw-peer.js';

type ErrorStep = Extract<HandshakeStep, { status: 'error' }>;
type ReadyStep = Extract<HandshakeStep, { status: 'ready' }>;

function portOf(endpoint: string | null): number {
  return Number(/:(\d+)$/.exec(endpoint ?? '')![1]);
}

function plainClient(username: string, password: string) {
  return createMechanism('PLAIN', {
    asServer: false, zapDomain: '', peerAddress: '127.0.0.1', properties: { 'Socket-Type': 'DEALER', Identity: 'dealer-1' },
    socketOptions: { plainUsername: username, plainPassword: password },
  });
}

async function plainReply(context: zmq.Context) {
  const rep = new zmq.Reply({ context, linger: 0, plainServer: true, zapDomain: 'plain-test' });
  const events = watchEvents(rep);
  await rep.bind('tcp://127.0.0.1:*');
  return { rep, events, port: portOf(rep.lastEndpoint) };
}

const users: Record<string, string> = { admin: 'secret', 'üser': 'pässwörd' };
const checkUsers = (r: { credentials: Buffer[] }) =>
  users[r.credentials[0].toString()] === r.credentials[1].toString() ? { statusCode: '200', userId: r.credentials[0].toString() } : { statusCode: '400', statusText: 'bad credentials' };

test('PLAIN client (ours) -> zeromq.js Reply with a ZAP handler: accepted, messages flow, the handler saw our credentials', async () => {
  const context = new zmq.Context();
  const zap = await startZapHandler(context, checkUsers);
  const { rep, port } = await plainReply(context);
  const peer = await RawPeer.connect(port, plainClient('üser', 'pässwörd'));
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
  const context = new zmq.Context();
  const zap = await startZapHandler(context, checkUsers);
  const { rep, events, port } = await plainReply(context);
  const peer = await RawPeer.connect(port, plainClient('admin', 'wrong'));
  try {
    const step = (await peer.handshake) as ErrorStep;
    assert.equal(step.status, 'error');
    assert.equal(step.kind, 'auth');
    assert.equal(step.zapStatus, 400);
    const e = await events.next('handshake:error:auth');
    assert.equal((e as { error: { status: number } }).error.status, 400);
  } finally {
    await peer.close();
    rep.close();
    await zap.close();
  }
});

test('PLAIN client (ours) -> zeromq.js PLAIN server with no ZAP handler: libzmq refuses (handshake:error:other)', async () => {
  const context = new zmq.Context();
  const { rep, events, port } = await plainReply(context);
  const peer = await RawPeer.connect(port, plainClient('admin', 'secret'));
  try {
    const step = await peer.handshake;
    assert.equal(step.status, 'error');
    await events.next('handshake:error:other');
  } finally {
    await peer.close();
    rep.close();
  }
});

function plainServerFactory(zap?: ZapClient) {
  return (peerAddress: string) => createMechanism('PLAIN', {
    asServer: true, zapDomain: 'ours', peerAddress, zap, properties: { 'Socket-Type': 'ROUTER' },
    socketOptions: { plainServer: true },
  });
}

test('zeromq.js Dealer -> PLAIN server (ours) with our ZAP accepting: metadata, user id and messages both ways', async () => {
  const context = new zmq.Context();
  const seen: string[][] = [];
  const zap: ZapClient = async (r) => {
    seen.push([r.mechanism, r.domain, r.address, ...r.credentials.map(String)]);
    return { statusCode: '200', statusText: 'OK', userId: 'erin', metadata: Buffer.alloc(0) };
  };
  const listener = await rawListener(plainServerFactory(zap));
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
  const listener = await rawListener(plainServerFactory(refuse));
  const dealer = new zmq.Dealer({ context, linger: 0, plainUsername: 'mallory', plainPassword: 'guess' });
  const events = watchEvents(dealer);
  dealer.connect(`tcp://127.0.0.1:${listener.port}`);
  const noZap = await rawListener(plainServerFactory(undefined));
  const dealer2 = new zmq.Dealer({ context, linger: 0, plainUsername: 'mallory', plainPassword: 'guess' });
  dealer2.connect(`tcp://127.0.0.1:${noZap.port}`);
  try {
    const step = (await (await listener.next()).handshake) as ErrorStep;
    assert.equal(step.kind, 'auth');
    assert.equal(step.zapStatus, 400);
    const e = await events.next('handshake:error:auth');
    assert.equal((e as { error: { status: number } }).error.status, 400);
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
