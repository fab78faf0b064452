// The messages between the capture thread (capture-worker.ts) and the thread that started it
// (capture-thread.ts), in one place so both sides agree on them.
import type { CaptureFormat } from './open.js';
import type { TcpReassemblerOptions } from './reassembly.js';

/** The worker's workerData: what to read, and how. */
export interface ThreadInput {
  /** A capture file; without it, the bytes come as 'chunk' messages (a stream). */
  path?: string;
  /** `path` is still being written (an upload, growing-file.ts): read no further than 'growth' says. */
  growing?: boolean;
  /** How errors name the input (OpenCaptureOptions.name). */
  name?: string;
  progressStepBytes?: number;
  reassembly?: Omit<TcpReassemblerOptions, 'onWarning' | 'onDatagram' | 'nextId'>;
  /** Batches sent and not yet acknowledged before the worker stops reading. */
  maxInFlight: number;
}

/** Main thread -> worker. */
export type ToThread =
  /** A batch read; its buffer comes back (transferred) for the worker to write again. */
  | { type: 'ack'; buffer?: ArrayBuffer }
  | { type: 'chunk'; buffer: ArrayBuffer; length: number }
  | { type: 'end' }
  /** The growing file's size so far, and whether that is all of it (the answer to a 'pull'). */
  | { type: 'growth'; size: number; complete: boolean }
  /** The stream, or the growing file's writing, failed; the worker reads that as a read error. */
  | { type: 'fail'; message: string; code?: string };

/** Worker -> main thread. */
export type FromThread =
  | { type: 'batch'; buffer: ArrayBuffer; length: number; packets: number }
  | { type: 'progress'; bytesRead: number; totalBytes: number | undefined }
  /** Asks for the stream's next chunk; of a growing file, for its size once more than `have` bytes are in. */
  | { type: 'pull'; have?: number }
  | { type: 'done'; format: CaptureFormat | undefined; lastTs: number | undefined; cpuSeconds: number | undefined }
  /** Reading stopped with this error (a CaptureError's code and text); every batch before it was sent. */
  | { type: 'error'; code: string | undefined; message: string };
