// Messages' frames kept as their bytes, back to back in large buffers, instead of one hex string per frame:
// half the memory, no object per message for the garbage collector to walk, and no hex made for a
// million messages of which the table shows a few dozen. Hex is made when a row or a search asks for it.
//
// One message's entry: its frame count (u32 LE), each frame's length (u32 LE), then the frames' bytes.
// Its location is one number: chunk index * 2^32 + offset in the chunk (exact in a double).

import { hexOf } from '../inspect/hex-of.js';
import type { MessageView } from '../inspect/message-view.js';

const CHUNK_BYTES = 4 << 20;
const CHUNK_SHIFT = 2 ** 32;

function putU32(b: Buffer, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

export class FrameArena {
  private chunks: Buffer[] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;

  /** Copies a message's frames in (frame k: sources[k] from starts[k] to ends[k]); returns where they are. */
  store(m: Pick<MessageView, 'count' | 'sources' | 'starts' | 'ends'>): number {
    const n = m.count;
    const sources = m.sources;
    const starts = m.starts;
    const ends = m.ends;
    let need = 4 + 4 * n;
    for (let k = 0; k < n; k++) need += ends[k] - starts[k];
    if (this.used + need > this.chunk.length) {
      // A message bigger than a chunk gets a chunk of its own size.
      this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, need));
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    const chunk = this.chunk;
    const at = this.used;
    putU32(chunk, at, n);
    let head = at + 4;
    let body = head + 4 * n;
    for (let k = 0; k < n; k++) {
      const f = sources[k];
      const start = starts[k];
      const len = ends[k] - start;
      putU32(chunk, head, len);
      head += 4;
      // A loop beats set()'s call for the few dozen bytes most frames have.
      if (len > 64) chunk.set(f.subarray(start, start + len), body);
      else for (let b = 0; b < len; b++) chunk[body + b] = f[start + b];
      body += len;
    }
    this.used = body;
    return (this.chunks.length - 1) * CHUNK_SHIFT + at;
  }

  private locate(loc: number): [Buffer, number] {
    return [this.chunks[Math.floor(loc / CHUNK_SHIFT)], loc % CHUNK_SHIFT];
  }

  frameCount(loc: number): number {
    const [chunk, at] = this.locate(loc);
    return chunk.readUInt32LE(at);
  }

  /** The message's bytes, all frames together. */
  bytes(loc: number): number {
    const [chunk, at] = this.locate(loc);
    const n = chunk.readUInt32LE(at);
    let total = 0;
    for (let k = 0; k < n; k++) total += chunk.readUInt32LE(at + 4 + 4 * k);
    return total;
  }

  /** Each frame as lowercase hex, as a MessageRecord has them. */
  hexFrames(loc: number): string[] {
    const [chunk, at] = this.locate(loc);
    const n = chunk.readUInt32LE(at);
    const out: string[] = new Array(n);
    let body = at + 4 + 4 * n;
    for (let k = 0; k < n; k++) {
      const len = chunk.readUInt32LE(at + 4 + 4 * k);
      out[k] = hexOf(chunk, body, body + len);
      body += len;
    }
    return out;
  }

  /** Whether `needle` occurs within one of the message's frames (an empty needle: always). */
  includes(loc: number, needle: Uint8Array): boolean {
    if (needle.length === 0) return true;
    const [chunk, at] = this.locate(loc);
    const n = chunk.readUInt32LE(at);
    let body = at + 4 + 4 * n;
    for (let k = 0; k < n; k++) {
      const len = chunk.readUInt32LE(at + 4 + 4 * k);
      if (len >= needle.length && chunk.subarray(body, body + len).indexOf(needle) >= 0) return true;
      body += len;
    }
    return false;
  }
}
