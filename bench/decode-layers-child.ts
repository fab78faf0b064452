// One stage of the decode pipeline over a capture, for bench/decode-layers.ts: each stage does all the work
// of the one before it and one layer more, so the differences between stages are the layers' costs.
// Prints {cpu, wall, packets} as JSON: the CPU seconds (user + system) of the work alone, without Node's
// start-up and module loading. Runs the built library (out/core), as users do.
//   read      Node reading the file in 256 KiB chunks (readSync), nothing else
//   pcap      + pcap-parser over those chunks, a no-op packet listener
//   packets   + our Packet objects and batches (openCapture(...).batches(), as decodeCapture reads)
//   link      + link/IP/TCP header decoding (decodeLinkLayer)
//   reassembly  + TCP reassembly (TcpReassembler.push, which decodes the headers itself)
//   inspect   + the ZMTP inspector, records and message views made and dropped (no-op onRecord, onMessage)
//   json      + the JSON lines written into a buffer that goes nowhere (RecordWriter, no write call)
//   stdout    + those buffers written to this process's standard output (point it at /dev/null)
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';

const [stage, path] = process.argv.slice(2);
const lib = '../out/core';
// @ts-ignore: the built library (npm run build:core)
const { openCapture } = await import(`${lib}/capture/open.js`);
// @ts-ignore
const { decodeLinkLayer } = await import(`${lib}/capture/decode.js`);
// @ts-ignore
const { TcpReassembler } = await import(`${lib}/capture/reassembly.js`);
// @ts-ignore
const { decodeCapture } = await import(`${lib}/inspect/decode-capture.js`);
// @ts-ignore
const { RecordWriter } = await import(`${lib}/inspect/output.js`);
const pcapParser = createRequire(import.meta.url)('pcap-parser');

const CHUNK = 256 * 1024;
function* chunks(): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      yield n < CHUNK ? buf.subarray(0, n) : buf;
    }
  } finally {
    closeSync(fd);
  }
}

/** A Writable that takes every chunk at once and keeps nothing (RecordWriter's view of /dev/null). */
const nowhere = { on: () => nowhere, off: () => nowhere, write: () => true, writableLength: 0 } as unknown as Writable;

const cpu0 = process.cpuUsage();
const wall0 = performance.now();
let packets = 0;
switch (stage) {
  case 'read':
    for (const c of chunks()) packets += c.length > 0 ? 0 : 1;
    break;
  case 'pcap': {
    let feed: (b: Buffer) => void = () => undefined;
    const input = {
      pause() {},
      resume() {},
      on(e: string, fn: (b: Buffer) => void) {
        if (e === 'data') feed = fn;
        return input;
      },
    };
    pcapParser.parse(input).on('packet', () => {
      packets++;
    });
    for (const c of chunks()) feed(c);
    break;
  }
  case 'packets':
  case 'link':
  case 'reassembly': {
    const r = stage === 'reassembly' ? new TcpReassembler() : undefined;
    for await (const batch of openCapture(path, { syncReads: true }).batches()) {
      for (const p of batch) {
        if ('kind' in p) continue;
        packets++;
        if (stage === 'link') decodeLinkLayer(p);
        else if (r) r.push(p);
      }
    }
    break;
  }
  case 'inspect':
  case 'json':
  case 'stdout': {
    const out = stage === 'inspect' ? undefined : new RecordWriter(stage === 'json' ? nowhere : process.stdout, true);
    const s = await decodeCapture(path, {
      syncReads: true,
      onRecord: out ? (r: unknown) => out.write(r) : () => undefined,
      // Messages as `zmtp decode --json` takes them (MessageView, no record).
      onMessage: out ? (m: unknown) => out.writeView(m) : () => undefined,
      pace: out ? () => out.pace() : undefined,
    });
    await out?.end();
    packets = s.packets;
    break;
  }
  default:
    throw new Error(`unknown stage ${stage}`);
}
const cpu = process.cpuUsage(cpu0);
process.stderr.write(
  `${JSON.stringify({ stage, cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - wall0) / 1000, packets })}\n`,
);
