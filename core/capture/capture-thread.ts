// The main thread's side of the capture thread (capture-worker.ts): starts it on a file, a file still being
// written (an upload: tells it how far the file has grown when it asks) or a stream (feeds it the stream's
// bytes when it asks), hands its batches to the caller one at a time (acknowledging
// each once the caller is done with it: the worker's backpressure), and turns a worker that fails or dies
// into a CaptureError EWORKER. Whether to use it at all: captureThreadWanted (ZMTP_CAPTURE_THREAD).
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ByteSource } from './chunk-reader.js';
import { isGrowingFile, nextGrowth, type GrowingFile } from './growing-file.js';
import { CaptureError, type CaptureErrorCode } from './errors.js';
import type { CaptureProgress } from './open.js';
import type { FromThread, ThreadInput, ToThread } from './capture-thread-messages.js';

/** Files and uploads at least this big go to the capture thread in 'auto' mode. Smaller ones decode
 *  sooner inline: the worker takes ~50-90 ms to start (Node compiles its built-in modules again for it),
 *  as long as ~4 MiB of packets take to decode. */
export const THREAD_MIN_BYTES = 4 * 1024 * 1024;
/** Batches (event-batch.ts, up to ~256 KiB each) on their way before the worker waits. */
export const MAX_BATCHES_IN_FLIGHT = 16;

export type CaptureThreadMode = 'on' | 'off' | 'auto';

/** ZMTP_CAPTURE_THREAD: 1 (always), 0 (never) or auto (files and uploads of 4 MiB or more, and pipes; the default). */
export function captureThreadMode(value = process.env.ZMTP_CAPTURE_THREAD): CaptureThreadMode {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === '1') return 'on';
  if (value === '0') return 'off';
  throw new CaptureError('EINVAL', `ZMTP_CAPTURE_THREAD must be 0, 1 or auto, not ${JSON.stringify(value)}`);
}

/** Whether to decode `input` (a path, or a stream or growing file of `size` bytes when known) in the capture thread. */
export function captureThreadWanted(input: unknown, size: number | undefined, mode = captureThreadMode()): boolean {
  const threadable = typeof input === 'string' || isByteSource(input) || isGrowingFile(input);
  if (!threadable || mode === 'off') return false;
  if (mode === 'on') return true;
  if (typeof input === 'string') size = regularFileSize(input) ?? Infinity;
  return size !== undefined && size >= THREAD_MIN_BYTES;
}

/** A regular file's size; undefined for anything else (a named pipe, a device: their size says nothing)
 *  and for a path that cannot be read, whose error the thread reports as it does for any file. */
function regularFileSize(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** Where the built worker is from this file's place: next to it (tsc's out/core/capture; out/main in the
 *  Electron bundle), or tsc's copy seen from the bundled out/core/extras.js or a chunk in out/core/chunks. */
const BUILT_WORKER = ['./capture-worker.js', './capture/capture-worker.js', '../capture/capture-worker.js'];

/**
 * Starts the worker: the built one, or its TypeScript source when this runs from source under tsx
 * (tests), whose loader a worker does not inherit on Node 20: the worker registers it before importing.
 */
function startWorker(workerData: ThreadInput): Worker {
  // The worker's garbage is short-lived (packet views, events): a young generation of 8 MiB instead of
  // V8's default keeps the host ~30 MB smaller on a 1 M-packet capture at about the same CPU.
  const options = { workerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } };
  for (const path of BUILT_WORKER) {
    const built = new URL(path, import.meta.url);
    if (existsSync(fileURLToPath(built))) return new Worker(built, options);
  }
  const source = new URL('./capture-worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(source)))
    throw new CaptureError('EWORKER', `the capture thread's code (capture-worker.js) is missing next to ${fileURLToPath(import.meta.url)}`);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

export interface CaptureThreadOptions {
  onProgress?: (p: CaptureProgress) => void;
  progressStepBytes?: number;
  reassembly?: ThreadInput['reassembly'];
  signal?: AbortSignal;
  /** How errors name the input (see OpenCaptureOptions.name). */
  name?: string;
  /** Sees the worker once started (tests: to make it die). */
  onThread?: (worker: Worker) => void;
}

export interface CaptureThreadResult {
  format: 'pcap' | 'pcapng' | undefined;
  lastTs: number | undefined;
  /** The worker's CPU time, when the platform says (Linux). */
  cpuSeconds: number | undefined;
  aborted: boolean;
}

/**
 * Reads `input` in a capture thread. `onBatch` gets every batch in order; the next one waits for its
 * returned promise, after which the batch's buffer goes back to the thread (keep copies, not views). Rejects with the reading's own CaptureError (ENOENT, EBADMAGIC, EIO...), or EWORKER
 * when the thread fails or exits; batches delivered before stay delivered.
 */
export async function runCaptureThread(
  input: string | ByteSource | GrowingFile,
  onBatch: (buffer: ArrayBuffer, length: number) => Promise<void> | void,
  options: CaptureThreadOptions = {},
): Promise<CaptureThreadResult> {
  const growing = isGrowingFile(input) ? input : undefined;
  const data: ThreadInput = {
    path: typeof input === 'string' ? input : growing?.path,
    growing: growing !== undefined,
    progressStepBytes: options.progressStepBytes,
    reassembly: options.reassembly,
    name: options.name,
    maxInFlight: MAX_BATCHES_IN_FLIGHT,
  };
  let worker: Worker;
  try {
    worker = startWorker(data);
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    throw new CaptureError('EWORKER', `the capture thread could not start: ${(e as Error).message}`, { cause: e });
  }
  options.onThread?.(worker);
  const send = (m: ToThread, transfer?: ArrayBuffer[]) => worker.postMessage(m, transfer);
  const bytes = typeof input === 'string' || isGrowingFile(input) ? undefined : input[Symbol.asyncIterator]();

  const fail = (e: unknown) => {
    const code = (e as { code?: unknown })?.code;
    send({ type: 'fail', message: (e as Error)?.message ?? String(e), code: typeof code === 'string' ? code : undefined });
  };
  // A growing file's next growth, once there is some beyond what the worker has read.
  const grow = (have: number) =>
    nextGrowth(growing!, have).then(
      (g) => send({ type: 'growth', size: g.size, complete: g.complete }),
      (e: unknown) => fail(e),
    );
  // Stream chunks, one per 'pull', in order (a pull waits for the one before it).
  let feeding = Promise.resolve();
  const feed = () => {
    feeding = feeding.then(async () => {
      try {
        const r = await bytes!.next();
        if (r.done) return send({ type: 'end' });
        const v = r.value;
        const chunk = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
        const copy = new ArrayBuffer(chunk.byteLength); // the chunk may share its memory (Buffer's pool)
        new Uint8Array(copy).set(chunk);
        send({ type: 'chunk', buffer: copy, length: copy.byteLength }, [copy]);
      } catch (e) {
        fail(e);
      }
    });
  };

  // Everything the worker says, and how it ended, queued for the loop below in arrival order.
  type Item = FromThread | { type: 'died'; error: CaptureError } | { type: 'aborted' };
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item) => {
    queue.push(item);
    wake?.();
    wake = undefined;
  };
  // Pulls are served as soon as asked, not in turn with the batches: the worker reads on while this thread
  // is busy with a batch.
  worker.on('message', (m: FromThread) => {
    if (m.type !== 'pull') push(m);
    else if (growing) void grow(m.have ?? 0);
    else feed();
  });
  worker.on('error', (e) =>
    push({ type: 'died', error: new CaptureError('EWORKER', `the capture thread failed: ${e.message}`, { cause: e }) }),
  );
  worker.on('exit', (code) =>
    push({ type: 'died', error: new CaptureError('EWORKER', `the capture thread exited (code ${code}) before the capture was read`) }),
  );
  const onAbort = () => push({ type: 'aborted' });
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    for (;;) {
      if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift()!;
      switch (m.type) {
        case 'batch':
          await onBatch(m.buffer, m.length);
          // The batch's buffer back to the worker to be written again (onBatch keeps no view of it).
          send({ type: 'ack', buffer: m.buffer }, [m.buffer]);
          // Let this thread's other work (a server's requests: the page asking for its first rows) run
          // between batches: with batches queued, the loop would otherwise go on in microtasks alone.
          await new Promise<void>((resolve) => setImmediate(resolve));
          break;
        case 'progress':
          options.onProgress?.({ bytesRead: m.bytesRead, totalBytes: m.totalBytes });
          break;
        case 'done':
          return { format: m.format, lastTs: m.lastTs, cpuSeconds: m.cpuSeconds, aborted: false };
        case 'error':
          // A CaptureError's code; anything else is a fault of the thread itself.
          if (m.code === undefined) throw new CaptureError('EWORKER', `the capture thread failed: ${m.message}`);
          throw new CaptureError(m.code as CaptureErrorCode, m.message);
        case 'died':
          throw m.error;
        case 'aborted':
          return { format: undefined, lastTs: undefined, cpuSeconds: undefined, aborted: true };
        case 'pull': // served by the message listener, never queued
          break;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    worker.removeAllListeners('exit');
    worker.removeAllListeners('error');
    void worker.terminate();
    // A stream cut short: let its source release what it holds.
    if (bytes?.return) void Promise.resolve(bytes.return()).catch(() => undefined);
  }
}
