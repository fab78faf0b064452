// epgm:// in the engine without a libzmq peer: endpoint and option errors, pgm:// refused with its reason,
// APDUs rebuilt from OPT_FRAGMENT packets (libzmq never sends them, other OpenPGM sources do), and an
// engine PUB -> SUB stream over loopback multicast that keeps every message while malformed and hostile
// packets are thrown at the subscriber's port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Publisher, Subscriber, Push, XPublisher, XSubscriber } from '../../../core/engine/sockets.js';
import { MessageStream } from '../../../core/engine/transports/epgm/message-stream.js';
import type { PgmHandle } from '../../../core/engine/transports/epgm.js';
import { encodeMessage } from '../../../core/zmtp/frame.js';
import { encodePgmPacket, parsePgmPacket, writeZmqPgmChunk, type PgmPacket } from '../../../core/pgm/index.js';
import { freeUdpPort, testGroup } from '../../helpers/pgm.js';

function failure(f: () => unknown): { code: string; text: string } {
  try {
    f();
  } catch (e) {
    const err = e as { code: string; message: string; detail?: string };
    return { code: err.code, text: `${err.message} ${err.detail ?? ''}` };
  }
  assert.fail('expected an error');
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; text: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string; detail?: string };
    return { code: err.code, text: `${err.message} ${err.detail ?? ''}` };
  }
  assert.fail('expected a rejection');
}

test('epgm endpoints: malformed ones are EINVAL naming the problem', async () => {
  const sub = new Subscriber();
  try {
    for (const [address, words] of [
      ['epgm://127.0.0.1:5555', /IFACE;GROUP:PORT/],
      ['epgm://127.0.0.1;10.0.0.1:5555', /not an IPv4 multicast group/],
      ['epgm://127.0.0.1;239.1.1.1:0', /port '0'/],
      ['epgm://127.0.0.1;239.1.1.1:x', /port 'x'/],
      ['epgm://no-such-if0;239.1.1.1:5555', /no IPv4 interface named 'no-such-if0'/],
      ['epgm://192.0.2.77;239.1.1.1:5555', /no interface of this host has the address 192\.0\.2\.77/],
    ] as const) {
      const e = failure(() => sub.connect(address));
      assert.equal(e.code, 'EINVAL', address);
      assert.match(e.text, words, address);
    }
  } finally {
    sub.close();
  }
});

test('pgm:// is refused at bind and connect: raw IP sockets need a native addon; the error offers epgm://', async () => {
  const pub = new Publisher();
  try {
    const c = failure(() => pub.connect('pgm://127.0.0.1;239.192.9.9:5555'));
    assert.equal(c.code, 'EPROTONOSUPPORT');
    assert.match(c.text, /raw socket/);
    assert.match(c.text, /native addon/);
    assert.match(c.text, /epgm:\/\/127\.0\.0\.1;239\.192\.9\.9:5555/);
    const b = await rejection(pub.bind('pgm://127.0.0.1;239.192.9.9:5555'));
    assert.equal(b.code, 'EPROTONOSUPPORT');
    assert.match(b.text, /raw socket/);
  } finally {
    pub.close();
  }
});

test('epgm: only PUB/XPUB/SUB/XSUB (ENOCOMPATPROTO); a TPDU too small for the headers is EINVAL', async () => {
  const push = new Push();
  const pub = new Publisher({ multicastMaxTransportDataUnit: 60 });
  try {
    assert.equal(failure(() => push.connect('epgm://127.0.0.1;239.192.9.9:5555')).code, 'ENOCOMPATPROTO');
    const e = failure(() => pub.connect('epgm://127.0.0.1;239.192.9.9:5555'));
    assert.equal(e.code, 'EINVAL');
    assert.match(e.text, /multicastMaxTransportDataUnit 60/);
  } finally {
    push.close();
    pub.close();
  }
});

/** An APDU cut into fragments as OpenPGM sends one larger than a TSDU. */
function fragments(firstSqn: number, apdu: Buffer, size: number): { sqn: number; tsdu: Buffer; options: PgmPacket['options'] }[] {
  const out = [];
  for (let off = 0, sqn = firstSqn; off < apdu.length; off += size, sqn++) {
    const tsdu = apdu.subarray(off, off + size);
    // Through the codec, so the options are exactly what a parser makes of the wire.
    const p = parsePgmPacket(
      encodePgmPacket({
        type: 'ODATA',
        sourcePort: 1,
        destPort: 2,
        gsi: Buffer.alloc(6, 1),
        sqn,
        trail: 0,
        data: tsdu,
        options: [{ name: 'fragment', firstSqn, offset: off, apduLength: apdu.length }],
      }),
    );
    assert.ok(p.ok && p.packet.type === 'ODATA');
    out.push({ sqn, tsdu: p.packet.data, options: p.packet.options });
  }
  return out;
}

test('OPT_FRAGMENT: an APDU over several packets becomes its messages; one missing its start is skipped whole', () => {
  const got: Buffer[][] = [];
  const stream = new MessageStream(-1, (m) => got.push(m));
  const big = Buffer.alloc(5000, 7);
  const apdu1 = writeZmqPgmChunk(0, encodeMessage('v1', [Buffer.from('a'), big]));
  const apdu2 = writeZmqPgmChunk(0, encodeMessage('v1', [Buffer.from('second')]));
  // The first APDU arrives without its first fragment (joined late): nothing of it may come out.
  for (const f of fragments(10, apdu1, 1400).slice(1)) stream.packet(f.sqn, f.tsdu, f.options);
  assert.equal(got.length, 0);
  for (const f of fragments(20, apdu1, 1400)) stream.packet(f.sqn, f.tsdu, f.options);
  for (const f of fragments(30, apdu2, 1400)) stream.packet(f.sqn, f.tsdu, f.options);
  assert.deepEqual(got, [[Buffer.from('a'), big], [Buffer.from('second')]]);
  // A fragment lost in the middle: that APDU is dropped, the stream resumes at the next message start.
  const lost = fragments(40, apdu1, 1400);
  stream.packet(lost[0].sqn, lost[0].tsdu, lost[0].options);
  stream.lost();
  for (const f of lost.slice(2)) stream.packet(f.sqn, f.tsdu, f.options);
  for (const f of fragments(50, apdu2, 1400)) stream.packet(f.sqn, f.tsdu, f.options);
  assert.deepEqual(got.slice(2), [[Buffer.from('second')]]);
});

test('epgm over loopback: our PUB to our SUB keeps every message while malformed and hostile packets hit the port', async () => {
  const port = await freeUdpPort();
  const group = testGroup(port);
  const endpoint = `epgm://127.0.0.1;${group}:${port}`;
  const sub = new Subscriber({ receiveHighWaterMark: 0, receiveTimeout: 10000 });
  sub.subscribe();
  const pub = new Publisher({ rate: 10000, sendHighWaterMark: 0 });
  // A listener on the group learns the real session's TSI and sequence numbers, to forge packets that
  // claim to belong to it.
  const spy = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const attacker = dgram.createSocket('udp4');
  let last: { sourcePort: number; gsi: Buffer; sqn: number } | undefined;
  const message = (i: number) => [Buffer.from(`m${i}`), Buffer.alloc(i % 50 === 0 ? 4000 : 10, i % 256)];
  const exchange = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await pub.send(message(i));
    for (let i = from; i < to; i++) assert.deepEqual(await sub.receive(), message(i), `message ${i}`);
  };
  try {
    await sub.bind(endpoint);
    await new Promise<void>((r) => spy.bind(port, '0.0.0.0', () => r()));
    spy.addMembership(group, '127.0.0.1');
    spy.on('message', (d) => {
      const r = parsePgmPacket(d);
      if (r.ok && r.packet.type === 'ODATA') last = { sourcePort: r.packet.sourcePort, gsi: Buffer.from(r.packet.gsi), sqn: r.packet.sqn };
    });
    await pub.bind(endpoint);
    await exchange(0, 250);
    assert.ok(last, 'the spy saw the session');
    const { sqn } = last;
    const tsi = { sourcePort: last.sourcePort, destPort: port, gsi: last.gsi };
    const data = Buffer.from([0, 0, 3, 0, 0x41, 0x42]);
    const badChecksum = encodePgmPacket({ ...tsi, type: 'ODATA', sqn: sqn + 1, trail: 0, data });
    badChecksum[badChecksum.length - 1] ^= 0xff;
    const garbage = [
      badChecksum,
      // Options announced but cut off.
      encodePgmPacket({ ...tsi, type: 'ODATA', sqn: sqn + 1, trail: 0, data, options: [{ name: 'fin' }] }).subarray(0, 30),
      // Valid checksums, absurd sequence numbers: data a million ahead, a trail past its own data, an SPM
      // announcing a lead two million ahead, and an offset pointing past the data.
      encodePgmPacket({ ...tsi, type: 'ODATA', sqn: sqn + 1_000_000, trail: sqn, data }),
      encodePgmPacket({ ...tsi, type: 'ODATA', sqn: sqn + 1, trail: sqn + 900_000, data }),
      encodePgmPacket({ ...tsi, type: 'SPM', sqn: 1_000_000, trail: 0, lead: sqn + 2_000_000, pathNla: '127.0.0.1' }),
      encodePgmPacket({ ...tsi, type: 'ODATA', sqn: sqn + 1_500_000, trail: sqn, data: Buffer.from([0, 200, 1]) }),
      // Another data-destination port, and noise.
      encodePgmPacket({ ...tsi, destPort: port + 1, type: 'ODATA', sqn: sqn + 1, trail: 0, data }),
      Buffer.from('not a pgm packet at all'),
      Buffer.alloc(3),
    ];
    await new Promise<void>((r) => attacker.bind(0, '127.0.0.1', () => r()));
    attacker.setMulticastInterface('127.0.0.1');
    for (const g of garbage) attacker.send(g, port, group);
    // Let them arrive before the stream goes on: had any been taken in, the rest would be lost.
    await new Promise((r) => setTimeout(r, 200));
    await exchange(250, 500);
    const stats = (sub as unknown as { udpEndpoints: Map<string, PgmHandle> }).udpEndpoints.get(endpoint)!.stats().receiver!;
    assert.ok(stats.malformed >= 4, `malformed packets counted: ${stats.malformed}`);
    assert.equal(stats.peers.length, 1);
    assert.ok(stats.peers[0].outOfWindow >= 3, `out-of-window packets counted: ${stats.peers[0].outOfWindow}`);
    // Nothing was NAKed for the sequence numbers the forged packets claimed.
    assert.ok(stats.peers[0].naksSent < 100, `NAKs sent: ${stats.peers[0].naksSent}`);
  } finally {
    pub.close();
    sub.close();
    spy.close();
    attacker.close();
  }
});

test('epgm: XPUB sends everything to an epgm pipe without a subscription (libzmq subscribe-to-all); an XSUB receives it', async () => {
  const port = await freeUdpPort();
  const endpoint = `epgm://127.0.0.1;${testGroup(port)}:${port}`;
  const xsub = new XSubscriber({ receiveTimeout: 10000 });
  const xpub = new XPublisher({ receiveTimeout: 300 });
  try {
    await xsub.bind(endpoint);
    await xpub.bind(endpoint);
    await xpub.send(['any topic', 'body']);
    assert.deepEqual(await xsub.receive(), [Buffer.from('any topic'), Buffer.from('body')]);
    // PGM carries no subscriptions: the XPUB is told of none (an XSUB's subscribe stays on its side).
    await xsub.send(Buffer.from([1, 0x61]));
    await assert.rejects(xpub.receive(), (e: { code?: string }) => e.code === 'EAGAIN');
  } finally {
    xsub.close();
    xpub.close();
  }
});
