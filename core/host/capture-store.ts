// One capture's decoded records kept in bounded, queryable form: the UI asks for pages, counts,
// filtered ranges, one record in full, a rate series; nothing pushes every row at once.
import type { InspectRecord } from '../inspect/records.js';
import type { CaptureFilter, ConnectionSummary, Page, RateSeries, RecordRow } from './protocol.js';
import { RecordColumns } from './record-columns.js';
import type { MessageView } from '../inspect/message-view.js';
import { summarize as describeRecord } from '../inspect/format.js';

const PREVIEW_BYTES = 48;
/** Connections up to this id are found by array index (CaptureStore.connsById). */
const CONNS_CACHED = 1 << 20;

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
      if (r.properties)
        parts.push(
          Object.entries(r.properties)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        );
      if (r.topic !== undefined) parts.push(`topic ${previewFrame(r.topic)}`);
      if (r.username !== undefined) parts.push(`user "${r.username}"${r.cleartextCredentials ? ' (password in clear text!)' : ''}`);
      if (r.reason) parts.push(r.reason);
      if (r.ttl !== undefined) parts.push(`ttl ${r.ttl}`);
      if (r.encrypted) parts.push('(encrypted)');
      return parts.join(' ');
    }
    case 'greeting':
      return [
        `ZMTP ${r.version}`,
        r.mechanism,
        r.asServer ? 'as-server' : '',
        r.socketType ?? '',
        r.identity ? `identity ${r.identity}` : '',
        r.offered ? `(offered ${r.offered})` : '',
      ]
        .filter(Boolean)
        .join(' ');
    case 'error':
      return r.message;
    case 'gap':
      return `${r.bytes} bytes missing from the capture`;
    case 'open':
      return r.reason && r.reason !== 'midstream' ? `${r.reason} opened` : 'connection opened';
    case 'close':
      return `connection closed${r.reason ? ` (${r.reason})` : ''}`;
    default:
      // Records the table has no short form for (the WebSocket upgrade) read as `zmtp decode` prints them.
      return describeRecord(r);
  }
}

/** Finds `needle` (lowercase hex) at a byte boundary of one of the ','-joined hex frames in `hay`. */
function hexIncludes(hay: string, needle: string): boolean {
  if (needle === '') return true;
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const frameStart = hay.lastIndexOf(',', i) + 1;
    if ((i - frameStart) % 2 === 0) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** A filter that lets every record through. */
function isEmptyFilter(filter: CaptureFilter | undefined): boolean {
  return !filter || Object.values(filter).every((v) => v === undefined || v === '' || v === 'all' || v === false);
}

interface FilterCache {
  key: string;
  indices: number[];
  scanned: number;
}

export class CaptureStore {
  readonly records = new RecordColumns();
  private conns = new Map<number, ConnectionSummary>();
  /** The same summaries by connection id, for ids below CONNS_CACHED: an array index per record, not a Map lookup. */
  private connsById: (ConnectionSummary | undefined)[] = [];
  private caches: FilterCache[] = [];
  messages = 0;

  add(r: InspectRecord): void {
    this.records.push(r);
    if (r.type === 'message') this.messages++;
    this.track(r);
  }

  /** A message as the inspector hands it out (InspectorOptions.onMessage): stored without making its record. */
  addMessage(m: MessageView): void {
    this.records.pushView(m);
    this.messages++;
    const c = this.connectionOf(m);
    c.messages++;
    let bytes = 0;
    for (let k = 0; k < m.count; k++) bytes += m.frameLength(k);
    c.bytes += bytes;
  }

  get size(): number {
    return this.records.length;
  }

  get(index: number): InspectRecord | undefined {
    return index >= 0 && index < this.records.length ? this.records.get(index) : undefined;
  }

  connections(): ConnectionSummary[] {
    return [...this.conns.values()].map((c) => ({ ...c }));
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** The socket type of record i's sender, when the connection's greeting or READY named it. */
  socketTypeOf(i: number): string | undefined {
    const c = this.conns.get(this.records.conn(i));
    return c ? (this.records.dir(i) === 'c2s' ? c.clientType : c.serverType) : undefined;
  }

  /** One record as a table row; `previous` is the row shown before it (for the delta time), if any. */
  row(index: number, previous?: number): RecordRow {
    const cols = this.records;
    const r = cols.get(index);
    return {
      index,
      ts: r.ts,
      conn: r.conn,
      dir: r.dir,
      src: r.src,
      dst: r.dst,
      type: r.type,
      sinceStart: r.ts - cols.ts(0),
      delta: previous === undefined ? 0 : r.ts - cols.ts(previous),
      summary: summarize(r),
      frames: cols.frameCount(index),
      bytes: cols.bytes(index),
      socketType: this.socketTypeOf(index),
      ...(r.type === 'error' && { code: r.code, severity: r.severity }),
    };
  }

  query(filter: CaptureFilter, offset: number, limit: number): Page<RecordRow> {
    if (isEmptyFilter(filter)) {
      // Every record: the page is a range of indices, no list of them is kept.
      const end = Math.min(this.records.length, offset + limit);
      const items: RecordRow[] = [];
      for (let i = offset; i < end; i++) items.push(this.row(i, i > 0 ? i - 1 : undefined));
      return { total: this.records.length, offset, items };
    }
    const indices = this.filtered(filter);
    const items = indices.slice(offset, offset + limit).map((i, k) => this.row(i, indices[offset + k - 1]));
    return { total: indices.length, offset, items };
  }

  /** Indices of records matching the filter; cached and extended as records arrive. */
  filtered(filter: CaptureFilter): number[] {
    if (isEmptyFilter(filter)) return Array.from({ length: this.records.length }, (_, i) => i);
    const key = JSON.stringify(filter ?? {});
    let cache = this.caches.find((c) => c.key === key);
    if (!cache) {
      cache = { key, indices: [], scanned: 0 };
      this.caches.unshift(cache);
      if (this.caches.length > 8) this.caches.pop();
    }
    const n = this.records.length;
    if (cache.scanned < n) {
      const match = this.matcher(filter);
      for (let i = cache.scanned; i < n; i++) if (match(i)) cache.indices.push(i);
      cache.scanned = n;
    }
    return cache.indices;
  }

  rate(buckets: number, filter: CaptureFilter): RateSeries {
    const cols = this.records;
    const idx: number[] = [];
    if (isEmptyFilter(filter)) {
      for (let i = 0; i < cols.length; i++) if (cols.type(i) === 'message') idx.push(i);
    } else for (const i of this.filtered(filter)) if (cols.type(i) === 'message') idx.push(i);
    if (idx.length === 0) return { t: [], c2s: [], s2c: [], bucketSeconds: 1 };
    let first = Infinity;
    let last = -Infinity;
    for (const i of idx) {
      const ts = cols.ts(i);
      if (ts < first) first = ts;
      if (ts > last) last = ts;
    }
    // Round bucket widths (1, 2 or 5 x 10^k seconds, at least 10 ms) aligned to multiples of the width.
    const raw = Math.max((last - first) / buckets, 0.01);
    const mag = 10 ** Math.floor(Math.log10(raw));
    const width = [1, 2, 5, 10].map((m) => m * mag).find((w) => w >= raw - 1e-12)!;
    const start = Math.floor(first / width) * width;
    const n = Math.floor((last - start) / width) + 1;
    const c2s = new Array<number>(n).fill(0);
    const s2c = new Array<number>(n).fill(0);
    for (const i of idx) {
      const b = Math.min(n - 1, Math.floor((cols.ts(i) - start) / width));
      (cols.dir(i) === 'c2s' ? c2s : s2c)[b]++;
    }
    return { t: c2s.map((_, b) => start + b * width), c2s, s2c, bucketSeconds: width };
  }

  private matcher(f: CaptureFilter): (i: number) => boolean {
    const cols = this.records;
    let needleHex: string | undefined;
    let needleText: string | undefined;
    if (f.search) {
      if (f.searchHex) needleHex = f.search.replace(/[\s:]/g, '').replace(/^0x/i, '').toLowerCase();
      else {
        needleHex = Buffer.from(f.search, 'utf8').toString('hex');
        needleText = f.search.toLowerCase();
      }
    }
    // Frames kept as bytes are searched as bytes: the same as a match at a byte boundary of their hex.
    const needleBytes = needleHex !== undefined && /^(?:[0-9a-f]{2})*$/.test(needleHex) ? Buffer.from(needleHex, 'hex') : undefined;
    const socketType = f.socketType?.toUpperCase();
    return (i) => {
      if (f.conn !== undefined && cols.conn(i) !== f.conn) return false;
      if (f.dir && cols.dir(i) !== f.dir) return false;
      if (f.kind && f.kind !== 'all' && cols.type(i) !== f.kind) return false;
      if (f.transport && (this.conns.get(cols.conn(i))?.pgm ? 'pgm' : 'tcp') !== f.transport) return false;
      if (socketType && this.socketTypeOf(i)?.toUpperCase() !== socketType) return false;
      if (needleHex !== undefined) {
        // The search is the last test: a message with its frames as bytes is decided here.
        const inBytes = needleBytes && cols.framesInclude(i, needleBytes);
        if (inBytes !== undefined) return inBytes;
        const joined = cols.joinedFrames(i);
        let hit = joined !== undefined && hexIncludes(joined, needleHex);
        if (!hit && joined === undefined) {
          const r = cols.get(i);
          if (r.type === 'command' && r.topic) hit = hexIncludes(r.topic, needleHex);
          if (!hit && needleText) hit = summarize(r).toLowerCase().includes(needleText);
        }
        if (!hit) return false;
      }
      return true;
    };
  }

  /** The summary of the record's connection, made at its first record; its last time brought up to the record's. */
  private connectionOf(r: Pick<InspectRecord, 'conn' | 'dir' | 'src' | 'dst' | 'ts'>): ConnectionSummary {
    const id = r.conn;
    const cached = id >= 0 && id < CONNS_CACHED && (id | 0) === id;
    let c = cached ? this.connsById[id] : this.conns.get(id);
    if (!c) {
      const [client, server] = r.dir === 'c2s' ? [r.src, r.dst] : [r.dst, r.src];
      c = {
        conn: r.conn,
        client,
        server,
        messages: 0,
        commands: 0,
        bytes: 0,
        errors: 0,
        missingBytes: 0,
        state: 'open',
        firstTs: r.ts,
        lastTs: r.ts,
      };
      this.conns.set(id, c);
      if (cached) this.connsById[id] = c;
    }
    if (r.ts > c.lastTs) c.lastTs = r.ts;
    return c;
  }

  private track(r: InspectRecord): void {
    const c = this.connectionOf(r);
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
        c.bytes += r.sizes ? r.sizes.reduce((a, b) => a + b, 0) : r.frames.reduce((a, f) => a + f.length / 2, 0);
        break;
      case 'error':
        c.errors++;
        break;
      case 'gap':
        c.missingBytes += r.bytes;
        break;
      case 'upgrade':
        // The client's request names the path, the server's answer the subprotocol (ZWS2.0/<mechanism>).
        c.websocket = { ...c.websocket }; // a new object: summaries handed out before keep what they showed
        if (r.path !== undefined) c.websocket.path = r.path;
        if (r.protocol !== undefined) c.websocket.protocol = r.protocol;
        break;
      case 'close':
        c.state = 'closed';
        break;
      case 'open': {
        const m = /^(e?pgm) session (\S+)$/.exec(r.reason ?? '');
        if (m) {
          c.pgm = { transport: m[1] as 'pgm' | 'epgm', tsi: m[2], packets: 0, lost: 0, repaired: 0, duplicates: 0, naks: 0 };
          c.version = '1.0';
        }
        break;
      }
      case 'pgm':
        if (c.pgm) {
          c.pgm.packets++;
          if (r.status === 'repair') c.pgm.repaired++;
          else if (r.status === 'duplicate') c.pgm.duplicates++;
          if (r.packet === 'NAK')
            c.pgm.naks +=
              1 + (r.options ?? []).reduce((a, o) => a + (o.name === 'nak-list' && Array.isArray(o.sqns) ? o.sqns.length : 0), 0);
        }
        break;
      case 'loss':
        if (c.pgm) c.pgm.lost += r.count;
        break;
    }
  }
}
