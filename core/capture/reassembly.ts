// TCP reassembly: turns captured packets into per-connection, per-direction ordered byte streams.
// Sequence numbers are compared in 32-bit modular arithmetic, so streams may wrap around 2^32.
// Out-of-order segments wait in a bounded buffer; retransmitted and overlapping bytes are
// delivered once; bytes that never arrive become a 'gap' event and the stream resynchronises
// after them (when the buffer bound is hit, and at FIN, RST, eviction or end of capture).
import { decodeLinkLayer, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket, type FragmentContext } from './decode.js';
import { IpDefragmenter } from './defrag.js';
import type { CaptureWarning, Direction, Endpoint, Packet, TcpConnection, TcpStreamEvent } from './types.js';

export interface TcpReassemblerOptions {
  /** Out-of-order bytes buffered per direction before the oldest hole is declared a gap (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Out-of-order segments buffered per direction before the same happens (default 4096). */
  maxBufferedSegments?: number;
  /** Out-of-order bytes buffered across all connections; beyond it the direction holding the most
   *  gives up its oldest hole (default 64 MiB). */
  maxTotalBufferedBytes?: number;
  /** Open connections tracked at once; the least recently active is evicted beyond it (default 10000). */
  maxConnections?: number;
  /** Capture-time seconds without a packet after which a connection is evicted (default 3600; 0 = never). */
  idleTimeoutSec?: number;
  /** Problems found while decoding packets (malformed headers, fragments, unsupported link types). */
  onWarning?: (w: CaptureWarning) => void;
}

interface Segment {
  seq: number;
  data: Buffer;
  /** Sequence space covered; larger than data.length when the snap length cut the payload. */
  len: number;
}

interface Half {
  isn: number | undefined;
  nextSeq: number | undefined;
  pending: Segment[]; // sorted by sequence, all ahead of nextSeq
  pendingBytes: number;
  finSeq: number | undefined;
  finished: boolean;
}

interface ConnState {
  key: string;
  conn: TcpConnection;
  clientKey: string;
  c2s: Half;
  s2c: Half;
  lastTs: number;
}

/** a - b as a signed 32-bit distance in sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

function newHalf(): Half {
  return { isn: undefined, nextSeq: undefined, pending: [], pendingBytes: 0, finSeq: undefined, finished: false };
}

function endpointKey(ip: string, port: number): string {
  return `${ip}/${port}`;
}

export class TcpReassembler {
  private readonly conns = new Map<string, ConnState>(); // in least-recently-active order
  /** The connection of the last packet: the most recently active one. */
  private last: ConnState | undefined;
  private nextId = 1;
  private readonly maxBufferedBytes: number;
  private readonly maxBufferedSegments: number;
  private readonly maxTotalBufferedBytes: number;
  private totalBuffered = 0;
  private readonly maxConnections: number;
  private readonly idleTimeoutSec: number;
  private readonly onWarning?: (w: CaptureWarning) => void;
  /** Number of decoding warnings seen (also passed to onWarning). */
  warnings = 0;

  /** IP fragments of TCP segments wait here until their datagram is whole. */
  private readonly fragments: FragmentContext = { defrag: new IpDefragmenter(), ts: 0, warn: (w) => this.warn(w) };

  private warn(w: CaptureWarning): void {
    this.warnings++;
    this.onWarning?.(w);
  }

  constructor(options: TcpReassemblerOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.maxBufferedSegments = options.maxBufferedSegments ?? 4096;
    this.maxTotalBufferedBytes = options.maxTotalBufferedBytes ?? 64 * 1024 * 1024;
    this.maxConnections = Math.max(1, options.maxConnections ?? 10000);
    this.idleTimeoutSec = options.idleTimeoutSec ?? 3600;
    this.onWarning = options.onWarning;
  }

  /** Connections currently tracked (open, not yet closed). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Out-of-order bytes currently waiting for a hole to fill, over all connections. */
  get bufferedBytes(): number {
    return this.totalBuffered;
  }

  /** Feeds one captured packet; returns the stream events it produced, in order. */
  push(packet: Packet): TcpStreamEvent[] {
    this.fragments.ts = packet.ts;
    const d = decodeLinkLayer(packet, this.fragments);
    if (d === null) return [];
    if (d.kind === 'warning') {
      this.warn(d);
      return [];
    }
    return this.pushDecoded(d, packet.ts);
  }

  /** Feeds an already decoded TCP packet captured at `ts` (seconds). */
  pushDecoded(d: DecodedPacket, ts: number): TcpStreamEvent[] {
    const events: TcpStreamEvent[] = [];
    this.expireIdle(ts, events);
    const t = d.tcp;
    const syn = (t.flags & TCP_SYN) !== 0;
    const last = this.last;
    let dir: Direction | undefined;
    // Fast path: another packet of the connection the previous one belonged to (it is already the most
    // recently active, so the order of `conns` stays right without touching the map).
    if (last !== undefined && !syn) {
      const { client, server } = last.conn;
      if (t.srcPort === client.port && t.dstPort === server.port && d.src === client.ip && d.dst === server.ip) dir = 'c2s';
      else if (t.srcPort === server.port && t.dstPort === client.port && d.src === server.ip && d.dst === client.ip) dir = 's2c';
    }
    let c: ConnState;
    if (last !== undefined && dir !== undefined) {
      c = last;
      c.lastTs = ts;
    } else {
      const found = this.find(d, ts, events);
      if (found === undefined) return events;
      c = found;
      dir = c.clientKey === endpointKey(d.src, t.srcPort) ? 'c2s' : 's2c';
    }
    const h = c[dir];
    if (t.flags & TCP_RST) {
      this.close(c, 'rst', ts, events);
      return events;
    }
    let seq = t.seq;
    if (syn) {
      if (h.isn === undefined) {
        h.isn = t.seq;
        if (h.nextSeq === undefined) h.nextSeq = seqAdd(t.seq, 1);
      }
      seq = seqAdd(seq, 1);
    }
    if (t.payloadLength > 0) {
      if (h.nextSeq === undefined) h.nextSeq = seq; // first bytes seen in a direction picked up mid-stream
      this.accept(c, dir, h, { seq, data: t.payload, len: t.payloadLength }, ts, events);
    }
    if (t.flags & TCP_FIN) {
      const fin = seqAdd(seq, t.payloadLength);
      if (h.nextSeq === undefined) h.nextSeq = fin;
      if (h.finSeq === undefined) h.finSeq = fin;
    }
    if (h.finSeq !== undefined && h.nextSeq === h.finSeq && h.pending.length === 0) h.finished = true;
    if (c.c2s.finished && c.s2c.finished) this.close(c, 'fin', ts, events);
    return events;
  }

  /** The connection a packet belongs to (made when new), moved to the most recently active end. */
  private find(d: DecodedPacket, ts: number, events: TcpStreamEvent[]): ConnState | undefined {
    const t = d.tcp;
    const srcKey = endpointKey(d.src, t.srcPort);
    const dstKey = endpointKey(d.dst, t.dstPort);
    const key = srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`;
    const syn = (t.flags & TCP_SYN) !== 0;
    const isAck = (t.flags & TCP_ACK) !== 0;
    let c = this.conns.get(key);

    if (syn && c) {
      const h = c.clientKey === srcKey ? c.c2s : c.s2c;
      const same = isAck ? h.isn === undefined || h.isn === t.seq : h.isn === t.seq;
      if (!same) {
        // A new connection on the same 4-tuple while the old one never closed (port reuse).
        this.close(c, 'evicted', ts, events);
        c = undefined;
      }
    }
    if (!c) {
      if (!syn && t.payloadLength === 0) return undefined; // stray ACK/FIN/RST of a connection not tracked
      const clientIsSrc = !(syn && isAck);
      const mk = (ip: string, port: number): Endpoint => ({ ip, port });
      const src = mk(d.src, t.srcPort);
      const dst = mk(d.dst, t.dstPort);
      const conn: TcpConnection = { id: this.nextId++, client: clientIsSrc ? src : dst, server: clientIsSrc ? dst : src, midstream: !syn };
      if (this.conns.size >= this.maxConnections) {
        const oldest = this.conns.values().next().value as ConnState;
        this.close(oldest, 'evicted', ts, events);
      }
      c = { key, conn, clientKey: clientIsSrc ? srcKey : dstKey, c2s: newHalf(), s2c: newHalf(), lastTs: ts };
      this.conns.set(key, c);
      events.push({ kind: 'open', conn, ts });
    } else {
      // Move to the most-recently-active end.
      this.conns.delete(key);
      this.conns.set(key, c);
      c.lastTs = ts;
    }
    this.last = c;
    return c;
  }

  /** Flushes every connection (gaps for bytes still missing) and closes them: 'fin' when both
   *  directions had sent FIN, else 'end-of-capture'. */
  end(ts?: number): TcpStreamEvent[] {
    const events: TcpStreamEvent[] = [];
    this.fragments.defrag.finish((message) => this.warn({ kind: 'warning', index: 0, message: `end of capture: ${message}` }));
    for (const c of [...this.conns.values()]) {
      const reason = c.c2s.finSeq !== undefined && c.s2c.finSeq !== undefined ? 'fin' : 'end-of-capture';
      this.close(c, reason, ts ?? c.lastTs, events);
    }
    return events;
  }

  private expireIdle(ts: number, events: TcpStreamEvent[]): void {
    if (this.idleTimeoutSec <= 0) return;
    for (const c of this.conns.values()) {
      if (ts - c.lastTs <= this.idleTimeoutSec) break; // map is in activity order
      this.close(c, 'evicted', ts, events);
    }
  }

  private close(c: ConnState, reason: 'fin' | 'rst' | 'end-of-capture' | 'evicted', ts: number, events: TcpStreamEvent[]): void {
    this.flush(c, 'c2s', ts, events);
    this.flush(c, 's2c', ts, events);
    this.conns.delete(c.key);
    if (this.last === c) this.last = undefined;
    events.push({ kind: 'close', conn: c.conn, ts, reason });
  }

  /** Delivers everything buffered, declaring the holes before it gaps, then any bytes missing before FIN. */
  private flush(c: ConnState, dir: Direction, ts: number, events: TcpStreamEvent[]): void {
    const h = c[dir];
    while (h.pending.length > 0) this.resync(c, dir, h, ts, events);
    if (h.finSeq !== undefined && h.nextSeq !== undefined) {
      const missing = seqDiff(h.finSeq, h.nextSeq);
      if (missing > 0) {
        events.push({ kind: 'gap', conn: c.conn, dir, ts, bytes: missing });
        h.nextSeq = h.finSeq;
      }
    }
  }

  private accept(c: ConnState, dir: Direction, h: Half, seg: Segment, ts: number, events: TcpStreamEvent[]): void {
    const rel = seqDiff(seg.seq, h.nextSeq!);
    if (rel + seg.len <= 0) return; // retransmission of bytes already delivered
    if (rel > 0) {
      this.buffer(h, seg);
      while (h.pending.length > 0 && (h.pendingBytes > this.maxBufferedBytes || h.pending.length > this.maxBufferedSegments)) {
        this.resync(c, dir, h, ts, events);
      }
      if (this.totalBuffered > this.maxTotalBufferedBytes) this.shed(ts, events);
      return;
    }
    this.emit(c, dir, h, trim(seg, -rel), ts, events);
    this.drain(c, dir, h, ts, events);
  }

  private emit(c: ConnState, dir: Direction, h: Half, seg: Segment, ts: number, events: TcpStreamEvent[]): void {
    if (seg.data.length > 0) events.push({ kind: 'data', conn: c.conn, dir, ts, data: seg.data });
    if (seg.len > seg.data.length) events.push({ kind: 'gap', conn: c.conn, dir, ts, bytes: seg.len - seg.data.length });
    h.nextSeq = seqAdd(h.nextSeq!, seg.len);
  }

  /** Delivers buffered segments that have become contiguous. */
  private drain(c: ConnState, dir: Direction, h: Half, ts: number, events: TcpStreamEvent[]): void {
    while (h.pending.length > 0) {
      const head = h.pending[0];
      const rel = seqDiff(head.seq, h.nextSeq!);
      if (rel > 0) return;
      h.pending.shift();
      h.pendingBytes -= head.data.length;
      this.totalBuffered -= head.data.length;
      if (rel + head.len <= 0) continue;
      this.emit(c, dir, h, trim(head, -rel), ts, events);
    }
  }

  /** Gives up on the hole before the first buffered segment: reports it as a gap and moves on. */
  private resync(c: ConnState, dir: Direction, h: Half, ts: number, events: TcpStreamEvent[]): void {
    const head = h.pending[0];
    const missing = seqDiff(head.seq, h.nextSeq!);
    if (missing > 0) {
      events.push({ kind: 'gap', conn: c.conn, dir, ts, bytes: missing });
      h.nextSeq = head.seq;
    }
    this.drain(c, dir, h, ts, events);
  }

  private buffer(h: Half, seg: Segment): void {
    const p = h.pending;
    // Binary search for the first buffered segment that starts after seg.
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seqDiff(p[mid].seq, seg.seq) <= 0) lo = mid + 1;
      else hi = mid;
    }
    // Drop an exact or covered duplicate (common with retransmissions) rather than holding it twice.
    if (lo > 0) {
      const prev = p[lo - 1];
      if (seqDiff(seqAdd(prev.seq, prev.len), seqAdd(seg.seq, seg.len)) >= 0) return;
    }
    // Packet data may be a view of a large read buffer: hold a copy, not the whole buffer, while it waits.
    const data = seg.data;
    if (data.buffer.byteLength > 2 * data.length + 1024) seg = { seq: seg.seq, data: Buffer.from(data), len: seg.len };
    p.splice(lo, 0, seg);
    h.pendingBytes += seg.data.length;
    this.totalBuffered += seg.data.length;
  }

  /** Over the global bound: the directions holding the most buffered bytes give up their holes. */
  private shed(ts: number, events: TcpStreamEvent[]): void {
    while (this.totalBuffered > this.maxTotalBufferedBytes) {
      let worst: { c: ConnState; dir: Direction } | undefined;
      let most = 0;
      for (const c of this.conns.values()) {
        for (const dir of ['c2s', 's2c'] as const) {
          if (c[dir].pendingBytes > most) {
            most = c[dir].pendingBytes;
            worst = { c, dir };
          }
        }
      }
      if (!worst) return;
      this.resync(worst.c, worst.dir, worst.c[worst.dir], ts, events);
    }
  }
}

/** Drops the first n bytes of a segment's sequence space. */
function trim(seg: Segment, n: number): Segment {
  if (n <= 0) return seg;
  return { seq: seqAdd(seg.seq, n), data: seg.data.subarray(Math.min(n, seg.data.length)), len: seg.len - n };
}

/** Convenience pipeline: packets (and warnings) in, stream events (and warnings) out, flushed at the end. */
export async function* reassemble(
  source: AsyncIterable<Packet | CaptureWarning>,
  options: Omit<TcpReassemblerOptions, 'onWarning'> = {},
): AsyncGenerator<TcpStreamEvent | CaptureWarning> {
  const warnings: CaptureWarning[] = [];
  const r = new TcpReassembler({ ...options, onWarning: (w) => warnings.push(w) });
  let lastTs: number | undefined;
  for await (const p of source) {
    if ('kind' in p) {
      yield p;
      continue;
    }
    lastTs = p.ts;
    const events = r.push(p);
    if (warnings.length) yield* warnings.splice(0);
    yield* events;
  }
  yield* r.end(lastTs);
}
