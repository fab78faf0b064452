// Bytes a direction holds before it can decode them (a greeting waiting for the peer's revision, an
// HTTP upgrade head, a stream searched for frame boundaries), with the time of each data event that
// brought them: once decodable they are fed again one event at a time, so each record carries the
// time of the packet that completed it rather than of the packet that made the bytes decodable.
import { ownHeld } from './held-message.js';
import type { SniffCore } from './sniff-core.js';
import type { ConnState, DirState, HeldTime } from './stream-state.js';

/** Appends a data event's bytes to `head`, noting when they came. */
export function holdBytes(d: DirState, data: Buffer): void {
  d.head = d.head.length ? Buffer.concat([d.head, data]) : data;
  const times = d.headTimes;
  // Times of bytes no longer held go (head only ever loses bytes at its front).
  const start = d.offset - d.head.length;
  let drop = 0;
  while (drop < times.length && times[drop].end <= start) drop++;
  if (drop > 0) times.splice(0, drop);
  if (times.length === 0 || times[times.length - 1].end < d.offset) times.push({ end: d.offset, ts: d.ts });
}

export function takeHeadTimes(d: DirState): HeldTime[] {
  const times = d.headTimes;
  d.headTimes = [];
  return times;
}

/**
 * Feeds held bytes (the last `rest.length` bytes of the stream so far) again, one data event's worth
 * at a time with that event's time and stream offset.
 */
export function replay(x: SniffCore, c: ConnState, d: DirState, rest: Buffer, times: HeldTime[]): void {
  const end = d.offset;
  const latest = d.ts;
  let at = end - rest.length;
  let i = 0;
  while (i < times.length && times[i].end <= at) i++;
  while (at < end && !c.ignored) {
    const to = i < times.length ? Math.min(times[i].end, end) : end;
    d.offset = to;
    d.ts = i < times.length ? times[i].ts : latest;
    x.feed(x, c, d, rest.subarray(at - (end - rest.length), to - (end - rest.length)));
    at = to;
    i++;
  }
  d.offset = end;
  d.ts = latest;
}

/** Time of the data event that carried the byte at stream offset `offset`, from a held-bytes record. */
export function timeAt(times: HeldTime[], offset: number, fallback: number): number {
  for (const t of times) if (t.end > offset) return t.ts;
  return fallback;
}

/** `b` itself, or a copy when it is a small view of a much larger buffer (which it would keep alive).
 *  Node's small-buffer pool (where copies of small views go) counts as small. */
export function own(b: Buffer): Buffer {
  const size = b.buffer.byteLength;
  return size > Buffer.poolSize && size > 2 * b.length + 1024 ? Buffer.from(b) : b;
}

/**
 * Packet data is a view of a much larger read buffer. Decoders copy the bytes of an unfinished frame
 * they keep; the frames of an unfinished multipart message are kept by the inspector, so they are copied
 * too: else thousands of quiet connections would each keep a whole read buffer alive.
 */
export function ownPendingFrames(d: DirState): void {
  ownHeld(d, own);
}
