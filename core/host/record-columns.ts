// Decoded records in columns, so a million-message capture fits in a fraction of the memory plain
// objects take: numbers in typed arrays, addresses in a string table, a message's frames as one hex
// string, and only the rare extra fields (envelope, subscription, reply latency...) as objects.
import type { InspectRecord } from '../inspect/records.js';

const TYPES = ['message', 'command', 'greeting', 'error', 'gap', 'open', 'close'] as const;
export type RecordType = (typeof TYPES)[number];
const TYPE_CODE = new Map<string, number>(TYPES.map((t, i) => [t, i]));
const BASE_KEYS = new Set(['type', 'ts', 'src', 'dst', 'conn', 'dir', 'frames', 'sizes']);

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
  /** bits 0-3: type code, bit 4: dir s2c. */
  private metaCol = new Growable((n) => new Uint8Array(n));
  private srcCol = new Growable((n) => new Uint32Array(n));
  private dstCol = new Growable((n) => new Uint32Array(n));
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

  push(r: InspectRecord): number {
    const i = this.length++;
    this.tsCol.set(i, r.ts);
    this.connCol.set(i, r.conn);
    const code = TYPE_CODE.get(r.type);
    this.metaCol.set(i, (code ?? 15) | (r.dir === 's2c' ? 16 : 0));
    this.srcCol.set(i, this.sid(r.src));
    this.dstCol.set(i, this.sid(r.dst));
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

  ts(i: number): number { return this.tsCol.data[i]; }
  conn(i: number): number { return this.connCol.data[i]; }
  dir(i: number): 'c2s' | 's2c' { return this.metaCol.data[i] & 16 ? 's2c' : 'c2s'; }
  type(i: number): string {
    const code = this.metaCol.data[i] & 15;
    return code === 15 ? String(this.extra.get(i)?.type) : TYPES[code];
  }
  src(i: number): string { return this.strings[this.srcCol.data[i]]; }
  dst(i: number): string { return this.strings[this.dstCol.data[i]]; }
  /** A message's frames as hex joined by ','; undefined for other records. */
  joinedFrames(i: number): string | undefined { return this.frames[i]; }
  extraOf(i: number): Record<string, unknown> | undefined { return this.extra.get(i); }

  frameCount(i: number): number {
    const f = this.frames[i];
    if (f === undefined) return 0;
    let n = 1;
    for (let k = f.indexOf(','); k >= 0; k = f.indexOf(',', k + 1)) n++;
    return n;
  }

  bytes(i: number): number {
    const f = this.frames[i];
    if (f === undefined) return 0;
    const sizes = this.extra.get(i)?.sizes as number[] | undefined;
    if (sizes) return sizes.reduce((a, b) => a + b, 0);
    return (f.length - (this.frameCount(i) - 1)) / 2;
  }

  /** The record as the inspector made it (sizes filled in for messages). */
  get(i: number): InspectRecord {
    const base: Record<string, unknown> = { type: this.type(i), ts: this.ts(i), src: this.src(i), dst: this.dst(i), conn: this.conn(i), dir: this.dir(i) };
    const f = this.frames[i];
    if (f !== undefined) {
      base.frames = f.split(',');
      base.sizes = (base.frames as string[]).map((h) => h.length / 2);
    }
    const rest = this.extra.get(i);
    return { ...base, ...rest } as unknown as InspectRecord;
  }
}
