// Decoding a whole capture (file, stream or live source) into records: packets -> TCP reassembly ->
// inspector. Streams in constant memory: records go to the caller as they are made and nothing is kept
// but per-connection state. The work itself is inspection.ts's; files and big uploads are read in the
// capture thread there (ZMTP_CAPTURE_THREAD).
import type { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { CaptureProgress } from '../capture/open.js';
import type { TcpReassemblerOptions } from '../capture/reassembly.js';
import type { CaptureWarning, Packet } from '../capture/types.js';
import type { ByteSource } from '../capture/chunk-reader.js';
import type { GrowingFile } from '../capture/growing-file.js';
import type { CaptureThreadMode } from '../capture/capture-thread.js';
import type { ConnectionInfo, InspectorStats } from './connection.js';
import type { Inspector, InspectorOptions } from './inspector.js';
import type { InspectRecord } from './records.js';
import { Inspection } from './inspection.js';

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
  /** For files read on this thread: synchronous reads (see OpenCaptureOptions.syncReads), for a process doing nothing else. */
  syncReads?: boolean;
  /** How errors name the input (see OpenCaptureOptions.name). */
  name?: string;
  /** Read, decode and reassemble packets in a worker thread: 'on', 'off', or 'auto' (files and streams of
   *  THREAD_MIN_BYTES or more, a stream's size given by `inputBytes`; pipes). Default: ZMTP_CAPTURE_THREAD. */
  captureThread?: CaptureThreadMode;
  /** A stream's expected size, when known (an upload's), for 'auto'. */
  inputBytes?: number;
  /** Sees the capture thread once it started. */
  onThread?: (worker: Worker) => void;
}

export interface DecodeSummary {
  packets: number;
  warnings: number;
  records: number;
  aborted: boolean;
  format?: 'pcap' | 'pcapng';
  /** Threads that decoded: 1, or 2 with the capture thread. */
  threads: number;
  /** CPU seconds the capture thread used, where the platform tells (Linux). */
  captureThreadCpuSeconds?: number;
  stats: InspectorStats;
  connections: ConnectionInfo[];
}

/** Decodes packets from any source (a file's, or a LiveCapture) until it ends or `signal` aborts. */
export async function inspectPackets(
  source: AsyncIterable<Packet | CaptureWarning>,
  options: InspectPacketsOptions = {},
): Promise<Omit<DecodeSummary, 'format'>> {
  return new Inspection(options).readPackets(source);
}

/**
 * Decodes a pcap or pcapng capture (path, stream, or a file still being written). Throws CaptureError (with .code ENOENT, EACCES,
 * EIO, EEMPTY, EBADMAGIC; EWORKER when the capture thread fails, EINVAL for a bad ZMTP_CAPTURE_THREAD)
 * only when the input cannot be read at all; problems inside it become warnings and 'error' records.
 */
export async function decodeCapture(
  input: string | Readable | ByteSource | GrowingFile,
  options: DecodeCaptureOptions = {},
): Promise<DecodeSummary> {
  return new Inspection(options).readCapture(input, options);
}
