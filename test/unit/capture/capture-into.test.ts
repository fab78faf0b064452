// CaptureSource.into (the capture thread's reading: packets handed to a sink, no Packet object for any
// record) gives what iterating the source gives, in the same order with the warnings in
// place: for every sample capture (microsecond and nanosecond pcap, pcapng) whole and cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openCapture } from '../../../core/capture/index.js';
import type { PacketSink } from '../../../core/capture/pcap.js';

const dir = join(import.meta.dirname, '../../../resources/captures');

async function iterated(bytes: Buffer): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of openCapture(Readable.from([bytes]))) {
    out.push('kind' in p ? p : [p.linkType, p.data.toString('hex'), p.tsSec, p.tsNsec, p.origLen, p.index]);
  }
  return out;
}

async function sunk(bytes: Buffer, chunk: number): Promise<unknown[]> {
  const out: unknown[] = [];
  const sink: PacketSink = {
    // The data must stay as read: copied only once the whole file is through.
    packet: (linkType, data, tsSec, tsNsec, origLen, index) => out.push([linkType, data, tsSec, tsNsec, origLen, index]),
    warning: (w) => out.push(w),
  };
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  for await (const _ of openCapture(Readable.from(pieces)).into(sink));
  return out.map((x) => (Array.isArray(x) ? [x[0], (x[1] as Buffer).toString('hex'), ...x.slice(2)] : x));
}

test('into() hands a sink what iteration yields, for every sample capture whole and cut short', async () => {
  const names = readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n));
  assert.ok(names.some((n) => n.endsWith('-nano.pcap')) && names.some((n) => n.endsWith('.pcapng')));
  for (const name of names) {
    const whole = readFileSync(join(dir, name));
    for (const bytes of [whole, whole.subarray(0, Math.floor(whole.length * 0.6))]) {
      const expected = await iterated(bytes);
      assert.ok(expected.length > 3, name);
      for (const chunk of [977, 65536])
        assert.deepEqual(await sunk(bytes, chunk), expected, `${name} (${bytes.length} bytes, chunks of ${chunk})`);
    }
  }
});
