// A decoded ZMTP message as the inspector sees it, before it is turned into a MessageRecord: the frames
// are still the decoded buffers (views of the capture's read buffers), not hex strings. A consumer that
// writes messages out itself (`zmtp decode --json`, `zmtp capture --json`) takes these through
// InspectorOptions.onMessage and skips building a record, its hex strings and its arrays for each
// message: on a packet-heavy capture that was a third of the inspector's time. Everyone else gets
// toRecord(), the one place a message record is made.
import type { Direction } from '../capture/types.js';
import type { MessageRecord } from './records.js';

/** Node's Buffer method under toString('hex'), called without the argument handling that costs more than
 *  the encoding for the small frames most messages have; toString where a runtime lacks it. */
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (this: Buffer, start: number, end: number) => string }).hexSlice;

function hexOf(b: Buffer, end: number): string {
  if (end === 0) return ''; // REQ/REP's delimiter: in nearly every message there
  return hexSlice !== undefined ? hexSlice.call(b, 0, end) : b.toString('hex', 0, end);
}

/**
 * One message, valid only during the onMessage call that hands it out: the inspector reuses the object,
 * and the frames may be views of a read buffer that is overwritten later. toRecord() makes a record
 * that can be kept.
 */
export class MessageView {
  readonly type = 'message' as const;
  /** As in MessageRecord: the time of the packet that completed the message, the route, the frames. */
  ts = 0;
  src = '';
  dst = '';
  conn = 0;
  dir: Direction = 'c2s';
  frames: Buffer[] = [];
  /** Frame bytes a record's hex shows at most (InspectorOptions.maxFrameBytes): longer frames are cut. */
  maxFrameBytes = Infinity;
  /** Decoded without a greeting (stream seen mid-way). */
  heuristic = false;
  /** ROUTER/DEALER/REQ/REP envelope: the number of routing-id frames before the empty delimiter; -1 none. */
  envelopeFrames = -1;
  /** ZMTP 3.0 / 2.0 subscription message, as in MessageRecord. */
  subscription: MessageRecord['subscription'] = undefined;
  /** A reply matched to its request (REQ/REP pairing): the request's time and the latency. */
  replied = false;
  replyTs = 0;
  latency = 0;

  /** Some frame is longer than maxFrameBytes (its hex in a record is cut short). */
  get truncated(): boolean {
    const limit = this.maxFrameBytes;
    if (limit === Infinity) return false;
    for (const f of this.frames) if (f.length > limit) return true;
    return false;
  }

  /** The message record, with the same fields in the same order as it always had (JSON lines depend on it). */
  toRecord(): MessageRecord {
    const frames = this.frames;
    const hexFrames: string[] = new Array(frames.length);
    const sizes: number[] = new Array(frames.length);
    const limit = this.maxFrameBytes;
    let truncated = false;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      sizes[i] = f.length;
      if (f.length > limit) truncated = true;
      hexFrames[i] = hexOf(f, Math.min(f.length, limit));
    }
    const rec: MessageRecord = {
      type: 'message',
      ts: this.ts,
      src: this.src,
      dst: this.dst,
      conn: this.conn,
      dir: this.dir,
      frames: hexFrames,
      sizes,
    };
    if (truncated) rec.truncated = true;
    if (this.heuristic) rec.heuristic = true;
    if (this.subscription) rec.subscription = this.subscription;
    if (this.envelopeFrames >= 0) rec.envelope = hexFrames.slice(0, this.envelopeFrames);
    if (this.replied) rec.replyTo = { ts: this.replyTs, latency: this.latency };
    return rec;
  }
}
