// The capture thread's plain path (TcpReassembler.pushPlain, plain-tcp.ts) against the general one
// (pushInto): for real captures and for seeded random traffic with everything the plain path must refuse
// (handshakes, FIN/RST, loss, reordering, duplicates, keep-alives, snap-cut and malformed packets, IPv4
// options, IPv6, VLAN tags, fragments, TSO lengths, Ethernet padding, several link types, interleaved
// connections whose ports share a cache slot, idle eviction, few connection slots), the events and warnings
// are the same, and most in-order data takes the plain path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildTcpPacket,
  decodeLinkLayer,
  fragmentIpPacket,
  openCapture,
  TcpReassembler,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type CaptureWarning,
  type Packet,
  type TcpReassemblerOptions,
  type TcpStreamEvent,
} from '../../../core/capture/index.js';
import { ipv4Number, newPlainTcp, readPlainTcp } from '../../../core/capture/plain-tcp.js';
import type { PlainDataSink } from '../../../core/capture/reassembly.js';
import { prng } from '../../helpers/random.js';

/** Events and warnings as plain values (connections by id, bytes as hex). */
function flat(events: (TcpStreamEvent | CaptureWarning)[]): unknown[] {
  return events.map((e) => {
    if (e.kind === 'warning') return e;
    if (e.kind === 'data') return ['data', e.conn.id, e.dir, e.ts, e.data.toString('hex')];
    if (e.kind === 'open') return ['open', e.conn, e.ts];
    const { conn, ...rest } = e;
    return [conn.id, rest];
  });
}

/** Runs `packets` through the general path alone and through the plain path first (as the capture
 *  thread does); asserts both give the same, and returns how many packets the plain path took. */
function bothWays(packets: Packet[], options: TcpReassemblerOptions = {}, what = 'packets'): number {
  const run = (plain: boolean) => {
    const out: (TcpStreamEvent | CaptureWarning)[] = [];
    const r = new TcpReassembler({ ...options, onWarning: (w) => out.push(w) });
    const sink: PlainDataSink = (conn, dir, ts, data, start, end) =>
      out.push({ kind: 'data', conn, dir, ts, data: data.subarray(start, end) });
    const events: TcpStreamEvent[] = [];
    let taken = 0;
    for (const p of packets) {
      if (plain && r.pushPlain(p.linkType, p.data, p.ts, sink)) {
        taken++;
        continue;
      }
      events.length = 0;
      r.pushInto(p, events);
      out.push(...events);
    }
    out.push(...r.end(packets.at(-1)?.ts));
    return { out: flat(out), taken };
  };
  const general = run(false);
  const plain = run(true);
  assert.deepEqual(plain.out, general.out, `${what}: the plain path changed the events`);
  return plain.taken;
}

async function readPackets(path: string): Promise<Packet[]> {
  const packets: Packet[] = [];
  for await (const p of openCapture(path)) if (!('kind' in p)) packets.push(p);
  return packets;
}

const captureDirs = [join(import.meta.dirname, '../../../resources/captures'), '/work/shared/realcaps'];

test('real captures: the plain path gives the same events and takes most packets of TCP/IPv4 ones', async () => {
  let files = 0;
  for (const dir of captureDirs.filter((d) => existsSync(d))) {
    for (const name of readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n))) {
      const packets = await readPackets(join(dir, name));
      const taken = bothWays(packets, {}, name);
      files++;
      // Every sample of ours but the IPv6/PGM ones is plain TCP over IPv4: most of it goes the plain way.
      if (/^(pub-sub|req-rep-null|plain-auth|dealer-router-large)\./.test(name))
        assert.ok(taken > packets.length / 2, `${name}: plain path took ${taken} of ${packets.length} packets`);
    }
  }
  assert.ok(files >= 7, `captures read: ${files}`);
});

/** Seeded random traffic over several connections, with every kind of packet the plain path refuses. */
function randomTraffic(seed: number): Packet[] {
  const rnd = prng(seed);
  const links = [LINKTYPE_ETHERNET, LINKTYPE_ETHERNET, LINKTYPE_NULL, LINKTYPE_LOOP, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW];
  const linkType = links[seed % links.length];
  const ipv4Only = linkType === LINKTYPE_IPV4;
  type Side = { ip: string; port: number; seq: number };
  const conns: { c: Side; s: Side; open: boolean; vlan: boolean }[] = [];
  const n = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) {
    const v6 = !ipv4Only && rnd() < 0.15;
    // Ports 5555 ^ 40001 and 5555 ^ 40257 differ by 256: the same slot of the reassembler's port cache.
    const cPort = rnd() < 0.5 ? 40001 + 256 * i : 30000 + Math.floor(rnd() * 30000);
    conns.push({
      c: { ip: v6 ? 'fd00::1' : `10.0.0.${1 + (i % 3)}`, port: cPort, seq: Math.floor(rnd() * 2 ** 32) },
      s: { ip: v6 ? 'fd00::2' : '10.0.9.9', port: 5555, seq: 2 ** 32 - 1 - Math.floor(rnd() * 5000) },
      open: false,
      vlan: linkType === LINKTYPE_ETHERNET && rnd() < 0.1,
    });
  }
  const packets: Packet[] = [];
  let ts = 1_700_000_000 + rnd();
  const emit = (data: Buffer, origLen = data.length) => {
    ts += rnd() < 0.02 ? 5 + rnd() * 10 : rnd() * 0.001; // now and then a pause past a short idle timeout
    packets.push({ ts, tsSec: Math.floor(ts), tsNsec: 0, linkType, data, origLen, interfaceId: 0, index: packets.length + 1 });
  };
  const segment = (from: Side, to: Side, flags: number, payload: Buffer, vlan: boolean, seq = from.seq) => {
    const tcpOptions = rnd() < 0.2 ? Buffer.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]) : undefined;
    let data = buildTcpPacket({
      src: from.ip,
      dst: to.ip,
      srcPort: from.port,
      dstPort: to.port,
      seq,
      ack: to.seq,
      flags,
      payload,
      tcpOptions,
      linkType,
      vlans: vlan ? [7] : undefined,
    });
    const oddity = rnd();
    if (oddity < 0.03) {
      emit(data.subarray(0, Math.max(1, data.length - 1 - Math.floor(rnd() * 30))), data.length); // snap-cut or malformed
      return;
    }
    const ipStart = data.length - 20 - (tcpOptions ? 12 : 0) - 20 - payload.length;
    if (oddity < 0.05 && !from.ip.includes(':') && ipStart >= 0) {
      data = Buffer.from(data);
      data.writeUInt16BE(0, ipStart + 2); // a TSO capture's IPv4 total length
    } else if (oddity < 0.07 && linkType === LINKTYPE_ETHERNET) {
      data = Buffer.concat([data, Buffer.alloc(1 + Math.floor(rnd() * 20))]); // Ethernet padding
    } else if (oddity < 0.09 && !from.ip.includes(':') && linkType === LINKTYPE_ETHERNET && payload.length > 16) {
      for (const f of fragmentIpPacket(data, linkType, 16, Math.floor(rnd() * 65536))) emit(f);
      return;
    }
    emit(data);
  };
  for (let step = 0; step < 400; step++) {
    const k = conns[Math.floor(rnd() * conns.length)];
    const [from, to] = rnd() < 0.5 ? [k.c, k.s] : [k.s, k.c];
    const r = rnd();
    if (!k.open && r < 0.3) {
      if (rnd() < 0.8) segment(k.c, k.s, TCP_SYN, Buffer.alloc(0), k.vlan);
      k.c.seq = (k.c.seq + 1) >>> 0;
      if (rnd() < 0.9) segment(k.s, k.c, TCP_SYN | TCP_ACK, Buffer.alloc(0), k.vlan);
      k.s.seq = (k.s.seq + 1) >>> 0;
      k.open = true;
    } else if (r < 0.6) {
      // In-order data, a long message now and then (a frame split over segments).
      const payload = Buffer.alloc(rnd() < 0.1 ? 300 + Math.floor(rnd() * 3000) : 1 + Math.floor(rnd() * 120));
      for (let i = 0; i < payload.length; i++) payload[i] = Math.floor(rnd() * 256);
      for (let off = 0; off < payload.length; off += 1460) {
        const part = payload.subarray(off, off + 1460);
        segment(from, to, TCP_ACK | TCP_PSH, part, k.vlan);
        from.seq = (from.seq + part.length) >>> 0;
      }
    } else if (r < 0.7) segment(from, to, TCP_ACK, Buffer.alloc(0), k.vlan);
    else if (r < 0.76) {
      // A lost segment, then the next one (out of order: a hole).
      from.seq = (from.seq + 1 + Math.floor(rnd() * 50)) >>> 0;
      segment(from, to, TCP_ACK | TCP_PSH, Buffer.from('after a hole'), k.vlan);
      from.seq = (from.seq + 12) >>> 0;
    } else if (r < 0.82 && packets.length > 0) {
      packets.push({ ...packets[Math.floor(rnd() * packets.length)], index: packets.length + 1, ts }); // duplicate of an old packet
    } else if (r < 0.86) {
      segment(from, to, TCP_ACK, Buffer.from([0]), k.vlan, (from.seq - 1) >>> 0); // keep-alive
    } else if (r < 0.9 && packets.length > 2) {
      const i = packets.length - 1;
      [packets[i], packets[i - 1]] = [packets[i - 1], packets[i]]; // reordered
    } else if (r < 0.93) {
      // Both sides close (the client's FIN sometimes with its last bytes); the ports may be used again.
      segment(k.c, k.s, TCP_FIN | TCP_ACK, rnd() < 0.5 ? Buffer.from('bye') : Buffer.alloc(0), k.vlan);
      segment(k.s, k.c, TCP_FIN | TCP_ACK, Buffer.alloc(0), k.vlan);
      k.open = false;
      k.c.seq = Math.floor(rnd() * 2 ** 32);
    } else if (r < 0.95) {
      segment(from, to, TCP_RST, Buffer.alloc(0), k.vlan);
      k.open = false;
      k.c.seq = Math.floor(rnd() * 2 ** 32);
    } else if (r < 0.98) {
      segment(from, to, TCP_ACK | TCP_PSH | 0x20, Buffer.from('urgent'), k.vlan); // URG: not special to reassembly
      from.seq = (from.seq + 6) >>> 0;
    } else k.open = false; // a new connection may reuse the ports
  }
  return packets;
}

test('seeded random traffic: the plain path gives the same events, warnings and times as the general one', () => {
  let taken = 0;
  let total = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const packets = randomTraffic(seed);
    const rnd = prng(seed * 7919);
    // Few buffered segments in most runs: holes are given up soon, so the plain path gets its turn again.
    const options: TcpReassemblerOptions =
      seed % 3 === 0
        ? { idleTimeoutSec: 4, maxConnections: 2, holdPackets: 8, holdSeconds: 0.01, maxBufferedSegments: 3 + Math.floor(rnd() * 5) }
        : seed % 3 === 1
          ? { maxBufferedSegments: 2 }
          : {};
    taken += bothWays(packets, options, `seed ${seed}`);
    total += packets.length;
  }
  assert.ok(taken > total / 4, `plain path took ${taken} of ${total} packets`);
});

test('a RST waiting for missing data, and segments waiting for their SYN, expire on time while another connection streams', () => {
  let ts = 100;
  const packets: Packet[] = [];
  const add = (spec: Parameters<typeof buildTcpPacket>[0]) => {
    const data = buildTcpPacket(spec);
    ts += 0.001;
    packets.push({
      ts,
      tsSec: Math.floor(ts),
      tsNsec: 0,
      linkType: LINKTYPE_ETHERNET,
      data,
      origLen: data.length,
      interfaceId: 0,
      index: packets.length + 1,
    });
  };
  const a = { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40001, dstPort: 5555 };
  const b = { src: '10.0.0.3', dst: '10.0.0.2', srcPort: 40002, dstPort: 5555 };
  add({ ...a, seq: 99, flags: TCP_SYN });
  add({ ...a, src: a.dst, dst: a.src, srcPort: a.dstPort, dstPort: a.srcPort, seq: 499, flags: TCP_SYN | TCP_ACK });
  add({ ...a, seq: 110, payload: Buffer.from('after a hole') }); // bytes 100..109 never come
  add({ ...a, seq: 122, flags: TCP_RST }); // waits for them
  add({ ...b, seq: 1000, payload: Buffer.from('held') }); // b's SYN comes late
  add({ ...b, seq: 999, flags: TCP_SYN });
  add({ ...b, src: b.dst, dst: b.src, srcPort: b.dstPort, dstPort: b.srcPort, seq: 7, flags: TCP_SYN | TCP_ACK });
  let seq = 1004;
  for (let i = 0; i < 40; i++) {
    add({ ...b, seq, payload: Buffer.from(`message ${i}`) });
    seq += `message ${i}`.length;
  }
  add({ ...{ src: '10.0.0.4', dst: '10.0.0.2', srcPort: 40003, dstPort: 5555 }, seq: 1, payload: Buffer.from('no SYN') }); // held, then mid-stream
  for (let i = 40; i < 80; i++) {
    add({ ...b, seq, payload: Buffer.from(`message ${i}`) });
    seq += `message ${i}`.length;
  }
  const taken = bothWays(packets, { holdPackets: 10 });
  assert.ok(taken >= 60, `plain path took ${taken}`);
});

test('readPlainTcp reads the fields decode.ts decodes, and refuses what it must leave to decode.ts', () => {
  const s = newPlainTcp();
  const spec = {
    src: '192.168.1.2',
    dst: '10.200.0.1',
    srcPort: 40000,
    dstPort: 5555,
    seq: 0xfffffff0,
    ack: 9,
    payload: Buffer.from('hello'),
  };
  for (const linkType of [
    LINKTYPE_ETHERNET,
    LINKTYPE_NULL,
    LINKTYPE_LOOP,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_RAW,
    LINKTYPE_IPV4,
  ]) {
    for (const flags of [TCP_ACK, TCP_ACK | TCP_PSH, TCP_SYN, TCP_FIN | TCP_ACK, 0x1ff]) {
      const data = buildTcpPacket({ ...spec, flags, linkType });
      assert.ok(readPlainTcp(linkType, data, s), `link type ${linkType}`);
      const d = decodeLinkLayer({ ts: 0, tsSec: 0, tsNsec: 0, linkType, data, origLen: data.length, interfaceId: 0, index: 1 });
      assert.ok(d && d.kind === 'tcp');
      assert.deepEqual(
        [s.src, s.dst, s.srcPort, s.dstPort, s.seq, s.flags, data.subarray(s.payloadStart, s.payloadEnd).toString()],
        [ipv4Number(d.src), ipv4Number(d.dst), d.tcp.srcPort, d.tcp.dstPort, d.tcp.seq, d.tcp.flags, d.tcp.payload.toString()],
      );
      assert.equal(d.tcp.payloadLength, s.payloadEnd - s.payloadStart);
    }
  }
  const eth = buildTcpPacket(spec);
  const refused: [string, number, Buffer][] = [
    ['IPv6', LINKTYPE_ETHERNET, buildTcpPacket({ ...spec, src: 'fd00::1', dst: 'fd00::2' })],
    ['a VLAN tag', LINKTYPE_ETHERNET, buildTcpPacket({ ...spec, vlans: [5] })],
    ['snap-cut payload', LINKTYPE_ETHERNET, eth.subarray(0, eth.length - 1)],
    ['a cut TCP header', LINKTYPE_ETHERNET, eth.subarray(0, 14 + 20 + 19)],
    ['an unknown link type', 147, eth],
    [
      'a BSD loopback family that is not IPv4',
      LINKTYPE_NULL,
      buildTcpPacket({ ...spec, src: 'fd00::1', dst: 'fd00::2', linkType: LINKTYPE_NULL }),
    ],
  ];
  const edit = (at: number, value: number) => {
    const b = Buffer.from(eth);
    b[at] = value;
    return b;
  };
  refused.push(['IPv4 options (header length 24)', LINKTYPE_ETHERNET, edit(14, 0x46)]);
  refused.push(['a fragment (more fragments)', LINKTYPE_ETHERNET, edit(14 + 6, 0x20)]);
  refused.push(['a fragment (offset)', LINKTYPE_ETHERNET, edit(14 + 7, 1)]);
  refused.push(['UDP', LINKTYPE_ETHERNET, edit(14 + 9, 17)]);
  refused.push(['a TSO total length of 0', LINKTYPE_ETHERNET, edit(14 + 3, 0)]);
  refused.push(['a total length past the capture', LINKTYPE_ETHERNET, edit(14 + 3, 200)]);
  refused.push(['a TCP data offset below 20', LINKTYPE_ETHERNET, edit(14 + 20 + 12, 0x40)]);
  refused.push(['a TCP data offset past the segment', LINKTYPE_ETHERNET, edit(14 + 20 + 12, 0xf0)]);
  for (const [what, linkType, data] of refused) assert.equal(readPlainTcp(linkType, data, s), false, what);
  // Ethernet padding past the IPv4 total length is not payload.
  assert.ok(readPlainTcp(LINKTYPE_ETHERNET, Buffer.concat([eth, Buffer.alloc(9)]), s));
  assert.equal(s.payloadEnd - s.payloadStart, 5);
  assert.deepEqual(
    [ipv4Number('1.2.3.4'), ipv4Number('255.255.255.255'), ipv4Number('::1'), ipv4Number('1.2.3'), ipv4Number('1.2.3.256')],
    [0x01020304, 0xffffffff, -1, -1, -1],
  );
});
