// TCP reassembly: turns captured packets into per-connection, per-direction ordered byte streams.
// Sequence numbers are compared in 32-bit modular arithmetic, so streams may wrap around 2^32.
// Out-of-order segments wait in a bounded buffer; retransmitted and overlapping bytes are
// delivered once; bytes that never arrive become a 'gap' event and the stream resynchronises
// after them (when the buffer bound is hit, and at FIN, RST, eviction or end of capture).
//
// Captures are not always in order (several capture points, multi-queue NICs, rewritten files), so:
// - segments of a 4-tuple seen before its SYN are held briefly; a SYN within the hold window gives the
//   initial sequence number and they are placed after it, else the connection is taken as mid-stream,
//   starting at the lowest sequence number held;
// - a half whose SYN is not seen yet buffers its data until the SYN (or SYN-ACK) comes;
// - a RST seen before data it ends waits (bounded) for that data; FINs already wait for theirs;
// - late copies of a connection's segments seen shortly after it closed are dropped, not taken for a
//   new mid-stream connection.
//
// Time of data: each 'data' event carries the time of the packet that completed it, meaning the latest
// captured (in capture order) of the packets that carried its bytes and every byte before them in the
// stream. In order that is the packet carrying the bytes; after out-of-order capture it is the packet
// that filled the last hole before them. Deciding later that a hole is lost does not change the time.
import {
  decodeLinkLayer,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type DecodedPacket,
  type FragmentContext,
  type TcpSegment,
} from './decode.js';
import { IpDefragmenter } from './defrag.js';
import { ipv4Number, newPlainTcp, readPlainTcp } from './plain-tcp.js';
import type { IpDatagram } from './datagram.js';
import {
  captureWarning,
  type CaptureWarning,
  type Direction,
  type Endpoint,
  type Packet,
  type TcpConnection,
  type TcpStreamEvent,
} from './types.js';

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
  /** Packets (of the whole capture) during which segments seen before their connection's SYN, and a
   *  connection's late segments after it closed, are held for / recognised (default 256). */
  holdPackets?: number;
  /** The same window in capture-time seconds; whichever ends first (default 1). */
  holdSeconds?: number;
  /** Problems found while decoding packets (malformed headers, fragments, unsupported link types). */
  onWarning?: (w: CaptureWarning) => void;
  /** Whole IP datagrams that are not TCP (UDP, PGM), with their capture time, for the decoders of those. */
  onDatagram?: (d: IpDatagram, ts: number) => void;
  /** Connection ids, when they must not clash with ids given out elsewhere (PGM sessions); default 1, 2, ... */
  nextId?: () => number;
}

/** Bounds on segments held before their SYN: per 4-tuple, and over all 4-tuples. */
const HOLD_MAX_PACKETS = 256;
const HOLD_MAX_BYTES = 1024 * 1024;
const HOLD_MAX_TOTAL_BYTES = 16 * 1024 * 1024;
const HOLD_MAX_TUPLES = 4096;
/** Slots of TcpReassembler.recent (a power of two). */
const RECENT_SLOTS = 256;
/** Segments a half buffers while waiting for its SYN before starting without it. */
const AWAIT_SYN_SEGMENTS = 64;

interface Segment {
  seq: number;
  data: Buffer;
  /** Sequence space covered; larger than data.length when the snap length cut the payload. */
  len: number;
  /** Capture time and position (count of packets pushed) of the packet that carried it. */
  ts: number;
  pos: number;
}

/** Packets of a 4-tuple seen before any SYN of it, waiting (briefly) for one. */
interface Held {
  key: string;
  packets: { d: DecodedPacket; ts: number; pos: number }[];
  bytes: number;
  firstPos: number;
  firstTs: number;
}

interface Half {
  isn: number | undefined;
  nextSeq: number | undefined;
  pending: Segment[]; // sorted by sequence, all ahead of nextSeq
  pendingBytes: number;
  finSeq: number | undefined;
  finished: boolean;
  /** The latest-captured packet among those that carried the bytes delivered so far (see the top). */
  markPos: number;
  markTs: number;
}

/** Where pushPlain delivers a segment's bytes, data[start, end), instead of making a 'data' event of them. */
export type PlainDataSink = (conn: TcpConnection, dir: Direction, ts: number, data: Buffer, start: number, end: number) => void;

interface ConnState {
  key: string;
  conn: TcpConnection;
  clientKey: string;
  /** The endpoints' IPv4 addresses as readPlainTcp gives them (-1 for IPv6): pushPlain's match. */
  clientV4: number;
  serverV4: number;
  c2s: Half;
  s2c: Half;
  lastTs: number;
  /** A RST came while bytes before it were still missing: the close waits for them (bounded). */
  resetAt?: { pos: number; ts: number; dir: Direction; seq: number };
  /** Neighbours in the activity order (see TcpReassembler.oldest). */
  older: ConnState | undefined;
  newer: ConnState | undefined;
}

/** a - b as a signed 32-bit distance in sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

function newHalf(): Half {
  return { isn: undefined, nextSeq: undefined, pending: [], pendingBytes: 0, finSeq: undefined, finished: false, markPos: 0, markTs: 0 };
}

function endpointKey(ip: string, port: number): string {
  return `${ip}/${port}`;
}

/** The direction of a packet in connection `c`, or undefined when it is not one of c's. */
function directionIn(c: ConnState, d: DecodedPacket): Direction | undefined {
  const t = d.tcp;
  const { client, server } = c.conn;
  if (t.srcPort === client.port && t.dstPort === server.port && d.src === client.ip && d.dst === server.ip) return 'c2s';
  if (t.srcPort === server.port && t.dstPort === client.port && d.src === server.ip && d.dst === client.ip) return 's2c';
  return undefined;
}

/** directionIn() for pushPlain's numeric addresses. */
function plainDirection(c: ConnState, src: number, srcPort: number, dst: number, dstPort: number): Direction | undefined {
  const { client, server } = c.conn;
  if (srcPort === client.port && dstPort === server.port && src === c.clientV4 && dst === c.serverV4) return 'c2s';
  if (srcPort === server.port && dstPort === client.port && src === c.serverV4 && dst === c.clientV4) return 's2c';
  return undefined;
}

function tupleKey(d: DecodedPacket): string {
  const srcKey = endpointKey(d.src, d.tcp.srcPort);
  const dstKey = endpointKey(d.dst, d.tcp.dstPort);
  return srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`;
}

export class TcpReassembler {
  private readonly conns = new Map<string, ConnState>();
  /** The tracked connections from least to most recently active, a doubly linked list through them:
   *  moving one to the recent end costs a few pointers, where re-inserting it into `conns` for every
   *  packet cost a hash-map delete and insert. */
  private oldest: ConnState | undefined;
  private newest: ConnState | undefined;
  /** The connection of the last packet: the most recently active one. */
  private last: ConnState | undefined;
  /** Connections by a hash of their two ports (direct-mapped): with several connections interleaved the
   *  previous packet's is often not this one's, and this finds it without building its 4-tuple key. */
  private readonly recent: (ConnState | undefined)[] = new Array(RECENT_SLOTS).fill(undefined);
  private readonly nextId: () => number;
  private readonly maxBufferedBytes: number;
  private readonly maxBufferedSegments: number;
  private readonly maxTotalBufferedBytes: number;
  private totalBuffered = 0;
  private readonly maxConnections: number;
  private readonly idleTimeoutSec: number;
  private readonly holdPackets: number;
  private readonly holdSeconds: number;
  private readonly onWarning?: (w: CaptureWarning) => void;
  /** Packets pushed so far: the capture position that orders "which packet came last". */
  private position = 0;
  /** 4-tuples seen without a SYN, in the order first seen (see Held). */
  private readonly held = new Map<string, Held>();
  private heldBytes = 0;
  /** Connections closed by FIN or RST lately, in closing order: late copies of their segments are dropped. */
  private readonly recentlyClosed = new Map<string, { pos: number; ts: number }>();
  /** Connections whose RST waits for data missing before it. */
  private readonly resetting = new Set<ConnState>();
  /** pushPlain's segment fields, filled anew for every packet. */
  private readonly plain = newPlainTcp();
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
    this.holdPackets = Math.max(0, options.holdPackets ?? 256);
    this.holdSeconds = Math.max(0, options.holdSeconds ?? 1);
    this.onWarning = options.onWarning;
    this.nextId =
      options.nextId ??
      (
        (n = 1) =>
        () =>
          n++
      )();
    const onDatagram = options.onDatagram;
    if (onDatagram) this.fragments.datagram = (d) => onDatagram(d, this.fragments.ts);
  }

  /** Connections currently tracked (open, not yet closed). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Out-of-order bytes currently waiting for a hole to fill, over all connections. */
  get bufferedBytes(): number {
    return this.totalBuffered;
  }

  /** Bytes of segments held while waiting for their connection's SYN. */
  get heldBytesBeforeSyn(): number {
    return this.heldBytes;
  }

  /** Feeds one captured packet; returns the stream events it produced, in order. */
  push(packet: Packet): TcpStreamEvent[] {
    const events: TcpStreamEvent[] = [];
    this.pushInto(packet, events);
    return events;
  }

  /** push() appending the events to `events` (which a caller can empty and use again, packet after packet). */
  pushInto(packet: Packet, events: TcpStreamEvent[]): void {
    this.fragments.ts = packet.ts;
    const d = decodeLinkLayer(packet, this.fragments);
    if (d === null) return;
    if (d.kind === 'warning') {
      this.warn(d);
      return;
    }
    this.decodedInto(d, packet.ts, events);
  }

  /**
   * pushInto() for the usual packet, without the objects decoding and events cost: a plain TCP/IPv4
   * segment (plain-tcp.ts) of the connection of the previous packet or of the one cached for its ports,
   * carrying no SYN, FIN or RST, in order (its bytes, if any, are exactly the next expected ones, with
   * nothing waiting out of order), in a connection not closing, while no segments wait for a SYN, no RST
   * waits for data and no connection is due for idle eviction. Its bytes go to `sink`, the only event
   * pushInto() would have made of it. Returns false, having changed nothing, for any other packet: the
   * caller then hands that one to pushInto().
   */
  pushPlain(linkType: number, data: Buffer, ts: number, sink: PlainDataSink): boolean {
    if (this.held.size > 0 || this.resetting.size > 0) return false;
    const oldest = this.oldest;
    if (oldest !== undefined && this.idleTimeoutSec > 0 && ts - oldest.lastTs > this.idleTimeoutSec) return false;
    const s = this.plain;
    if (!readPlainTcp(linkType, data, s) || (s.flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) return false;
    // The connection, found as process() finds it: the previous packet's, else the one cached for the ports.
    let c = this.last;
    let dir = c !== undefined ? plainDirection(c, s.src, s.srcPort, s.dst, s.dstPort) : undefined;
    const cached = dir === undefined;
    if (cached) {
      c = this.recent[(s.srcPort ^ s.dstPort) & (RECENT_SLOTS - 1)];
      if (c === undefined) return false;
      dir = plainDirection(c, s.src, s.srcPort, s.dst, s.dstPort);
      if (dir === undefined) return false;
    }
    const h = dir === 'c2s' ? c!.c2s : c!.s2c;
    const length = s.payloadEnd - s.payloadStart;
    if (c!.resetAt !== undefined || h.finSeq !== undefined || h.pending.length > 0 || (length > 0 && s.seq !== h.nextSeq)) return false;
    // What decodedInto(), process() and apply() do with such a packet.
    const pos = ++this.position;
    if (cached) {
      this.touch(c!);
      this.last = c;
    }
    if (ts > c!.lastTs) c!.lastTs = ts;
    if (length > 0) {
      h.markPos = pos;
      h.markTs = ts;
      h.nextSeq = seqAdd(s.seq, length);
      sink(c!.conn, dir!, ts, data, s.payloadStart, s.payloadEnd);
    }
    return true;
  }

  /** Feeds an already decoded TCP packet captured at `ts` (seconds). */
  pushDecoded(d: DecodedPacket, ts: number): TcpStreamEvent[] {
    const events: TcpStreamEvent[] = [];
    this.decodedInto(d, ts, events);
    return events;
  }

  private decodedInto(d: DecodedPacket, ts: number, events: TcpStreamEvent[]): void {
    const pos = ++this.position;
    this.expireIdle(ts, events);
    if (this.held.size > 0) this.releaseExpiredHolds(pos, ts, events);
    if (this.resetting.size > 0) this.expireResets(pos, ts, events);
    this.process(d, ts, pos, events);
  }

  // ---- activity order ----

  /** Appends a connection at the most recently active end. */
  private link(c: ConnState): void {
    c.older = this.newest;
    c.newer = undefined;
    if (this.newest) this.newest.newer = c;
    else this.oldest = c;
    this.newest = c;
  }

  private unlink(c: ConnState): void {
    if (c.older) c.older.newer = c.newer;
    else this.oldest = c.newer;
    if (c.newer) c.newer.older = c.older;
    else this.newest = c.older;
    c.older = c.newer = undefined;
  }

  /** Moves a connection to the most recently active end. */
  private touch(c: ConnState): void {
    if (this.newest === c) return;
    this.unlink(c);
    this.link(c);
  }

  /** The tracked connections, least recently active first (a copy: closing them while iterating is safe). */
  private byActivity(): ConnState[] {
    const all: ConnState[] = [];
    for (let c = this.oldest; c !== undefined; c = c.newer) all.push(c);
    return all;
  }

  private process(d: DecodedPacket, ts: number, pos: number, events: TcpStreamEvent[]): void {
    const t = d.tcp;
    const syn = (t.flags & TCP_SYN) !== 0;
    const last = this.last;
    let dir: Direction | undefined;
    // Fast path: another packet of the connection the previous one belonged to (it is already the most
    // recently active, so the activity order stays right as it is).
    if (last !== undefined && !syn) dir = directionIn(last, d);
    let c: ConnState;
    let created = false;
    if (last !== undefined && dir !== undefined) {
      c = last;
      if (ts > c.lastTs) c.lastTs = ts;
    } else {
      const slot = (t.srcPort ^ t.dstPort) & (RECENT_SLOTS - 1);
      const cached = syn ? undefined : this.recent[slot];
      dir = cached !== undefined ? directionIn(cached, d) : undefined;
      const key = dir !== undefined ? cached!.key : tupleKey(d);
      let found = dir !== undefined ? cached : this.conns.get(key);
      if (found === undefined || syn) {
        const before = found;
        found = this.find(key, found, d, ts, pos, events);
        if (found === undefined) return;
        created = found !== before;
      } else {
        this.touch(found);
        if (ts > found.lastTs) found.lastTs = ts;
        this.last = found;
      }
      c = found;
      dir ??= c.clientKey === endpointKey(d.src, t.srcPort) ? 'c2s' : 's2c';
      this.recent[slot] = c;
    }
    this.apply(c, dir, d, ts, pos, events);
    // Segments of this 4-tuple captured before its SYN: placed now that the SYN gives their start.
    if (created) {
      const held = this.held.get(c.key);
      if (held !== undefined) {
        this.unhold(held);
        for (const p of held.packets)
          if (this.conns.get(c.key) === c)
            this.apply(c, c.clientKey === endpointKey(p.d.src, p.d.tcp.srcPort) ? 'c2s' : 's2c', p.d, p.ts, p.pos, events);
      }
    }
  }

  /** One packet of a known connection. */
  private apply(c: ConnState, dir: Direction, d: DecodedPacket, ts: number, pos: number, events: TcpStreamEvent[]): void {
    const t = d.tcp;
    const h = c[dir];
    if (t.flags & TCP_RST) {
      this.reset(c, dir, t.seq, ts, pos, events);
      return;
    }
    const syn = (t.flags & TCP_SYN) !== 0;
    let seq = t.seq;
    if (syn) {
      if (h.isn === undefined) {
        h.isn = t.seq;
        if (h.nextSeq === undefined) {
          h.nextSeq = seqAdd(t.seq, 1);
          // Data of this half captured before its SYN waited in pending.
          if (h.pending.length > 0) this.drain(c, dir, h, events);
        }
      }
      // A SYN-ACK also tells where the client's bytes start (its ack is the client's ISN + 1).
      if (t.flags & TCP_ACK) this.learnStart(c, dir === 'c2s' ? 's2c' : 'c2s', t.ack, events);
      seq = seqAdd(seq, 1);
    }
    if (t.payloadLength > 0) {
      if (h.nextSeq === undefined && c.conn.midstream) h.nextSeq = seq; // first bytes seen in a direction picked up mid-stream
      // The usual case, the next bytes in order with nothing waiting: delivered without a Segment.
      if (seq === h.nextSeq && h.pending.length === 0) this.deliver(c, dir, h, t.payload, t.payloadLength, ts, pos, events);
      else this.accept(c, dir, h, { seq, data: t.payload, len: t.payloadLength, ts, pos }, ts, events);
    }
    if (t.flags & TCP_FIN) {
      const fin = seqAdd(seq, t.payloadLength);
      if (h.nextSeq === undefined && h.pending.length === 0) h.nextSeq = fin;
      if (h.finSeq === undefined) h.finSeq = fin;
    }
    if (h.finSeq !== undefined && h.nextSeq === h.finSeq && h.pending.length === 0) h.finished = true;
    if (c.c2s.finished && c.s2c.finished) this.close(c, 'fin', ts, events);
    else if (c.resetAt !== undefined && this.resetComplete(c)) this.close(c, 'rst', ts, events);
  }

  /** The first sequence number of a half, learnt from the other side's SYN-ACK when its SYN was not seen. */
  private learnStart(c: ConnState, dir: Direction, next: number, events: TcpStreamEvent[]): void {
    const h = c[dir];
    if (h.isn !== undefined || h.nextSeq !== undefined) return;
    h.isn = seqAdd(next, -1);
    h.nextSeq = next;
    if (h.pending.length > 0) this.drain(c, dir, h, events);
  }

  /** The connection a packet belongs to when it is not the one `conns` holds for its 4-tuple or is a SYN:
   *  made when new, moved to the most recently active end. Undefined when the packet was held or dropped. */
  private find(
    key: string,
    existing: ConnState | undefined,
    d: DecodedPacket,
    ts: number,
    pos: number,
    events: TcpStreamEvent[],
  ): ConnState | undefined {
    const t = d.tcp;
    const srcKey = endpointKey(d.src, t.srcPort);
    const syn = (t.flags & TCP_SYN) !== 0;
    const isAck = (t.flags & TCP_ACK) !== 0;
    let c = existing;

    if (syn && c) {
      const h = c.clientKey === srcKey ? c.c2s : c.s2c;
      // The same connection when this half already started at this SYN, or has not started at all in a
      // connection that was itself opened by a SYN (its other half's SYN came first).
      const same = h.isn === t.seq || (h.isn === undefined && !c.conn.midstream && (isAck || h.nextSeq === undefined));
      if (!same) {
        // A new connection on the same 4-tuple while the old one never closed (port reuse).
        this.close(c, 'evicted', ts, events);
        c = undefined;
      }
    }
    if (!c) {
      if (!syn) {
        const closed = this.recentlyClosed.get(key);
        if (closed !== undefined && !this.holdOver(closed.pos, closed.ts, pos, ts)) return undefined; // late copy of a closed connection's segment
        if (t.payloadLength === 0 && (t.flags & TCP_FIN) === 0) return undefined; // stray ACK/RST of a connection not tracked
        this.hold(key, d, ts, pos, events);
        return undefined;
      }
      this.recentlyClosed.delete(key);
      const clientIsSrc = !isAck;
      c = this.create(key, d, clientIsSrc, false, this.held.get(key)?.firstTs ?? ts, events);
    } else {
      this.touch(c);
      if (ts > c.lastTs) c.lastTs = ts;
    }
    this.last = c;
    return c;
  }

  private create(
    key: string,
    d: DecodedPacket,
    clientIsSrc: boolean,
    midstream: boolean,
    openTs: number,
    events: TcpStreamEvent[],
  ): ConnState {
    const t = d.tcp;
    const src: Endpoint = { ip: d.src, port: t.srcPort };
    const dst: Endpoint = { ip: d.dst, port: t.dstPort };
    const conn: TcpConnection = { id: this.nextId(), client: clientIsSrc ? src : dst, server: clientIsSrc ? dst : src, midstream };
    if (this.conns.size >= this.maxConnections) this.close(this.oldest!, 'evicted', openTs, events);
    const clientKey = clientIsSrc ? endpointKey(d.src, t.srcPort) : endpointKey(d.dst, t.dstPort);
    const c: ConnState = {
      key,
      conn,
      clientKey,
      clientV4: ipv4Number(conn.client.ip),
      serverV4: ipv4Number(conn.server.ip),
      c2s: newHalf(),
      s2c: newHalf(),
      lastTs: openTs,
      older: undefined,
      newer: undefined,
    };
    const replaced = this.conns.get(key);
    this.conns.set(key, c);
    if (replaced !== undefined) {
      // Never expected (a key's connection is closed before another is made), but a Map keeps a replaced
      // key's place: so does the list.
      c.older = replaced.older;
      c.newer = replaced.newer;
      if (c.older) c.older.newer = c;
      else this.oldest = c;
      if (c.newer) c.newer.older = c;
      else this.newest = c;
    } else this.link(c);
    events.push({ kind: 'open', conn, ts: openTs });
    return c;
  }

  // ---- segments seen before their SYN ----

  private holdOver(firstPos: number, firstTs: number, pos: number, ts: number): boolean {
    return pos - firstPos > this.holdPackets || ts - firstTs > this.holdSeconds;
  }

  private hold(key: string, d: DecodedPacket, ts: number, pos: number, events: TcpStreamEvent[]): void {
    let h = this.held.get(key);
    if (h === undefined) {
      if (this.held.size >= HOLD_MAX_TUPLES) this.release(this.held.values().next().value as Held, events);
      h = { key, packets: [], bytes: 0, firstPos: pos, firstTs: ts };
      this.held.set(key, h);
    }
    // The packet's payload may be a view of a large read buffer: hold a copy of what it needs.
    const p = d.tcp.payload;
    const payload = p.buffer.byteLength > 2 * p.length + 1024 ? Buffer.from(p) : p;
    const t = d.tcp;
    // A plain copy of the header's fields (not a spread: a decoded header also refers to its whole packet).
    const tcp: TcpSegment = {
      srcPort: t.srcPort,
      dstPort: t.dstPort,
      seq: t.seq,
      ack: t.ack,
      flags: t.flags,
      window: t.window,
      options: t.options,
      payload,
      payloadLength: t.payloadLength,
    };
    h.packets.push({ d: { ...d, tcp }, ts, pos });
    h.bytes += payload.length;
    this.heldBytes += payload.length;
    if (h.packets.length >= HOLD_MAX_PACKETS || h.bytes >= HOLD_MAX_BYTES) this.release(h, events);
    while (this.heldBytes > HOLD_MAX_TOTAL_BYTES && this.held.size > 0) this.release(this.held.values().next().value as Held, events);
  }

  private unhold(h: Held): void {
    this.held.delete(h.key);
    this.heldBytes -= h.bytes;
  }

  private releaseExpiredHolds(pos: number, ts: number, events: TcpStreamEvent[]): void {
    for (const h of this.held.values()) {
      if (!this.holdOver(h.firstPos, h.firstTs, pos, ts)) break; // map is in order of first sight
      this.release(h, events);
    }
  }

  /** No SYN came for held segments: a connection picked up mid-stream, starting in each direction at the
   *  lowest sequence number held (the first packet's sender passes for the client). */
  private release(h: Held, events: TcpStreamEvent[]): void {
    this.unhold(h);
    const first = h.packets[0];
    const c = this.create(h.key, first.d, true, true, first.ts, events);
    this.last = c;
    for (const p of h.packets) {
      if (p.d.tcp.payloadLength === 0) continue;
      const half = c[c.clientKey === endpointKey(p.d.src, p.d.tcp.srcPort) ? 'c2s' : 's2c'];
      if (half.nextSeq === undefined || seqDiff(p.d.tcp.seq, half.nextSeq) < 0) half.nextSeq = p.d.tcp.seq;
    }
    for (const p of h.packets) {
      if (this.conns.get(h.key) !== c) break;
      this.apply(c, c.clientKey === endpointKey(p.d.src, p.d.tcp.srcPort) ? 'c2s' : 's2c', p.d, p.ts, p.pos, events);
    }
  }

  // ---- closing ----

  /** RST: closes at once unless bytes before it are still missing, which it then waits for (bounded). */
  private reset(c: ConnState, dir: Direction, seq: number, ts: number, pos: number, events: TcpStreamEvent[]): void {
    if (c.resetAt === undefined) c.resetAt = { pos, ts, dir, seq };
    if (this.resetComplete(c)) this.close(c, 'rst', ts, events);
    else this.resetting.add(c);
  }

  private resetComplete(c: ConnState): boolean {
    const r = c.resetAt!;
    const h = c[r.dir];
    if (c.c2s.pending.length > 0 || c.s2c.pending.length > 0) return false;
    return h.nextSeq === undefined || seqDiff(r.seq, h.nextSeq) <= 0;
  }

  private expireResets(pos: number, ts: number, events: TcpStreamEvent[]): void {
    for (const c of this.resetting) {
      if (!this.conns.has(c.key) || this.conns.get(c.key) !== c) this.resetting.delete(c);
      else if (this.holdOver(c.resetAt!.pos, c.resetAt!.ts, pos, ts)) this.close(c, 'rst', ts, events);
    }
  }

  /** Flushes every connection (gaps for bytes still missing) and closes them: 'fin' when both
   *  directions had sent FIN, else 'end-of-capture'. */
  end(ts?: number): TcpStreamEvent[] {
    const events: TcpStreamEvent[] = [];
    this.fragments.defrag.finish((message) => this.warn(captureWarning('IP_FRAGMENT_DROPPED', `end of capture: ${message}`, 0)));
    for (const h of [...this.held.values()]) this.release(h, events);
    for (const c of this.byActivity()) {
      const reason = c.resetAt !== undefined ? 'rst' : c.c2s.finSeq !== undefined && c.s2c.finSeq !== undefined ? 'fin' : 'end-of-capture';
      this.close(c, reason, ts ?? c.lastTs, events);
    }
    this.recentlyClosed.clear();
    return events;
  }

  private expireIdle(ts: number, events: TcpStreamEvent[]): void {
    if (this.idleTimeoutSec <= 0) return;
    for (let c = this.oldest; c !== undefined && ts - c.lastTs > this.idleTimeoutSec; c = this.oldest) this.close(c, 'evicted', ts, events);
  }

  private close(c: ConnState, reason: 'fin' | 'rst' | 'end-of-capture' | 'evicted', ts: number, events: TcpStreamEvent[]): void {
    this.flush(c, 'c2s', ts, events);
    this.flush(c, 's2c', ts, events);
    if (this.conns.get(c.key) === c) {
      this.conns.delete(c.key);
      this.unlink(c);
    }
    this.resetting.delete(c);
    if (this.last === c) this.last = undefined;
    const slot = (c.conn.client.port ^ c.conn.server.port) & (RECENT_SLOTS - 1);
    if (this.recent[slot] === c) this.recent[slot] = undefined;
    if (reason === 'fin' || reason === 'rst') this.rememberClosed(c.key, ts);
    events.push({ kind: 'close', conn: c.conn, ts, reason });
  }

  private rememberClosed(key: string, ts: number): void {
    const pos = this.position;
    this.recentlyClosed.delete(key);
    this.recentlyClosed.set(key, { pos, ts });
    for (const [k, r] of this.recentlyClosed) {
      if (this.recentlyClosed.size <= this.maxConnections && !this.holdOver(r.pos, r.ts, pos, ts)) break;
      this.recentlyClosed.delete(k);
    }
  }

  /** Delivers everything buffered, declaring the holes before it gaps, then any bytes missing before FIN. */
  private flush(c: ConnState, dir: Direction, ts: number, events: TcpStreamEvent[]): void {
    const h = c[dir];
    while (h.pending.length > 0) this.resync(c, dir, h, events);
    if (h.finSeq !== undefined && h.nextSeq !== undefined) {
      const missing = seqDiff(h.finSeq, h.nextSeq);
      if (missing > 0) {
        events.push({ kind: 'gap', conn: c.conn, dir, ts, bytes: missing });
        h.nextSeq = h.finSeq;
      }
    }
  }

  private accept(c: ConnState, dir: Direction, h: Half, seg: Segment, ts: number, events: TcpStreamEvent[]): void {
    if (h.nextSeq === undefined) {
      // A half of a connection opened by a SYN whose own SYN has not been seen: wait for it (bounded).
      this.buffer(h, seg);
      if (h.pending.length > AWAIT_SYN_SEGMENTS) this.resync(c, dir, h, events);
      return;
    }
    const rel = seqDiff(seg.seq, h.nextSeq);
    if (rel + seg.len <= 0) return; // retransmission of bytes already delivered
    if (rel > 0) {
      this.buffer(h, seg);
      while (h.pending.length > 0 && (h.pendingBytes > this.maxBufferedBytes || h.pending.length > this.maxBufferedSegments)) {
        this.resync(c, dir, h, events);
      }
      if (this.totalBuffered > this.maxTotalBufferedBytes) this.shed(events);
      return;
    }
    this.emit(c, dir, h, trim(seg, -rel), events);
    this.drain(c, dir, h, events);
  }

  /** Delivers a segment's bytes, timed by the latest-captured packet behind them (see the top). */
  private emit(c: ConnState, dir: Direction, h: Half, seg: Segment, events: TcpStreamEvent[]): void {
    this.deliver(c, dir, h, seg.data, seg.len, seg.ts, seg.pos, events);
  }

  /** emit() for a segment's parts: `len` bytes of sequence space from h.nextSeq, `data` the captured ones. */
  private deliver(
    c: ConnState,
    dir: Direction,
    h: Half,
    data: Buffer,
    len: number,
    segTs: number,
    segPos: number,
    events: TcpStreamEvent[],
  ): void {
    if (segPos >= h.markPos) {
      h.markPos = segPos;
      h.markTs = segTs;
    }
    const ts = h.markTs;
    if (data.length > 0) events.push({ kind: 'data', conn: c.conn, dir, ts, data });
    if (len > data.length) events.push({ kind: 'gap', conn: c.conn, dir, ts, bytes: len - data.length });
    h.nextSeq = seqAdd(h.nextSeq!, len);
  }

  /** Delivers buffered segments that have become contiguous. */
  private drain(c: ConnState, dir: Direction, h: Half, events: TcpStreamEvent[]): void {
    while (h.pending.length > 0) {
      const head = h.pending[0];
      const rel = seqDiff(head.seq, h.nextSeq!);
      if (rel > 0) return;
      h.pending.shift();
      h.pendingBytes -= head.data.length;
      this.totalBuffered -= head.data.length;
      if (rel + head.len <= 0) continue;
      this.emit(c, dir, h, trim(head, -rel), events);
    }
  }

  /** Gives up on the hole before the first buffered segment: reports it as a gap and moves on. */
  private resync(c: ConnState, dir: Direction, h: Half, events: TcpStreamEvent[]): void {
    const head = h.pending[0];
    if (h.nextSeq === undefined) {
      // Its SYN never came: the half starts at the lowest sequence number it has.
      h.nextSeq = head.seq;
    }
    const missing = seqDiff(head.seq, h.nextSeq);
    if (missing > 0) {
      // The gap is known once the bytes after it are: it carries their time.
      const ts = head.pos >= h.markPos ? head.ts : h.markTs;
      events.push({ kind: 'gap', conn: c.conn, dir, ts, bytes: missing });
      h.nextSeq = head.seq;
    }
    this.drain(c, dir, h, events);
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
    if (data.buffer.byteLength > 2 * data.length + 1024) seg = { ...seg, data: Buffer.from(data) };
    p.splice(lo, 0, seg);
    h.pendingBytes += seg.data.length;
    this.totalBuffered += seg.data.length;
  }

  /** Over the global bound: the directions holding the most buffered bytes give up their holes. */
  private shed(events: TcpStreamEvent[]): void {
    while (this.totalBuffered > this.maxTotalBufferedBytes) {
      let worst: { c: ConnState; dir: Direction } | undefined;
      let most = 0;
      for (const c of this.byActivity()) {
        for (const dir of ['c2s', 's2c'] as const) {
          if (c[dir].pendingBytes > most) {
            most = c[dir].pendingBytes;
            worst = { c, dir };
          }
        }
      }
      if (!worst) return;
      this.resync(worst.c, worst.dir, worst.c[worst.dir], events);
    }
  }
}

/** Drops the first n bytes of a segment's sequence space. */
function trim(seg: Segment, n: number): Segment {
  if (n <= 0) return seg;
  return { seq: seqAdd(seg.seq, n), data: seg.data.subarray(Math.min(n, seg.data.length)), len: seg.len - n, ts: seg.ts, pos: seg.pos };
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
