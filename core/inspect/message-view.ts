// A decoded ZMTP message as the inspector sees it, before it is turned into a MessageRecord: the frames
// are still bytes of the capture's read buffers (no hex strings yet). A consumer that writes messages out
// itself (`zmtp decode --json`, `zmtp capture --json`) takes these through InspectorOptions.onMessage and
// skips building a record, its hex strings and its arrays for each message: on a packet-heavy capture
// that was a third of the inspector's time. Everyone else gets toRecord(), the one place a message
// record is made.
//
// Frames are held as (source, start, end) triples rather than Buffers: a message decoded whole from one
// chunk (fast-messages.ts) names the chunk and offsets, without a Buffer view per frame. `frames` makes
// the Buffers for a consumer that wants them.
import type { Direction } from '../capture/types.js';
import type { ByteWords } from './byte-words.js';
import { hexOf } from './hex-of.js';
import type { MessageRecord } from './records.js';

/**
 * One per connection direction, the same object for every message of it (and of no other): what a
 * consumer works out once per direction can be kept here (the JSON writer keeps the route's bytes).
 */
export interface DirectionTag {
  /** `,"src":..,"dst":..,"conn":..,"dir":..,"frames":[` of the direction (output.ts). */
  routeJson?: ByteWords;
}

/** The empty frame body handed out by `frames`. */
const NO_BYTES = Buffer.alloc(0);

/**
 * One message, valid only during the onMessage call that hands it out: the inspector reuses the object,
 * and the frames may be views of a read buffer that is overwritten later. toRecord() makes a record
 * that can be kept.
 */
export class MessageView {
  readonly type = 'message' as const;
  /** As in MessageRecord: the time of the packet that completed the message, the route. */
  ts = 0;
  src = '';
  dst = '';
  conn = 0;
  dir: Direction = 'c2s';
  /** The direction's tag (see DirectionTag); undefined when the view is filled by other means. */
  tag: DirectionTag | undefined = undefined;
  /** Frame i is sources[i][starts[i] .. ends[i]); `count` frames (the arrays may be longer). */
  count = 0;
  readonly sources: Buffer[] = [];
  starts = new Int32Array(16);
  ends = new Int32Array(16);
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
  /** The Buffers `frames` made for the current frames, if asked (not private: the class stays structurally
   *  typed, so the built library's declarations and the sources' agree). */
  made: Buffer[] | undefined = undefined;

  /** The frames as Buffers (views, valid during the call only), made on first use for this message. */
  get frames(): Buffer[] {
    if (this.made !== undefined) return this.made;
    const list: Buffer[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) list[i] = this.frame(i);
    this.made = list;
    return list;
  }

  /** Frame i as a Buffer: the source itself when the frame is all of it. */
  frame(i: number): Buffer {
    const src = this.sources[i];
    const start = this.starts[i];
    const end = this.ends[i];
    if (start === 0 && end === src.length) return src;
    return end === start ? NO_BYTES : src.subarray(start, end);
  }

  /** Bytes of frame i. */
  frameLength(i: number): number {
    return this.ends[i] - this.starts[i];
  }

  /** Starts a message with no frames. */
  clearFrames(): void {
    this.count = 0;
    this.made = undefined;
  }

  /** Adds a frame: `end - start` bytes of `source` from `start`. */
  addFrame(source: Buffer, start: number, end: number): void {
    const i = this.count;
    if (i === this.starts.length) this.growTo(2 * i);
    this.sources[i] = source;
    this.starts[i] = start;
    this.ends[i] = end;
    this.count = i + 1;
  }

  /** The frames of `list` (whole Buffers) as the message's frames. */
  setFrames(list: Buffer[]): void {
    const n = list.length;
    if (n > this.starts.length) this.growTo(n);
    for (let i = 0; i < n; i++) {
      this.sources[i] = list[i];
      this.starts[i] = 0;
      this.ends[i] = list[i].length;
    }
    this.count = n;
    this.made = list;
  }

  /** Room for n frames (not private, as `made`). */
  growTo(n: number): void {
    const starts = new Int32Array(n);
    const ends = new Int32Array(n);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

  /** Some frame is longer than maxFrameBytes (its hex in a record is cut short). */
  get truncated(): boolean {
    const limit = this.maxFrameBytes;
    if (limit === Infinity) return false;
    for (let i = 0; i < this.count; i++) if (this.ends[i] - this.starts[i] > limit) return true;
    return false;
  }

  /** The message record, with the same fields in the same order as it always had (JSON lines depend on it). */
  toRecord(): MessageRecord {
    const n = this.count;
    const hexFrames: string[] = new Array(n);
    const sizes: number[] = new Array(n);
    const limit = this.maxFrameBytes;
    let truncated = false;
    for (let i = 0; i < n; i++) {
      const start = this.starts[i];
      const size = this.ends[i] - start;
      sizes[i] = size;
      if (size > limit) truncated = true;
      hexFrames[i] = hexOf(this.sources[i], start, start + Math.min(size, limit));
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
