// Microsecond pcap files (read through pcap-parser, whose record headers pcap.ts reads itself only for the
// record it waits on): a file cut at any byte, in either byte order and any chunking, gives every whole
// packet and then the one warning naming the packet and its exact byte counts; an absurd captured length
// stops reading at once (not after buffering the file), whether or not its bytes follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buildTcpPacket, MAX_CAPLEN, openCapture, type CaptureWarning, type Packet } from '../../../core/capture/index.js';

const frames = Array.from({ length: 3 }, (_, i) =>
  buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, seq: i * 100, payload: Buffer.alloc(5 + i * 17, i + 1) }),
);

/** A microsecond pcap file in either byte order; record k starts at starts[k]. */
function usecPcap(bigEndian: boolean, records: readonly { data: Buffer; caplen?: number }[]): { bytes: Buffer; starts: number[] } {
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (bigEndian) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (bigEndian) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  const parts: Buffer[] = [u32(0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(65535), u32(1)];
  const starts: number[] = [];
  let at = 24;
  for (const [i, r] of records.entries()) {
    starts.push(at);
    parts.push(u32(1000 + i), u32(i * 1000), u32(r.caplen ?? r.data.length), u32(r.data.length), r.data);
    at += 16 + r.data.length;
  }
  return { bytes: Buffer.concat(parts), starts };
}

function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

async function collect(chunks: Iterable<Buffer> | AsyncIterable<Buffer>) {
  const packets: Packet[] = [];
  const warnings: CaptureWarning[] = [];
  for await (const p of openCapture(Readable.from(chunks))) 'kind' in p ? warnings.push(p) : packets.push(p);
  return { packets, warnings };
}

test('cut at every byte, both byte orders, chunks of 1, 5, 16 and 4096 bytes: whole packets, then the exact truncation warning', async () => {
  for (const bigEndian of [false, true]) {
    const { bytes, starts } = usecPcap(
      bigEndian,
      frames.map((data) => ({ data })),
    );
    for (let cut = 4; cut <= bytes.length; cut++) {
      const k = starts.filter((s) => s < cut).length; // records begun before the cut (1-based number of the last)
      const rs = starts[k - 1];
      let expected: string[];
      if (cut < 24) expected = [`capture is truncated: file header has ${cut} of 24 bytes`];
      else if (cut === bytes.length || starts.includes(cut) || k === 0) expected = [];
      else if (cut - rs < 16)
        expected = [`capture is truncated: packet ${k} record header has ${cut - rs} of 16 bytes; packets before it were read`];
      else
        expected = [`capture is truncated: packet ${k} has ${cut - rs - 16} of ${frames[k - 1].length} bytes; packets before it were read`];
      const whole = starts.filter((s, i) => s + 16 + frames[i].length <= cut).length;
      for (const size of [1, 5, 16, 4096]) {
        const what = `${bigEndian ? 'big' : 'little'}-endian, cut at ${cut}, chunks of ${size}`;
        const { packets, warnings } = await collect(pieces(bytes.subarray(0, cut), size));
        assert.equal(packets.length, whole, what);
        packets.forEach((p, i) =>
          assert.deepEqual([p.index, p.tsSec, p.tsNsec, p.data], [i + 1, 1000 + i, i * 1000 * 1000, frames[i]], what),
        );
        assert.deepEqual(
          warnings.map((w) => w.message),
          expected,
          what,
        );
        if (expected.length) assert.equal(warnings[0].code, 'CAPTURE_TRUNCATED', what);
      }
    }
  }
});

test('an absurd captured length stops reading at once with CAPTURE_CORRUPT naming it, whether its bytes follow or not', async () => {
  const big = Buffer.alloc(MAX_CAPLEN + 1, 7);
  for (const bigEndian of [false, true]) {
    for (const [what, records, caplen] of [
      ['bytes follow', [{ data: frames[0] }, { data: frames[1] }, { data: big }, { data: frames[2] }], MAX_CAPLEN + 1],
      ['no such bytes', [{ data: frames[0] }, { data: frames[1] }, { data: frames[2], caplen: 0x7ffffff0 }], 0x7ffffff0],
    ] as const) {
      const { bytes } = usecPcap(bigEndian, records);
      const trailing = pieces(Buffer.alloc(1024 * 1024), 65536); // more file after it: must not be read
      // Chunks of 1 MiB bring a whole absurd record at once; smaller ones its header first.
      for (const size of [7, 65536, 1024 * 1024]) {
        let pulled = 0;
        async function* source() {
          for (const c of [...pieces(bytes, size), ...trailing]) {
            pulled += c.length;
            yield c;
          }
        }
        const { packets, warnings } = await collect(source());
        const label = `${bigEndian ? 'big' : 'little'}-endian, ${what}, chunks of ${size}`;
        assert.equal(packets.length, 2, label);
        assert.equal(warnings.length, 1, label);
        assert.equal(warnings[0].code, 'CAPTURE_CORRUPT', label);
        assert.equal(warnings[0].index, 3, label);
        assert.equal(
          warnings[0].message,
          `packet 3: captured length ${caplen} exceeds the ${MAX_CAPLEN}-byte limit; file is corrupt, reading stopped`,
          label,
        );
        assert.ok(pulled < bytes.length + 2 * MAX_CAPLEN, `${label}: read ${pulled} bytes`);
      }
    }
  }
});
