// libzmq's framing of messages inside PGM data (pgm_sender.cpp / pgm_receiver.cpp): each TSDU it sends is
// a 16-bit big-endian offset, then bytes of a continuous stream of ZMTP/1.0 frames (length incl. flags
// byte, flags, body). The offset says where in those bytes the first frame that starts in this packet
// begins, or 0xFFFF when a frame started earlier covers the whole packet. A receiver that joins late, or
// that lost data, skips packets until one has an offset and starts decoding there.
import { malformed, type PgmMalformed } from './errors.js';

/** The offset value meaning "no message starts in this packet". */
export const ZMQ_PGM_NO_OFFSET = 0xffff;
export const ZMQ_PGM_OFFSET_SIZE = 2;

export interface ZmqPgmChunk {
  /** Where the first frame that starts here begins within `bytes` (may be bytes.length: at the next packet); undefined when none does. */
  firstFrame: number | undefined;
  /** The stream bytes this packet carries (after the offset field). */
  bytes: Buffer;
}

/** Splits one TSDU (an ODATA/RDATA payload) into libzmq's offset and stream bytes. */
export function readZmqPgmChunk(tsdu: Buffer): ZmqPgmChunk | PgmMalformed {
  if (tsdu.length < ZMQ_PGM_OFFSET_SIZE)
    return malformed('PGM_TRUNCATED', `libzmq data needs a 2-byte offset, TSDU has ${tsdu.length} bytes`);
  const offset = tsdu.readUInt16BE(0);
  const bytes = tsdu.subarray(ZMQ_PGM_OFFSET_SIZE);
  if (offset === ZMQ_PGM_NO_OFFSET) return { firstFrame: undefined, bytes };
  // libzmq's pgm_sender sets the offset before it knows whether another message follows, so it may equal
  // the data length: the next message starts with the next packet (its pgm_receiver asserts offset <= size).
  if (offset > bytes.length) return malformed('PGM_BAD_TSDU_LENGTH', `libzmq offset ${offset} points past the ${bytes.length} data bytes`);
  return { firstFrame: offset, bytes };
}

/** One TSDU as libzmq sends it: the offset field (0xFFFF for undefined) then `bytes`. */
export function writeZmqPgmChunk(firstFrame: number | undefined, bytes: Uint8Array): Buffer {
  if (firstFrame !== undefined && (firstFrame < 0 || firstFrame >= bytes.length || firstFrame >= ZMQ_PGM_NO_OFFSET)) {
    throw new RangeError(`PGM: first-frame offset ${firstFrame} is outside the ${bytes.length} bytes`);
  }
  const out = Buffer.allocUnsafe(ZMQ_PGM_OFFSET_SIZE + bytes.length);
  out.writeUInt16BE(firstFrame ?? ZMQ_PGM_NO_OFFSET, 0);
  out.set(bytes, ZMQ_PGM_OFFSET_SIZE);
  return out;
}
