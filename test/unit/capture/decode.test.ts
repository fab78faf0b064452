// Link/IP/TCP decoding: every supported link type, VLAN tags, IP options and extension headers,
// fragments, TCP options, padding and snap-length cuts, and malformed input. The well-formed
// packets are also written to a pcapng file and decoded by tshark as an independent check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildTcpPacket,
  checksum,
  decodeLinkLayer,
  PcapngWriter,
  openCapture,
  ipv6Text,
  TCP_ACK,
  TCP_PSH,
  TCP_SYN,
  type CaptureWarning,
  type Packet,
  type DecodedPacket,
  type TcpPacketSpec,
} from '../../../core/capture/index.js';

const pkt = (data: Buffer, linkType: number, index = 1): Packet => ({
  ts: 0,
  tsSec: 0,
  tsNsec: 0,
  linkType,
  data,
  origLen: data.length,
  interfaceId: 0,
  index,
});

function tcpOf(r: ReturnType<typeof decodeLinkLayer>): DecodedPacket {
  assert.ok(r && r.kind === 'tcp', `expected a TCP packet, got ${JSON.stringify(r)}`);
  return r;
}

const v4: TcpPacketSpec = {
  src: '10.1.2.3',
  dst: '192.168.7.9',
  srcPort: 40000,
  dstPort: 5555,
  seq: 0xfffffff0,
  ack: 12345,
  payload: Buffer.from('hello zmtp'),
};
const v6: TcpPacketSpec = {
  src: '2001:db8::1',
  dst: 'fe80::a:b',
  srcPort: 41000,
  dstPort: 5556,
  seq: 7,
  ack: 9,
  payload: Buffer.from('v6 payload!'),
};

const cases: { name: string; linkType: number; spec: TcpPacketSpec; frame?: (b: Buffer) => Buffer }[] = [
  { name: 'Ethernet IPv4', linkType: 1, spec: v4 },
  { name: 'Ethernet IPv6', linkType: 1, spec: v6 },
  { name: 'Ethernet 802.1Q', linkType: 1, spec: { ...v4, vlans: [42] } },
  { name: 'Ethernet QinQ', linkType: 1, spec: { ...v6, vlans: [100, 200] } },
  { name: 'Linux SLL IPv4', linkType: 113, spec: v4 },
  { name: 'Linux SLL2 IPv6', linkType: 276, spec: v6 },
  { name: 'NULL IPv4 (little-endian family)', linkType: 0, spec: v4 },
  { name: 'NULL IPv6 (family 30)', linkType: 0, spec: v6 },
  { name: 'LOOP IPv4 (network order)', linkType: 108, spec: v4 },
  { name: 'LOOP IPv6', linkType: 108, spec: v6 },
  { name: 'RAW 101 IPv4', linkType: 101, spec: v4 },
  { name: 'RAW 101 IPv6', linkType: 101, spec: v6 },
  { name: 'IPV4 228', linkType: 228, spec: v4 },
  { name: 'IPV6 229', linkType: 229, spec: v6 },
];

for (const c of cases) {
  test(`decode ${c.name}`, () => {
    const frame = buildTcpPacket({ ...c.spec, linkType: c.linkType === 228 || c.linkType === 229 ? 101 : c.linkType });
    const d = tcpOf(decodeLinkLayer(pkt(frame, c.linkType)));
    assert.equal(d.src, c.spec.src);
    assert.equal(d.dst, c.spec.dst);
    assert.equal(d.ipVersion, c.spec.src.includes(':') ? 6 : 4);
    assert.equal(d.tcp.srcPort, c.spec.srcPort);
    assert.equal(d.tcp.dstPort, c.spec.dstPort);
    assert.equal(d.tcp.seq, c.spec.seq >>> 0);
    assert.equal(d.tcp.ack, c.spec.ack);
    assert.equal(d.tcp.flags, TCP_ACK | TCP_PSH);
    assert.deepEqual(d.tcp.payload, c.spec.payload);
    assert.equal(d.tcp.payloadLength, c.spec.payload!.length);
    if (c.spec.vlans) assert.deepEqual(d.vlans, c.spec.vlans);
  });
}

test('NULL link type in big-endian host order and raw DLT 12/14 decode', () => {
  const raw = buildTcpPacket({ ...v4, linkType: 101 });
  const be = Buffer.concat([Buffer.from([0, 0, 0, 2]), raw]);
  assert.equal(tcpOf(decodeLinkLayer(pkt(be, 0))).src, v4.src);
  const le = Buffer.concat([Buffer.from([24, 0, 0, 0]), buildTcpPacket({ ...v6, linkType: 101 })]);
  assert.equal(tcpOf(decodeLinkLayer(pkt(le, 0))).dst, v6.dst);
  assert.equal(tcpOf(decodeLinkLayer(pkt(raw, 12))).tcp.dstPort, 5555);
  assert.equal(tcpOf(decodeLinkLayer(pkt(buildTcpPacket({ ...v6, linkType: 101 }), 14))).tcp.dstPort, 5556);
});

test('the same packets decode identically in tshark (pcapng with one interface per link type)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cap-decode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new PcapngWriter().section();
  const expected: DecodedPacket[] = [];
  for (const c of cases.filter((c) => c.linkType !== 228 && c.linkType !== 229)) {
    const id = w.addInterface({ linkType: c.linkType });
    const frame = buildTcpPacket({ ...c.spec, linkType: c.linkType });
    w.packet(id, { tsSec: 1700000000 + id, tsNsec: 0, data: frame });
    expected.push(tcpOf(decodeLinkLayer(pkt(frame, c.linkType))));
  }
  const file = join(dir, 'links.pcapng');
  writeFileSync(file, w.toBuffer());
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'tcp.relative_sequence_numbers:FALSE',
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.seq',
      '-e',
      'tcp.len',
      '-e',
      'vlan.id',
      '-e',
      'ieee8021ad.id',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  assert.equal(rows.length, expected.length);
  rows.forEach((r, i) => {
    const e = expected[i];
    assert.equal(r[0] || r[1], e.src, `packet ${i + 1} source`);
    assert.equal(r[2] || r[3], e.dst, `packet ${i + 1} destination`);
    assert.equal(Number(r[4]), e.tcp.srcPort);
    assert.equal(Number(r[5]), e.tcp.dstPort);
    assert.equal(Number(r[6]), e.tcp.seq);
    assert.equal(Number(r[7]), e.tcp.payloadLength);
    // 0x88a8 outer tags are 'ieee8021ad' in Wireshark, 0x8100 ones 'vlan'.
    assert.equal([r[9], r[8]].filter(Boolean).join(','), (e.vlans ?? []).join(','));
  });
});

/** Inserts IPv4 options (multiple of 4 bytes) into a raw IPv4 packet, fixing lengths and checksum. */
function withIpOptions(raw: Buffer, options: Buffer): Buffer {
  const ihl = (raw[0] & 0x0f) * 4;
  const out = Buffer.concat([raw.subarray(0, ihl), options, raw.subarray(ihl)]);
  out[0] = 0x40 | ((ihl + options.length) / 4);
  out.writeUInt16BE(out.length, 2);
  out.writeUInt16BE(0, 10);
  out.writeUInt16BE(checksum(out.subarray(0, ihl + options.length)), 10);
  return out;
}

test('IPv4 options are skipped; Ethernet padding is not payload; snap-length cuts are reported as missing bytes', () => {
  const raw = buildTcpPacket({ ...v4, linkType: 101 });
  const opt = withIpOptions(raw, Buffer.from([0x07, 0x07, 0x04, 1, 2, 3, 4, 0x00])); // record route + end of list
  const d = tcpOf(decodeLinkLayer(pkt(opt, 101)));
  assert.deepEqual(d.tcp.payload, v4.payload);

  const ack = buildTcpPacket({ ...v4, payload: Buffer.alloc(0) }); // 54 bytes
  const padded = Buffer.concat([ack, Buffer.alloc(60 - ack.length, 0xee)]);
  const p = tcpOf(decodeLinkLayer(pkt(padded, 1)));
  assert.equal(p.tcp.payload.length, 0);
  assert.equal(p.tcp.payloadLength, 0);

  const full = buildTcpPacket({ ...v4, payload: Buffer.alloc(1000, 7) });
  const cut = tcpOf(decodeLinkLayer(pkt(full.subarray(0, 14 + 20 + 20 + 100), 1)));
  assert.equal(cut.tcp.payload.length, 100);
  assert.equal(cut.tcp.payloadLength, 1000);
});

test('TCP options are parsed', () => {
  const opts = Buffer.from([2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0]);
  const d = tcpOf(decodeLinkLayer(pkt(buildTcpPacket({ ...v4, flags: TCP_SYN, payload: undefined, tcpOptions: opts }), 1)));
  assert.equal(d.tcp.flags, TCP_SYN);
  assert.deepEqual(d.tcp.options, { mss: 1460, windowScale: 7, sackPermitted: true, timestamp: { value: 1, echo: 2 } });
});

test('IPv6 extension headers are walked; without a defragmenter fragments are flagged and skipped', () => {
  const raw = buildTcpPacket({ ...v6, linkType: 101 });
  const ip = raw.subarray(0, 40);
  const tcp = raw.subarray(40);
  const hop = Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]); // hop-by-hop -> destination options (PadN)
  const dst = Buffer.from([44, 0, 1, 4, 0, 0, 0, 0]); // destination options -> fragment
  const atomic = Buffer.from([6, 0, 0, 0, 0, 0, 0, 9]); // fragment header, offset 0, no more: atomic
  const build = (frag: Buffer) => {
    const h = Buffer.from(ip);
    h[6] = 0;
    const body = Buffer.concat([hop, dst, frag, tcp]);
    h.writeUInt16BE(body.length, 4);
    return Buffer.concat([h, body]);
  };
  const d = tcpOf(decodeLinkLayer(pkt(build(atomic), 229)));
  assert.deepEqual(d.tcp.payload, v6.payload);
  assert.equal(d.tcp.srcPort, 41000);
  const frag = Buffer.from([6, 0, 0, 1, 0, 0, 0, 9]); // offset 0, more fragments follow
  const w = decodeLinkLayer(pkt(build(frag), 229));
  assert.equal(w?.kind, 'warning');
  assert.equal(w.code, 'IP_FRAGMENT_SKIPPED');
  assert.match(w.message, /\b9\b.*2001:db8::1.*fe80::a:b.*\b0\b/);
});

test('without a defragmenter IPv4 fragments are flagged and skipped', () => {
  const raw = Buffer.from(buildTcpPacket({ ...v4, linkType: 101 }));
  raw.writeUInt16BE(0x2000, 6); // more fragments
  const w = decodeLinkLayer(pkt(raw, 101, 7));
  assert.equal(w?.kind, 'warning');
  assert.equal((w as { index: number }).index, 7);
  assert.equal(w.code, 'IP_FRAGMENT_SKIPPED');
  assert.match(w.message, /^packet 7: .*10\.1\.2\.3.*192\.168\.7\.9/);
  raw.writeUInt16BE(0x0010, 6); // a later fragment (offset 128)
  const later = decodeLinkLayer(pkt(raw, 101)) as CaptureWarning;
  assert.equal(later.code, 'IP_FRAGMENT_SKIPPED');
  assert.match(later.message, /\b128\b/);
});

test('non-TCP packets are ignored, not warned about', () => {
  const udp = Buffer.from(buildTcpPacket({ ...v4, linkType: 101 }));
  udp[9] = 17;
  assert.equal(decodeLinkLayer(pkt(udp, 101)), null);
  const arp = Buffer.concat([Buffer.alloc(12), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]);
  assert.equal(decodeLinkLayer(pkt(arp, 1)), null);
});

test('every truncation point of every link type gives a warning or null, never a throw or a wrong packet', () => {
  for (const c of cases) {
    const frame = buildTcpPacket({ ...c.spec, linkType: c.linkType === 228 || c.linkType === 229 ? 101 : c.linkType });
    const headers = frame.length - c.spec.payload!.length;
    for (let n = 0; n < headers; n++) {
      const r = decodeLinkLayer(pkt(frame.subarray(0, n), c.linkType));
      assert.ok(r === null || r.kind === 'warning', `${c.name} cut at ${n}: ${JSON.stringify(r)}`);
    }
  }
  const unsupported = decodeLinkLayer(pkt(Buffer.alloc(30), 147)) as CaptureWarning;
  assert.deepEqual([unsupported.code, /\b147\b/.test(unsupported.message)], ['CAPTURE_UNSUPPORTED', true]);
  const badOffset = Buffer.from(buildTcpPacket({ ...v4, linkType: 101 }));
  badOffset[20 + 12] = 0x30; // data offset 12 bytes
  const below = decodeLinkLayer(pkt(badOffset, 101)) as CaptureWarning;
  assert.deepEqual([below.code, /\b12\b.*\b20\b/.test(below.message)], ['PACKET_MALFORMED', true]);
  const hugeOffset = Buffer.from(buildTcpPacket({ ...v4, linkType: 101, payload: Buffer.alloc(0) }));
  hugeOffset[20 + 12] = 0xf0; // 60-byte header in a 20-byte segment
  const over = decodeLinkLayer(pkt(hugeOffset, 101)) as CaptureWarning;
  assert.deepEqual([over.code, /\b60\b.*\b20\b/.test(over.message)], ['PACKET_MALFORMED', true]);
});

test('IPv6 addresses are printed in RFC 5952 form', () => {
  const b = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
  assert.equal(ipv6Text(b('2001 0db8 0000 0000 0001 0000 0000 0001')), '2001:db8::1:0:0:1');
  assert.equal(ipv6Text(b('0000 0000 0000 0000 0000 0000 0000 0001')), '::1');
  assert.equal(ipv6Text(b('0000 0000 0000 0000 0000 0000 0000 0000')), '::');
  assert.equal(ipv6Text(b('2001 0db8 0000 0001 0001 0001 0001 0001')), '2001:db8:0:1:1:1:1:1');
  assert.equal(ipv6Text(b('fe80 0000 0000 0000 0000 0000 0000 0000')), 'fe80::');
});

test('decoded packets flow from a file through openCapture', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cap-decode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new PcapngWriter().section();
  w.addInterface({ linkType: 276 });
  w.packet(0, { tsSec: 1, tsNsec: 0, data: buildTcpPacket({ ...v6, linkType: 276 }) });
  writeFileSync(join(dir, 'x.pcapng'), w.toBuffer());
  const got: DecodedPacket[] = [];
  for await (const p of openCapture(join(dir, 'x.pcapng'))) if (!('kind' in p)) got.push(tcpOf(decodeLinkLayer(p)));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0].tcp.payload, v6.payload);
});
