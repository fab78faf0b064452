// A capture file that this process is still writing (an upload to `zmtp serve`), decoded as it grows.
// The decoder reads the file itself, no further than the bytes the writer has confirmed written, and
// learns when the file is complete or the writing failed. The file is the only buffer between the
// network and the decoder: the upload never waits for the decoder, memory stays flat however far the
// decoder lags, and the bytes are not handed from thread to thread (the capture thread reads the file,
// as it does a capture opened in place).
import { closeSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { CaptureError } from './errors.js';

/** The writer's side, as readers see it. */
export interface GrowingFile {
  readonly path: string;
  /** Bytes in the file so far: writes completed, none still queued. */
  readonly size: number;
  /** Set once the file holds every byte it will. */
  readonly complete: boolean;
  /** The writing's failure (the upload broke off, the disk filled up): readers end with it. */
  readonly failure: Error | undefined;
  /** Resolves once size > have, or the file is complete, or the writing failed. */
  grown(have: number): Promise<void>;
}

/** What a reader is told of the file: its size so far, and whether that is all of it. */
export interface Growth {
  size: number;
  complete: boolean;
}

export function isGrowingFile(x: unknown): x is GrowingFile {
  return typeof x === 'object' && x !== null && 'grown' in x && typeof (x as GrowingFile).grown === 'function' && 'path' in x;
}

/** Reads from the file at `path`, once it exists. */
interface FileReads {
  read(buf: Buffer, at: number): Promise<number> | number;
  close(): Promise<void> | void;
}

async function asyncReads(path: string): Promise<FileReads> {
  const handle: FileHandle = await open(path, 'r');
  return {
    read: async (buf, at) => (await handle.read(buf, 0, buf.length, at)).bytesRead,
    close: () => handle.close(),
  };
}

function syncReads(path: string): FileReads {
  const fd = openSync(path, 'r');
  return { read: (buf, at) => readSync(fd, buf, 0, buf.length, at), close: () => closeSync(fd) };
}

/**
 * The growing file at `path`, `chunkBytes` at a time, read no further than the writer reported: `next(have)`
 * resolves with the writer's next report once more than `have` bytes are in or the file is complete, and
 * rejects with the writing's failure. Synchronous reads where nothing else shares the thread (the capture
 * thread). The file is opened once it has bytes or is complete (the writer may not have created it before).
 */
export async function* growingFileChunks(
  path: string,
  next: (have: number) => Promise<Growth>,
  { chunkBytes = 256 * 1024, sync = false }: { chunkBytes?: number; sync?: boolean } = {},
): AsyncGenerator<Buffer> {
  let known: Growth = { size: 0, complete: false };
  let reads: FileReads | undefined;
  let at = 0;
  try {
    for (;;) {
      if (at >= known.size) {
        if (known.complete) return;
        known = await next(at);
        continue;
      }
      reads ??= sync ? syncReads(path) : await asyncReads(path);
      const want = Math.min(chunkBytes, known.size - at);
      // A buffer per chunk: the readers keep views of the chunks they were handed.
      const buf = Buffer.allocUnsafeSlow(want);
      const n = await reads.read(buf, at);
      if (n === 0) throw new CaptureError('EIO', `the file being written shrank: ${known.size} bytes were written, only ${at} are there`);
      at += n;
      yield n < want ? buf.subarray(0, n) : buf;
    }
  } finally {
    await reads?.close();
  }
}

/** How a reader that caught up with a growing file waits for it to grow (nextGrowth). */
export interface GrowthWait {
  /** Read on once the file has grown this much (default GROWTH_STEP)... */
  step?: number;
  /** ...or once this long has passed since it grew at all (default GROWTH_WAIT_MS). */
  waitMs?: number;
}

/** A GrowingFile's bytes as they are written, for a decoder on this thread (a ByteSource). */
export function growingFileBytes(
  file: GrowingFile,
  options: { chunkBytes?: number; sync?: boolean } & GrowthWait = {},
): AsyncGenerator<Buffer> {
  return growingFileChunks(file.path, (have) => nextGrowth(file, have, options), options);
}

/** How much a growing file must have grown before a reader that caught up with it reads on: reads as big as
 *  a file's in place (each read costs the parsers a fixed amount, pcap-parser's a copy of what it holds)... */
export const GROWTH_STEP = 256 * 1024;
/** ...unless the file grows slowly (an upload over a slow link): then what is there is read after this
 *  long, so the first records show without waiting for a whole step. */
export const GROWTH_WAIT_MS = 25;

/**
 * The writer's report once the file has grown by `step` beyond `have`, or has grown at all and `waitMs`
 * passed, or is complete; the writing's failure once the reader has every byte written before it.
 */
export async function nextGrowth(
  file: GrowingFile,
  have: number,
  { step = GROWTH_STEP, waitMs = GROWTH_WAIT_MS }: GrowthWait = {},
): Promise<Growth> {
  const settled = () => file.size >= have + step || file.complete || file.failure !== undefined;
  await file.grown(have);
  if (!settled()) {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    const grownEnough = (async () => {
      while (!settled() && timer !== undefined) await file.grown(file.size);
    })();
    await Promise.race([waited, grownEnough]);
    clearTimeout(timer);
    timer = undefined; // ends grownEnough at the file's next growth
  }
  if (file.failure && file.size <= have) throw file.failure;
  return { size: file.size, complete: file.complete };
}
