// The streaming ZMTP inspector: push reassembled TCP stream events in, get decoded records out
// through a callback. Nothing is retained once reported except a small per-connection state (the
// connection model, the unfinished frame of each direction, a capped queue of pending requests).
//
// Its parts, along the seams of Wireshark's dissectors:
//   conn-table.ts     the connection table (open connections, a ring of closed ones)
//   phase-machine.ts  each direction's phases: greeting -> handshake -> traffic
//   zws-stream.ts     ZeroMQ over WebSocket (ZWS 2.0): an HTTP upgrade instead of a greeting
//   resync-stream.ts  streams seen without their start, or after lost bytes
//   semantics.ts      what frames mean: commands, messages, subscriptions, REQ/REP pairing
//   sniff-core.ts     the options, totals and emit/error they all report through
// PGM/EPGM and RADIO/DISH over udp (datagrams, not TCP) are pgm-sniffer.ts and radio-dish.ts.
import type { Direction, TcpConnection, TcpStreamEvent } from '../capture/types.js';
import type { IpDatagram } from '../capture/datagram.js';
import { ConnectionTable, snapshot } from './conn-table.js';
import type { ConnectionInfo, InspectorStats } from './connection.js';
import { feed, feedRange, finishDirection, onGap } from './phase-machine.js';
import { PgmSniffer } from './pgm-sniffer.js';
import { RadioDishSniffer } from './radio-dish.js';
import type { MessageView } from './message-view.js';
import type { InspectRecord } from './records.js';
import { SniffCore } from './sniff-core.js';
import { RateSeries } from './stats.js';
import { OTHER, type ConnState } from './stream-state.js';

export interface InspectorOptions {
  /** Receives every record as soon as it is complete. */
  onRecord: (record: InspectRecord) => void;
  /**
   * Receives the messages of TCP connections instead of onRecord, as MessageViews (valid during the call
   * only; toRecord() makes the record): for consumers that write messages out straight from their frame
   * buffers. PGM and udp RADIO/DISH messages still come as records.
   */
  onMessage?: (message: MessageView) => void;
  /** Ids for PGM sessions (pushDatagram), from the counter TCP reassembly takes its connection ids from,
   *  so ids never clash (inspectPackets shares one). Without it, session ids count up from 2^30. */
  nextSessionId?: () => number;
  /** Largest frame believed, in bytes; a bigger length is reported as malformed (default 256 MiB). */
  maxFrameSize?: number;
  /** Frame bytes put in a record's hex; longer frames are cut and the record marked truncated (default: all). */
  maxFrameBytes?: number;
  /** Requests remembered per connection for REQ/REP pairing (default 1024). */
  maxPendingRequests?: number;
  /** Frames of one multipart message kept until its last frame (default 10000); past this, or past
   *  maxMessageBytes, the message is counted, not kept, and reported as an error record. */
  maxMessageFrames?: number;
  /** Body bytes of one multipart message kept (default 256 MiB). */
  maxMessageBytes?: number;
  /** Subscriptions remembered per connection (default 1024). */
  maxSubscriptions?: number;
  /** Closed connections kept for connections() (default 10000). */
  maxClosedConnections?: number;
  /** Bytes searched for frame boundaries without success before a stream is declared not ZMTP (default 1 MiB). */
  resyncGiveUpBytes?: number;
  /** Width of the rate buckets in seconds (default 1). */
  bucketSeconds?: number;
  /** Decode whole messages of short frames straight from a chunk (fast-messages.ts; default true). The
   *  records are the same either way: false is for comparing the two paths. */
  wholeMessages?: boolean;
}

/** Data events between sweeps for quiet streams, and how long a stream must be quiet to be swept. */
const SWEEP_EVERY = 4096;

export class Inspector {
  private readonly table: ConnectionTable;
  private readonly open: Map<number, ConnState>;
  private readonly core: SniffCore;
  private firstTs?: number;
  /** Data events seen, a clock for finding quiet streams. */
  private events = 0;
  private lastTs?: number;

  /**
   * Ticks per second of the capture's clock (1e6 for microsecond captures, 1e9 for nanosecond ones):
   * times computed here (latencies) are rounded to it, so JSON shows 0.000374, not the float noise of
   * subtracting two epoch times (0.00037407875061035156). decodeCapture raises it when it sees a
   * nanosecond timestamp.
   */
  get timeTicksPerSecond(): number {
    return this.core.timeTicksPerSecond;
  }
  set timeTicksPerSecond(ticks: number) {
    this.core.timeTicksPerSecond = ticks;
  }

  constructor(private readonly options: InspectorOptions) {
    const opts = {
      maxFrameSize: options.maxFrameSize ?? 256 * 1024 * 1024,
      maxFrameBytes: options.maxFrameBytes ?? Infinity,
      maxPendingRequests: options.maxPendingRequests ?? 1024,
      maxMessageFrames: options.maxMessageFrames ?? 10_000,
      maxMessageBytes: options.maxMessageBytes ?? 256 * 1024 * 1024,
      maxSubscriptions: options.maxSubscriptions ?? 1024,
      maxClosedConnections: options.maxClosedConnections ?? 10000,
      resyncGiveUpBytes: options.resyncGiveUpBytes ?? 1024 * 1024,
      bucketSeconds: options.bucketSeconds ?? 1,
      wholeMessages: options.wholeMessages ?? true,
      nextSessionId:
        options.nextSessionId ??
        (
          (n = 2 ** 30) =>
          () =>
            n++
        )(),
    };
    this.table = new ConnectionTable(opts.maxClosedConnections, opts.bucketSeconds);
    this.open = this.table.open;
    this.core = new SniffCore(opts, new RateSeries(opts.bucketSeconds, 3600), this.open, options.onRecord, feed, options.onMessage);
  }

  /** Feeds one reassembly event. Never throws on bad input: problems become 'error' records. */
  push(ev: TcpStreamEvent): void {
    if (this.firstTs === undefined) this.firstTs = ev.ts;
    this.lastTs = ev.ts;
    switch (ev.kind) {
      case 'open':
        this.openConn(ev.conn, ev.ts);
        return;
      case 'data':
        this.dataOf(ev.conn, ev.dir, ev.ts, ev.data, 0, ev.data.length);
        return;
      case 'gap': {
        const c = this.open.get(ev.conn.id) ?? this.openConn(ev.conn, ev.ts);
        onGap(this.core, c, c.dirs[c.swapped ? OTHER[ev.dir] : ev.dir], ev.ts, ev.bytes);
        return;
      }
      case 'close': {
        const c = this.open.get(ev.conn.id);
        if (c) this.closeConn(c, ev.ts, ev.reason);
        return;
      }
    }
  }

  /**
   * A data event's bytes, `start` to `end` of `bytes`, without the event object: what push() does with
   * { kind: 'data', conn, dir, ts, data: bytes.subarray(start, end) }, for a reader that has the bytes
   * inside a larger buffer (the capture thread's batches). Nothing is kept past the call but copies.
   */
  pushData(conn: TcpConnection, dir: Direction, ts: number, bytes: Buffer, start: number, end: number): void {
    if (!(start >= 0 && start <= end && end <= bytes.length)) {
      throw Object.assign(new RangeError(`pushData: bytes ${start} to ${end} are not inside a buffer of ${bytes.length}`), {
        code: 'ERR_OUT_OF_RANGE',
      });
    }
    if (this.firstTs === undefined) this.firstTs = ts;
    this.lastTs = ts;
    this.dataOf(conn, dir, ts, bytes, start, end);
  }

  /** A data event's bytes, its times already taken (push, pushData). */
  private dataOf(conn: TcpConnection, dir: Direction, ts: number, bytes: Buffer, start: number, end: number): void {
    const c = this.open.get(conn.id) ?? this.openConn(conn, ts);
    this.onData(c, c.swapped ? OTHER[dir] : dir, ts, bytes, start, end);
  }

  /** PGM and EPGM (pgm-sniffer.ts), made when the first non-TCP datagram comes. */
  private pgm?: PgmSniffer;

  /** Feeds an IP datagram that is not TCP: PGM (pgm://) and EPGM (epgm://, in UDP) are decoded, the rest passed over. */
  pushDatagram(d: IpDatagram, ts: number): void {
    if (this.firstTs === undefined) this.firstTs = ts;
    this.lastTs = ts;
    const { opts, rate } = this.core;
    this.pgm ??= new PgmSniffer({
      onRecord: (r) => this.options.onRecord(r),
      nextId: opts.nextSessionId,
      maxFrameBytes: opts.maxFrameBytes,
      maxFrameSize: opts.maxFrameSize,
      cap: this.core.messageCap,
      bucketSeconds: opts.bucketSeconds,
      rate,
    });
    this.pgm.push(d, ts);
    this.radio ??= new RadioDishSniffer({
      onRecord: (r) => this.options.onRecord(r),
      nextId: opts.nextSessionId,
      maxFrameBytes: opts.maxFrameBytes,
      bucketSeconds: opts.bucketSeconds,
      totals: this.core.totals,
      rate,
    });
    this.radio.push(d, ts);
  }

  /** RADIO/DISH over udp (radio-dish.ts): datagrams shaped like group length, group, body, on any port. */
  private radio?: RadioDishSniffer;

  /** Closes every connection still open (end of a capture). */
  end(ts = this.lastTs ?? 0): void {
    for (const c of [...this.open.values()]) this.closeConn(c, ts, 'end-of-capture');
    this.pgm?.end(ts);
    this.radio?.end(ts);
  }

  /** Open connections first, then the most recently closed ones; then PGM sessions. */
  connections(): ConnectionInfo[] {
    return [...this.table.all(), ...(this.pgm?.sessions() ?? []), ...(this.radio?.connections() ?? [])];
  }

  connection(id: number): ConnectionInfo | undefined {
    const c = this.open.get(id);
    if (c) return snapshot(c);
    return this.table.closed(id) ?? this.pgm?.session(id) ?? this.radio?.connection(id);
  }

  stats(): InspectorStats {
    const p = this.pgm?.totals;
    const totals = this.core.totals;
    return {
      ...totals,
      ...(p && {
        connections: totals.connections + p.connections,
        messages: totals.messages + p.messages,
        payloadBytes: totals.payloadBytes + p.payloadBytes,
        wireBytes: totals.wireBytes + p.wireBytes,
        errors: totals.errors + p.errors,
      }),
      openConnections: this.open.size + (this.pgm?.openCount ?? 0) + (this.radio?.openCount ?? 0),
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      rate: this.core.rate.snapshot(),
    };
  }

  private openConn(conn: TcpConnection, ts: number): ConnState {
    const existing = this.open.get(conn.id);
    if (existing) this.closeConn(existing, ts, 'reopened');
    const c = this.table.create(conn, ts);
    this.core.totals.connections++;
    // The 'open' record waits for the first record of the connection (see SniffCore.emit): other TCP
    // traffic then costs a "not ZMTP" note and its close, and connections that never carry data cost nothing.
    return c;
  }

  private closeConn(c: ConnState, ts: number, reason: string): void {
    if (!c.ignored) {
      for (const d of [c.dirs.c2s, c.dirs.s2c]) {
        d.ts = ts;
        finishDirection(this.core, c, d);
      }
    }
    c.info.closedAt = ts;
    c.info.lastTs = Math.max(c.info.lastTs, ts);
    if (c.info.state !== 'not-zmtp') {
      if (c.info.state !== 'error') c.info.stateReason = reason;
      c.info.state = 'closed';
    }
    if (c.announced || c.ignored)
      this.core.emit({ type: 'close', ts, src: c.addr.c2s, dst: c.addr.s2c, conn: c.conn.id, dir: 'c2s', reason });
    this.table.retire(c);
  }

  private onData(c: ConnState, dir: Direction, ts: number, bytes: Buffer, start: number, end: number): void {
    const length = end - start;
    const d = dir === 'c2s' ? c.dirs.c2s : c.dirs.s2c; // named loads: a keyed one costs more, per packet
    d.ts = ts;
    d.offset += length;
    d.lastEvent = ++this.events;
    if (this.events % SWEEP_EVERY === 0) this.table.sweep(this.events - SWEEP_EVERY);
    d.counts.wireBytes += length;
    c.info.lastTs = ts;
    this.core.totals.wireBytes += length;
    if (c.ignored || length === 0) return;
    feedRange(this.core, c, d, bytes, start, end);
  }
}
