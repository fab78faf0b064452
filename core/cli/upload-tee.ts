// An upload written to its file and handed to the decoder at the same time, so `zmtp serve` shows a
// capture's first records while the rest is still arriving (rather than after the whole upload).
// Back-pressure runs both ways: the request is read no faster than the file takes it and no further
// than `aheadBytes` ahead of the decoder, so memory stays bounded whatever the file's size. When the
// decoder stops early (a file that is not a capture, a capture closed meanwhile), the upload goes on
// into the file alone.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

export class UploadTee implements AsyncIterable<Buffer> {
  /** Resolves with the bytes received once all of them are in the file; rejects if the input or the file failed. */
  readonly done: Promise<number>;
  private queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private readerGone = false;
  private iterated = false;
  /** The decoder waiting for bytes, or the upload waiting for the decoder to catch up. */
  private wakeReader?: () => void;
  private wakeWriter?: () => void;

  /** The file's first error ('error' event): the upload ends with it. */
  private fileError: Error | undefined;

  constructor(
    input: AsyncIterable<Buffer>,
    file: Writable,
    private aheadBytes = 4 * 1024 * 1024,
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

  private async pump(input: AsyncIterable<Buffer>, file: Writable): Promise<number> {
    let received = 0;
    try {
      for await (const chunk of input) {
        received += chunk.length;
        this.throwFileError();
        // once() also rejects on an 'error' while it waits; one that came before is thrown here.
        if (!file.write(chunk)) await once(file, 'drain');
        this.throwFileError();
        if (this.readerGone) continue;
        this.queue.push(chunk);
        this.queued += chunk.length;
        this.wake('reader');
        while (this.queued > this.aheadBytes && !this.readerGone)
          await new Promise<void>((r) => {
            this.wakeWriter = r;
          });
      }
      file.end();
      await finished(file);
      return received;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      file.destroy();
      throw err;
    } finally {
      this.ended = true;
      this.wake('reader');
    }
  }

  private throwFileError(): void {
    if (this.fileError) throw this.fileError;
  }

  private wake(who: 'reader' | 'writer'): void {
    const fn = who === 'reader' ? this.wakeReader : this.wakeWriter;
    if (who === 'reader') this.wakeReader = undefined;
    else this.wakeWriter = undefined;
    fn?.();
  }

  /** The bytes as they arrive, for one reader (the decoder); an input that fails makes it throw. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.iterated) throw new Error('an UploadTee is read once');
    this.iterated = true;
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.queued -= chunk.length;
          this.wake('writer');
          yield chunk;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((r) => {
          this.wakeReader = r;
        });
      }
    } finally {
      // The decoder is done (or gave up): the rest goes to the file only.
      this.readerGone = true;
      this.queue = [];
      this.queued = 0;
      this.wake('writer');
    }
  }
}
