// Pull-based byte reader over an async stream of chunks. Parsers ask for exactly the bytes they
// need; the reader pulls one chunk at a time, so memory stays bounded by the largest single read
// plus one chunk, however large the input is.

export type ByteSource = AsyncIterable<Buffer | Uint8Array | string>;

export class ChunkReader {
  private readonly it: AsyncIterator<Buffer | Uint8Array | string>;
  private chunks: Buffer[] = [];
  private offset = 0; // into chunks[0]
  private available = 0;
  private done = false;
  /** Bytes handed out by read()/skip() so far: the parser's position in the input. */
  position = 0;

  constructor(
    source: ByteSource,
    private readonly onChunk?: (length: number) => void,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** True when at least n bytes are buffered (no I/O). */
  has(n: number): boolean {
    return this.available >= n;
  }

  get buffered(): number {
    return this.available;
  }

  get ended(): boolean {
    return this.done && this.available === 0;
  }

  /** Pulls chunks until n bytes are buffered or the input ends; resolves whether n are available. */
  async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const v = r.value;
      const chunk =
        typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      this.onChunk?.(chunk.length);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
    return this.available >= n;
  }

  /** True when the next n bytes (n > 0) lie in one buffered chunk: then they are `head[headOffset ..
   *  headOffset + n)`, for a parser to read in place, without a view or a copy. */
  contiguous(n: number): boolean {
    return this.chunks.length > 0 && this.chunks[0].length - this.offset >= n;
  }

  /** The chunk the next byte is in (only while something is buffered). */
  get head(): Buffer {
    return this.chunks[0];
  }

  /** Where the next byte is in `head`. */
  get headOffset(): number {
    return this.offset;
  }

  /** Returns the next n bytes without consuming them (n must be buffered). */
  peek(n: number): Buffer {
    return this.take(n, false);
  }

  /** Consumes and returns the next n bytes (n must be buffered). Copies only when n spans chunks. */
  read(n: number): Buffer {
    return this.take(n, true);
  }

  /** Consumes n buffered bytes without returning them (n must be buffered). */
  drop(n: number): void {
    this.take(n, true, true);
  }

  /** Everything still buffered (at most what was filled), consumed. */
  readRest(): Buffer {
    return this.read(this.available);
  }

  /** Consumes n bytes, pulling and discarding chunks as needed; resolves how many were skipped. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      if (this.available === 0 && !(await this.fill(1))) break;
      const step = Math.min(n - skipped, this.available);
      this.take(step, true, true);
      skipped += step;
    }
    return skipped;
  }

  /** Stops the underlying source (e.g. after a fatal format error) so a file handle is released. */
  async close(): Promise<void> {
    this.chunks = [];
    this.available = 0;
    if (!this.done) {
      this.done = true;
      try {
        await this.it.return?.();
      } catch {
        // The source is being abandoned; an error while closing it changes nothing for the caller.
      }
    }
  }

  private take(n: number, consume: boolean, discard = false): Buffer {
    if (n > this.available) throw new RangeError(`ChunkReader: ${n} bytes requested, ${this.available} buffered`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length - this.offset >= n) {
      out = discard ? first : first.subarray(this.offset, this.offset + n);
      if (consume) {
        this.offset += n;
        if (this.offset === first.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
    } else {
      out = discard ? first : Buffer.allocUnsafe(n);
      let copied = 0;
      let i = 0;
      let off = this.offset;
      while (copied < n) {
        const c = this.chunks[i];
        const step = Math.min(c.length - off, n - copied);
        if (!discard) c.copy(out, copied, off, off + step);
        copied += step;
        off += step;
        if (off === c.length) {
          i++;
          off = 0;
        }
      }
      if (consume) {
        this.chunks.splice(0, i);
        this.offset = off;
      }
    }
    if (consume) {
      this.available -= n;
      this.position += n;
    }
    return out;
  }
}
