// An upload written to its file, which the decoder reads as it grows (a GrowingFile), so `zmtp serve`
// shows a capture's first records while the rest is still arriving. The request is read no faster than
// the file takes it; the decoder reads the file itself, no further than the writes completed so far, so
// the upload never waits for the decoder and memory stays bounded whatever the file's size. When the
// decoder stops early (a file that is not a capture, a capture closed meanwhile), the upload still goes
// on into the file.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { GrowingFile } from '../capture/growing-file.js';

/** Bytes of an upload that may wait for the file to take them while the request is read on: with a file
 *  stream's default 16 KiB, each chunk would wait for its write to finish before the next is read. */
export const UPLOAD_WRITE_AHEAD = 4 * 1024 * 1024;

export class UploadFile implements GrowingFile {
  /** Resolves with the bytes received once all of them are in the file; rejects if the input or the file failed. */
  readonly done: Promise<number>;
  size = 0;
  complete = false;
  failure: Error | undefined;
  /** Readers waiting for the file to grow. */
  private waiting: (() => void)[] = [];
  /** The file's first error ('error' event): the upload ends with it. */
  private fileError: Error | undefined;

  constructor(
    input: AsyncIterable<Buffer>,
    readonly path: string,
    file: Writable = createWriteStream(path, { highWaterMark: UPLOAD_WRITE_AHEAD }),
  ) {
    // Always listened to: a file's 'error' with no listener is an uncaught exception, the end of zmtp serve.
    // It comes when nothing waits on the file (its open fails, the disk fills up between two chunks), and
    // also after destroy() when a write was in flight (ERR_STREAM_DESTROYED, once the upload failed).
    file.on('error', (err: Error) => {
      this.fileError ??= err;
    });
    this.done = this.pump(input, file);
    this.done.catch(() => undefined);
  }

  grown(have: number): Promise<void> {
    if (this.size > have || this.complete || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }

  private async pump(input: AsyncIterable<Buffer>, file: Writable): Promise<number> {
    let received = 0;
    try {
      for await (const chunk of input) {
        received += chunk.length;
        this.throwFileError();
        // The bytes count as in the file once their write is done (writes complete in order).
        const written = (err?: Error | null) => {
          if (err) return;
          this.size += chunk.length;
          this.wake();
        };
        // once() also rejects on an 'error' while it waits; one that came before is thrown here.
        if (!file.write(chunk, written)) await once(file, 'drain');
        this.throwFileError();
      }
      file.end();
      await finished(file);
      this.complete = true;
      return received;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      file.destroy();
      throw err;
    } finally {
      this.wake();
    }
  }

  private throwFileError(): void {
    if (this.fileError) throw this.fileError;
  }
}
