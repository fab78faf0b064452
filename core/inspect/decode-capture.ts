// Decoding a whole capture (file, stream or live source) into records: packets -> TCP reassembly ->
// inspector. Streams in constant memory: records go to the caller as they are made and nothing is kept
// but per-connection state.
import type { Readable } from 'node:stream';
import { openCapture, type CaptureProgress, type CaptureSource } from '../capture/open.js';
import { TcpReassembler, type TcpReassemblerOptions } from '../capture/reassembly.js';
import type { CaptureWarning, Packet, TcpStreamEvent } from '../capture/types.js';
import type { ByteSource } from '../capture/chunk-reader.js';
import type { ConnectionInfo, InspectorStats } from './connection.js';
import { Inspector, type InspectorOptions } from './inspector.js';
import type { InspectRecord } from './records.js';

export interface InspectPacketsOptions extends Omit<InspectorOptions, 'onRecord'> {
  onRecord?: (record: InspectRecord) => void;
  /** Problems in the capture itself (corrupt records, malformed packets); reading goes on. */
  onWarning?: (warning: CaptureWarning) => void;
  /** Stops decoding early; the summary then says `aborted`. */
  signal?: AbortSignal;
  /** Called after each packet's records; a returned promise pauses reading (output back-pressure). */
  pace?: () => Promise<void> | void;
  reassembly?: Omit<TcpReassemblerOptions, 'onWarning'>;
  /** Receives the inspector as soon as it exists, to query connections and stats while decoding. */
  onInspector?: (inspector: Inspector) => void;
}

export interface DecodeCaptureOptions extends InspectPacketsOptions {
  /** Bytes read against the file size, about every `progressStepBytes` (default 1 MiB) and at the end. */
  onProgress?: (progress: CaptureProgress) => void;
  progressStepBytes?: number;
  /** For files: synchronous reads (see OpenCaptureOptions.syncReads), for a process doing nothing else. */
  syncReads?: boolean;
  /** How errors name the input (see OpenCaptureOptions.name). */
  name?: string;
}

export interface DecodeSummary {
  packets: number;
  warnings: number;
  records: number;
  aborted: boolean;
  format?: 'pcap' | 'pcapng';
  stats: InspectorStats;
  connections: ConnectionInfo[];
}

/** Decodes packets from any source (a file's, or a LiveCapture) until it ends or `signal` aborts. */
export async function inspectPackets(
  source: AsyncIterable<Packet | CaptureWarning>,
  options: InspectPacketsOptions = {},
): Promise<Omit<DecodeSummary, 'format'>> {
  let records = 0;
  let warnings = 0;
  let packets = 0;
  const onWarning = (w: CaptureWarning) => {
    warnings++;
    options.onWarning?.(w);
  };
  // TCP connections and PGM sessions take their ids from one counter.
  let ids = 1;
  const nextId = () => ids++;
  const inspector = new Inspector({
    nextSessionId: nextId,
    ...options,
    onRecord: (r) => {
      records++;
      options.onRecord?.(r);
    },
    // Messages straight to the caller when it takes them so (InspectorOptions.onMessage); they count as records.
    onMessage:
      options.onMessage &&
      ((m) => {
        records++;
        options.onMessage!(m);
      }),
  });
  options.onInspector?.(inspector);
  const reassembler = new TcpReassembler({
    nextId,
    ...options.reassembly,
    onWarning,
    onDatagram: (d, ts) => inspector.pushDatagram(d, ts),
  });
  let lastTs: number | undefined;
  let aborted = false;
  // Checked per packet: a flag set by the abort event costs less than asking the signal each time.
  let abortRequested = options.signal?.aborted === true;
  const onAbort = () => {
    abortRequested = true;
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const pace = options.pace;
  // A file's packets come a batch at a time when the source can (openCapture): one await per batch
  // rather than per packet.
  const batches: AsyncIterable<(Packet | CaptureWarning)[]> =
    'batches' in source && typeof source.batches === 'function' ? (source as CaptureSource).batches() : single(source);
  const events: TcpStreamEvent[] = []; // one array for every packet's events
  try {
    read: for await (const batch of batches) {
      for (const p of batch) {
        if (abortRequested) {
          aborted = true;
          break read;
        }
        if ('kind' in p) {
          onWarning(p);
          continue;
        }
        packets++;
        lastTs = p.ts;
        // A nanosecond fraction: the capture's clock has nanosecond resolution (see timeTicksPerSecond).
        if (p.tsNsec % 1000 !== 0 && inspector.timeTicksPerSecond < 1e9) inspector.timeTicksPerSecond = 1e9;
        events.length = 0;
        reassembler.pushInto(p, events);
        for (let i = 0; i < events.length; i++) inspector.push(events[i]);
        const wait = pace?.();
        if (wait) await wait;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  for (const ev of reassembler.end(lastTs)) inspector.push(ev);
  inspector.end(lastTs);
  return { packets, warnings, records, aborted, stats: inspector.stats(), connections: inspector.connections() };
}

async function* single<T>(source: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of source) yield [item];
}

/**
 * Decodes a pcap or pcapng capture (path or stream). Throws CaptureError (with .code ENOENT, EACCES,
 * EIO, EEMPTY, EBADMAGIC) only when the input cannot be read at all; problems inside it become
 * warnings and 'error' records.
 */
export async function decodeCapture(input: string | Readable | ByteSource, options: DecodeCaptureOptions = {}): Promise<DecodeSummary> {
  const source = openCapture(input, {
    onProgress: options.onProgress,
    progressStepBytes: options.progressStepBytes,
    syncReads: options.syncReads,
    name: options.name,
  });
  const summary = await inspectPackets(source, options);
  return { ...summary, format: source.format };
}
