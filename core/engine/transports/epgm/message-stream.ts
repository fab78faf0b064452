// What one PGM session's in-order data means to libzmq (pgm_receiver.cpp): APDUs (one TSDU, or several
// joined by OPT_FRAGMENT), each a 16-bit offset and bytes of a stream of ZMTP/1.0 frames. Until it has
// "joined", the stream skips APDUs with no message start (offset 0xFFFF) and the bytes before the offset;
// from there frames are decoded into whole messages. A loss (a packet that cannot be repaired) or a
// malformed frame drops what was half-built and rejoins at the next message start, as libzmq resets the
// session's decoder.
import { FrameDecoder } from '../../../zmtp/decoder.js';
import { readZmqPgmChunk, type PgmOption } from '../../../pgm/index.js';
import type { Msg } from '../../pipe.js';

/** Largest APDU reassembled from fragments: beyond it the APDU is dropped as a loss. */
const MAX_APDU = 16 * 1024 * 1024;

export interface StreamStats {
  /** APDUs or fragments that could not be used (bad offset, fragments out of order, oversize). */
  malformed: number;
  /** Times the stream had to rejoin after a loss or an error. */
  resyncs: number;
}

export class MessageStream {
  readonly stats: StreamStats = { malformed: 0, resyncs: 0 };
  private decoder?: FrameDecoder;
  private frames: Buffer[] = [];
  /** An APDU being rebuilt from fragments. */
  private apdu?: { firstSqn: number; length: number; parts: Buffer[]; filled: number };

  constructor(
    private readonly maxMessageSize: number,
    private readonly deliver: (msg: Msg) => void,
  ) {}

  /** One packet's data, in sequence order, with its options (for OPT_FRAGMENT). */
  packet(sqn: number, tsdu: Buffer, options: readonly PgmOption[]): void {
    const fragment = options.find((o) => o.name === 'fragment');
    if (!fragment || fragment.name !== 'fragment') {
      if (this.apdu) this.lost();
      this.apduData(tsdu);
      return;
    }
    if (fragment.apduLength > MAX_APDU || fragment.offset + tsdu.length > fragment.apduLength) {
      this.stats.malformed++;
      this.lost();
      return;
    }
    if (fragment.offset === 0 && fragment.firstSqn === sqn) {
      if (this.apdu) this.lost();
      this.apdu = { firstSqn: sqn, length: fragment.apduLength, parts: [], filled: 0 };
    } else if (!this.apdu || this.apdu.firstSqn !== fragment.firstSqn || this.apdu.filled !== fragment.offset) {
      // The APDU's start was before we joined or was lost: the rest of it is of no use.
      if (this.apdu) this.lost();
      return;
    }
    const a = this.apdu;
    a.parts.push(tsdu);
    a.filled += tsdu.length;
    if (a.filled < a.length) return;
    this.apdu = undefined;
    this.apduData(a.parts.length === 1 ? a.parts[0] : Buffer.concat(a.parts, a.filled));
  }

  /** Data that can no longer arrive: drop what was half-built and look for the next message start. */
  lost(): void {
    if (this.decoder || this.apdu || this.frames.length > 0) this.stats.resyncs++;
    this.decoder = undefined;
    this.frames = [];
    this.apdu = undefined;
  }

  private apduData(apdu: Buffer): void {
    const chunk = readZmqPgmChunk(apdu);
    if ('code' in chunk) {
      this.stats.malformed++;
      this.lost();
      return;
    }
    let bytes = chunk.bytes;
    if (!this.decoder) {
      if (chunk.firstFrame === undefined) return;
      bytes = bytes.subarray(chunk.firstFrame);
      this.decoder = new FrameDecoder('v1', this.maxMessageSize);
    }
    const error = this.decoder.push(bytes, (more, _command, body) => {
      this.frames.push(body);
      if (more) return;
      const msg = this.frames;
      this.frames = [];
      this.deliver(msg);
    });
    if (error) {
      this.stats.malformed++;
      this.lost();
    }
  }
}
