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

/** Connections up to this id have their records' addresses cached (RecordColumns.routes). */
const ROUTES_CACHED = 1 << 20;

interface Route {
  src: string;
  dst: string;
  srcId: number;
  dstId: number;
}

type Column = Float64Array | Int32Array | Uint8Array | Uint32Array;

/** A copy of `a` with room for `n` elements. */
function grown<T extends Column>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}

const FIRST_CAPACITY = 1024;
/** Records per page of a column (the first page grows from FIRST_CAPACITY to this by doubling). */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

export class RecordColumns {
  length = 0;
  /**
   * Each column is pages of PAGE records: records are added without copying a column (nor holding it
   * twice while it grows). xPages holds every page, xCol the last one, where the newest record goes (at
   * its index & PAGE_MASK, the only place a column is written).
   */
  private capacity = FIRST_CAPACITY;
  private tsPages = [new Float64Array(FIRST_CAPACITY)];
  private tsCol = this.tsPages[0];
  private connPages = [new Int32Array(FIRST_CAPACITY)];
  private connCol = this.connPages[0];
  /**
   * bits 0-3: type code, bit 4: dir s2c, bit 5: heuristic (messages in columns), bit 6: the message's
   * frames are an empty delimiter then the one kept (a REQ's or to a REP's: most REQ/REP messages), so
   * that frame's hex is kept as it came, not joined into a new string; bit 7: the message's frames are in
   * the arena (at arenaCol's location), not in `frames`.
   */
  private metaPages = [new Uint8Array(FIRST_CAPACITY)];
  private metaCol = this.metaPages[0];
  /** Messages in columns: 0 no envelope, else 1 + the number of leading frames it is. */
  private envelopePages = [new Uint32Array(FIRST_CAPACITY)];
  private envelopeCol = this.envelopePages[0];
  /** Messages in columns: the reply's request time and latency; NaN when not a matched reply. */
  private replyTsPages = [new Float64Array(FIRST_CAPACITY)];
  private replyTsCol = this.replyTsPages[0];
  private latencyPages = [new Float64Array(FIRST_CAPACITY)];
  private latencyCol = this.latencyPages[0];
  private srcPages = [new Uint32Array(FIRST_CAPACITY)];
  private srcCol = this.srcPages[0];
  private dstPages = [new Uint32Array(FIRST_CAPACITY)];
  private dstCol = this.dstPages[0];
  /** Messages pushed as views: where their frames are in the arena. */
  private arenaPages = [new Float64Array(FIRST_CAPACITY)];
  private arenaCol = this.arenaPages[0];
  private arena = new FrameArena();
  /**
   * Messages in neither the arena nor the columns: frames joined with ','; unset for every other record
   * (an array with holes: a million arena messages leave it empty, for the collector to skip).
   */
  private frames: (string | undefined)[] = [];
  /** Fields beyond the common ones (and `sizes` when frames were cut), by record index. */
  private extra = new Map<number, Record<string, unknown>>();
  private strings: string[] = [];
  private stringIds = new Map<string, number>();

  /**
   * The string ids of the addresses last seen per connection and direction (at 2 * conn + s2c, for
   * connection ids below ROUTES_CACHED): every record of a connection has the same two, so most records
   * find their ids here with two string comparisons (the inspector hands out the same string objects).
   */
  private routes: (Route | undefined)[] = [];

  private sidOf(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** The src and dst columns of the newest record (at j in the last page). */
  private putRoute(j: number, conn: number, s2c: number, src: string, dst: string): void {
    const key = 2 * conn + s2c;
    const cached = key >= 0 && key < ROUTES_CACHED && (key | 0) === key;
    let route = cached ? this.routes[key] : undefined;
    if (route === undefined || route.src !== src || route.dst !== dst) {
      route = { src, dst, srcId: this.sidOf(src), dstId: this.sidOf(dst) };
      if (cached) this.routes[key] = route;
    }
    this.srcCol[j] = route.srcId;
    this.dstCol[j] = route.dstId;
  }

  /** The next record's index, the columns given room for it when full. */
  private next(): number {
    const i = this.length++;
    if (i === this.capacity) this.grow();
    return i;
  }

  /** Every column one page longer: the first page doubled up to PAGE, then a new page. */
  private grow(): void {
    const doubling = this.capacity < PAGE;
    const n = doubling ? 2 * this.capacity : PAGE;
    const add = <T extends Column>(pages: T[]): T => {
      const last = pages[pages.length - 1];
      const page = doubling ? grown(last, n) : new (last.constructor as new (n: number) => T)(n);
      if (doubling) pages[0] = page;
      else pages.push(page);
      return page;
    };
    this.tsCol = add(this.tsPages);
    this.connCol = add(this.connPages);
    this.metaCol = add(this.metaPages);
    this.envelopeCol = add(this.envelopePages);
    this.replyTsCol = add(this.replyTsPages);
    this.latencyCol = add(this.latencyPages);
    this.srcCol = add(this.srcPages);
    this.dstCol = add(this.dstPages);
    this.arenaCol = add(this.arenaPages);
    this.capacity += doubling ? this.capacity : PAGE;
  }

  /** The columns every record has; the columnar message fields cleared. */
  private pushCommon(i: number, r: Pick<InspectRecord, 'ts' | 'conn' | 'src' | 'dst' | 'dir'>): void {
    const j = i & PAGE_MASK;
    this.tsCol[j] = r.ts;
    this.connCol[j] = r.conn;
    this.putRoute(j, r.conn, r.dir === 's2c' ? 1 : 0, r.src, r.dst);
    this.envelopeCol[j] = 0;
    this.replyTsCol[j] = NaN;
    this.latencyCol[j] = NaN;
  }

  /**
   * A message as the inspector hands it out (InspectorOptions.onMessage, valid during that call): its
   * frames copied into the arena, the rest into columns. Messages with fields the columns do not hold
   * (a subscription, frames cut short) are kept as their record.
   */
  pushView(m: MessageView): number {
    const frames = m.frames;
    const envelope = m.envelopeFrames;
    const replied = m.replied;
    if (
      m.subscription !== undefined ||
      envelope >= frames.length ||
      (m.maxFrameBytes !== Infinity && m.truncated) ||
      (replied && (Number.isNaN(m.replyTs) || Number.isNaN(m.latency)))
    )
      return this.push(m.toRecord());
    const i = this.next();
    const j = i & PAGE_MASK;
    const s2c = m.dir === 's2c' ? 1 : 0;
    this.tsCol[j] = m.ts;
    this.connCol[j] = m.conn;
    this.putRoute(j, m.conn, s2c, m.src, m.dst);
    // No envelope (-1) is 0, as in pushCommon.
    this.envelopeCol[j] = envelope + 1;
    this.replyTsCol[j] = replied ? m.replyTs : NaN;
    this.latencyCol[j] = replied ? m.latency : NaN;
    this.arenaCol[j] = this.arena.store(frames);
    this.metaCol[j] = MESSAGE_CODE | (s2c << 4) | (m.heuristic ? HEURISTIC : 0) | IN_ARENA;
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
        this.metaCol[i & PAGE_MASK] = meta | bits | (r.heuristic === true ? HEURISTIC : 0);
        return i;
      }
    }
    this.metaCol[i & PAGE_MASK] = meta;
    let rest: Record<string, unknown> | undefined;
    if (code === undefined) rest = { type: r.type };
    if (r.type === 'message') {
      this.frames[i] = r.frames.join(',');
      // Sizes are only kept when a frame was cut short; otherwise they follow from the hex.
      if (r.sizes && r.sizes.some((n, k) => n * 2 !== r.frames[k]?.length)) (rest ??= {}).sizes = r.sizes;
    }
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
    if (envelope !== undefined) this.envelopeCol[i & PAGE_MASK] = envelope.length + 1;
    if (reply !== undefined) {
      this.replyTsCol[i & PAGE_MASK] = reply.ts;
      this.latencyCol[i & PAGE_MASK] = reply.latency;
    }
    return bits;
  }

  /** Record i's meta bits (see metaCol). */
  private meta(i: number): number {
    return this.metaPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }
  /** Where message i's frames are in the arena (when its IN_ARENA bit is set). */
  private location(i: number): number {
    return this.arenaPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }

  ts(i: number): number {
    return this.tsPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }
  conn(i: number): number {
    return this.connPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }
  dir(i: number): 'c2s' | 's2c' {
    return this.meta(i) & 16 ? 's2c' : 'c2s';
  }
  type(i: number): string {
    const code = this.meta(i) & 15;
    return code === 15 ? String(this.extra.get(i)?.type) : TYPES[code];
  }
  src(i: number): string {
    return this.strings[this.srcPages[i >>> PAGE_BITS][i & PAGE_MASK]];
  }
  dst(i: number): string {
    return this.strings[this.dstPages[i >>> PAGE_BITS][i & PAGE_MASK]];
  }
  /** A message's frames as hex joined by ','; undefined for other records. */
  joinedFrames(i: number): string | undefined {
    if (this.meta(i) & IN_ARENA) return this.arena.hexFrames(this.location(i)).join(',');
    const f = this.frames[i];
    return f !== undefined && this.meta(i) & DELIMITED ? `,${f}` : f;
  }
  /**
   * Whether a message's frames hold `needle` within one frame, searched in their bytes; undefined when the
   * record's frames are not kept as bytes (search joinedFrames' hex instead).
   */
  framesInclude(i: number, needle: Uint8Array): boolean | undefined {
    return this.meta(i) & IN_ARENA ? this.arena.includes(this.location(i), needle) : undefined;
  }
  extraOf(i: number): Record<string, unknown> | undefined {
    return this.extra.get(i);
  }

  frameCount(i: number): number {
    if (this.meta(i) & IN_ARENA) return this.arena.frameCount(this.location(i));
    const f = this.frames[i];
    if (f === undefined) return 0;
    let n = this.meta(i) & DELIMITED ? 2 : 1;
    for (let k = f.indexOf(','); k >= 0; k = f.indexOf(',', k + 1)) n++;
    return n;
  }

  bytes(i: number): number {
    if (this.meta(i) & IN_ARENA) return this.arena.bytes(this.location(i));
    const f = this.frames[i];
    if (f === undefined) return 0;
    const sizes = this.extra.get(i)?.sizes as number[] | undefined;
    if (sizes) return sizes.reduce((a, b) => a + b, 0);
    // The hex less its commas (a delimited message's empty first frame has no bytes and no comma kept).
    const commas = this.frameCount(i) - (this.meta(i) & DELIMITED ? 2 : 1);
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
    const f = this.meta(i) & IN_ARENA ? this.arena.hexFrames(this.location(i)) : this.joinedFrames(i)?.split(',');
    if (f !== undefined) {
      base.frames = f;
      base.sizes = (base.frames as string[]).map((h) => h.length / 2);
    }
    const rest = this.extra.get(i);
    if (rest) return { ...base, ...rest } as unknown as InspectRecord;
    if (this.meta(i) & HEURISTIC) base.heuristic = true;
    const envelope = this.envelopePages[i >>> PAGE_BITS][i & PAGE_MASK];
    if (envelope > 0) base.envelope = (base.frames as string[]).slice(0, envelope - 1);
    const replyTs = this.replyTsPages[i >>> PAGE_BITS][i & PAGE_MASK];
    if (!Number.isNaN(replyTs)) base.replyTo = { ts: replyTs, latency: this.latencyPages[i >>> PAGE_BITS][i & PAGE_MASK] };
    return base as unknown as InspectRecord;
  }
}
