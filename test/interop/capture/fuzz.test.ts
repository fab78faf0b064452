// Seeded mutation fuzzing of real captures (tcpdump pcap, tcpdump nanosecond pcap, dumpcap pcapng):
// flipped bytes, overwritten length fields, insertions, deletions, truncations. Reading, decoding and
// reassembling must never throw anything but a CaptureError for an unreadable header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as zmq from 'zeromq';
import { openCapture, decodeLinkLayer, TcpReassembler, CaptureError } from '../../../core/capture/index.js';
import { captureToFile, waitForFins, type Tool } from './helpers.js';
import { prng } from '../../helpers/random.js';

async function realCapture(tool: Tool, args: string[], file: string): Promise<Buffer> {
  const rep = new zmq.Reply({ linger: 1000 });
  const req = new zmq.Request({ linger: 1000 });
  try {
    await rep.bind('tcp://127.0.0.1:*');
    const port = Number(rep.lastEndpoint!.split(':').at(-1));
    const cap = await captureToFile({ tool, filter: `tcp port ${port}`, file, args });
    try {
      req.connect(`tcp://127.0.0.1:${port}`);
      for (let i = 0; i < 8; i++) {
        await req.send([`fuzz ${i}`, Buffer.alloc(i * 300, i)]);
        await rep.receive();
        await rep.send(`reply ${i}`);
        await req.receive();
      }
      req.close();
      rep.close();
      await waitForFins(file, 2);
    } finally {
      await cap.stop();
    }
    return readFileSync(file);
  } finally {
    req.close();
    rep.close();
  }
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(src);
  const at = () => Math.floor(rnd() * b.length);
  const kinds = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < kinds; k++) {
    switch (Math.floor(rnd() * 6)) {
      case 0: // flip bytes
        for (let i = 0, n = 1 + Math.floor(rnd() * 16); i < n; i++) b[at()] ^= 1 << Math.floor(rnd() * 8);
        break;
      case 1: {
        // overwrite an aligned 32-bit word (lengths, caplens, interface ids) with something large
        const o = at() & ~3;
        if (o + 4 <= b.length)
          b.writeUInt32LE([0xffffffff, 0x7fffffff, 0x40000, 0x10000, Math.floor(rnd() * 2 ** 32)][Math.floor(rnd() * 5)], o);
        break;
      }
      case 2: // truncate
        b = b.subarray(0, at());
        break;
      case 3: {
        // insert garbage
        const o = at();
        const g = Buffer.alloc(1 + Math.floor(rnd() * 64));
        for (let i = 0; i < g.length; i++) g[i] = Math.floor(rnd() * 256);
        b = Buffer.concat([b.subarray(0, o), g, b.subarray(o)]);
        break;
      }
      case 4: {
        // delete a range
        const o = at();
        b = Buffer.concat([b.subarray(0, o), b.subarray(o + 1 + Math.floor(rnd() * 100))]);
        break;
      }
      case 5: // zero a range
        b.fill(0, at(), at());
        break;
    }
  }
  return b;
}

for (const [name, tool, args, ext] of [
  ['tcpdump pcap', 'tcpdump', [], 'pcap'],
  ['tcpdump nanosecond pcap', 'tcpdump', ['--time-stamp-precision=nano'], 'pcap'],
  ['dumpcap pcapng', 'dumpcap', [], 'pcapng'],
] as const) {
  test(`fuzz: 300 seeded mutations of a real ${name} never throw`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'cap-fuzz-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const original = await realCapture(tool, [...args], join(dir, `real.${ext}`));
    let packetsSeen = 0;
    let warningsSeen = 0;
    let rejected = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed * 7919);
      const bytes = mutate(original, rnd);
      // Feed in random-sized chunks so corrupt records straddle chunk boundaries.
      const chunks: Buffer[] = [];
      for (let o = 0; o < bytes.length;) {
        const n = 1 + Math.floor(rnd() * 4096);
        chunks.push(bytes.subarray(o, o + n));
        o += n;
      }
      const r = new TcpReassembler({ onWarning: () => warningsSeen++ });
      try {
        for await (const p of openCapture(Readable.from(chunks))) {
          if ('kind' in p) {
            warningsSeen++;
            assert.equal(typeof p.message, 'string');
            continue;
          }
          packetsSeen++;
          decodeLinkLayer(p);
          for (const e of r.push(p)) if (e.kind === 'data') assert.ok(e.data.length > 0);
        }
        r.end();
      } catch (e) {
        assert.ok(e instanceof CaptureError, `seed ${seed}: ${(e as Error)?.stack}`);
        assert.ok(['EBADMAGIC', 'EEMPTY'].includes(e.code), `seed ${seed}: ${e.code} ${e.message}`);
        rejected++;
      }
    }
    // The mutations did exercise both paths: packets still read, and problems reported.
    assert.ok(packetsSeen > 1000, `${packetsSeen} packets read`);
    assert.ok(warningsSeen > 50, `${warningsSeen} warnings`);
    assert.ok(rejected < 150, `${rejected} inputs rejected outright`);
  });
}
