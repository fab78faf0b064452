// ZAP (RFC 27) and both mechanisms against the second real peer: Debian's python3-zmq (libzmq 4.3.4),
// whose ZAP handler is pyzmq's own ThreadAuthenticator. Our PLAIN/CURVE run on a bare codec connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMechanism, curveKeyPair, z85Encode, type HandshakeStep, type ZapClient } from '../../../core/zmtp/index.js';
import { RawPeer, rawListener, startPyzmqPeer } from './security-raw-peer.js';

type ErrorStep = Extract<HandshakeStep, { status: 'error' }>;
type ReadyStep = Extract<HandshakeStep, { status: 'ready' }>;
const hex = (s: string) => Buffer.from(s).toString('hex');
const props = { 'Socket-Type': 'REQ' };

function plainClient(username: string, password: string) {
  return createMechanism('PLAIN', { asServer: false, zapDomain: '', peerAddress: '', properties: props, socketOptions: { plainUsername: username, plainPassword: password } });
}

function curveClient(serverKey: string, keys: { publicKey: string; secretKey: string }) {
  return createMechanism('CURVE', {
    asServer: false, zapDomain: '', peerAddress: '', properties: props,
    socketOptions: { curveServerKey: serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey },
  });
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

    const bad = await RawPeer.connect(port!, plainClient('admin', 'guess'));
    const refused = (await bad.handshake) as ErrorStep;
    assert.equal(refused.kind, 'auth');
    assert.equal(refused.zapStatus, 400);
    assert.equal((await py.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
    await bad.close();
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

    const bad = await RawPeer.connect(port!, curveClient(server.publicKey, curveKeyPair()));
    const refused = (await bad.handshake) as ErrorStep;
    assert.equal(refused.kind, 'auth');
    assert.equal(refused.zapStatus, 400);
    assert.equal((await py.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
    await bad.close();
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
  const listener = await rawListener((address) => createMechanism('PLAIN', {
    asServer: true, zapDomain: 'd', peerAddress: address, properties: { 'Socket-Type': 'REP' },
    zap: zapAllowing((c) => c[0].toString() === 'py' && c[1].toString() === 'pw', log), socketOptions: { plainServer: true },
  }));
  const good = startPyzmqPeer({ role: 'client', mechanism: 'PLAIN', port: listener.port, username: 'py', password: 'pw', send: ['q1', 'q2'] });
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
  const bad = startPyzmqPeer({ role: 'client', mechanism: 'PLAIN', port: listener.port, username: 'py', password: 'nope', send: ['q'] });
  try {
    const peer = await listener.next();
    assert.equal(((await peer.handshake) as ErrorStep).zapStatus, 400);
    assert.equal((await bad.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
  } finally {
    await bad.stop();
    await listener.close();
  }
});

test('pyzmq CURVE REQ clients -> our CURVE server and ZAP: accepted one gets its reply, refused one sees auth 400', async () => {
  const server = curveKeyPair();
  const friend = curveKeyPair();
  const stranger = curveKeyPair();
  const log: string[] = [];
  const listener = await rawListener((address) => createMechanism('CURVE', {
    asServer: true, zapDomain: 'd', peerAddress: address, properties: { 'Socket-Type': 'REP' },
    zap: zapAllowing((c) => z85Encode(c[0]) === friend.publicKey, log), socketOptions: { curveServer: true, curveSecretKey: server.secretKey },
  }));
  const good = startPyzmqPeer({ role: 'client', mechanism: 'CURVE', port: listener.port, serverKey: server.publicKey, public: friend.publicKey, secret: friend.secretKey, send: ['secret question'] });
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
  const bad = startPyzmqPeer({ role: 'client', mechanism: 'CURVE', port: listener.port, serverKey: server.publicKey, public: stranger.publicKey, secret: stranger.secretKey, send: ['q'] });
  try {
    const peer = await listener.next();
    assert.equal(((await peer.handshake) as ErrorStep).zapStatus, 400);
    assert.equal((await bad.next((l) => l.event === 'HANDSHAKE_FAILED_AUTH')).value, 400);
  } finally {
    await bad.stop();
    await listener.close();
  }
});
