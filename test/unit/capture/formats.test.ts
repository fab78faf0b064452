// pcap (microsecond and nanosecond, both byte orders) and pcapng (several sections in both byte
// orders, per-interface link types, if_tsresol incl. powers of two, if_tsoffset, enhanced, simple
// and obsolete packet blocks, unknown blocks) read back exactly, and agree with tshark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  buildTcpPacket,
  openCapture,
  readPcap,
  readPcapng,
  PcapWriter,
  PcapngWriter,
  decodeLinkLayer,
  type Packet,
  type CaptureWarning,
} from '../../../core/capture/index.js';
import { modifiedPcap } from '../../helpers/modified-pcap.js';

async function collect(src: AsyncIterable<Packet | CaptureWarning>) {
  const packets: Packet[] = [];
  const warnings: CaptureWarning[] = [];
  for await (const p of src) 'kind' in p ? warnings.push(p) : packets.push(p);
  return { packets, warnings };
}

function tshark(file: string, ...fields: string[]): string[][] {
  // Only TCP frames: Wireshark also shows pcapng custom blocks as frames.
  const out = execFileSync('tshark', ['-r', file, '-Y', 'tcp', '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
}

const epoch = (p: Packet) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cap-fmt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const frames = Array.from({ length: 5 }, (_, i) =>
  buildTcpPacket({
    src: '127.0.0.1',
    dst: '127.0.0.2',
    srcPort: 1000 + i,
    dstPort: 2000,
    seq: i * 1000,
    payload: Buffer.alloc(i * 37, i + 1),
  }),
);
const times = [
  [1700000000, 0],
  [1700000000, 999_999_999],
  [1700000001, 123_456_789],
  [4000000000, 1_000], // past 2^31 seconds: unsigned
  [1700000002, 500_000_000],
] as const;

for (const nanosecond of [false, true]) {
  for (const bigEndian of [false, true]) {
    test(`classic pcap, ${nanosecond ? 'nanosecond' : 'microsecond'}, ${bigEndian ? 'big' : 'little'}-endian: exact packets and timestamps, same as tshark`, async (t) => {
      const w = new PcapWriter({ linkType: 1, nanosecond, bigEndian });
      frames.forEach((data, i) => w.write({ tsSec: times[i][0], tsNsec: times[i][1], data, origLen: data.length + i }));
      const bytes = w.toBuffer();
      const file = join(tempDir(t), 'f.pcap');
      writeFileSync(file, bytes);
      const { packets, warnings } = await collect(readPcap(Readable.from([bytes])));
      assert.deepEqual(warnings, []);
      assert.equal(packets.length, frames.length);
      packets.forEach((p, i) => {
        assert.equal(p.index, i + 1);
        assert.equal(p.linkType, 1);
        assert.equal(p.interfaceId, 0);
        assert.deepEqual(p.data, frames[i]);
        assert.equal(p.origLen, frames[i].length + i);
        assert.equal(p.tsSec, times[i][0]);
        assert.equal(p.tsNsec, nanosecond ? times[i][1] : Math.floor(times[i][1] / 1000) * 1000);
        assert.ok(Math.abs(p.ts - (p.tsSec + p.tsNsec / 1e9)) < 1e-6);
      });
      const rows = tshark(file, 'frame.time_epoch', 'frame.cap_len', 'frame.len');
      assert.deepEqual(
        rows.map((r) => r[0]),
        packets.map(epoch),
      );
      assert.deepEqual(
        rows.map((r) => [Number(r[1]), Number(r[2])]),
        packets.map((p) => [p.data.length, p.origLen]),
      );
    });
  }
}

test('pcapng: sections in both byte orders, per-interface link types, if_tsresol 10^-n and 2^-n, if_tsoffset, EPB/SPB/obsolete PB, unknown blocks skipped', async (t) => {
  const w = new PcapngWriter();
  const expect: { linkType: number; interfaceId: number; tsSec: number; tsNsec: number; data: Buffer }[] = [];
  // Section 1, little-endian: microsecond Ethernet and nanosecond raw-IP interfaces.
  w.section({ bigEndian: false });
  const eth = w.addInterface({ linkType: 1, name: 'eth-usec' });
  const raw = w.addInterface({ linkType: 101, tsresol: 9, name: 'raw-nsec' });
  w.packet(eth, { tsSec: 1700000000, tsNsec: 250_000_000, data: frames[0] });
  expect.push({ linkType: 1, interfaceId: eth, tsSec: 1700000000, tsNsec: 250_000_000, data: frames[0] });
  w.block(0x00000004, Buffer.from([0, 0, 0, 0])); // name resolution block (end of records only)
  const rawFrame = buildTcpPacket({
    src: '10.0.0.1',
    dst: '10.0.0.2',
    srcPort: 1,
    dstPort: 2,
    seq: 3,
    payload: Buffer.from('raw'),
    linkType: 101,
  });
  w.packet(raw, { tsSec: 1700000001, tsNsec: 123_456_789, data: rawFrame });
  expect.push({ linkType: 101, interfaceId: raw, tsSec: 1700000001, tsNsec: 123_456_789, data: rawFrame });
  w.block(0x40000bad, Buffer.from('a custom block with a private enterprise number'));
  // Section 2, big-endian: a power-of-two resolution interface (2^-20 s) with an offset, then SLL2.
  w.section({ bigEndian: true });
  const pow2 = w.addInterface({ linkType: 1, tsresol: 0x80 | 20, tsoffset: 1_000_000_000n });
  const sll2 = w.addInterface({ linkType: 276, tsresol: 3 });
  const units = (5n << 20n) + 524288n; // 5.5 s after the offset
  w.enhancedPacket(pow2, units, frames[1]);
  expect.push({ linkType: 1, interfaceId: pow2, tsSec: 1_000_000_005, tsNsec: 500_000_000, data: frames[1] });
  const sllFrame = buildTcpPacket({
    src: '::1',
    dst: '::1',
    srcPort: 9,
    dstPort: 10,
    seq: 11,
    payload: Buffer.from('sll2'),
    linkType: 276,
  });
  w.enhancedPacket(sll2, 1_700_000_003_042n, sllFrame);
  expect.push({ linkType: 276, interfaceId: sll2, tsSec: 1700000003, tsNsec: 42_000_000, data: sllFrame });
  w.block(0x00000005, Buffer.alloc(12)); // interface statistics block
  // Section 3, little-endian again: interface ids restart; simple and obsolete packet blocks.
  w.section({ bigEndian: false });
  w.addInterface({ linkType: 0, snapLen: 100 });
  const nullFrame = buildTcpPacket({
    src: '127.0.0.1',
    dst: '127.0.0.1',
    srcPort: 5,
    dstPort: 6,
    seq: 7,
    payload: Buffer.alloc(200, 9),
    linkType: 0,
  });
  w.simplePacket(nullFrame.subarray(0, 100), nullFrame.length); // SPB: captured length = min(original, snap length 100)
  expect.push({ linkType: 0, interfaceId: 0, tsSec: 0, tsNsec: 0, data: nullFrame.subarray(0, 100) });
  const nullFrame2 = buildTcpPacket({
    src: '127.0.0.1',
    dst: '127.0.0.1',
    srcPort: 5,
    dstPort: 6,
    seq: 207,
    payload: Buffer.from('obsolete'),
    linkType: 0,
  });
  w.obsoletePacket(0, 1_700_000_004_000_001n, nullFrame2);
  expect.push({ linkType: 0, interfaceId: 0, tsSec: 1700000004, tsNsec: 1000, data: nullFrame2 });

  const bytes = w.toBuffer();
  const file = join(tempDir(t), 'multi.pcapng');
  writeFileSync(file, bytes);
  const { packets, warnings } = await collect(readPcapng(Readable.from([bytes])));
  assert.deepEqual(warnings, []);
  assert.equal(packets.length, expect.length);
  packets.forEach((p, i) => {
    const e = expect[i];
    assert.equal(p.index, i + 1);
    assert.equal(p.linkType, e.linkType, `packet ${i + 1} link type`);
    assert.equal(p.interfaceId, e.interfaceId);
    assert.equal(p.tsSec, e.tsSec, `packet ${i + 1} seconds`);
    assert.equal(p.tsNsec, e.tsNsec, `packet ${i + 1} nanoseconds`);
    assert.deepEqual(p.data, e.data);
  });
  assert.equal(packets[4].origLen, nullFrame.length);
  // Every TCP packet decodes (link types were applied per interface).
  for (const p of packets) assert.equal(decodeLinkLayer(p)?.kind, 'tcp', `packet ${p.index}`);
  // tshark agrees on the number of packets, their lengths and timestamps (to the microsecond it prints
  // for power-of-two resolutions; the simple packet block has none).
  const rows = tshark(file, 'frame.cap_len', 'frame.len', 'frame.time_epoch');
  assert.deepEqual(
    rows.map((r) => [Number(r[0]), Number(r[1])]),
    packets.map((p) => [p.data.length, p.origLen]),
  );
  for (const i of [0, 1, 2, 3, 5])
    assert.equal(Number(rows[i][2]).toFixed(6), (packets[i].tsSec + packets[i].tsNsec / 1e9).toFixed(6), `packet ${i + 1} time`);
});

test('openCapture sniffs pcap vs pcapng from a path or a stream and reports progress up to the file size', async (t) => {
  const dir = tempDir(t);
  const pcap = new PcapWriter({ linkType: 1, nanosecond: true });
  frames.forEach((data, i) => pcap.write({ tsSec: times[i][0], tsNsec: times[i][1], data }));
  const ng = new PcapngWriter().section();
  ng.addInterface({ linkType: 1, tsresol: 9 });
  frames.forEach((data, i) => ng.packet(0, { tsSec: times[i][0], tsNsec: times[i][1], data }));
  for (const [name, bytes, format] of [
    ['a.pcap', pcap.toBuffer(), 'pcap'],
    ['b.pcapng', ng.toBuffer(), 'pcapng'],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const progress: { bytesRead: number; totalBytes?: number }[] = [];
    const src = openCapture(file, { onProgress: (p) => progress.push(p), progressStepBytes: 64, chunkBytes: 100 });
    const { packets, warnings } = await collect(src);
    assert.equal(src.format, format);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      packets.map((p) => p.data),
      frames,
    );
    assert.deepEqual(
      packets.map((p) => [p.tsSec, p.tsNsec]),
      times.map((x) => [...x]),
    );
    const size = statSync(file).size;
    assert.ok(progress.length > 2, 'several progress reports for a file read in 100-byte chunks');
    assert.deepEqual(progress.at(-1), { bytesRead: size, totalBytes: size });
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].bytesRead >= progress[i - 1].bytesRead);
    assert.equal(src.bytesRead, size);
    // The same bytes as a stream split into 7-byte pieces.
    const pieces: Buffer[] = [];
    for (let o = 0; o < bytes.length; o += 7) pieces.push(bytes.subarray(o, o + 7));
    const viaStream = openCapture(Readable.from(pieces));
    const s = await collect(viaStream);
    assert.equal(viaStream.format, format);
    assert.equal(viaStream.totalBytes, undefined);
    assert.deepEqual(
      s.packets.map((p) => p.data),
      frames,
    );
  }
});

/** An endless capture produced on demand, counting the bytes it has produced. */
function endless(format: 'pcap' | 'pcapng', limitBytes: number) {
  const state = { produced: 0 };
  const frame = buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, seq: 0, payload: Buffer.alloc(1400, 0x5a) });
  async function* gen() {
    const head = format === 'pcap' ? new PcapWriter({ linkType: 1 }) : new PcapngWriter().section();
    if (head instanceof PcapngWriter) head.addInterface({ linkType: 1 });
    let chunk = head.toBuffer();
    for (let i = 0; state.produced < limitBytes; i++) {
      const w = format === 'pcap' ? new PcapWriter({ linkType: 1 }) : new PcapngWriter();
      // Each batch is 64 records; for pcap drop the 24-byte file header the writer always emits.
      for (let k = 0; k < 64; k++) {
        if (w instanceof PcapWriter) w.write({ tsSec: i, tsNsec: k, data: frame });
        else w.packet(0, { tsSec: i, tsNsec: k * 1000, data: frame });
      }
      const b = w.toBuffer();
      chunk = Buffer.concat([chunk, format === 'pcap' ? b.subarray(24) : b]);
      state.produced += chunk.length;
      yield chunk;
      chunk = Buffer.alloc(0);
    }
  }
  return { state, stream: Readable.from(gen(), { highWaterMark: 1 }) };
}

for (const format of ['pcap', 'pcapng'] as const) {
  test(`${format}: reading is pulled by the consumer, so a 1 GB capture is never read ahead into memory`, async () => {
    const { state, stream } = endless(format, 1024 ** 3);
    let n = 0;
    for await (const p of openCapture(stream)) {
      assert.ok(!('kind' in p));
      if (++n === 2000) break;
    }
    // 2000 packets are ~3 MB; the source must not have produced much more than that.
    const consumed = 2000 * (1400 + 54 + 32);
    assert.ok(state.produced < consumed + 2 * 1024 * 1024, `produced ${state.produced} bytes for ${consumed} consumed`);
    assert.ok(stream.destroyed, 'stopping the iteration releases the source');
  });
}

test("Kuznetzov's modified pcap (magic 0xa1b2cd34, 24-byte record headers) reads the same packets as tshark", async (t) => {
  const bytes = modifiedPcap(
    frames.map((data, i) => ({ sec: times[i][0], usec: Math.floor(times[i][1] / 1000), data })),
    false,
  );
  const file = join(tempDir(t), 'modified.pcap');
  writeFileSync(file, bytes);
  const { packets, warnings } = await collect(openCapture(file));
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    packets.map((p) => p.data),
    frames,
  );
  const rows = tshark(file, 'frame.time_epoch', 'frame.cap_len');
  assert.deepEqual(
    rows.map((r) => r[0]),
    packets.map(epoch),
  );
});
