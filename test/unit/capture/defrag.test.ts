// IP fragment reassembly: the defragmenter on its own (order, duplicates, overlaps, limits, malformed
// fragments) and through decodeLinkLayer for IPv4 and IPv6 TCP segments cut by fragmentIpPacket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTcpPacket,
  decodeLinkLayer,
  fragmentIpPacket,
  IpDefragmenter,
  TcpReassembler,
  type CaptureWarning,
  type DecodedPacket,
  type FragmentContext,
  type Packet,
} from '../../../core/capture/index.js';
import { prng } from '../../helpers/random.js';

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

function feed(defrag: IpDefragmenter, parts: Array<[number, boolean, Buffer]>, warnings: string[] = []) {
  const results = parts.map(([offset, more, data], i) =>
    defrag.add('k', offset, more, data, i * 0.001, 'datagram k', (m) => warnings.push(m)),
  );
  return { results, warnings };
}

test('fragments in any order, with duplicates, give back the datagram once, when the last hole fills', () => {
  const whole = bytes(3000, 1);
  const cuts: Array<[number, boolean, Buffer]> = [];
  for (let off = 0; off < whole.length; off += 1000) cuts.push([off, off + 1000 < whole.length, whole.subarray(off, off + 1000)]);
  for (const order of [
    [0, 1, 2],
    [2, 1, 0],
    [1, 2, 0],
    [2, 0, 2, 1, 1],
  ]) {
    const defrag = new IpDefragmenter();
    const { results } = feed(
      defrag,
      order.map((i) => cuts[i]),
    );
    const done = results.filter((r) => Buffer.isBuffer(r));
    assert.equal(done.length, 1, `order ${order}`);
    assert.ok(done[0].equals(whole));
    assert.equal(defrag.pendingCount, 0, 'a copy arriving after completion is recognised, not a new datagram');
  }
});

test('after completion: a late copy is ignored; a different fragment under the same id is a new datagram', () => {
  const defrag = new IpDefragmenter();
  const warnings: string[] = [];
  const add = (offset: number, more: boolean, n: number, ts = 0) =>
    defrag.add('k', offset, more, Buffer.alloc(n, offset), ts, 'dg', (m) => warnings.push(m));
  assert.equal(add(0, true, 16), null);
  assert.ok(Buffer.isBuffer(add(16, false, 4)));
  assert.equal(add(0, true, 16), null, 'late copy');
  assert.equal(defrag.pendingCount, 0);
  assert.equal(add(0, true, 24), null, 'other layout: the id was reused');
  assert.equal(defrag.pendingCount, 1);
  assert.ok(Buffer.isBuffer(add(24, false, 8)));
  assert.deepEqual(warnings, []);
});

test('overlapping fragments: the first copy of a byte wins', () => {
  const defrag = new IpDefragmenter();
  const { results } = feed(defrag, [
    [0, true, Buffer.alloc(16, 0x61)],
    [8, true, Buffer.alloc(16, 0x62)], // overlaps bytes 8..15 of the first
    [24, false, Buffer.alloc(4, 0x63)],
  ]);
  assert.equal((results[2] as Buffer).toString(), 'a'.repeat(16) + 'b'.repeat(8) + 'cccc');
});

test('malformed fragments are refused with a reason; disagreeing ends drop the datagram', () => {
  const defrag = new IpDefragmenter();
  assert.match(String(defrag.add('k', 0, true, Buffer.alloc(10), 0, 'dg', () => {})), /not a multiple of 8/);
  assert.match(String(defrag.add('k', 65528, false, Buffer.alloc(16), 0, 'dg', () => {})), /runs past 65535/);
  assert.equal(
    defrag.add('k', 16, false, Buffer.alloc(8), 0, 'dg', () => {}),
    null,
  );
  assert.match(
    String(defrag.add('k', 16, false, Buffer.alloc(16), 0, 'dg', () => {})),
    /disagree on the length \(24 and 32\); datagram dropped/,
  );
  assert.equal(defrag.pendingCount, 0);
});

test('incomplete datagrams are dropped with a warning: after 30 s of capture time, beyond the limits, at the end', () => {
  const warnings: string[] = [];
  const defrag = new IpDefragmenter();
  defrag.add('old', 0, true, Buffer.alloc(8), 100, 'datagram old', (m) => warnings.push(m));
  defrag.add('new', 0, true, Buffer.alloc(8), 131, 'datagram new', (m) => warnings.push(m));
  assert.deepEqual(warnings, ['datagram old: not completed within 30 s; dropped']);
  for (let i = 0; i < 1030; i++) defrag.add(`many${i}`, 0, true, Buffer.alloc(8), 131, `datagram many${i}`, (m) => warnings.push(m));
  assert.equal(defrag.pendingCount, 1024);
  assert.match(warnings[1], /^datagram new: given up \(more than 1024 datagrams/);
  warnings.length = 0;
  defrag.finish((m) => warnings.push(m));
  assert.equal(warnings.length, 1024);
  assert.match(warnings[0], /incomplete at the end of the capture \(8 bytes of unknown\); dropped/);
  assert.equal(defrag.pendingCount, 0);
});

const pkt = (data: Buffer, linkType: number, index: number): Packet => ({
  ts: 1,
  tsSec: 1,
  tsNsec: 0,
  linkType,
  data,
  origLen: data.length,
  interfaceId: 0,
  index,
});

for (const [name, src, dst] of [
  ['IPv4', '10.0.0.1', '10.0.0.2'],
  ['IPv6', '2001:db8::1', '2001:db8::2'],
] as const) {
  for (const linkType of [1, 101]) {
    test(`${name} TCP segment fragmented on link type ${linkType}: decoded once whole, from shuffled fragments`, () => {
      const payload = bytes(5000, 7);
      const frame = buildTcpPacket({ src, dst, srcPort: 5555, dstPort: 6666, seq: 1000, ack: 1, payload, linkType });
      const fragments = fragmentIpPacket(frame, linkType, 1200, 4242);
      assert.equal(fragments.length, 5);
      const rnd = prng(linkType);
      const shuffled = fragments
        .map((f) => [rnd(), f] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, f]) => f);
      const warnings: CaptureWarning[] = [];
      const ctx: FragmentContext = { defrag: new IpDefragmenter(), ts: 1, warn: (w) => warnings.push(w) };
      const decoded = shuffled.map((f, i) => decodeLinkLayer(pkt(f, linkType, i + 1), ctx));
      assert.deepEqual(decoded.slice(0, -1), [null, null, null, null], 'fragments wait silently');
      const seg = decoded[4] as DecodedPacket;
      assert.equal(seg.kind, 'tcp');
      assert.equal(seg.src, src);
      assert.equal(seg.tcp.seq, 1000);
      assert.ok(seg.tcp.payload.equals(payload));
      assert.deepEqual(warnings, []);
    });
  }
}

test('the reassembler defragments: a stream of fragmented segments is the bytes sent; a lost fragment is a warning and a gap', () => {
  const data = bytes(20000, 3);
  const packets: Packet[] = [];
  let index = 0;
  const add = (frame: Buffer) => packets.push({ ...pkt(frame, 1, ++index), ts: 1 + index * 0.001 });
  const base = { src: '192.168.1.1', dst: '192.168.1.2', srcPort: 40000, dstPort: 5555 };
  add(buildTcpPacket({ ...base, seq: 99, flags: 0x02 }));
  for (let off = 0, id = 1; off < data.length; off += 4000, id++) {
    const frags = fragmentIpPacket(
      buildTcpPacket({ ...base, seq: 100 + off, ack: 1, payload: data.subarray(off, off + 4000) }),
      1,
      1480,
      id,
    );
    // Segment 3 loses its second fragment; segment 4 arrives with its fragments reversed.
    for (const f of id === 4 ? frags.reverse() : id === 3 ? frags.filter((_, i) => i !== 1) : frags) add(f);
  }
  const warnings: CaptureWarning[] = [];
  const r = new TcpReassembler({ onWarning: (w) => warnings.push(w) });
  const chunks: Buffer[] = [];
  let gaps = 0;
  for (const e of [...packets.flatMap((p) => r.push(p)), ...r.end()]) {
    if (e.kind === 'data') chunks.push(e.data);
    if (e.kind === 'gap') gaps += e.bytes;
  }
  assert.equal(gaps, 4000, 'the segment whose fragment was lost is a gap');
  assert.ok(Buffer.concat(chunks).equals(Buffer.concat([data.subarray(0, 8000), data.subarray(12000)])));
  // Dropped at the end, naming the datagram (id 3, its addresses) and how much of it came (2540 of 4020 bytes).
  assert.deepEqual(
    warnings.map((w) => [w.code, w.severity]),
    [['IP_FRAGMENT_DROPPED', 'warning']],
  );
  assert.match(warnings[0].message, /\b3\b.*192\.168\.1\.1.*192\.168\.1\.2.*\b2540\b.*\b4020\b/);
});

/** Work allowed for fragments: linear in their count and bytes (blocks of 8), plus the buffer growth. */
function linearBound(parts: Array<[number, boolean, Buffer]>): number {
  let blocks = 0;
  for (const [, , data] of parts) blocks += Math.ceil(data.length / 8) + 1;
  return 2 * (parts.length + blocks) + 2 * (65536 / 8);
}

test('adversarial orders with duplicates: rebuilt, or reported incomplete, in work linear in the fragments (counted, not timed)', () => {
  const whole = bytes(65000, 3);
  const eights: Array<[number, boolean, Buffer]> = [];
  for (let off = 0; off < whole.length; off += 8) eights.push([off, off + 8 < whole.length, whole.subarray(off, off + 8)]);
  const rand = prng(99);
  const shuffled = [...eights].sort(() => rand() - 0.5);
  const cases: Record<string, { parts: Array<[number, boolean, Buffer]>; complete: boolean }> = {
    // The reproducer: the last fragment first, then 80,000 copies of one, then the rest.
    'last first, 80,000 copies of one fragment, then the rest backwards': {
      parts: [eights[eights.length - 1], ...Array(80_000).fill(eights[5]), ...[...eights].reverse()],
      complete: true,
    },
    '8-byte fragments of a 65,000-byte datagram, shuffled, each sent twice': {
      parts: shuffled.flatMap((p) => [p, p]),
      complete: true,
    },
    'every fragment but one, then 80,000 copies of the others: incomplete': {
      parts: [...eights.slice(1), ...Array.from({ length: 80_000 }, (_, i) => eights[1 + (i % (eights.length - 1))])],
      complete: false,
    },
    'overlapping runs of every length, backwards': {
      parts: Array.from({ length: 4000 }, (_, i) => {
        const off = (4000 - i) * 8;
        return [off, true, whole.subarray(off, off + 8 * (1 + (i % 180)))] as [number, boolean, Buffer];
      }).concat(
        [
          [0, true, whole.subarray(0, 8)],
          [64992, false, whole.subarray(64992)],
        ],
        eights.slice(4000),
      ),
      complete: true,
    },
  };
  for (const [name, { parts, complete }] of Object.entries(cases)) {
    const defrag = new IpDefragmenter();
    const warnings: string[] = [];
    // All within one second of capture time (feed() spaces fragments 1 ms apart: 80 s here).
    const results = parts.map(([offset, more, data]) => defrag.add('k', offset, more, data, 0, 'datagram k', (m) => warnings.push(m)));
    const done = results.filter((r) => Buffer.isBuffer(r));
    if (complete) {
      assert.equal(done.length, 1, name);
      assert.ok(done[0].equals(whole), name);
    } else {
      assert.equal(done.length, 0, name);
      defrag.finish((m) => warnings.push(m));
      assert.match(warnings.join('\n'), /incomplete at the end of the capture \(64992 bytes of 65000\)/, name);
    }
    assert.ok(
      defrag.work <= linearBound(parts),
      `${name}: ${defrag.work} steps for ${parts.length} fragments (bound ${linearBound(parts)})`,
    );
    assert.deepEqual(
      warnings.filter((w) => !/incomplete/.test(w)),
      [],
      name,
    );
  }
});

test('a duplicate stores nothing: held bytes stay at the datagram size whatever the copies', () => {
  const defrag = new IpDefragmenter();
  const piece = Buffer.alloc(1480, 1);
  for (let i = 0; i < 20_000; i++) defrag.add('k', 0, true, piece, 0, 'dg', () => {});
  // 20,000 x 1480 bytes would be 29 MB if copies were kept (and over the 16 MiB limit: given up).
  assert.equal(defrag.pendingCount, 1);
  assert.ok(Buffer.isBuffer(defrag.add('k', 1480, false, Buffer.alloc(20, 2), 0, 'dg', () => {})));
});
