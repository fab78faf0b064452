// An upload written to its file, which the decoder reads as it grows (a GrowingFile), so `zmtp serve`
// shows a capture's first records while the rest is still arriving. The request is read no faster than
// the file takes it (up to UPLOAD_WRITE_AHEAD bytes may wait for it); the decoder reads the file itself,
// no further than the writes completed so far, so the upload never waits for the decoder and memory stays
// bounded whatever the file's size. When the decoder stops early (a file that is not a capture, a capture
// closed meanwhile), the upload still goes on into the file.
import { createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { GrowingFile } from '../capture/growing-file.js';

/** Bytes of an upload that may wait for the file to take them while the request is read on: with a file
 *  stream's default 16 KiB, each chunk would wait for its write to finish before the next is read. */
export const UPLOAD_WRITE_AHEAD = 4 * 1024 * 1024;

export class UploadFile implements GrowingFile {
  /** Resolves with the bytes received (`size`) once all of them are in the file; rejects if the input or the file failed. */
  readonly done: Promise<number>;
  size = 0;
  complete = false;
  failure: Error | undefined;
  /** Readers waiting for the file to grow. */
  private waiting: (() => void)[] = [];
  constructor(
    input: Readable,
    readonly path: string,
    file: Writable = createWriteStream(path, { highWaterMark: UPLOAD_WRITE_AHEAD }),
  ) {
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

  /**
   * The input's chunks into the file as they come ('data' events: an async iterator would read the input's
   * buffer as one concatenated copy whenever several chunks wait in it), pausing the input while the file
   * has UPLOAD_WRITE_AHEAD bytes to write.
   */
  private pump(input: Readable, file: Writable): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let ended = false;
      const fail = (err: unknown) => {
        if (ended) return;
        ended = true;
        this.failure = err instanceof Error ? err : new Error(String(err));
        input.destroy();
        file.destroy();
        this.wake();
        reject(this.failure);
      };
      input.on('data', (chunk: Buffer) => {
        if (ended) return;
        // The bytes count as in the file once their write is done (writes complete in order).
        const written = (err?: Error | null) => {
          if (err) return;
          this.size += chunk.length;
          this.wake();
        };
        if (!file.write(chunk, written)) {
          input.pause();
          file.once('drain', () => input.resume());
        }
      });
      // Always listened to, also once the upload has ended: an 'error' with no listener is an uncaught
      // exception, the end of zmtp serve. A file's comes when nothing waits on it (its open fails, the disk
      // fills up between two chunks), and also after destroy() when a write was in flight
      // (ERR_STREAM_DESTROYED, once the upload failed).
      input.on('error', fail);
      file.on('error', fail);
      input.once('end', () => {
        if (ended) return;
        file.end();
        finished(file).then(() => {
          if (ended) return;
          ended = true;
          this.complete = true;
          this.wake();
          // Every write's callback has run before 'finish': size counts every byte received.
          resolve(this.size);
        }, fail);
      });
    });
  }
}
