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

/** Route keys (2 x connection id + direction) below this have their addresses cached (RecordColumns.routes). */
const ROUTES_CACHED = 1 << 20;

interface Route {
  src: string;
  dst: string;
  srcId: number;
  dstId: number;
}

type Column = Float64Array | Uint8Array | Uint32Array;

/** A copy of `a` with room for `n` elements. */
function grown<T extends Column>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}

const FIRST_CAPACITY = 1024;
/** Records per page (the first page grows from FIRST_CAPACITY to this by doubling). */
const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
/** A record's slots in `nums`: its time, a reply's request time and latency (NaN when not a matched
 *  reply), where a message's frames are in the arena. */
const TS = 0;
const REPLY_TS = 1;
const LATENCY = 2;
const ARENA = 3;
/** A record's slots in `ints`: its connection (an int32's bits), the string ids of its src and dst, a
 *  message's envelope (0 none, else 1 + the number of leading frames it is). */
const CONN = 0;
const SRC = 1;
const DST = 2;
const ENVELOPE = 3;
/** Slots a record has in `nums`, and in `ints`. */
const STRIDE = 4;

export class RecordColumns {
  length = 0;
  /**
   * The columns, in pages of PAGE records: records are added without copying a column (nor holding one
   * twice while it grows). A record's numbers are together, four doubles in `nums` and four 32-bit
   * integers in `ints`: storing one touches two places in memory rather than one per column (between two
   * messages the decoder's own work evicts them from the cache). xPages holds every page, xLast the last
   * one, where the newest record goes (at its index & PAGE_MASK, the only place one is written).
   */
  private capacity = FIRST_CAPACITY;
  private numsPages = [new Float64Array(STRIDE * FIRST_CAPACITY)];
  private numsLast = this.numsPages[0];
  private intsPages = [new Uint32Array(STRIDE * FIRST_CAPACITY)];
  private intsLast = this.intsPages[0];
  /**
   * One byte a record, by itself (the filters and the rate scan it): bits 0-3: type code, bit 4: dir s2c,
   * bit 5: heuristic (messages in columns), bit 6: the message's frames are an empty delimiter then the
   * one kept (a REQ's or to a REP's: most REQ/REP messages), so that frame's hex is kept as it came, not
   * joined into a new string; bit 7: the message's frames are in the arena (at its ARENA location), not
   * in `frames`.
   */
  private metaPages = [new Uint8Array(FIRST_CAPACITY)];
  private metaLast = this.metaPages[0];
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
    this.intsLast[STRIDE * j + SRC] = route.srcId;
    this.intsLast[STRIDE * j + DST] = route.dstId;
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
    const add = <T extends Column>(pages: T[], stride: number): T => {
      const last = pages[pages.length - 1];
      const page = doubling ? grown(last, stride * n) : new (last.constructor as new (n: number) => T)(stride * n);
      if (doubling) pages[0] = page;
      else pages.push(page);
      return page;
    };
    this.numsLast = add(this.numsPages, STRIDE);
    this.intsLast = add(this.intsPages, STRIDE);
    this.metaLast = add(this.metaPages, 1);
    this.capacity += doubling ? this.capacity : PAGE;
  }

  /** The columns every record has; the columnar message fields cleared. */
  private pushCommon(i: number, r: Pick<InspectRecord, 'ts' | 'conn' | 'src' | 'dst' | 'dir'>): void {
    const j = i & PAGE_MASK;
    const n = STRIDE * j;
    const nums = this.numsLast;
    const ints = this.intsLast;
    nums[n + TS] = r.ts;
    ints[n + CONN] = r.conn;
    this.putRoute(j, r.conn, r.dir === 's2c' ? 1 : 0, r.src, r.dst);
    ints[n + ENVELOPE] = 0;
    nums[n + REPLY_TS] = NaN;
    nums[n + LATENCY] = NaN;
  }

  /**
   * A message as the inspector hands it out (InspectorOptions.onMessage, valid during that call): its
   * frames copied into the arena, the rest into columns. Messages with fields the columns do not hold
   * (a subscription, frames cut short) are kept as their record.
   */
  pushView(m: MessageView): number {
    const envelope = m.envelopeFrames;
    const replied = m.replied;
    if (
      m.subscription !== undefined ||
      envelope >= m.count ||
      (m.maxFrameBytes !== Infinity && m.truncated) ||
      (replied && (Number.isNaN(m.replyTs) || Number.isNaN(m.latency)))
    )
      return this.push(m.toRecord());
    const i = this.next();
    const j = i & PAGE_MASK;
    const s2c = m.dir === 's2c' ? 1 : 0;
    const n = STRIDE * j;
    const nums = this.numsLast;
    const ints = this.intsLast;
    nums[n + TS] = m.ts;
    ints[n + CONN] = m.conn;
    this.putRoute(j, m.conn, s2c, m.src, m.dst);
    // No envelope (-1) is 0, as in pushCommon.
    ints[n + ENVELOPE] = envelope + 1;
    nums[n + REPLY_TS] = replied ? m.replyTs : NaN;
    nums[n + LATENCY] = replied ? m.latency : NaN;
    nums[n + ARENA] = this.arena.store(m);
    this.metaLast[j] = MESSAGE_CODE | (s2c << 4) | (m.heuristic ? HEURISTIC : 0) | IN_ARENA;
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
        this.metaLast[i & PAGE_MASK] = meta | bits | (r.heuristic === true ? HEURISTIC : 0);
        return i;
      }
    }
    this.metaLast[i & PAGE_MASK] = meta;
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
    const n = STRIDE * (i & PAGE_MASK);
    if (envelope !== undefined) this.intsLast[n + ENVELOPE] = envelope.length + 1;
    if (reply !== undefined) {
      this.numsLast[n + REPLY_TS] = reply.ts;
      this.numsLast[n + LATENCY] = reply.latency;
    }
    return bits;
  }

  /** Slot k of record i's numbers, and of its integers. */
  private num(i: number, k: number): number {
    return this.numsPages[i >>> PAGE_BITS][STRIDE * (i & PAGE_MASK) + k];
  }
  private int(i: number, k: number): number {
    return this.intsPages[i >>> PAGE_BITS][STRIDE * (i & PAGE_MASK) + k];
  }
  /** Record i's meta bits (see metaPages). */
  private meta(i: number): number {
    return this.metaPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }
  /** Where message i's frames are in the arena (when its IN_ARENA bit is set). */
  private location(i: number): number {
    return this.num(i, ARENA);
  }

  ts(i: number): number {
    return this.num(i, TS);
  }
  conn(i: number): number {
    return this.int(i, CONN) | 0;
  }
  dir(i: number): 'c2s' | 's2c' {
    return this.meta(i) & 16 ? 's2c' : 'c2s';
  }
  type(i: number): string {
    const code = this.meta(i) & 15;
    return code === 15 ? String(this.extra.get(i)?.type) : TYPES[code];
  }
  src(i: number): string {
    return this.strings[this.int(i, SRC)];
  }
  dst(i: number): string {
    return this.strings[this.int(i, DST)];
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
    const envelope = this.int(i, ENVELOPE);
    if (envelope > 0) base.envelope = (base.frames as string[]).slice(0, envelope - 1);
    const replyTs = this.num(i, REPLY_TS);
    if (!Number.isNaN(replyTs)) base.replyTo = { ts: replyTs, latency: this.num(i, LATENCY) };
    return base as unknown as InspectRecord;
  }
}
