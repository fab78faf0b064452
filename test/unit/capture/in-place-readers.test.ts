// Our own readers (nanosecond/modified pcap, pcapng) read each record in place in the chunk it arrived in,
// and copy only a record split between chunks. Whatever the chunking (1 byte at a time splits every header
// and every block), both outputs over the one parser, into() and batches(), give the same packets:
// - real captures: the same bytes, lengths and link types as pcap-parser (the project's chosen reader, an
//   independent parser) gives for editcap's microsecond conversion of the file, and tshark's nanosecond times;
// - written ones (big-endian, several pcapng sections, every block type, bad records): what a whole read gives,
//   which formats.test.ts and malformed.test.ts pin to exact values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buildTcpPacket, openCapture, PcapWriter, PcapngWriter } from '../../../core/capture/index.js';
import type { PacketSink } from '../../../core/capture/pcap.js';
import { modifiedPcap } from '../../helpers/modified-pcap.js';

const dir = join(import.meta.dirname, '../../../resources/captures');

/** A packet as compared here: [linkType, data hex, tsSec, tsNsec, origLen, index, interfaceId]. */
type Row = [number, string, number, number, number, number, number];

function pieces(bytes: Buffer, chunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(bytes.subarray(i, i + chunk));
  return out;
}

/** What into() hands a sink (data kept as views until the end: nothing may write to them meanwhile). */
async function viaSink(bytes: Buffer, chunk: number): Promise<unknown[]> {
  const got: unknown[] = [];
  const sink: PacketSink = {
    packet: (linkType, data, tsSec, tsNsec, origLen, index, interfaceId = 0) =>
      got.push([linkType, data, tsSec, tsNsec, origLen, index, interfaceId]),
    warning: (w) => got.push(w),
  };
  for await (const _ of openCapture(Readable.from(pieces(bytes, chunk))).into(sink));
  return got.map((x) => (Array.isArray(x) ? [x[0], (x[1] as Buffer).toString('hex'), ...x.slice(2)] : x));
}

/** What batches() yields, as the same rows. */
async function viaBatches(bytes: Buffer, chunk: number): Promise<unknown[]> {
  const got: unknown[] = [];
  for await (const batch of openCapture(Readable.from(pieces(bytes, chunk))).batches()) {
    for (const p of batch) {
      if ('kind' in p) got.push(p);
      else {
        assert.equal(p.ts, p.tsSec + p.tsNsec / 1e9);
        got.push([p.linkType, p.data.toString('hex'), p.tsSec, p.tsNsec, p.origLen, p.index, p.interfaceId]);
      }
    }
  }
  return got;
}

const CHUNKS = [1, 3, 16, 977, 65536];

test('real nanosecond pcap and pcapng captures, in any chunks, read as pcap-parser reads their microsecond conversion, at tshark times', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'in-place-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const names = readdirSync(dir).filter((n) => n.endsWith('.pcapng') || n.endsWith('-nano.pcap'));
  assert.ok(names.length >= 3);
  for (const name of names) {
    const file = join(dir, name);
    const usec = join(tmp, `${name}.usec.pcap`);
    execFileSync('editcap', ['-F', 'pcap', file, usec], { stdio: 'ignore' });
    const reference: Row[] = [];
    for await (const p of openCapture(usec)) {
      assert.ok(!('kind' in p), `${name}: ${JSON.stringify(p)}`);
      reference.push([p.linkType, p.data.toString('hex'), p.tsSec, p.tsNsec, p.origLen, p.index, 0]);
    }
    const times = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n');
    assert.equal(times.length, reference.length, name);
    const bytes = readFileSync(file);
    for (const chunk of CHUNKS) {
      for (const [how, rows] of [
        ['into', await viaSink(bytes, chunk)],
        ['batches', await viaBatches(bytes, chunk)],
      ] as const) {
        const what = `${name} ${how}, chunks of ${chunk}`;
        assert.equal(rows.length, reference.length, what);
        rows.forEach((r, i) => {
          const [linkType, hex, tsSec, tsNsec, origLen, index] = r as Row;
          const [rLink, rHex, rSec, rNsec, rOrig, rIndex] = reference[i];
          assert.deepEqual(
            [linkType, hex, tsSec, Math.floor(tsNsec / 1000) * 1000, origLen, index],
            [rLink, rHex, rSec, rNsec, rOrig, rIndex],
            what,
          );
          assert.equal(`${tsSec}.${String(tsNsec).padStart(9, '0')}`, times[i], what);
        });
      }
    }
  }
});

const frames = [0, 1, 40, 1400].map((n, i) =>
  buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5555, dstPort: 6000 + i, seq: i * 2000, payload: Buffer.alloc(n, i + 1) }),
);

/** Written captures with what our readers must handle beyond the real ones. */
function writtenCaptures(): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const bigEndian of [false, true]) {
    const w = new PcapWriter({ linkType: 1, nanosecond: true, bigEndian });
    frames.forEach((data, i) => w.write({ tsSec: 1700000000 + i, tsNsec: 999_999_999 - i, data, origLen: data.length + i }));
    out.push([`nanosecond pcap, ${bigEndian ? 'big' : 'little'}-endian`, w.toBuffer()]);
  }
  // Kuznetzov's modified pcap (24-byte record headers), big-endian, with a timestamp fraction out of range.
  const modified = modifiedPcap(
    frames.map((data, i) => ({ sec: 1700000000 + i, usec: i === 2 ? 1_000_000 : 999_999 - i, data, origLen: data.length + 3 })),
    true,
  );
  out.push(['modified pcap, big-endian, a fraction out of range', modified]);
  const ng = new PcapngWriter();
  ng.section({ bigEndian: false });
  const eth = ng.addInterface({ linkType: 1 });
  const nano = ng.addInterface({ linkType: 1, tsresol: 9 });
  ng.packet(eth, { tsSec: 1700000000, tsNsec: 1000, data: frames[0] });
  ng.block(0x40000bad, Buffer.from('a custom block, skipped'));
  ng.packet(nano, { tsSec: 1700000001, tsNsec: 123_456_789, data: frames[3] });
  ng.simplePacket(frames[2]);
  ng.section({ bigEndian: true });
  const pow2 = ng.addInterface({ linkType: 1, tsresol: 0x80 | 20, tsoffset: 1_000_000_000n });
  ng.enhancedPacket(pow2, (5n << 20n) + 524288n, frames[1]);
  ng.obsoletePacket(pow2, 7n << 20n, frames[3], frames[3].length + 10);
  ng.enhancedPacket(3, 0n, frames[0]); // no interface 3: a warning, reading goes on
  ng.simplePacket(frames[2]);
  out.push(['pcapng, two sections in both byte orders, every block type', ng.toBuffer()]);
  return out;
}

test('written captures (both byte orders, modified pcap, every pcapng block type, bad records) read alike in any chunks, whole or cut short', async () => {
  for (const [name, whole] of writtenCaptures()) {
    for (const bytes of [whole, whole.subarray(0, whole.length - 37)]) {
      const expected = await viaBatches(bytes, bytes.length);
      assert.ok(expected.filter(Array.isArray).length >= 3, name);
      if (name.startsWith('modified'))
        assert.ok(
          expected.some((x) => !Array.isArray(x)),
          `${name}: a warning`,
        );
      if (bytes !== whole)
        assert.ok(
          expected.some((x) => !Array.isArray(x)),
          `${name} cut short: a warning`,
        );
      for (const chunk of CHUNKS) {
        assert.deepEqual(await viaSink(bytes, chunk), expected, `${name} (${bytes.length} bytes) into, chunks of ${chunk}`);
        assert.deepEqual(await viaBatches(bytes, chunk), expected, `${name} (${bytes.length} bytes) batches, chunks of ${chunk}`);
      }
    }
  }
});
