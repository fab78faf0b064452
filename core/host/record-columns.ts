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
const MESSAGE_CODE = TYPE_CODE.get('message')!;
const BASE_KEYS = new Set(['type', 'ts', 'src', 'dst', 'conn', 'dir', 'frames', 'sizes']);
const HEURISTIC = 32;
const DELIMITED = 64;
const IN_ARENA = 128;

type Column = Float64Array | Int32Array | Uint8Array | Uint32Array;

/** A copy of `a` with room for `n` elements. */
function grown<T extends Column>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}

const FIRST_CAPACITY = 1024;

export class RecordColumns {
  length = 0;
  private tsCol = new Float64Array(FIRST_CAPACITY);
  private connCol = new Int32Array(FIRST_CAPACITY);
  /**
   * bits 0-3: type code, bit 4: dir s2c, bit 5: heuristic (messages in columns), bit 6: the message's
   * frames are an empty delimiter then the one kept (a REQ's or to a REP's: most REQ/REP messages), so
   * that frame's hex is kept as it came, not joined into a new string; bit 7: the message's frames are in
   * the arena (at arenaCol's location), not in `frames`.
   */
  private metaCol = new Uint8Array(FIRST_CAPACITY);
  /** Messages in columns: 0 no envelope, else 1 + the number of leading frames it is. */
  private envelopeCol = new Uint32Array(FIRST_CAPACITY);
  /** Messages in columns: the reply's request time and latency; NaN when not a matched reply. */
  private replyTsCol = new Float64Array(FIRST_CAPACITY);
  private latencyCol = new Float64Array(FIRST_CAPACITY);
  private srcCol = new Uint32Array(FIRST_CAPACITY);
  private dstCol = new Uint32Array(FIRST_CAPACITY);
  /** Messages pushed as views: where their frames are in the arena. */
  private arenaCol = new Float64Array(FIRST_CAPACITY);
  private arena = new FrameArena();
  /** Messages: frames joined with ','; others: undefined. */
  private frames: (string | undefined)[] = [];
  /** Fields beyond the common ones (and `sizes` when frames were cut), by record index. */
  private extra = new Map<number, Record<string, unknown>>();
  private strings: string[] = [];
  private stringIds = new Map<string, number>();

  /** The last two strings looked up (a connection's two addresses, alternating): most lookups end here. */
  private recent: [string | undefined, number, string | undefined, number] = [undefined, 0, undefined, 0];

  private sid(s: string): number {
    const recent = this.recent;
    if (s === recent[0]) return recent[1];
    if (s === recent[2]) return recent[3];
    const id = this.sidOf(s);
    recent[2] = recent[0];
    recent[3] = recent[1];
    recent[0] = s;
    recent[1] = id;
    return id;
  }

  private sidOf(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** The next record's index, the columns grown (all together, one array type each) when full. */
  private next(): number {
    const i = this.length++;
    if (i === this.tsCol.length) {
      const n = 2 * i;
      this.tsCol = grown(this.tsCol, n);
      this.connCol = grown(this.connCol, n);
      this.metaCol = grown(this.metaCol, n);
      this.envelopeCol = grown(this.envelopeCol, n);
      this.replyTsCol = grown(this.replyTsCol, n);
      this.latencyCol = grown(this.latencyCol, n);
      this.srcCol = grown(this.srcCol, n);
      this.dstCol = grown(this.dstCol, n);
      this.arenaCol = grown(this.arenaCol, n);
    }
    return i;
  }

  /** The columns every record has; the columnar message fields cleared. */
  private pushCommon(i: number, r: Pick<InspectRecord, 'ts' | 'conn' | 'src' | 'dst'>): void {
    this.tsCol[i] = r.ts;
    this.connCol[i] = r.conn;
    this.srcCol[i] = this.sid(r.src);
    this.dstCol[i] = this.sid(r.dst);
    this.envelopeCol[i] = 0;
    this.replyTsCol[i] = NaN;
    this.latencyCol[i] = NaN;
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
    const i = this.next();
    this.pushCommon(i, m);
    this.frames[i] = undefined;
    this.arenaCol[i] = this.arena.store(m.frames);
    if (m.envelopeFrames >= 0) this.envelopeCol[i] = m.envelopeFrames + 1;
    if (m.replied) {
      this.replyTsCol[i] = m.replyTs;
      this.latencyCol[i] = m.latency;
    }
    this.metaCol[i] = MESSAGE_CODE | (m.dir === 's2c' ? 16 : 0) | (m.heuristic ? HEURISTIC : 0) | IN_ARENA;
    return i;
  }

  push(r: InspectRecord): number {
    const i = this.next();
    this.pushCommon(i, r);
    const code = TYPE_CODE.get(r.type);
    let meta = (code ?? 15) | (r.dir === 's2c' ? 16 : 0);
    if (r.type === 'message') {
      const bits = this.pushMessage(i, r);
      if (bits >= 0) {
        this.metaCol[i] = meta | bits | (r.heuristic === true ? HEURISTIC : 0);
        return i;
      }
    }
    this.metaCol[i] = meta;
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
    if (envelope !== undefined) this.envelopeCol[i] = envelope.length + 1;
    if (reply !== undefined) {
      this.replyTsCol[i] = reply.ts;
      this.latencyCol[i] = reply.latency;
    }
    return bits;
  }

  ts(i: number): number {
    return this.tsCol[i];
  }
  conn(i: number): number {
    return this.connCol[i];
  }
  dir(i: number): 'c2s' | 's2c' {
    return this.metaCol[i] & 16 ? 's2c' : 'c2s';
  }
  type(i: number): string {
    const code = this.metaCol[i] & 15;
    return code === 15 ? String(this.extra.get(i)?.type) : TYPES[code];
  }
  src(i: number): string {
    return this.strings[this.srcCol[i]];
  }
  dst(i: number): string {
    return this.strings[this.dstCol[i]];
  }
  /** A message's frames as hex joined by ','; undefined for other records. */
  joinedFrames(i: number): string | undefined {
    if (this.metaCol[i] & IN_ARENA) return this.arena.hexFrames(this.arenaCol[i]).join(',');
    const f = this.frames[i];
    return f !== undefined && this.metaCol[i] & DELIMITED ? `,${f}` : f;
  }
  /**
   * Whether a message's frames hold `needle` within one frame, searched in their bytes; undefined when the
   * record's frames are not kept as bytes (search joinedFrames' hex instead).
   */
  framesInclude(i: number, needle: Uint8Array): boolean | undefined {
    return this.metaCol[i] & IN_ARENA ? this.arena.includes(this.arenaCol[i], needle) : undefined;
  }
  extraOf(i: number): Record<string, unknown> | undefined {
    return this.extra.get(i);
  }

  frameCount(i: number): number {
    if (this.metaCol[i] & IN_ARENA) return this.arena.frameCount(this.arenaCol[i]);
    const f = this.frames[i];
    if (f === undefined) return 0;
    let n = this.metaCol[i] & DELIMITED ? 2 : 1;
    for (let k = f.indexOf(','); k >= 0; k = f.indexOf(',', k + 1)) n++;
    return n;
  }

  bytes(i: number): number {
    if (this.metaCol[i] & IN_ARENA) return this.arena.bytes(this.arenaCol[i]);
    const f = this.frames[i];
    if (f === undefined) return 0;
    const sizes = this.extra.get(i)?.sizes as number[] | undefined;
    if (sizes) return sizes.reduce((a, b) => a + b, 0);
    // The hex less its commas (a delimited message's empty first frame has no bytes and no comma kept).
    const commas = this.frameCount(i) - (this.metaCol[i] & DELIMITED ? 2 : 1);
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
    const f = this.metaCol[i] & IN_ARENA ? this.arena.hexFrames(this.arenaCol[i]) : this.joinedFrames(i)?.split(',');
    if (f !== undefined) {
      base.frames = f;
      base.sizes = (base.frames as string[]).map((h) => h.length / 2);
    }
    const rest = this.extra.get(i);
    if (rest) return { ...base, ...rest } as unknown as InspectRecord;
    if (this.metaCol[i] & HEURISTIC) base.heuristic = true;
    const envelope = this.envelopeCol[i];
    if (envelope > 0) base.envelope = (base.frames as string[]).slice(0, envelope - 1);
    const replyTs = this.replyTsCol[i];
    if (!Number.isNaN(replyTs)) base.replyTo = { ts: replyTs, latency: this.latencyCol[i] };
    return base as unknown as InspectRecord;
  }
}
