// An incremental frame decoder: bytes go in as they arrive, in chunks of any size, and whole frames
// come out. Frames that lie inside one chunk are slices of it (no copy); a frame split over chunks is
// joined once, when its last byte arrives. The size limit is checked on the header, before any body is
// buffered, so a peer cannot make us hold a frame it only claims to send.
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from './constants.js';
import type { Framing } from './frame.js';

export interface FrameSink {
  (more: boolean, command: boolean, body: Buffer): void;
}

/** Largest frame accepted when no limit is set: what a Buffer can hold comfortably. */
const DEFAULT_LIMIT = 2 ** 31 - 1;

export class FrameDecodeError extends Error {
  constructor(message: string, readonly offset: number) {
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

  constructor(
    public framing: Framing,
    /** Largest frame body accepted, in bytes (libzmq's ZMQ_MAXMSGSIZE applies per frame). -1: no limit. */
    public maxFrameSize = -1,
  ) {}

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.pendingLength;
  }

  /**
   * Decodes what it can of `chunk`, calling `sink` once per whole frame.
   * Returns the error when the input is malformed (and from then on), otherwise undefined.
   */
  push(chunk: Buffer, sink: FrameSink): FrameDecodeError | undefined {
    if (this.error) return this.error;
    if (chunk.length === 0) return undefined;
    let buf: Buffer;
    if (this.pendingLength > 0) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (this.pendingLength < this.need) return undefined;
      buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLength);
      this.pending = [];
      this.pendingLength = 0;
    } else {
      buf = chunk;
    }
    const pos = this.framing === 'v1' ? this.decodeV1(buf, sink) : this.decodeV2V3(buf, sink);
    if (this.error) return this.error;
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.pending.push(rest);
      this.pendingLength = rest.length;
    }
    return undefined;
  }

  /** Switches framing mid-stream (after a greeting); pending bytes are kept. */
  setFraming(framing: Framing): void {
    this.framing = framing;
  }

  private fail(message: string, at: number): number {
    this.error = new FrameDecodeError(message, at);
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

  private decodeV2V3(buf: Buffer, sink: FrameSink): number {
    const v3 = this.framing === 'v3';
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      const flags = buf[pos];
      let size: number;
      let header: number;
      if (flags & FLAG_LONG) {
        if (end - pos < 9) { this.need = 9; break; }
        const big = buf.readBigUInt64BE(pos + 1);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) return this.fail(`frame length ${big} is absurd`, this.offset);
        size = Number(big);
        header = 9;
      } else {
        if (end - pos < 2) { this.need = 2; break; }
        size = buf[pos + 1];
        header = 2;
      }
      if (v3 && (flags & 0xf8) !== 0) return this.fail(`reserved frame flag bits set (0x${flags.toString(16)})`, this.offset);
      if (!this.checkSize(size, this.offset)) return pos;
      if (end - pos < header + size) { this.need = header + size; break; }
      const body = buf.subarray(pos + header, pos + header + size);
      pos += header + size;
      this.offset += header + size;
      sink((flags & FLAG_MORE) !== 0, v3 && (flags & FLAG_COMMAND) !== 0, body);
      if (this.error) return pos;
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
        if (end - pos < 10) { this.need = 10; break; }
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
      if (end - pos < header + length) { this.need = header + length; break; }
      const flags = buf[pos + header];
      const body = buf.subarray(pos + header + 1, pos + header + length);
      pos += header + length;
      this.offset += header + length;
      sink((flags & FLAG_MORE) !== 0, false, body);
      if (this.error) return pos;
    }
    return pos;
  }
}
