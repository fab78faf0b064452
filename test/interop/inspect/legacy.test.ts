// Legacy paths on real libzmq output: raw-socket peers speaking ZMTP 3.0, 2.0 and 1.0 make libzmq
// fall back (3.0 subscription messages, 2.0 framing with a socket-type byte, 1.0 framing where its
// signature doubles as an identity frame). Captured with tcpdump and decoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import * as zmq from 'zeromq';
import {
  FrameDecoder,
  encodeGreetingV3,
  encodeGreetingV2,
  encodeFrame,
  encodeMessage,
  readyCommand,
  type Framing,
} from '../../../core/zmtp/index.js';
import { portOf } from '../../helpers/capture.js';
import { captured, messages, commands, greetings, errors, zmtpConns, framesOf, sentHex, hexOf } from './helpers.js';

/** Collects frames a raw peer receives after skipping `skip` greeting bytes. */
class RawReader {
  frames: { command: boolean; body: Buffer }[] = [];
  private bytes = Buffer.alloc(0);
  private decoder: FrameDecoder;
  private waiters: (() => void)[] = [];
  constructor(
    sock: net.Socket,
    private skip: number,
    framing: Framing,
  ) {
    this.decoder = new FrameDecoder(framing);
    sock.on('data', (d) => {
      this.bytes = Buffer.concat([this.bytes, d]);
      if (this.bytes.length > this.skip) {
        const rest = this.bytes.subarray(this.skip);
        this.skip = 0;
        this.bytes = Buffer.alloc(0);
        this.decoder.push(rest, (_more, command, body) => this.frames.push({ command, body: Buffer.from(body) }));
        this.waiters.splice(0).forEach((w) => w());
      }
    });
  }
  async until(pred: (f: { command: boolean; body: Buffer }) => boolean) {
    while (!this.frames.some(pred)) await new Promise<void>((r) => this.waiters.push(r));
  }
}

test('ZMTP 3.0 publisher (raw) and libzmq SUB: the subscription travels as a message and is recognised', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const sub = new zmq.Subscriber({ linger: 0 });
  let raw: net.Socket | undefined;
  try {
    const d = await captured({ tool: 'tcpdump' }, port, 'zmtp30.pcap', async () => {
      const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
      sub.connect(`tcp://127.0.0.1:${port}`);
      sub.subscribe('weather');
      raw = await accepted;
      const reader = new RawReader(raw, 64, 'v3');
      raw.write(Buffer.concat([encodeGreetingV3('NULL', true, 0), encodeFrame('v3', readyCommand({ 'Socket-Type': 'PUB' }), false, true)]));
      await reader.until((f) => !f.command && f.body[0] === 1);
      raw.write(encodeMessage('v3', [Buffer.from('weather'), Buffer.from('RAW30-END')]));
      const got = await sub.receive();
      assert.deepEqual(got.map(String), ['weather', 'RAW30-END']);
      return Buffer.from('RAW30-END');
    });
    assert.deepEqual(errors(d.records), []);
    const [conn] = zmtpConns(d.records);
    const g = greetings(d.records, conn);
    assert.deepEqual(g.map((x) => [x.dir, x.version]).sort(), [
      ['c2s', '3.1'],
      ['s2c', '3.0'],
    ]);
    assert.equal(d.summary.connections.find((c) => c.id === conn)!.version, '3.0');
    // libzmq sees a 3.0 peer: no SUBSCRIBE command, a subscription message instead.
    assert.deepEqual(
      commands(d.records, conn).map((c) => c.name),
      ['READY', 'READY'],
    );
    const up = messages(d.records, conn, 'c2s');
    assert.deepEqual(framesOf(up), [[hexOf(Buffer.concat([Buffer.from([1]), Buffer.from('weather')]))]]);
    assert.deepEqual(up[0].subscription, { subscribe: true, topic: hexOf('weather') });
    assert.deepEqual(framesOf(messages(d.records, conn, 's2c')), sentHex([['weather', 'RAW30-END']]));
    assert.deepEqual(d.summary.connections.find((c) => c.id === conn)!.subscriptions, [hexOf('weather')]);
  } finally {
    raw?.destroy();
    sub.close();
    server.close();
  }
});

test('ZMTP 2.0 dealer (raw) and libzmq ROUTER: both directions in 2.0 framing, identities not messages', async () => {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const port = portOf(router.lastEndpoint);
  let raw: net.Socket | undefined;
  try {
    const d = await captured({ tool: 'tcpdump' }, port, 'zmtp20.pcap', async () => {
      raw = net.connect(port, '127.0.0.1');
      await new Promise((r) => raw!.once('connect', r));
      const reader = new RawReader(raw, 12, 'v2');
      raw.write(
        Buffer.concat([
          encodeGreetingV2('DEALER'),
          encodeMessage('v2', [Buffer.from('raw-id')]),
          encodeMessage('v2', [Buffer.from('a'), Buffer.alloc(300, 7)]),
        ]),
      );
      const [id, ...rest] = await router.receive();
      assert.equal(id.toString(), 'raw-id');
      assert.equal(rest.length, 2);
      await router.send([id, 'reply', 'RAW20-END']);
      await reader.until((f) => f.body.toString() === 'RAW20-END');
      return Buffer.from('RAW20-END');
    });
    assert.deepEqual(errors(d.records), []);
    const [conn] = zmtpConns(d.records);
    const g = greetings(d.records, conn);
    const c2s = g.find((x) => x.dir === 'c2s')!;
    const s2c = g.find((x) => x.dir === 's2c')!;
    assert.deepEqual([c2s.version, c2s.socketType, c2s.identity, c2s.offered], ['2.0', 'DEALER', hexOf('raw-id'), undefined]);
    assert.deepEqual([s2c.version, s2c.socketType, s2c.identity, s2c.offered], ['2.0', 'ROUTER', '', '3.0']);
    assert.deepEqual(framesOf(messages(d.records, conn, 'c2s')), [[hexOf('a'), hexOf(Buffer.alloc(300, 7))]]);
    assert.deepEqual(framesOf(messages(d.records, conn, 's2c')), sentHex([['reply', 'RAW20-END']]));
    const info = d.summary.connections.find((c) => c.id === conn)!;
    assert.deepEqual(info.socketTypes, { c2s: 'DEALER', s2c: 'ROUTER' });
    assert.equal(info.identities.c2s, hexOf('raw-id'));
    assert.equal(info.state, 'closed');
    assert.equal(info.version, '2.0');
  } finally {
    raw?.destroy();
    router.close();
  }
});

test('ZMTP 1.0 peer (raw, no signature) and libzmq ROUTER: 1.0 framing both ways', async () => {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const port = portOf(router.lastEndpoint);
  let raw: net.Socket | undefined;
  try {
    const d = await captured({ tool: 'tcpdump' }, port, 'zmtp10.pcap', async () => {
      raw = net.connect(port, '127.0.0.1');
      await new Promise((r) => raw!.once('connect', r));
      // libzmq's signature is read as the header of its 1.0 identity frame.
      const reader = new RawReader(raw, 0, 'v1');
      raw.write(
        Buffer.concat([
          encodeMessage('v1', [Buffer.from('v1-id')]),
          encodeMessage('v1', [Buffer.from('abc'), Buffer.from('de')]),
          encodeMessage('v1', [Buffer.alloc(400, 1)]),
        ]),
      );
      const first = await router.receive();
      assert.deepEqual(first.slice(1).map(String), ['abc', 'de']);
      const second = await router.receive();
      await router.send([first[0], 'RAW10-END']);
      assert.equal(second[1].length, 400);
      await reader.until((f) => f.body.toString() === 'RAW10-END');
      return Buffer.from('RAW10-END');
    });
    assert.deepEqual(errors(d.records), []);
    const [conn] = zmtpConns(d.records);
    const g = greetings(d.records, conn);
    assert.deepEqual(g.map((x) => [x.dir, x.version, x.identity, x.offered]).sort(), [
      ['c2s', '1.0', hexOf('v1-id'), undefined],
      ['s2c', '1.0', '', '3.0'],
    ]);
    assert.deepEqual(framesOf(messages(d.records, conn, 'c2s')), sentHex([['abc', 'de'], [Buffer.alloc(400, 1)]]));
    assert.deepEqual(framesOf(messages(d.records, conn, 's2c')), sentHex([['RAW10-END']]));
  } finally {
    raw?.destroy();
    router.close();
  }
});
