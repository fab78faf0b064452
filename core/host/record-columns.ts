// Decoded records in columns, so a million-message capture fits in a fraction of the memory plain
// objects take: numbers in typed arrays, addresses in a string table, a message's frames as one hex
// string, a message's envelope (as a count of its leading frames), reply pairing and heuristic flag in
// columns too (REQ/REP captures have them on every message), and only the rare extra fields
// (subscription, truncation, PGM's sqn...) as objects. Messages handed over as the inspector's
// MessageViews (pushView) keep their frames as bytes in a FrameArena: no record, array or hex string is
// made for them until one is asked for.
import type { InspectRecord, MessageRecord } from '../inspect/records.js';
import type { MessageView } from '../inspect/message-view.js';
import { FrameArena } from './frame-arena.js';

const TYPES = ['message', 'command', 'greeting', 'error', 'gap', 'open', 'close'] as const;
export type RecordType = (typeof TYPES)[number];
const TYPE_CODE = new Map<string, number>(TYPES.map((t, i) => [t, i]));
const BASE_KEYS = new Set(['type', 'ts', 'src', 'dst', 'conn', 'dir', 'frames', 'sizes']);
const HEURISTIC = 32;
const DELIMITED = 64;
const IN_ARENA = 128;

class Growable<T extends Float64Array | Int32Array | Uint8Array | Uint32Array> {
  data: T;
  constructor(private make: (n: number) => T) {
    this.data = make(1024);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

export class RecordColumns {
  length = 0;
  private tsCol = new Growable((n) => new Float64Array(n));
  private connCol = new Growable((n) => new Int32Array(n));
  /**
   * bits 0-3: type code, bit 4: dir s2c, bit 5: heuristic (messages in columns), bit 6: the message's
   * frames are an empty delimiter then the one kept (a REQ's or to a REP's: most REQ/REP messages), so
   * that frame's hex is kept as it came, not joined into a new string; bit 7: the message's frames are in
   * the arena (at arenaCol's location), not in `frames`.
   */
  private metaCol = new Growable((n) => new Uint8Array(n));
  /** Messages in columns: 0 no envelope, else 1 + the number of leading frames it is. */
  private envelopeCol = new Growable((n) => new Uint32Array(n));
  /** Messages in columns: the reply's request time and latency; NaN when not a matched reply. */
  private replyTsCol = new Growable((n) => new Float64Array(n));
  private latencyCol = new Growable((n) => new Float64Array(n));
  private srcCol = new Growable((n) => new Uint32Array(n));
  private dstCol = new Growable((n) => new Uint32Array(n));
  /** Messages pushed as views: where their frames are in the arena. */
  private arenaCol = new Growable((n) => new Float64Array(n));
  private arena = new FrameArena();
  /** Messages: frames joined with ','; others: undefined. */
  private frames: (string | undefined)[] = [];
  /** Fields beyond the common ones (and `sizes` when frames were cut), by record index. */
  private extra = new Map<number, Record<string, unknown>>();
  private strings: string[] = [];
  private stringIds = new Map<string, number>();

  private sid(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** The columns every record has; the columnar message fields cleared. */
  private pushCommon(i: number, r: Pick<InspectRecord, 'ts' | 'conn' | 'src' | 'dst'>): void {
    this.tsCol.set(i, r.ts);
    this.connCol.set(i, r.conn);
    this.srcCol.set(i, this.sid(r.src));
    this.dstCol.set(i, this.sid(r.dst));
    this.envelopeCol.set(i, 0);
    this.replyTsCol.set(i, NaN);
    this.latencyCol.set(i, NaN);
  }

  /**
   * A message as the inspector hands it out (InspectorOptions.onMessage, valid during that call): its
   * frames copied into the arena, the rest into columns. Messages with fields the columns do not hold
   * (a subscription, frames cut short) are kept as their record.
   */
  pushView(m: MessageView): number {
    if (
      m.subscription !== undefined ||
      m.truncated ||
      m.envelopeFrames >= m.frames.length ||
      (m.replied && (Number.isNaN(m.replyTs) || Number.isNaN(m.latency)))
    )
      return this.push(m.toRecord());
    const i = this.length++;
    this.pushCommon(i, m);
    this.frames[i] = undefined;
    this.arenaCol.set(i, this.arena.store(m.frames));
    if (m.envelopeFrames >= 0) this.envelopeCol.set(i, m.envelopeFrames + 1);
    if (m.replied) {
      this.replyTsCol.set(i, m.replyTs);
      this.latencyCol.set(i, m.latency);
    }
    this.metaCol.set(i, TYPE_CODE.get('message')! | (m.dir === 's2c' ? 16 : 0) | (m.heuristic ? HEURISTIC : 0) | IN_ARENA);
    return i;
  }

  push(r: InspectRecord): number {
    const i = this.length++;
    this.pushCommon(i, r);
    const code = TYPE_CODE.get(r.type);
    let meta = (code ?? 15) | (r.dir === 's2c' ? 16 : 0);
    if (r.type === 'message') {
      const bits = this.pushMessage(i, r);
      if (bits >= 0) {
        this.metaCol.set(i, meta | bits | (r.heuristic === true ? HEURISTIC : 0));
        return i;
      }
    }
    this.metaCol.set(i, meta);
    let rest: Record<string, unknown> | undefined;
    if (code === undefined) rest = { type: r.type };
    if (r.type === 'message') {
      this.frames[i] = r.frames.join(',');
      // Sizes are only kept when a frame was cut short; otherwise they follow from the hex.
      if (r.sizes && r.sizes.some((n, k) => n * 2 !== r.frames[k]?.length)) (rest ??= {}).sizes = r.sizes;
    } else this.frames[i] = undefined;
    for (const key of Object.keys(r)) {
      if (!BASE_KEYS.has(key)) (rest ??= {})[key] = (r as unknown as Record<string, unknown>)[key];
    }
    if (rest) this.extra.set(i, rest);
    return i;
  }

  /**
   * A message whose fields all fit the columns (the Inspector's TCP messages: frames, sizes matching them,
   * then heuristic, envelope, replyTo, in that order): stored without an object, and its meta bits
   * returned. -1 for anything else.
   */
  private pushMessage(i: number, r: MessageRecord): number {
    if (
      r.truncated !== undefined ||
      r.subscription !== undefined ||
      r.sqn !== undefined ||
      r.group !== undefined ||
      r.repaired !== undefined
    )
      return -1;
    if (r.heuristic !== undefined && r.heuristic !== true) return -1;
    const frames = r.frames;
    const sizes = r.sizes;
    if (sizes === undefined || sizes.length !== frames.length) return -1;
    for (let k = 0; k < frames.length; k++) if (sizes[k] * 2 !== frames[k].length) return -1;
    const envelope = r.envelope;
    if (envelope !== undefined) {
      if (envelope.length >= frames.length) return -1;
      for (let k = 0; k < envelope.length; k++) if (envelope[k] !== frames[k]) return -1;
    }
    const reply = r.replyTo;
    if (reply !== undefined && (Number.isNaN(reply.ts) || Number.isNaN(reply.latency))) return -1;
    let bits = 0;
    if (frames.length === 1) this.frames[i] = frames[0];
    else if (frames.length === 2 && frames[0] === '') {
      // Joining would copy every REQ/REP message's body into a new string: half the cost of storing it.
      this.frames[i] = frames[1];
      bits = DELIMITED;
    } else this.frames[i] = frames.join(',');
    if (envelope !== undefined) this.envelopeCol.set(i, envelope.length + 1);
    if (reply !== undefined) {
      this.replyTsCol.set(i, reply.ts);
      this.latencyCol.set(i, reply.latency);
    }
    return bits;
  }

  ts(i: number): number {
    return this.tsCol.data[i];
  }
  conn(i: number): number {
    return this.connCol.data[i];
  }
  dir(i: number): 'c2s' | 's2c' {
    return this.metaCol.data[i] & 16 ? 's2c' : 'c2s';
  }
  type(i: number): string {
    const code = this.metaCol.data[i] & 15;
    return code === 15 ? String(this.extra.get(i)?.type) : TYPES[code];
  }
  src(i: number): string {
    return this.strings[this.srcCol.data[i]];
  }
  dst(i: number): string {
    return this.strings[this.dstCol.data[i]];
  }
  /** A message's frames as hex joined by ','; undefined for other records. */
  joinedFrames(i: number): string | undefined {
    if (this.metaCol.data[i] & IN_ARENA) return this.arena.hexFrames(this.arenaCol.data[i]).join(',');
    const f = this.frames[i];
    return f !== undefined && this.metaCol.data[i] & DELIMITED ? `,${f}` : f;
  }
  extraOf(i: number): Record<string, unknown> | undefined {
    return this.extra.get(i);
  }

  frameCount(i: number): number {
    if (this.metaCol.data[i] & IN_ARENA) return this.arena.frameCount(this.arenaCol.data[i]);
    const f = this.frames[i];
    if (f === undefined) return 0;
    let n = this.metaCol.data[i] & DELIMITED ? 2 : 1;
    for (let k = f.indexOf(','); k >= 0; k = f.indexOf(',', k + 1)) n++;
    return n;
  }

  bytes(i: number): number {
    if (this.metaCol.data[i] & IN_ARENA) return this.arena.bytes(this.arenaCol.data[i]);
    const f = this.frames[i];
    if (f === undefined) return 0;
    const sizes = this.extra.get(i)?.sizes as number[] | undefined;
    if (sizes) return sizes.reduce((a, b) => a + b, 0);
    // The hex less its commas (a delimited message's empty first frame has no bytes and no comma kept).
    const commas = this.frameCount(i) - (this.metaCol.data[i] & DELIMITED ? 2 : 1);
    return (f.length - commas) / 2;
  }

  /** The record as the inspector made it (sizes filled in for messages), keys in the inspector's order. */
  get(i: number): InspectRecord {
    const base: Record<string, unknown> = {
      type: this.type(i),
      ts: this.ts(i),
      src: this.src(i),
      dst: this.dst(i),
      conn: this.conn(i),
      dir: this.dir(i),
    };
    const f = this.metaCol.data[i] & IN_ARENA ? this.arena.hexFrames(this.arenaCol.data[i]) : this.joinedFrames(i)?.split(',');
    if (f !== undefined) {
      base.frames = f;
      base.sizes = (base.frames as string[]).map((h) => h.length / 2);
    }
    const rest = this.extra.get(i);
    if (rest) return { ...base, ...rest } as unknown as InspectRecord;
    if (this.metaCol.data[i] & HEURISTIC) base.heuristic = true;
    const envelope = this.envelopeCol.data[i];
    if (envelope > 0) base.envelope = (base.frames as string[]).slice(0, envelope - 1);
    const replyTs = this.replyTsCol.data[i];
    if (!Number.isNaN(replyTs)) base.replyTo = { ts: replyTs, latency: this.latencyCol.data[i] };
    return base as unknown as InspectRecord;
  }
}
