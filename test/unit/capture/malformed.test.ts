// Bad input: missing/empty/foreign files are clear CaptureErrors; truncation and corrupt lengths are
// in-stream warnings after every packet that could be read; nothing throws anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  buildTcpPacket,
  openCapture,
  PcapWriter,
  PcapngWriter,
  CaptureError,
  MAX_CAPLEN,
  type Packet,
  type CaptureWarning,
} from '../../../core/capture/index.js';

async function collect(input: Parameters<typeof openCapture>[0]) {
  const packets: Packet[] = [];
  const warnings: CaptureWarning[] = [];
  for await (const p of openCapture(input)) 'kind' in p ? warnings.push(p) : packets.push(p);
  return { packets, warnings };
}

async function rejects(input: Parameters<typeof openCapture>[0], code: string, message: RegExp) {
  await assert.rejects(collect(input), (e: unknown) => {
    assert.ok(e instanceof CaptureError, `CaptureError expected, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

const frames = Array.from({ length: 4 }, (_, i) =>
  buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, seq: i * 100, payload: Buffer.alloc(10 + i * 13, i) }),
);

function pcapBytes(nanosecond: boolean): { bytes: Buffer; ends: number[] } {
  const w = new PcapWriter({ linkType: 1, nanosecond });
  const ends: number[] = [];
  let off = 24;
  for (const [i, data] of frames.entries()) {
    w.write({ tsSec: 1000 + i, tsNsec: 0, data });
    off += 16 + data.length;
    ends.push(off);
  }
  return { bytes: w.toBuffer(), ends };
}

function pcapngBytes(): { bytes: Buffer; ends: number[] } {
  const w = new PcapngWriter().section();
  w.addInterface({ linkType: 1, tsresol: 9 });
  const header = w.toBuffer().length;
  const ends: number[] = [];
  let off = header;
  for (const [i, data] of frames.entries()) {
    w.packet(0, { tsSec: 1000 + i, tsNsec: 0, data });
    off += 32 + Math.ceil(data.length / 4) * 4;
    ends.push(off);
  }
  return { bytes: w.toBuffer(), ends };
}

test('missing file, directory, empty, too short and foreign files are CaptureErrors with specific codes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cap-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await rejects(join(dir, 'nope.pcap'), 'ENOENT', /capture file not found: .*nope\.pcap/);
  await rejects(dir, 'EIO', /is a directory/);
  writeFileSync(join(dir, 'empty'), '');
  await rejects(join(dir, 'empty'), 'EEMPTY', /is empty/);
  writeFileSync(join(dir, 'short'), Buffer.from([0xd4, 0xc3]));
  await rejects(join(dir, 'short'), 'EBADMAGIC', /too short to be a capture \(2 bytes\)/);
  writeFileSync(join(dir, 'http.txt'), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await rejects(join(dir, 'http.txt'), 'EBADMAGIC', /not a pcap or pcapng capture \(magic 0x47455420/);
  await rejects(Readable.from([Buffer.alloc(1000, 0xff)]), 'EBADMAGIC', /stream is not a pcap or pcapng capture \(magic 0xffffffff/);
});

for (const [name, make] of [
  ['pcap (microsecond, via pcap-parser)', () => pcapBytes(false)],
  ['pcap (nanosecond)', () => pcapBytes(true)],
  ['pcapng', pcapngBytes],
] as const) {
  test(`${name} truncated at every byte: whole packets before the cut, then one truncation warning`, async () => {
    const { bytes, ends } = make();
    for (let cut = 4; cut <= bytes.length; cut++) {
      // Deliver in awkward pieces so records straddle chunks.
      const piece = bytes.subarray(0, cut);
      const chunks = [piece.subarray(0, 3), piece.subarray(3, 17), piece.subarray(17)];
      const { packets, warnings } = await collect(Readable.from(chunks.filter((c) => c.length)));
      const complete = ends.filter((e) => e <= cut).length;
      assert.equal(packets.length, complete, `cut at ${cut}`);
      packets.forEach((p, i) => assert.deepEqual(p.data, frames[i]));
      // Cutting exactly between blocks/records is a valid (shorter) file.
      const boundaries = name === 'pcapng' ? [28, firstRecordStart(name, ends), ...ends] : [24, ...ends];
      if (boundaries.includes(cut)) {
        assert.deepEqual(warnings, [], `cut at ${cut}`);
      } else {
        assert.equal(warnings.length, 1, `cut at ${cut}: ${JSON.stringify(warnings)}`);
        assert.deepEqual([warnings[0].code, warnings[0].severity], ['CAPTURE_TRUNCATED', 'warning'], `cut at ${cut}`);
      }
    }
  });
}

function firstRecordStart(name: string, ends: number[]): number {
  const firstLen = name === 'pcapng' ? 32 + Math.ceil(frames[0].length / 4) * 4 : 16 + frames[0].length;
  return ends[0] - firstLen;
}

test('absurd captured lengths stop reading with a warning instead of buffering the file', async () => {
  for (const nanosecond of [false, true]) {
    const { bytes, ends } = pcapBytes(nanosecond);
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(0x7ffffff0, ends[1] + 8); // caplen of the third record
    const { packets, warnings } = await collect(Readable.from([bad]));
    assert.equal(packets.length, 2);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].code, 'CAPTURE_CORRUPT');
    assert.match(warnings[0].message, new RegExp(`^packet 3: .*\\b${0x7ffffff0}\\b.*\\b${MAX_CAPLEN}\\b`));
    assert.equal(warnings[0].index, 3);
  }
});

test('pcapng: block length beyond the file, over the limit, misaligned, or with a mismatched trailer', async () => {
  const { bytes, ends } = pcapngBytes();
  const second = ends[0]; // offset of packet 2's block
  // Each variant: its code, and the numbers the warning must name (packet, lengths), not its words.
  const variants: [string, (b: Buffer) => void, number, string, RegExp][] = [
    ['longer than the file', (b) => b.writeUInt32LE(4096, second + 4), 1, 'CAPTURE_TRUNCATED', /packet 2\b.*\b4096\b/],
    ['absurdly long', (b) => b.writeUInt32LE(0xfffffff0, second + 4), 1, 'CAPTURE_CORRUPT', /\b4294967280\b/],
    ['not a multiple of 4', (b) => b.writeUInt32LE(63, second + 4), 1, 'CAPTURE_CORRUPT', /\b63\b/],
    ['shorter than a block header', (b) => b.writeUInt32LE(8, second + 4), 1, 'CAPTURE_CORRUPT', /\b8\b/],
    ['mismatched trailer', (b) => b.writeUInt32LE(12345, ends[1] - 4), 1, 'CAPTURE_CORRUPT', /\b12345\b/],
    ['captured length past its block', (b) => b.writeUInt32LE(5000, second + 20), 3, 'CAPTURE_BAD_RECORD', /^packet 2: .*\b5000\b/],
    ['unknown interface', (b) => b.writeUInt32LE(7, second + 8), 3, 'CAPTURE_BAD_RECORD', /^packet 2: .*\b7\b/],
    ['bad byte-order magic', (b) => b.writeUInt32LE(0x12345678, 8), 0, 'CAPTURE_CORRUPT', /0x78563412|0x12345678/],
  ];
  for (const [what, mutate, expectPackets, code, numbers] of variants) {
    const b = Buffer.from(bytes);
    mutate(b);
    const { packets, warnings } = await collect(Readable.from([b]));
    assert.equal(packets.length, expectPackets, what);
    assert.equal(warnings.length, 1, `${what}: ${JSON.stringify(warnings)}`);
    assert.equal(warnings[0].code, code, what);
    assert.match(warnings[0].message, numbers, what);
  }
});

test('garbage after a valid capture is reported, packets before it are kept', async () => {
  const garbage = Buffer.from('\x00\x01 this is not a block at all, just noise that follows the capture \xff\xfe');
  for (const { bytes } of [pcapBytes(false), pcapBytes(true), pcapngBytes()]) {
    const { packets, warnings } = await collect(Readable.from([Buffer.concat([bytes, garbage])]));
    assert.equal(packets.length, frames.length);
    assert.ok(warnings.length >= 1 && warnings.length <= 2, JSON.stringify(warnings));
  }
});

test('a SHB without any interface: packet blocks are skipped with a warning each', async () => {
  const w = new PcapngWriter().section();
  w.packet(0, { tsSec: 1, tsNsec: 0, data: frames[0] });
  w.simplePacket(frames[1]);
  const { packets, warnings } = await collect(Readable.from([w.toBuffer()]));
  assert.equal(packets.length, 0);
  assert.deepEqual(
    warnings.map((x) => [x.index, x.code]),
    [
      [1, 'CAPTURE_BAD_RECORD'],
      [2, 'CAPTURE_BAD_RECORD'],
    ],
  );
});

test('a stream that fails in the middle ends with an EIO CaptureError after the packets before it', async () => {
  const { bytes, ends } = pcapBytes(true);
  async function* failing() {
    yield bytes.subarray(0, ends[1]);
    throw new Error('device went away');
  }
  const packets: Packet[] = [];
  await assert.rejects(
    (async () => {
      for await (const p of openCapture(failing())) if (!('kind' in p)) packets.push(p);
    })(),
    (e: unknown) => e instanceof CaptureError && e.code === 'EIO' && /failed after \d+ bytes: device went away/.test(e.message),
  );
  assert.equal(packets.length, 2);
});
