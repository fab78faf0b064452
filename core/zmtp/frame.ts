// Frame encoding for the three framings ZMTP has used:
//   v1 (ZMTP 1.0, RFC 13): length (1 byte, or 0xFF + 8 bytes) counting the flags byte, flags, body
//   v2 (ZMTP 2.0, RFC 15): flags (MORE, LONG), size (1 or 8 bytes), body
//   v3 (ZMTP 3.x, RFC 23/37): as v2 plus the COMMAND flag
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE } from './constants.js';
import type { ZmtpVersion } from './greeting.js';

export type Framing = 'v1' | 'v2' | 'v3';

export function framingFor(version: ZmtpVersion): Framing {
  return version === '1.0' ? 'v1' : version === '2.0' ? 'v2' : 'v3';
}

export function frameHeaderSize(framing: Framing, size: number): number {
  if (framing === 'v1') return size + 1 < 0xff ? 2 : 10;
  return size <= 0xff ? 2 : 9;
}

/** Writes a frame header at `pos` and returns the position after it. */
export function writeFrameHeader(buf: Buffer, pos: number, framing: Framing, more: boolean, command: boolean, size: number): number {
  if (framing === 'v1') {
    if (command) throw new RangeError('ZMTP 1.0 has no command frames');
    const length = size + 1;
    if (length < 0xff) {
      buf[pos++] = length;
    } else {
      buf[pos++] = 0xff;
      pos = writeSize64(buf, pos, length);
    }
    buf[pos++] = more ? FLAG_MORE : 0;
    return pos;
  }
  if (command && framing === 'v2') throw new RangeError('ZMTP 2.0 has no command frames');
  let flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
  if (size <= 0xff) {
    buf[pos++] = flags;
    buf[pos++] = size;
  } else {
    flags |= FLAG_LONG;
    buf[pos++] = flags;
    pos = writeSize64(buf, pos, size);
  }
  return pos;
}

/**
 * A 64-bit big-endian size as two 32-bit halves: the engine writes a header per large frame, and a
 * BigInt per frame costs more than the rest of the header (sizes stay below 2^53, Buffer's limit).
 */
function writeSize64(buf: Buffer, pos: number, size: number): number {
  buf.writeUInt32BE(Math.floor(size / 0x100000000), pos);
  buf.writeUInt32BE(size >>> 0, pos + 4);
  return pos + 8;
}

/** One frame as a single buffer (header + body). For hot paths, write headers into a batch buffer instead. */
export function encodeFrame(framing: Framing, body: Uint8Array, more = false, command = false): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderSize(framing, body.length) + body.length);
  const pos = writeFrameHeader(out, 0, framing, more, command, body.length);
  out.set(body, pos);
  return out;
}

/** A whole multipart message as one buffer. */
export function encodeMessage(framing: Framing, frames: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const f of frames) total += frameHeaderSize(framing, f.length) + f.length;
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < frames.length; i++) {
    pos = writeFrameHeader(out, pos, framing, i < frames.length - 1, false, frames[i].length);
    out.set(frames[i], pos);
    pos += frames[i].length;
  }
  return out;
}
