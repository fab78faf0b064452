// One capture's decoded records kept in bounded, queryable form: the UI asks for pages, counts,
// filtered ranges, one record in full, a rate series; nothing pushes every row at once.
import type { InspectRecord, MessageRecord } from '../inspect/records.js';
import type { CaptureFilter, ConnectionSummary, Page, RateSeries, RecordRow } from './protocol.js';

const PREVIEW_BYTES = 48;

function isPrintable(buf: Buffer): boolean {
  for (const b of buf) if ((b < 0x20 || b > 0x7e) && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

/** A short human preview of one frame: quoted text when printable, hex otherwise. */
export function previewFrame(hex: string): string {
  const buf = Buffer.from(hex.slice(0, PREVIEW_BYTES * 2), 'hex');
  const more = hex.length > PREVIEW_BYTES * 2 ? '…' : '';
  if (buf.length === 0) return '(empty)';
  return isPrintable(buf) ? `"${buf.toString('latin1')}${more}"` : `${buf.toString('hex')}${more}`;
}

export function summarize(r: InspectRecord): string {
  switch (r.type) {
    case 'message': {
      const frames = r.frames.slice(0, 4).map(previewFrame).join(' | ');
      const extra = r.frames.length > 4 ? ` | … (${r.frames.length} frames)` : '';
      const sub = r.subscription ? `${r.subscription.subscribe ? 'SUBSCRIBE' : 'CANCEL'} ${previewFrame(r.subscription.topic)} ` : '';
      const latency = r.replyTo ? `  ↩ ${(r.replyTo.latency * 1000).toFixed(2)} ms` : '';
      return `${sub}${frames}${extra}${latency}`;
    }
    case 'command': {
      const parts = [r.name];
      if (r.properties) parts.push(Object.entries(r.properties).map(([k, v]) => `${k}=${v}`).join(' '));
      if (r.topic !== undefined) parts.push(`topic ${previewFrame(r.topic)}`);
      if (r.username !== undefined) parts.push(`user "${r.username}"${r.cleartextCredentials ? ' (password in clear text!)' : ''}`);
      if (r.reason) parts.push(r.reason);
      if (r.ttl !== undefined) parts.push(`ttl ${r.ttl}`);
      if (r.encrypted) parts.push('(encrypted)');
      return parts.join(' ');
    }
    case 'greeting':
      return [`ZMTP ${r.version}`, r.mechanism, r.asServer ? 'as-server' : '', r.socketType ?? '', r.identity ? `identity ${r.identity}` : '',
        r.offered ? `(offered ${r.offered})` : ''].filter(Boolean).join(' ');
    case 'error':
      return r.message;
    case 'gap':
      return `${r.bytes} bytes missing from the capture`;
    case 'open':
      return 'connection opened';
    case 'close':
      return `connection closed${r.reason ? ` (${r.reason})` : ''}`;
    default:
      return '';
  }
}

function recordBytes(r: InspectRecord): number {
  if (r.type !== 'message') return 0;
  return r.sizes ? r.sizes.reduce((a, b) => a + b, 0) : r.frames.reduce((a, f) => a + f.length / 2, 0);
}

/** Finds `needle` (lowercase hex) at a byte boundary of `hay`. */
function hexIncludes(hay: string, needle: string): boolean {
  let i = hay.indexOf(needle);
  while (i >= 0) {
    if (i % 2 === 0) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

interface FilterCache {
  key: string;
  indices: number[];
  scanned: number;
}

export class CaptureStore {
  readonly records: InspectRecord[] = [];
  private conns = new Map<number, ConnectionSummary>();
  private caches: FilterCache[] = [];
  messages = 0;

  add(r: InspectRecord): void {
    this.records.push(r);
    if (r.type === 'message') this.messages++;
    this.track(r);
  }

  connections(): ConnectionSummary[] {
    return [...this.conns.values()].map((c) => ({ ...c }));
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  row(index: number): RecordRow {
    const r = this.records[index];
    const c = this.conns.get(r.conn);
    return {
      index, ts: r.ts, conn: r.conn, dir: r.dir, src: r.src, dst: r.dst, type: r.type,
      summary: summarize(r),
      frames: r.type === 'message' ? r.frames.length : 0,
      bytes: recordBytes(r),
      socketType: c ? (r.dir === 'c2s' ? c.clientType : c.serverType) : undefined,
    };
  }

  query(filter: CaptureFilter, offset: number, limit: number): Page<RecordRow> {
    const indices = this.filtered(filter);
    const items = indices.slice(offset, offset + limit).map((i) => this.row(i));
    return { total: indices.length, offset, items };
  }

  /** Indices of records matching the filter; cached and extended as records arrive. */
  filtered(filter: CaptureFilter): number[] {
    const key = JSON.stringify(filter ?? {});
    const none = !filter || Object.values(filter).every((v) => v === undefined || v === '' || v === 'all' || v === false);
    let cache = this.caches.find((c) => c.key === key);
    if (!cache) {
      cache = { key, indices: [], scanned: 0 };
      this.caches.unshift(cache);
      if (this.caches.length > 8) this.caches.pop();
    }
    if (cache.scanned < this.records.length) {
      const match = none ? () => true : this.matcher(filter);
      for (let i = cache.scanned; i < this.records.length; i++) if (match(this.records[i])) cache.indices.push(i);
      cache.scanned = this.records.length;
    }
    return cache.indices;
  }

  rate(buckets: number, filter: CaptureFilter): RateSeries {
    const idx = this.filtered(filter).filter((i) => this.records[i].type === 'message');
    if (idx.length === 0) return { t: [], c2s: [], s2c: [], bucketSeconds: 1 };
    let first = Infinity;
    let last = -Infinity;
    for (const i of idx) {
      const ts = this.records[i].ts;
      if (ts < first) first = ts;
      if (ts > last) last = ts;
    }
    const span = Math.max(last - first, 1e-3);
    const n = Math.min(buckets, Math.max(1, idx.length));
    const width = span / n;
    const c2s = new Array<number>(n).fill(0);
    const s2c = new Array<number>(n).fill(0);
    for (const i of idx) {
      const r = this.records[i];
      const b = Math.min(n - 1, Math.floor((r.ts - first) / width));
      (r.dir === 'c2s' ? c2s : s2c)[b]++;
    }
    return { t: c2s.map((_, b) => first + b * width), c2s, s2c, bucketSeconds: width };
  }

  private matcher(f: CaptureFilter): (r: InspectRecord) => boolean {
    let needleHex: string | undefined;
    let needleText: string | undefined;
    if (f.search) {
      if (f.searchHex) needleHex = f.search.replace(/[\s:]/g, '').replace(/^0x/i, '').toLowerCase();
      else {
        needleHex = Buffer.from(f.search, 'utf8').toString('hex');
        needleText = f.search.toLowerCase();
      }
    }
    const socketType = f.socketType?.toUpperCase();
    return (r) => {
      if (f.conn !== undefined && r.conn !== f.conn) return false;
      if (f.dir && r.dir !== f.dir) return false;
      if (f.kind && f.kind !== 'all' && r.type !== f.kind) return false;
      if (socketType) {
        const c = this.conns.get(r.conn);
        const t = c ? (r.dir === 'c2s' ? c.clientType : c.serverType) : undefined;
        if (t?.toUpperCase() !== socketType) return false;
      }
      if (needleHex !== undefined) {
        let hit = false;
        if (r.type === 'message') hit = r.frames.some((fr) => hexIncludes(fr, needleHex!));
        else if (r.type === 'command' && r.topic) hit = hexIncludes(r.topic, needleHex);
        if (!hit && needleText) hit = summarize(r).toLowerCase().includes(needleText);
        if (!hit) return false;
      }
      return true;
    };
  }

  private track(r: InspectRecord): void {
    let c = this.conns.get(r.conn);
    if (!c) {
      const [client, server] = r.dir === 'c2s' ? [r.src, r.dst] : [r.dst, r.src];
      c = { conn: r.conn, client, server, messages: 0, commands: 0, bytes: 0, errors: 0, state: 'open', firstTs: r.ts, lastTs: r.ts };
      this.conns.set(r.conn, c);
    }
    c.lastTs = Math.max(c.lastTs, r.ts);
    const side = r.dir === 'c2s' ? 'client' : 'server';
    switch (r.type) {
      case 'greeting':
        c.version = r.version;
        c.mechanism = r.mechanism;
        if (r.socketType) c[`${side}Type`] = r.socketType;
        if (r.identity) c[`${side}Identity`] = r.identity;
        break;
      case 'command':
        c.commands++;
        if (r.properties) {
          const type = r.properties['Socket-Type'];
          const ident = r.properties['Identity'];
          if (type) c[`${side}Type`] = type;
          if (ident) c[`${side}Identity`] = ident;
        }
        break;
      case 'message':
        c.messages++;
        c.bytes += recordBytes(r as MessageRecord);
        break;
      case 'error':
        c.errors++;
        break;
      case 'close':
        c.state = 'closed';
        break;
    }
  }
}
