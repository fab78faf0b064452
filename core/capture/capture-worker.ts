// The capture thread (a worker_thread; capture-thread.ts starts it): reads a capture file (also one still
// being written, an upload: growing-file.ts), or a stream's bytes the main thread hands over as they
// arrive, decodes link/IP/TCP, reassembles TCP, and sends what
// that produces to the main thread in batches (event-batch.ts), at most `maxInFlight` unacknowledged at a
// time: a main thread that falls behind stops the reading here, so memory stays bounded. The inspector
// stays on the main thread, where the records are wanted.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openCapture } from './open.js';
import { growingFileChunks, type Growth } from './growing-file.js';
import { TcpReassembler, type PlainDataSink } from './reassembly.js';
import type { PacketSink } from './pcap.js';
import { BATCH_BYTES, BatchWriter } from './event-batch.js';
import { packetTime, type TcpStreamEvent } from './types.js';
import type { ThreadInput, ToThread, FromThread } from './capture-thread-messages.js';

const port = parentPort!;
const input = workerData as ThreadInput;
const post = (m: FromThread, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

let inFlight = 0;
let acked: (() => void) | undefined;
// What the main thread sent of the input (a stream's chunks, a growing file's growth), and the reader
// waiting for the next one.
const chunks: ToThread[] = [];
let chunkWanted: (() => void) | undefined;
let requested = 0;
// Stream chunks asked for ahead of the parser: enough to read on while the main thread is busy with a batch
// (a stream arrives in chunks of ~64 KiB), still bounded.
const PREFETCH_CHUNKS = 32;

port.on('message', (m: ToThread) => {
  if (m.type === 'ack') {
    inFlight--;
    if (m.buffer) writer.recycle(m.buffer);
    acked?.();
    acked = undefined;
    return;
  }
  chunks.push(m);
  chunkWanted?.();
  chunkWanted = undefined;
});

/** The stream's bytes, asked for a few chunks ahead of the parser. */
async function* pulledBytes(): AsyncGenerator<Buffer> {
  for (;;) {
    while (requested - chunks.length < PREFETCH_CHUNKS) {
      post({ type: 'pull' });
      requested++;
    }
    const m = await nextInput();
    requested--;
    if (m.type === 'end') return;
    if (m.type === 'fail') throw failure(m);
    if (m.type === 'chunk') yield Buffer.from(m.buffer, 0, m.length);
  }
}

/** The next message of the stream or growing file's kind, once there is one. */
async function nextInput(): Promise<ToThread> {
  if (chunks.length === 0) await new Promise<void>((resolve) => (chunkWanted = resolve));
  return chunks.shift()!;
}

/** The failure the main thread reported, as the error the reading ends with. */
function failure(m: Extract<ToThread, { type: 'fail' }>): Error {
  return Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
}

/** A file still being written (an upload): read in place, no further than the main thread says is written. */
function grownBytes(path: string): AsyncGenerator<Buffer> {
  const next = async (have: number): Promise<Growth> => {
    post({ type: 'pull', have });
    const m = await nextInput();
    if (m.type === 'growth') return { size: m.size, complete: m.complete };
    if (m.type === 'fail') throw failure(m);
    throw new Error(`the capture thread expected the file's growth, not '${m.type}'`);
  };
  return growingFileChunks(path, next, { sync: true });
}

const writer = new BatchWriter();

/** Posts the batch so far, if any, without waiting (the reading waits in send(), after the current read). */
function postBatch(): void {
  if (writer.length === 0) return;
  const batch = writer.take();
  inFlight++;
  post({ type: 'batch', ...batch }, [batch.buffer]);
}

/** Posts the batch so far; waits while the main thread has too many unacknowledged. */
async function send(): Promise<void> {
  postBatch();
  while (inFlight >= input.maxInFlight) await new Promise<void>((resolve) => (acked = resolve));
}

/** CPU seconds this thread has used (Linux: /proc/thread-self); undefined elsewhere. */
function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ ticks
  } catch {
    return undefined;
  }
}

async function run(): Promise<void> {
  const bytes = input.path === undefined ? pulledBytes() : input.growing ? grownBytes(input.path) : input.path;
  const source = openCapture(bytes, {
    onProgress: (p) => post({ type: 'progress', bytesRead: p.bytesRead, totalBytes: p.totalBytes }),
    progressStepBytes: input.progressStepBytes,
    name: input.name,
    // This thread does nothing else: synchronous reads cost less than the thread pool's.
    syncReads: true,
  });
  const reassembler = new TcpReassembler({
    ...input.reassembly,
    onWarning: (w) => writer.warning(w),
    onDatagram: (d, ts) => writer.datagram(d, ts),
  });
  const events: TcpStreamEvent[] = [];
  // The last packet's time as its integer parts: a number stored per packet would be a heap number each.
  let lastSec = -1;
  let lastNsec = 0;
  const lastTs = () => (lastSec < 0 ? undefined : packetTime(lastSec, lastNsec));
  let nanoseconds = false;
  // A plain packet's bytes go into the batch with the packet's own item.
  let plainData = false;
  const toBatch: PlainDataSink = (conn, dir, ts, data, start, end) => {
    writer.packetData(conn.id, dir, ts, data, start, end);
    plainData = true;
  };
  const sink: PacketSink = {
    packet(linkType, data, tsSec, tsNsec, origLen, index) {
      if (!nanoseconds && tsNsec % 1000 !== 0) {
        nanoseconds = true;
        writer.nanoseconds();
      }
      const ts = packetTime(tsSec, tsNsec);
      lastSec = tsSec;
      lastNsec = tsNsec;
      // Nearly every packet takes the plain path, which writes its bytes straight into the batch.
      if (reassembler.pushPlain(linkType, data, ts, toBatch)) {
        if (plainData) plainData = false;
        else writer.packet(ts); // no bytes (an ACK)
      } else {
        writer.packet(ts);
        events.length = 0;
        reassembler.pushInto({ ts, tsSec, tsNsec, linkType, data, origLen, interfaceId: 0, index }, events);
        for (let i = 0; i < events.length; i++) writer.event(events[i]);
      }
      if (writer.length >= BATCH_BYTES) postBatch();
    },
    warning: (w) => writer.warning(w),
  };
  try {
    // One turn per read (a chunk of the file or upload): its packets were handed to the sink.
    for await (const _ of source.into(sink)) await send();
    for (const ev of reassembler.end(lastTs())) writer.event(ev);
    await send();
  } catch (e) {
    await send();
    const err = e as { code?: unknown; message?: unknown };
    post({ type: 'error', code: typeof err.code === 'string' ? err.code : undefined, message: String(err.message ?? e) });
    return;
  }
  post({ type: 'done', format: source.format, lastTs: lastTs(), cpuSeconds: threadCpuSeconds() });
}

void run();
