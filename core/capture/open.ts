// openCapture: sniffs the magic of a file or stream and reads it as pcap or pcapng, reporting
// progress (bytes read against the file size) so a UI can show a progress bar.
import { closeSync, createReadStream, openSync, promises as fsp, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { ChunkReader, type ByteSource } from './chunk-reader.js';
import { CaptureError } from './errors.js';
import { pcapVariant, readPcapBatches, readPcapInto, type PacketSink } from './pcap.js';
import { isPcapngMagic, readPcapngBatches, readPcapngInto } from './pcapng.js';
import type { CaptureWarning, Packet } from './types.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureProgress {
  bytesRead: number;
  /** File size; undefined for streams of unknown length. */
  totalBytes?: number;
}

export interface OpenCaptureOptions {
  /** Called as input is read (at most about once per `progressStepBytes`, and once at the end). */
  onProgress?: (p: CaptureProgress) => void;
  /** Minimum bytes between progress calls (default 1 MiB). */
  progressStepBytes?: number;
  /** Read buffer size for files (default 256 KiB). */
  chunkBytes?: number;
  /** Read a file with synchronous reads on this thread instead of Node's thread pool: faster for a
   *  process that does nothing else meanwhile (the `zmtp decode` CLI); it blocks the event loop for each
   *  read, so not for a process serving others. */
  syncReads?: boolean;
  /** How errors name the input (the user's own file name for an upload kept under a temporary path);
   *  by default a file's path, and "stream" for bytes from a stream. */
  name?: string;
}

/** An async iterable of packets and warnings, with the format and progress known once reading starts. */
export interface CaptureSource extends AsyncIterable<Packet | CaptureWarning> {
  /** Set once the magic has been read. */
  readonly format: CaptureFormat | undefined;
  /** The same packets and warnings, a batch at a time (every packet already read, in order): fewer
   *  awaits for consumers that keep up with the file. */
  batches(): AsyncIterable<(Packet | CaptureWarning)[]>;
  /** The same packets and warnings handed to `sink` as they are read, without a Packet object for each
   *  (every format); yields once the packets of each read have been handed over. */
  into(sink: PacketSink): AsyncIterable<void>;
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
}

/** Detects the format from the first four bytes; undefined when it is neither pcap nor pcapng. */
export function detectFormat(magic: Buffer): CaptureFormat | undefined {
  if (isPcapngMagic(magic)) return 'pcapng';
  if (pcapVariant(magic)) return 'pcap';
  return undefined;
}

/**
 * Opens a capture file (path) or stream (Readable or any async iterable of bytes). Iterating it
 * yields packets in order and CaptureWarnings for problems that did not stop reading (truncation,
 * corrupt records). It throws CaptureError for inputs that cannot be read at all: missing or
 * unreadable file (ENOENT/EACCES), empty input (EEMPTY), unknown magic (EBADMAGIC).
 */
export function openCapture(input: string | Readable | ByteSource, options: OpenCaptureOptions = {}): CaptureSource {
  const state: { format: CaptureFormat | undefined; bytesRead: number; totalBytes: number | undefined } = {
    format: undefined,
    bytesRead: 0,
    totalBytes: undefined,
  };
  const step = options.progressStepBytes ?? 1024 * 1024;
  const name = options.name ?? (typeof input === 'string' ? input : 'stream');
  let lastReported = -Infinity;
  const report = (final: boolean) => {
    if (!options.onProgress) return;
    if (!final && state.bytesRead - lastReported < step) return;
    lastReported = state.bytesRead;
    options.onProgress({ bytesRead: state.bytesRead, totalBytes: state.totalBytes });
  };

  /** Opens the input and reads its magic; the reader is closed again when that fails. */
  async function start(): Promise<ChunkReader> {
    let source: ByteSource;
    if (typeof input === 'string') {
      let size: number;
      try {
        const st = await fsp.stat(input);
        if (st.isDirectory()) throw new CaptureError('EIO', `${name} is a directory, not a capture file`);
        size = st.size;
      } catch (e) {
        throw fileError(e, name);
      }
      state.totalBytes = size;
      const chunk = options.chunkBytes ?? 256 * 1024;
      source = options.syncReads ? readSyncChunks(input, chunk) : createReadStream(input, { highWaterMark: chunk });
    } else {
      source = input;
    }
    const reader = new ChunkReader(source, (n) => {
      state.bytesRead += n;
      report(false);
    });
    try {
      try {
        await reader.fill(4);
      } catch (e) {
        throw typeof input === 'string' ? fileError(e, name) : readError(e);
      }
      if (reader.buffered === 0) throw new CaptureError('EEMPTY', `capture ${name} is empty (0 bytes)`);
      if (reader.buffered < 4) throw new CaptureError('EBADMAGIC', `${name} is too short to be a capture (${reader.buffered} bytes)`);
      const magic = reader.peek(4);
      const format = detectFormat(magic);
      if (!format) {
        throw new CaptureError(
          'EBADMAGIC',
          `${name} is not a pcap or pcapng capture (magic 0x${magic.toString('hex')}; expected a1b2c3d4, a1b23c4d or 0a0d0d0a)`,
        );
      }
      state.format = format;
      return reader;
    } catch (e) {
      await reader.close();
      throw e;
    }
  }

  /** A read error in the middle of the input (disk, pipe) rather than a format problem. */
  const readError = (e: unknown): Error =>
    e instanceof CaptureError
      ? e
      : new CaptureError('EIO', `reading ${name} failed after ${state.bytesRead} bytes: ${(e as Error)?.message ?? String(e)}`, {
          cause: e,
        });

  async function* iterate(): AsyncGenerator<Packet | CaptureWarning> {
    const reader = await start();
    try {
      try {
        for await (const batch of state.format === 'pcap' ? readPcapBatches(reader) : readPcapngBatches(reader)) yield* batch;
      } catch (e) {
        throw readError(e);
      }
      report(true);
    } finally {
      await reader.close();
    }
  }

  async function* iterateBatches(): AsyncGenerator<(Packet | CaptureWarning)[]> {
    const reader = await start();
    try {
      try {
        yield* state.format === 'pcap' ? readPcapBatches(reader) : readPcapngBatches(reader);
      } catch (e) {
        throw readError(e);
      }
      report(true);
    } finally {
      await reader.close();
    }
  }

  async function* iterateInto(sink: PacketSink): AsyncGenerator<void> {
    const reader = await start();
    try {
      try {
        yield* state.format === 'pcap' ? readPcapInto(reader, sink) : readPcapngInto(reader, sink);
      } catch (e) {
        throw readError(e);
      }
      report(true);
    } finally {
      await reader.close();
    }
  }

  return {
    get format() {
      return state.format;
    },
    get bytesRead() {
      return state.bytesRead;
    },
    get totalBytes() {
      return state.totalBytes;
    },
    batches: () => iterateBatches(),
    into: (sink) => iterateInto(sink),
    [Symbol.asyncIterator]: () => iterate(),
  };
}

/** A file's bytes in chunks of `size`, read synchronously (see OpenCaptureOptions.syncReads). */
async function* readSyncChunks(path: string, size: number): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(size);
      const n = readSync(fd, buf, 0, size, null);
      if (n === 0) return;
      yield n < size ? buf.subarray(0, n) : buf;
    }
  } finally {
    closeSync(fd);
  }
}

/** A file that cannot be opened or read, as a CaptureError naming it `name`. */
function fileError(e: unknown, name: string): Error {
  if (e instanceof CaptureError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new CaptureError('ENOENT', `capture file not found: ${name}`, { cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new CaptureError('EACCES', `capture file is not readable: ${name}`, { cause: e });
  if (code === 'EISDIR') return new CaptureError('EIO', `${name} is a directory, not a capture file`, { cause: e });
  return new CaptureError('EIO', `cannot read capture file ${name}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}
