// ZeroMQ over WebSocket (ws://, ZWS 2.0) in captures: libzmq (zeromq.js) and the engine talking over
// ws while tcpdump records; the inspector must find the upgrade, every command and every message,
// byte for byte, with no ZMTP greeting to go by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import * as engine from '../../../core/internal.js';
import type { InspectRecord, UpgradeRecord } from '../../../core/inspect/records.js';
import { portOf } from '../../helpers/port.js';
import { startEngineZapHandler } from '../engine/security-raw-peer.js';
import { captured, commands, errors, framesOf, messages, sentHex } from './helpers.js';

const upgrades = (records: InspectRecord[]) => records.filter((r): r is UpgradeRecord => r.type === 'upgrade');
const wsConns = (records: InspectRecord[]) => [...new Set(upgrades(records).map((u) => u.conn))];

test('libzmq REQ/REP over ws:// (tcpdump): upgrade, READY, every request and reply incl. a 70 kB frame, paired', async () => {
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('ws://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const req = new zmq.Request({ linger: 0 });
  const sent: Buffer[][] = [];
  const replies: Buffer[][] = [];
  const d = await captured({ tool: 'tcpdump' }, port, 'ws-reqrep.pcap', async () => {
    req.connect(rep.lastEndpoint!);
    for (let i = 0; i < 12; i++) {
      // 125/126/65535/65536 straddle the WebSocket length encodings (7-bit, 16-bit, 64-bit).
      const frames = [Buffer.from(`request ${i}`), Buffer.alloc([0, 124, 125, 65534, 65535, 70000][i % 6], i)];
      // A copy: libzmq's ws encoder masks a large frame in place, in the very buffer zeromq.js handed it.
      sent.push(frames.map((f) => Buffer.from(f)));
      await req.send(frames);
      await rep.receive();
      const reply = [Buffer.from(i === 11 ? 'WS-LAST-REPLY' : `reply ${i}`)];
      replies.push(reply);
      await rep.send(reply);
      await req.receive();
    }
    return Buffer.from('WS-LAST-REPLY');
  }).finally(() => {
    req.close();
    rep.close();
  });

  assert.deepEqual(errors(d.records), []);
  const [conn, ...more] = wsConns(d.records);
  assert.deepEqual(more, []);
  const [up, answer] = [upgrades(d.records).find((u) => u.dir === 'c2s')!, upgrades(d.records).find((u) => u.dir === 's2c')!];
  assert.ok(up.offered?.includes('ZWS2.0/NULL'), `offered ${up.offered}`);
  assert.equal(typeof up.path, 'string');
  assert.equal(answer.status, 101);
  assert.equal(answer.protocol, 'ZWS2.0/NULL');
  assert.equal(answer.mechanism, 'NULL');
  const ready = commands(d.records, conn).filter((c) => c.name === 'READY');
  assert.equal(ready.find((c) => c.dir === 'c2s')?.properties?.['Socket-Type'], 'REQ');
  assert.equal(ready.find((c) => c.dir === 's2c')?.properties?.['Socket-Type'], 'REP');
  const requests = messages(d.records, conn, 'c2s');
  assert.deepEqual(
    framesOf(requests),
    sentHex(sent).map((m) => ['', ...m]),
    'client frames are masked on the wire: unmasked here',
  );
  assert.deepEqual(
    framesOf(messages(d.records, conn, 's2c')),
    sentHex(replies).map((m) => ['', ...m]),
  );
  const info = d.summary.connections.find((c) => c.id === conn)!;
  assert.deepEqual(info.socketTypes, { c2s: 'REQ', s2c: 'REP' });
  assert.equal(info.mechanism, 'NULL');
  assert.equal(info.websocket?.protocol, 'ZWS2.0/NULL');
  assert.equal(info.pairs.matched, 12);
  assert.equal(info.state, 'closed');
});

test('PLAIN over ws:// (libzmq client, engine server + ZAP): credentials shown and flagged, messages decoded', async () => {
  const context = new engine.Context();
  const zap = await startEngineZapHandler(context, (r) => ({ statusCode: '200', userId: r.credentials[0].toString() }));
  const rep = new engine.Reply({ linger: 0, plainServer: true }, context);
  await rep.bind('ws://127.0.0.1:*');
  const port = portOf(rep.lastEndpoint);
  const req = new zmq.Request({ linger: 0, plainUsername: 'ws-user', plainPassword: 'ws-secret' });
  const d = await captured({ tool: 'tcpdump' }, port, 'ws-plain.pcap', async () => {
    req.connect(rep.lastEndpoint!);
    await req.send('over plain');
    await rep.receive();
    await rep.send('WS-PLAIN-DONE');
    await req.receive();
    return Buffer.from('WS-PLAIN-DONE');
  }).finally(async () => {
    req.close();
    rep.close();
    await zap.close();
  });

  assert.deepEqual(errors(d.records), []);
  const [conn] = wsConns(d.records);
  assert.equal(upgrades(d.records).find((u) => u.dir === 's2c')?.mechanism, 'PLAIN');
  const names = commands(d.records, conn).map((c) => `${c.dir} ${c.name}`);
  assert.deepEqual(names, ['c2s HELLO', 's2c WELCOME', 'c2s INITIATE', 's2c READY']);
  const hello = commands(d.records, conn).find((c) => c.name === 'HELLO')!;
  assert.equal(hello.username, 'ws-user');
  assert.equal(hello.password, 'ws-secret');
  assert.equal(hello.cleartextCredentials, true);
  assert.deepEqual(framesOf(messages(d.records, conn, 'c2s')), [['', Buffer.from('over plain').toString('hex')]]);
  assert.equal(d.summary.connections.find((c) => c.id === conn)?.plainUser, 'ws-user');
});

test('engine PUB over ws:// to a libzmq SUB: subscriptions (sent as messages over ZWS) are tracked', async () => {
  const pub = new engine.Publisher({ linger: 0 });
  await pub.bind('ws://127.0.0.1:*');
  const port = portOf(pub.lastEndpoint);
  const sub = new zmq.Subscriber({ linger: 0 });
  const d = await captured({ tool: 'tcpdump' }, port, 'ws-pubsub.pcap', async () => {
    sub.subscribe('weather');
    sub.connect(pub.lastEndpoint!);
    sub.receiveTimeout = 100;
    // Until the subscription has reached the publisher, what it sends is dropped.
    for (let delivered = false; !delivered;) {
      await pub.send(['weather', 'sunny']);
      delivered = await sub.receive().then(
        () => true,
        () => false,
      );
    }
    sub.receiveTimeout = 5000;
    await pub.send(['weather', 'WS-PUB-END']);
    while ((await sub.receive())[1].toString() !== 'WS-PUB-END');
    return Buffer.from('WS-PUB-END');
  }).finally(() => {
    sub.close();
    pub.close();
  });

  assert.deepEqual(errors(d.records), []);
  const [conn] = wsConns(d.records);
  const info = d.summary.connections.find((c) => c.id === conn)!;
  assert.deepEqual(info.socketTypes, { c2s: 'SUB', s2c: 'PUB' });
  assert.deepEqual(info.subscriptions, [Buffer.from('weather').toString('hex')]);
  const subscription = messages(d.records, conn, 'c2s').find((m) => m.subscription);
  assert.deepEqual(subscription?.subscription, { subscribe: true, topic: Buffer.from('weather').toString('hex') });
  assert.deepEqual(
    framesOf(messages(d.records, conn, 's2c')).at(-1),
    ['weather', 'WS-PUB-END'].map((s) => Buffer.from(s).toString('hex')),
  );
});
