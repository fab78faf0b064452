// An incremental frame decoder: bytes go in as they arrive, in chunks of any size, and whole frames
// come out. Frames that lie inside one chunk are slices of it (no copy); a frame split over chunks is
// joined once, when its last byte arrives. The size limit is checked on the header, before any body is
// buffered, and a large body's buffer grows with the bytes that actually arrive (never to the size a
// peer only declares), so a peer cannot make us hold a frame it only claims to send.
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from './constants.js';
import type { Framing } from './frame.js';

export interface FrameSink {
  (more: boolean, command: boolean, body: Buffer): void;
}

/**
 * Offered the start of a large body that ends its chunk (`head`) and the body's full size: returns a
 * buffer of that size that begins with those very bytes (the same memory, grown in place), or undefined.
 * A transport that read the chunk into memory it owns can often do this, saving a copy of `head`.
 */
export type BodyInPlace = (head: Buffer, size: number) => Buffer | undefined;

/** Bodies at least this big that arrive split are gathered into their own buffer, so each byte is copied once. */
const GATHER_MIN = 8192;
const SLAB_SIZE = 1024 * 1024;
const SLAB_MAX_BODY = 256 * 1024;

/** First buffer for a large body gathered on its own (the most one read fills); it doubles as bytes arrive. */
const GROW_FIRST = 256 * 1024;

interface PartialFrame {
  /** The bytes so far, in a buffer that may still be smaller than `size` (grown as data arrives). */
  body: Buffer;
  filled: number;
  /** The body size the header declared. */
  size: number;
  more: boolean;
  command: boolean;
  /** header + body bytes, for the offset count */
  total: number;
}

/** Largest frame accepted when no limit is set: what a Buffer can hold comfortably. */
const DEFAULT_LIMIT = 2 ** 31 - 1;

export class FrameDecodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** 'memory': the input was well formed but its frame could not be given memory (allocation failed). */
    readonly kind: 'malformed' | 'memory' = 'malformed',
    /**
     * When the bad frame began in an earlier push(): its bytes from that push on (from `offset`, up to the
     * chunk that completed its header), which the decoder held. A reader that resynchronises after the
     * error needs them, or its search would start at the chunk instead of the byte after the bad header.
     */
    readonly held?: Buffer,
  ) {
    super(message);
    this.name = 'FrameDecodeError';
  }
}

export class FrameDecoder {
  /** Bytes consumed so far (start offset of the next frame), for error reports. */
  offset = 0;
  /** Set after malformed input; the decoder then refuses further input. */
  error?: FrameDecodeError;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** Bytes the pending data must reach before parsing can make progress. */
  private need = 0;
  /** A large frame whose header is parsed and whose body is being filled as chunks arrive. */
  private partial?: PartialFrame;
  private slab?: Buffer;
  private slabUsed = 0;
  /** A sink asked (yieldAfterFrame) that push() return after the frame it was given. */
  private yieldAsked = false;
  /**
   * After a push() that a sink cut short with yieldAfterFrame(): the bytes of that chunk not decoded yet
   * (a view of the chunk, not a copy), for the caller to push() later, in order. Undefined otherwise.
   */
  unread?: Buffer;

  constructor(
    public framing: Framing,
    /** Largest frame body accepted, in bytes (libzmq's ZMQ_MAXMSGSIZE applies per frame). -1: no limit. */
    public maxFrameSize = -1,
    private readonly bodyInPlace?: BodyInPlace,
    /**
     * Handed out for every empty frame body instead of a new zero-length view of the chunk: for a reader
     * that keeps no frame past the sink call (the sniffer), where REQ/REP's empty delimiter in every
     * message would otherwise cost a Buffer each.
     */
    private readonly emptyBody?: Buffer,
  ) {}

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.pendingLength + (this.partial ? this.partial.total - this.partial.size + this.partial.filled : 0);
  }

  /**
   * Nothing held between frames (no unfinished frame, no error): the next byte pushed starts a frame
   * header, so a caller may decode whole frames of a chunk itself, advancing `offset` past them.
   */
  get idle(): boolean {
    return this.pendingLength === 0 && this.partial === undefined && this.error === undefined;
  }

  /**
   * Called by a sink: push() returns right after the frame being delivered and leaves the rest of its
   * chunk in `unread`. A connection uses this to spread a large read over several event-loop turns, and
   * to stop reading while its security handshake waits for the ZAP handler.
   */
  yieldAfterFrame(): void {
    this.yieldAsked = true;
  }

  /**
   * Decodes what it can of `chunk`, calling `sink` once per whole frame (until a sink calls
   * yieldAfterFrame(); then the rest is in `unread`).
   * Returns the error when the input is malformed (and from then on), otherwise undefined.
   */
  push(chunk: Buffer, sink: FrameSink): FrameDecodeError | undefined {
    this.yieldAsked = false;
    this.unread = undefined;
    if (this.error) return this.error;
    if (chunk.length === 0) return undefined;
    const partial = this.partial;
    if (partial) {
      let take = 0;
      while (take < chunk.length && partial.filled < partial.size) {
        if (partial.filled === partial.body.length && !this.grow(partial)) return this.error;
        const n = Math.min(partial.body.length - partial.filled, chunk.length - take);
        chunk.copy(partial.body, partial.filled, take, take + n);
        partial.filled += n;
        take += n;
      }
      if (partial.filled < partial.size) return undefined;
      this.partial = undefined;
      this.offset += partial.total;
      sink(partial.more, partial.command, partial.body);
      if (this.error) return this.error;
      if (take === chunk.length) return undefined;
      chunk = chunk.subarray(take);
      if (this.yieldAsked) return this.stopAt(chunk);
    }
    if (this.pendingLength > 0) {
      // Bytes of an unfinished frame are waiting: join them with just the bytes that complete it (or its
      // header), so each chunk is copied only that far and the rest of it is parsed in place.
      const want = Math.max(0, this.need - this.pendingLength);
      if (chunk.length < want) {
        this.keep(chunk);
        return undefined;
      }
      const head = Buffer.concat([...this.pending, chunk.subarray(0, want)], this.pendingLength + want);
      this.pending = [];
      this.pendingLength = 0;
      const pos = this.framing === 'v1' ? this.decodeV1(head, sink) : this.decodeV2V3(head, sink);
      // (Read through a wider type: TypeScript keeps `this.error` narrowed to undefined across the decode call.)
      const e = this.error as FrameDecodeError | undefined;
      if (e) {
        // `head` starts with the waiting frame, so a bad header is at its start: hand on what came before this chunk.
        if (e.kind === 'malformed' && e.offset === this.offset && !e.held)
          this.error = new FrameDecodeError(e.message, e.offset, e.kind, head.subarray(0, head.length - want));
        return this.error;
      }
      if (pos < head.length) {
        // The header is complete now, the body is not. `head` is our own small buffer: keep it as it is.
        this.pending.push(head.subarray(pos));
        this.pendingLength = head.length - pos;
      }
      if (want === chunk.length) return undefined;
      // `head` held exactly the frame (or header) that was waiting, so a yield comes after it.
      if (this.yieldAsked) return this.stopAt(chunk.subarray(want));
      // What follows goes on from here: into the large frame just started, the frame still waiting, or parsing.
      return this.push(chunk.subarray(want), sink);
    }
    const pos = this.framing === 'v1' ? this.decodeV1(chunk, sink) : this.decodeV2V3(chunk, sink);
    if (this.error) return this.error;
    if (pos < chunk.length) {
      if (this.yieldAsked) return this.stopAt(chunk.subarray(pos));
      this.keep(chunk.subarray(pos));
    }
    return undefined;
  }

  /** Ends a push() cut short by yieldAfterFrame(), leaving `rest` for the caller. */
  private stopAt(rest: Buffer): undefined {
    this.yieldAsked = false;
    this.unread = rest;
    return undefined;
  }

  /**
   * Holds the start of an unfinished small frame (under GATHER_MIN + a header) as a copy: the chunk it came
   * in may be a view of a much larger buffer (a capture read, a socket slab) that should not stay alive.
   */
  private keep(bytes: Buffer): void {
    this.pending.push(Buffer.from(bytes));
    this.pendingLength += bytes.length;
  }

  /**
   * Where more bytes of a large frame being gathered should go: the unfilled rest of its body, so a
   * transport can read straight into it. Undefined when no large frame is in progress.
   */
  directTarget(): Buffer | undefined {
    const p = this.partial;
    if (!p || this.error) return undefined;
    // Full but not complete: grow now (the peer sent what it filled). On failure the error waits for push().
    if (p.filled === p.body.length && !this.grow(p)) return undefined;
    return p.body.subarray(p.filled);
  }

  /** `n` bytes were written into the buffer directTarget() returned; emits the frame once complete. */
  directFilled(n: number, sink: FrameSink): FrameDecodeError | undefined {
    const p = this.partial;
    if (!p || n > p.body.length - p.filled) {
      this.error = new FrameDecodeError('internal: direct read without a frame in progress', this.offset);
      return this.error;
    }
    p.filled += n;
    if (p.filled < p.size) return undefined;
    this.partial = undefined;
    this.offset += p.total;
    sink(p.more, p.command, p.body);
    return this.error;
  }

  /** Switches framing mid-stream (after a greeting); pending bytes are kept. */
  setFraming(framing: Framing): void {
    this.framing = framing;
  }

  private fail(message: string, at: number, kind: 'malformed' | 'memory' = 'malformed'): number {
    this.error = new FrameDecodeError(message, at, kind);
    return at;
  }

  private checkSize(size: number, at: number): boolean {
    const limit = this.maxFrameSize >= 0 ? this.maxFrameSize : DEFAULT_LIMIT;
    if (size > limit) {
      this.fail(
        this.maxFrameSize >= 0
          ? `frame of ${size} bytes exceeds maxMessageSize ${this.maxFrameSize}`
          : `frame of ${size} bytes is too large to accept`,
        at,
      );
      return false;
    }
    return true;
  }

  /**
   * A buffer for the start of one gathered frame body, at least `have` bytes. Medium bodies are carved
   * whole from a shared 1 MiB slab (as Node pools small Buffers): far fewer ArrayBuffers to allocate and
   * collect at high message rates. Larger ones start at GROW_FIRST (or what is already here) and grow.
   * Undefined, with the error set, when the memory cannot be had.
   */
  private gatherBuffer(size: number, have: number): Buffer | undefined {
    if (size > SLAB_MAX_BODY) return this.allocate(Math.min(size, Math.max(GROW_FIRST, have)), size);
    if (!this.slab || this.slab.length - this.slabUsed < size) {
      const slab = this.allocate(SLAB_SIZE, size, true);
      if (!slab) return undefined;
      this.slab = slab;
      this.slabUsed = 0;
    }
    const body = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += (size + 7) & ~7;
    return body;
  }

  /**
   * Allocation can fail (an address-space limit, overcommit off) with a RangeError: that is this stream's
   * error, not the process's end.
   */
  private allocate(bytes: number, frameSize: number, slow = false): Buffer | undefined {
    try {
      return slow ? Buffer.allocUnsafeSlow(bytes) : Buffer.allocUnsafe(bytes);
    } catch (e) {
      this.fail(`cannot allocate ${bytes} bytes for a frame of ${frameSize} bytes (${(e as Error).message})`, this.offset, 'memory');
      return undefined;
    }
  }

  /** Doubles a large body's buffer (up to its declared size) once the peer filled it; false on failure. */
  private grow(p: PartialFrame): boolean {
    const next = this.allocate(Math.min(p.size, p.body.length * 2), p.size);
    if (!next) return false;
    p.body.copy(next, 0, 0, p.filled);
    p.body = next;
    return true;
  }

  /** Keeps the start of a large split frame in a buffer that grows as the rest arrives; returns the bytes consumed (all). */
  private startPartial(buf: Buffer, bodyStart: number, size: number, total: number, more: boolean, command: boolean): number {
    const have = buf.length - bodyStart;
    // The reader's in-place growth never allocates: it succeeds only inside the slab it already has.
    let body = this.bodyInPlace?.(buf.subarray(bodyStart), size);
    if (!body || body.length !== size) {
      body = this.gatherBuffer(size, have);
      if (!body) return bodyStart;
      buf.copy(body, 0, bodyStart, buf.length);
    }
    this.partial = { body, filled: have, size, more, command, total };
    this.need = 0;
    return buf.length;
  }

  private decodeV2V3(buf: Buffer, sink: FrameSink): number {
    const v3 = this.framing === 'v3';
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      const flags = buf[pos];
      let size: number;
      let header: number;
      if (flags & FLAG_LONG) {
        if (end - pos < 9) {
          this.need = 9;
          break;
        }
        const big = buf.readBigUInt64BE(pos + 1);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) return this.fail(`frame length ${big} is absurd`, this.offset);
        size = Number(big);
        header = 9;
      } else {
        if (end - pos < 2) {
          this.need = 2;
          break;
        }
        size = buf[pos + 1];
        header = 2;
      }
      if (v3 && (flags & 0xf8) !== 0) return this.fail(`reserved frame flag bits set (0x${flags.toString(16)})`, this.offset);
      if (!this.checkSize(size, this.offset)) return pos;
      if (end - pos < header + size) {
        if (size >= GATHER_MIN)
          return this.startPartial(buf, pos + header, size, header + size, (flags & FLAG_MORE) !== 0, v3 && (flags & FLAG_COMMAND) !== 0);
        this.need = header + size;
        break;
      }
      const body = size === 0 && this.emptyBody !== undefined ? this.emptyBody : buf.subarray(pos + header, pos + header + size);
      pos += header + size;
      this.offset += header + size;
      sink((flags & FLAG_MORE) !== 0, v3 && (flags & FLAG_COMMAND) !== 0, body);
      if (this.error || this.yieldAsked) return pos;
    }
    return pos;
  }

  private decodeV1(buf: Buffer, sink: FrameSink): number {
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      let length: number;
      let header: number;
      if (buf[pos] === 0xff) {
        if (end - pos < 10) {
          this.need = 10;
          break;
        }
        const big = buf.readBigUInt64BE(pos + 1);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) return this.fail(`frame length ${big} is absurd`, this.offset);
        length = Number(big);
        header = 9;
      } else {
        length = buf[pos];
        header = 1;
      }
      // The length counts the flags byte, so 0 cannot be (RFC 13).
      if (length === 0) return this.fail('ZMTP 1.0 frame with length 0', this.offset);
      const size = length - 1;
      if (!this.checkSize(size, this.offset)) return pos;
      if (end - pos < header + length) {
        if (size >= GATHER_MIN && end - pos > header) {
          return this.startPartial(buf, pos + header + 1, size, header + length, (buf[pos + header] & FLAG_MORE) !== 0, false);
        }
        // A large frame waits only for its flags byte, then is gathered as it comes.
        this.need = size >= GATHER_MIN ? header + 1 : header + length;
        break;
      }
      const flags = buf[pos + header];
      const body = size === 0 && this.emptyBody !== undefined ? this.emptyBody : buf.subarray(pos + header + 1, pos + header + length);
      pos += header + length;
      this.offset += header + length;
      sink((flags & FLAG_MORE) !== 0, false, body);
      if (this.error || this.yieldAsked) return pos;
    }
    return pos;
  }
}
