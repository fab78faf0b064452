// The streaming ZMTP inspector: push reassembled TCP stream events in, get decoded records out
// through a callback. Nothing is retained once reported except a small per-connection state (the
// connection model, the unfinished frame of each direction, a capped queue of pending requests).
//
// Each direction of a connection goes through: greeting (detected on any port by its signature, or a
// ZMTP 1.0 identity frame), then frames in the framing its greeting chose, grouped into messages and
// commands. A stream seen without its start, or after lost bytes, is resynchronised heuristically.
// ZeroMQ over WebSocket (ZWS 2.0) is recognised by its HTTP upgrade instead of a greeting (websocket.ts).
import type { Direction, TcpConnection, TcpStreamEvent } from '../capture/types.js';
import { formatEndpoint } from '../capture/types.js';
import { parseCommand, parseLegacySubscription, splitCommand } from '../zmtp/commands.js';
import { FrameDecoder } from '../zmtp/decoder.js';
import { heldCount, holdFrame, ownHeld, type HeldState, type MessageCap } from './held-message.js';
import { framingFor, type Framing } from '../zmtp/frame.js';
import { looksLikeV1, parseGreeting, REVISION_1_0, REVISION_3, type Greeting } from '../zmtp/greeting.js';
import { decodeMetadata, getProperty } from '../zmtp/metadata.js';
import { SIGNATURE_SIZE, REVISION_OFFSET } from '../zmtp/constants.js';
import { emptyCounts, type ConnectionInfo, type InspectorStats } from './connection.js';
import type { CommandRecord, ConnectionRecord, ErrorRecord, GreetingRecord, InspectRecord, MessageRecord, UpgradeRecord, ZmtpVersion } from './records.js';
import { findResync, type ResyncResult, type StreamFraming } from './resync.js';
import { describeSecurity } from './security.js';
import { RateSeries } from './stats.js';
import { parseHttpHead, protocolList, startsHttp, WS_BINARY, WS_TEXT, WsMessageReader, zwsMechanism } from './websocket.js';
import type { IpDatagram } from '../capture/datagram.js';
import { PgmSniffer } from './pgm-sniffer.js';
import { RadioDishSniffer } from './radio-dish.js';

export interface InspectorOptions {
  /** Receives every record as soon as it is complete. */
  onRecord: (record: InspectRecord) => void;
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
}

/** End offset (in the direction's stream) and capture time of one data event's bytes. */
interface HeldTime {
  end: number;
  ts: number;
}

type Phase = 'start' | 'greeting' | 'identity' | 'frames' | 'resync' | 'http' | 'ws' | 'dead';

interface DirState {
  dir: Direction;
  phase: Phase;
  /** Greeting bytes, or bytes being searched for frame boundaries. */
  head: Buffer;
  /** When the bytes of `head` came: for each data event, the stream offset after it and its time, so
   *  that records found in held bytes carry the time of the packet that completed them. */
  headTimes: HeldTime[];
  /** Revision byte this side sent (0 for a 1.0 peer without signature), once known. */
  revision?: number;
  greeting?: Greeting;
  framing?: Framing;
  decoder?: FrameDecoder;
  /** Stream offset at which the decoder started. */
  decoderBase: number;
  /** Bytes received in this direction. */
  offset: number;
  /** Frames of the message in progress. */
  frames: Buffer[];
  /** Bookkeeping of `frames` (owned so far, bytes, past the cap): see held-message.ts. */
  held?: HeldState;
  heuristic: boolean;
  /** The handshake is over for this side (READY/INITIATE sent, or identity for 1.0/2.0). */
  ready: boolean;
  /** Bytes dropped while searching for frame boundaries. */
  skipped: number;
  /** Time of the data being decoded. */
  ts: number;
  /** Inspector event count when this direction last had data, and the decoder offset when parked. */
  lastEvent: number;
  parkedOffset: number;
  /** ZWS: the WebSocket messages of this direction, after its HTTP head. */
  ws?: WsMessageReader;
}

interface ConnState {
  conn: TcpConnection;
  info: ConnectionInfo;
  addr: Record<Direction, string>;
  dirs: Record<Direction, DirState>;
  /** Times of requests waiting for their reply. */
  requests: number[];
  subs: Set<string>;
  rate: RateSeries;
  ignored: boolean;
  /** Something decoded successfully on this connection. */
  decodedAny: boolean;
  /** Time of the TCP open, and whether its 'open' record went out. */
  openTs: number;
  announced: boolean;
  /** Mid-stream connection whose reassembly roles were the wrong way round (see openConn). */
  swapped: boolean;
}

const EMPTY = Buffer.alloc(0);
/** Data events between sweeps for quiet streams, and how long a stream must be quiet to be swept. */
const SWEEP_EVERY = 4096;
const OTHER: Record<Direction, Direction> = { c2s: 's2c', s2c: 'c2s' };
const ENVELOPE_TYPES = new Set(['REQ', 'REP', 'ROUTER', 'DEALER']);
const SUBSCRIBER_TYPES = new Set(['SUB', 'XSUB']);
const PUBLISHER_TYPES = new Set(['PUB', 'XPUB']);
const VERSION_ORDER: ZmtpVersion[] = ['1.0', '2.0', '3.0', '3.1'];

export class Inspector {
  private readonly open = new Map<number, ConnState>();
  /** The most recently closed connections: a ring (oldest overwritten) and an index by id. */
  private closedRing: ConnectionInfo[] = [];
  private closedNext = 0;
  private readonly closedById = new Map<number, ConnectionInfo>();
  private readonly totals = {
    connections: 0, messages: 0, commands: 0, boxes: 0, payloadBytes: 0, wireBytes: 0, errors: 0,
  };
  private firstTs?: number;
  /** Data events seen, a clock for finding quiet streams. */
  private events = 0;
  private lastTs?: number;
  private readonly rate: RateSeries;
  private readonly opts: Required<Omit<InspectorOptions, 'onRecord'>>;
  /**
   * Ticks per second of the capture's clock (1e6 for microsecond captures, 1e9 for nanosecond ones):
   * times computed here (latencies) are rounded to it, so JSON shows 0.000374, not the float noise of
   * subtracting two epoch times (0.00037407875061035156). decodeCapture raises it when it sees a
   * nanosecond timestamp.
   */
  timeTicksPerSecond = 1e6;

  constructor(private readonly options: InspectorOptions) {
    this.opts = {
      maxFrameSize: options.maxFrameSize ?? 256 * 1024 * 1024,
      maxFrameBytes: options.maxFrameBytes ?? Infinity,
      maxPendingRequests: options.maxPendingRequests ?? 1024,
      maxMessageFrames: options.maxMessageFrames ?? 10_000,
      maxMessageBytes: options.maxMessageBytes ?? 256 * 1024 * 1024,
      maxSubscriptions: options.maxSubscriptions ?? 1024,
      maxClosedConnections: options.maxClosedConnections ?? 10000,
      resyncGiveUpBytes: options.resyncGiveUpBytes ?? 1024 * 1024,
      bucketSeconds: options.bucketSeconds ?? 1,
      nextSessionId: options.nextSessionId ?? ((n = 2 ** 30) => () => n++)(),
    };
    this.rate = new RateSeries(this.opts.bucketSeconds, 3600);
    this.messageCap = { frames: this.opts.maxMessageFrames, bytes: this.opts.maxMessageBytes };
  }

  private readonly messageCap: MessageCap;

  /** Feeds one reassembly event. Never throws on bad input: problems become 'error' records. */
  push(ev: TcpStreamEvent): void {
    if (this.firstTs === undefined) this.firstTs = ev.ts;
    this.lastTs = ev.ts;
    switch (ev.kind) {
      case 'open':
        this.openConn(ev.conn, ev.ts);
        return;
      case 'data': {
        const c = this.open.get(ev.conn.id) ?? this.openConn(ev.conn, ev.ts);
        this.onData(c, c.swapped ? OTHER[ev.dir] : ev.dir, ev.ts, ev.data);
        return;
      }
      case 'gap': {
        const c = this.open.get(ev.conn.id) ?? this.openConn(ev.conn, ev.ts);
        this.onGap(c, c.swapped ? OTHER[ev.dir] : ev.dir, ev.ts, ev.bytes);
        return;
      }
      case 'close': {
        const c = this.open.get(ev.conn.id);
        if (c) this.closeConn(c, ev.ts, ev.reason);
        return;
      }
    }
  }

  /** PGM and EPGM (pgm-sniffer.ts), made when the first non-TCP datagram comes. */
  private pgm?: PgmSniffer;

  /** Feeds an IP datagram that is not TCP: PGM (pgm://) and EPGM (epgm://, in UDP) are decoded, the rest passed over. */
  pushDatagram(d: IpDatagram, ts: number): void {
    if (this.firstTs === undefined) this.firstTs = ts;
    this.lastTs = ts;
    this.pgm ??= new PgmSniffer({
      onRecord: (r) => this.options.onRecord(r), nextId: this.opts.nextSessionId, maxFrameBytes: this.opts.maxFrameBytes,
      maxFrameSize: this.opts.maxFrameSize, cap: this.messageCap, bucketSeconds: this.opts.bucketSeconds, rate: this.rate,
    });
    this.pgm.push(d, ts);
    this.radio ??= new RadioDishSniffer({
      onRecord: (r) => this.options.onRecord(r), nextId: this.opts.nextSessionId, maxFrameBytes: this.opts.maxFrameBytes,
      bucketSeconds: this.opts.bucketSeconds, totals: this.totals, rate: this.rate,
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
    return [...[...this.open.values()].map((c) => this.snapshot(c)), ...this.closedInOrder().map((i) => ({ ...i })), ...(this.pgm?.sessions() ?? []), ...(this.radio?.connections() ?? [])];
  }

  connection(id: number): ConnectionInfo | undefined {
    const c = this.open.get(id);
    if (c) return this.snapshot(c);
    const i = this.closedById.get(id);
    return i ? { ...i } : this.pgm?.session(id) ?? this.radio?.connection(id);
  }

  stats(): InspectorStats {
    const p = this.pgm?.totals;
    return {
      ...this.totals,
      ...(p && {
        connections: this.totals.connections + p.connections, messages: this.totals.messages + p.messages,
        payloadBytes: this.totals.payloadBytes + p.payloadBytes, wireBytes: this.totals.wireBytes + p.wireBytes,
        errors: this.totals.errors + p.errors,
      }),
      openConnections: this.open.size + (this.pgm?.openCount ?? 0) + (this.radio?.openCount ?? 0),
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      rate: this.rate.snapshot(),
    };
  }

  // ---- connections ----

  private openConn(conn: TcpConnection, ts: number): ConnState {
    const existing = this.open.get(conn.id);
    if (existing) this.closeConn(existing, ts, 'reopened');
    // Seen mid-stream, the first packet's sender passes for the client. When that side has a fixed
    // port and the other an ephemeral one (32768 and up on Linux, 49152 and up elsewhere), it is
    // surely the server: swap, so c2s/s2c and client/server mean what they say.
    const swapped = conn.midstream && conn.client.port < 32768 && conn.server.port >= 32768;
    const client = formatEndpoint(swapped ? conn.server : conn.client);
    const server = formatEndpoint(swapped ? conn.client : conn.server);
    const mkDir = (dir: Direction): DirState => ({
      dir, phase: conn.midstream ? 'start' : 'greeting', head: EMPTY, headTimes: [], decoderBase: 0, offset: 0, frames: [],
      heuristic: false, ready: false, skipped: 0, ts, lastEvent: 0, parkedOffset: 0,
    });
    const info: ConnectionInfo = {
      id: conn.id, client, server, midstream: conn.midstream, state: 'handshake', versions: {}, socketTypes: {},
      identities: {}, counts: { c2s: emptyCounts(), s2c: emptyCounts() }, errors: 0, subscriptions: [],
      pairs: { matched: 0, pending: 0, totalLatency: 0, maxLatency: 0 }, openedAt: ts, lastTs: ts, rate: [],
    };
    const c: ConnState = {
      conn, info, addr: { c2s: client, s2c: server }, dirs: { c2s: mkDir('c2s'), s2c: mkDir('s2c') },
      requests: [], subs: new Set(), rate: new RateSeries(this.opts.bucketSeconds, 120), ignored: false, decodedAny: false,
      openTs: ts, announced: false, swapped,
    };
    this.open.set(conn.id, c);
    this.totals.connections++;
    // The 'open' record waits for the first record of the connection (see emit): other TCP traffic then
    // costs a "not ZMTP" note and its close, and connections that never carry data cost nothing.
    return c;
  }

  private closeConn(c: ConnState, ts: number, reason: string): void {
    if (!c.ignored) {
      for (const d of [c.dirs.c2s, c.dirs.s2c]) {
        d.ts = ts;
        this.finishDirection(c, d);
      }
    }
    c.info.closedAt = ts;
    c.info.lastTs = Math.max(c.info.lastTs, ts);
    if (c.info.state !== 'not-zmtp') {
      if (c.info.state !== 'error') c.info.stateReason = reason;
      c.info.state = 'closed';
    }
    if (c.announced || c.ignored) this.emit({ type: 'close', ts, src: c.addr.c2s, dst: c.addr.s2c, conn: c.conn.id, dir: 'c2s', reason });
    this.open.delete(c.conn.id);
    this.keepClosed(this.snapshot(c));
  }

  private keepClosed(info: ConnectionInfo): void {
    const max = this.opts.maxClosedConnections;
    if (max <= 0) return;
    if (this.closedRing.length < max) {
      this.closedRing.push(info);
    } else {
      const old = this.closedRing[this.closedNext];
      if (this.closedById.get(old.id) === old) this.closedById.delete(old.id);
      this.closedRing[this.closedNext] = info;
      this.closedNext = (this.closedNext + 1) % max;
    }
    this.closedById.set(info.id, info);
  }

  private closedInOrder(): ConnectionInfo[] {
    return [...this.closedRing.slice(this.closedNext), ...this.closedRing.slice(0, this.closedNext)];
  }

  /** Reports what a direction left unfinished when its connection ends. */
  private finishDirection(c: ConnState, d: DirState): void {
    if (d.phase === 'resync' && d.head.length > 0) this.tryResync(c, d, true);
    if (c.ignored) return;
    if (d.phase === 'greeting' && d.head.length > 0) {
      // Joined mid-stream, the bytes only looked like the start of a greeting.
      if (c.conn.midstream) this.error(c, d, `connection (joined mid-stream) ended after ${d.head.length} bytes, too few to tell a greeting from frames`);
      else this.error(c, d, `connection ended during the greeting (${d.head.length} bytes of it seen)`, 0);
    } else if (d.phase === 'identity' && (d.decoder?.buffered ?? 0) === 0) {
      this.error(c, d, 'connection ended before the identity frame');
    }
    if (d.phase === 'http' && d.head.length > 0) this.error(c, d, `connection ended inside the HTTP upgrade (${d.head.length} bytes of it seen)`);
    if (d.ws && d.ws.buffered > 0) this.error(c, d, `connection ended inside a WebSocket message (${d.ws.buffered} bytes of it seen)`);
    if (d.decoder && !d.decoder.error && d.decoder.buffered > 0) {
      this.error(c, d, `connection ended inside a frame (${d.decoder.buffered} bytes of it seen)`, d.decoderBase + d.decoder.offset);
    }
    if (heldCount(d) > 0) {
      this.error(c, d, `connection ended inside a multipart message (${heldCount(d)} frames seen, last had MORE set)`);
      d.frames = [];
    }
    d.phase = 'dead';
    d.decoder = undefined;
    d.head = EMPTY;
    d.headTimes = [];
  }

  /**
   * Lets quiet streams drop their frame decoder when it holds no unfinished frame: a decoder may keep
   * buffers (pooled bodies) that thousands of idle connections would otherwise pin. It is recreated,
   * at the same offset, when data comes again.
   */
  private sweep(): void {
    const quiet = this.events - SWEEP_EVERY;
    for (const c of this.open.values()) {
      for (const d of [c.dirs.c2s, c.dirs.s2c]) {
        const dec = d.decoder;
        if (dec && d.lastEvent < quiet && dec.buffered === 0 && !dec.error && d.phase === 'frames') {
          d.parkedOffset = dec.offset;
          d.decoder = undefined;
        }
      }
    }
  }

  private snapshot(c: ConnState): ConnectionInfo {
    const i = c.info;
    return {
      ...i,
      versions: { ...i.versions },
      socketTypes: { ...i.socketTypes },
      identities: { ...i.identities },
      counts: { c2s: { ...i.counts.c2s }, s2c: { ...i.counts.s2c } },
      subscriptions: [...c.subs],
      pairs: { ...i.pairs, pending: c.requests.length },
      rate: c.rate.snapshot(),
    };
  }

  private notZmtp(c: ConnState, d: DirState, why: string): void {
    if (c.ignored) return;
    c.ignored = true;
    c.info.state = 'not-zmtp';
    c.info.stateReason = why;
    this.error(c, d, `not ZMTP: ${why}`);
    for (const x of [c.dirs.c2s, c.dirs.s2c]) {
      x.phase = 'dead';
      x.head = EMPTY;
      x.decoder = undefined;
      x.frames = [];
    }
  }

  // ---- bytes in ----

  private onData(c: ConnState, dir: Direction, ts: number, data: Buffer): void {
    const d = c.dirs[dir];
    d.ts = ts;
    d.offset += data.length;
    d.lastEvent = ++this.events;
    if (this.events % SWEEP_EVERY === 0) this.sweep();
    c.info.counts[dir].wireBytes += data.length;
    c.info.lastTs = ts;
    this.totals.wireBytes += data.length;
    if (c.ignored || data.length === 0) return;
    this.feed(c, d, data);
  }

  private feed(c: ConnState, d: DirState, data: Buffer): void {
    switch (d.phase) {
      case 'start':
        // Mid-stream connection: a greeting if it starts like one, otherwise find frame boundaries.
        d.phase = data[0] === 0xff && (data.length < SIGNATURE_SIZE || (data[SIGNATURE_SIZE - 1] & 1) === 1) ? 'greeting' : 'resync';
        this.feed(c, d, data);
        return;
      case 'greeting': {
        this.holdBytes(d, data);
        const http = startsHttp(d.head, d.dir);
        if (http === 'maybe') {
          d.head = own(d.head);
          return;
        }
        if (http === 'yes') {
          // ZeroMQ over WebSocket: an HTTP upgrade instead of a greeting.
          d.phase = 'http';
          const head = d.head;
          d.head = EMPTY;
          this.feed(c, d, head);
          return;
        }
        this.tryGreeting(c, d);
        if (d.phase === 'greeting') d.head = own(d.head); // waits for more: don't hold a large read buffer
        const peer = c.dirs[OTHER[d.dir]];
        // Our revision may be what the peer's greeting was waiting for.
        if (!c.ignored && peer.phase === 'greeting' && peer.head.length > 0) this.tryGreeting(c, peer);
        return;
      }
      case 'identity':
      case 'frames':
        this.decode(c, d, data);
        return;
      case 'resync':
        this.holdBytes(d, data);
        this.tryResync(c, d, false);
        return;
      case 'http':
        this.holdBytes(d, data);
        this.tryUpgrade(c, d);
        return;
      case 'ws':
        this.decodeWs(c, d, data);
        return;
      case 'dead':
        return;
    }
  }

  private onGap(c: ConnState, dir: Direction, ts: number, bytes: number): void {
    const d = c.dirs[dir];
    d.ts = ts;
    this.emit({ ...this.base(c, d, 'gap'), bytes });
    if (c.ignored || d.phase === 'dead') return;
    if (d.frames.length > 0) this.error(c, d, `${d.frames.length} frames of a multipart message lost in the gap`);
    d.frames = [];
    d.offset += bytes;
    // Whatever was being parsed is now incomplete: look for frame boundaries again.
    if (d.phase === 'identity') d.ready = true;
    d.phase = 'resync';
    d.decoder = undefined;
    d.head = EMPTY;
    d.headTimes = [];
  }

  // ---- greeting ----

  /** The revision byte a direction sent, as far as its bytes show it. */
  private knownRevision(d: DirState): number | undefined {
    if (d.revision !== undefined) return d.revision;
    if (d.phase !== 'greeting' || d.head.length === 0) return undefined;
    const v1 = looksLikeV1(d.head);
    if (v1) return REVISION_1_0;
    if (v1 === false && d.head.length > REVISION_OFFSET) return d.head[REVISION_OFFSET];
    return undefined;
  }

  private tryGreeting(c: ConnState, d: DirState): void {
    const head = d.head;
    const v1 = looksLikeV1(head);
    if (v1 === undefined) return;
    if (v1) {
      // No signature: a ZMTP 1.0 peer, whose first bytes are its identity frame (length, flags 0, body).
      const long = head[0] === 0xff;
      const flagsAt = long ? 9 : 1;
      if (head.length <= flagsAt) return;
      const length = long ? -1 : head[0];
      if (length === 0 || (head[flagsAt] & 0xfe) !== 0) {
        this.notZmtp(c, d, `first bytes ${head.subarray(0, 12).toString('hex')} are neither a ZMTP signature nor a ZMTP 1.0 identity frame`);
        return;
      }
      this.startFraming(c, d, { version: '1.0', mechanism: 'NULL', length: 0 });
      return;
    }
    const peerRevision = this.knownRevision(c.dirs[OTHER[d.dir]]);
    // libzmq facing a 1.0 peer sends only its signature, then its identity body: the signature is the
    // header of a 1.0 identity frame. Don't let the identity's first byte pass for a revision.
    const view = peerRevision === REVISION_1_0 && head.length > SIGNATURE_SIZE ? head.subarray(0, SIGNATURE_SIZE) : head;
    if (head.length > REVISION_OFFSET && peerRevision !== REVISION_1_0) d.revision = head[REVISION_OFFSET];
    const r = parseGreeting(view, peerRevision);
    if (r.status === 'more' || r.status === 'need-peer') return;
    // A ZMTP 3 sender that fell back to 1.0 still sent its signature: remember it offered more.
    if (r.status === 'done' && r.greeting.version === '1.0') r.greeting.revision = REVISION_3;
    if (r.status === 'error') {
      if (c.conn.midstream) {
        // Joined mid-stream, a 0xFF byte only suggested a greeting: look for frames instead.
        d.phase = 'resync';
        this.tryResync(c, d, false);
        return;
      }
      this.failDirection(c, d, `bad greeting: ${r.message}`, r.message, 0);
      return;
    }
    this.startFraming(c, d, r.greeting);
  }

  /** A direction that cannot go on: reported, the connection marked in error, nothing more decoded. */
  private failDirection(c: ConnState, d: DirState, message: string, stateReason: string, offset?: number): void {
    this.error(c, d, message, offset);
    c.info.state = 'error';
    c.info.stateReason = stateReason;
    d.phase = 'dead';
    d.head = EMPTY;
  }

  /**
   * Packet data is a view of a much larger read buffer. Decoders copy the bytes of an unfinished frame
   * they keep; the frames of an unfinished multipart message are kept here, so they are copied too: else
   * thousands of quiet connections would each keep a whole read buffer alive.
   */
  private ownPendingFrames(d: DirState): void {
    ownHeld(d, own);
  }

  private startFraming(c: ConnState, d: DirState, g: Greeting): void {
    d.greeting = g;
    d.revision = g.version === '1.0' ? REVISION_1_0 : g.revision ?? REVISION_1_0;
    d.framing = framingFor(g.version);
    const info = c.info;
    info.versions[d.dir] = g.version;
    const other = info.versions[OTHER[d.dir]];
    info.version = other ? lower(other, g.version) : g.version;
    const rest = d.head.subarray(g.length);
    const times = this.takeHeadTimes(d);
    d.head = EMPTY;
    d.decoder = new FrameDecoder(d.framing, this.opts.maxFrameSize);
    d.decoderBase = d.offset - rest.length;
    c.decodedAny = true;
    // The greeting's time is that of its last byte's packet, whatever bytes came after it.
    const latest = d.ts;
    d.ts = timeAt(times, d.offset - rest.length - 1, latest);
    if (g.version === '3.0' || g.version === '3.1') {
      const peerMech = c.dirs[OTHER[d.dir]].greeting?.mechanism;
      if (info.mechanism === undefined) info.mechanism = g.mechanism;
      this.emit({ ...this.base(c, d, 'greeting'), version: g.version, mechanism: g.mechanism, asServer: g.asServer === true });
      if (peerMech !== undefined && peerMech !== g.mechanism && c.dirs[OTHER[d.dir]].greeting!.version >= '3.0') {
        this.error(c, d, `mechanism mismatch: ${peerMech} on one side, ${g.mechanism} on the other`);
      }
      d.phase = 'frames';
    } else {
      if (g.socketType) info.socketTypes[d.dir] = g.socketType;
      if (info.mechanism === undefined) info.mechanism = 'NULL';
      // The greeting record waits for the identity frame so it can carry it.
      d.phase = 'identity';
    }
    d.ts = latest;
    if (rest.length > 0) this.replay(c, d, rest, times);
  }

  // ---- ZeroMQ over WebSocket ----

  /** The HTTP head of a ZWS connection: the client's upgrade request or the server's answer. */
  private tryUpgrade(c: ConnState, d: DirState): void {
    const head = parseHttpHead(d.head);
    if (head === 'more') {
      d.head = own(d.head);
      return;
    }
    if ('error' in head) {
      this.notZmtp(c, d, `HTTP: ${head.error}`);
      return;
    }
    const info = c.info;
    const times = this.takeHeadTimes(d);
    const rest = d.head.subarray(head.length);
    const latest = d.ts;
    d.ts = timeAt(times, d.offset - rest.length - 1, latest);
    const rec: UpgradeRecord = { ...this.base(c, d, 'upgrade') };
    d.ts = latest;
    const protocols = protocolList(head.headers.get('sec-websocket-protocol'));
    if (d.dir === 'c2s') {
      const offered = protocols.filter((p) => zwsMechanism(p) !== undefined);
      if (!/^websocket$/i.test(head.headers.get('upgrade') ?? '') || offered.length === 0) {
        this.notZmtp(c, d, `HTTP request ${JSON.stringify(head.startLine.slice(0, 80))} is not a ZeroMQ WebSocket upgrade (no ZWS2.0 subprotocol)`);
        return;
      }
      rec.path = head.startLine.split(' ')[1] ?? '';
      rec.offered = protocols;
      info.websocket = { path: rec.path };
    } else {
      const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head.startLine)?.[1] ?? NaN);
      rec.status = status;
      const chosen = protocols[0];
      if (chosen) rec.protocol = chosen;
      const mechanism = chosen ? zwsMechanism(chosen) : undefined;
      if (mechanism) {
        rec.mechanism = mechanism;
        info.mechanism = mechanism;
      }
      info.websocket = { ...info.websocket, protocol: chosen };
      if (status !== 101 || !mechanism) {
        this.emit(rec);
        const why = status !== 101 ? `the server answered HTTP ${Number.isNaN(status) ? JSON.stringify(head.startLine.slice(0, 40)) : status}` : `the server chose no ZWS subprotocol (${chosen ?? 'none'})`;
        this.failDirection(c, d, `WebSocket upgrade refused: ${why}`, `WebSocket upgrade refused: ${why}`);
        return;
      }
    }
    this.emit(rec);
    c.decodedAny = true;
    d.head = EMPTY;
    d.phase = 'ws';
    d.ws = new WsMessageReader(this.opts.maxFrameSize);
    if (rest.length > 0) this.replay(c, d, rest, times);
  }

  /** WebSocket messages of a ZWS stream: each binary one is a flags byte and a ZMTP frame body. */
  private decodeWs(c: ConnState, d: DirState, data: Buffer): void {
    const err = d.ws!.push(data, (opcode, payload) => {
      if (c.ignored || d.phase !== 'ws') return;
      if (opcode === WS_TEXT) {
        this.error(c, d, `text WebSocket message (${payload.length} bytes) in a ZWS stream, which uses binary messages`);
      } else if (opcode === WS_BINARY) {
        if (payload.length === 0) {
          this.error(c, d, 'empty WebSocket message: a ZWS message needs at least its flags byte');
          return;
        }
        const flags = payload[0];
        if (flags & ~0x03) this.error(c, d, `ZWS flags byte 0x${flags.toString(16)} has unknown bits set`);
        const command = (flags & 0x02) !== 0;
        if (command && payload.length === 1) {
          // libzmq's ws engine sends an empty COMMAND message as a keep-alive.
          c.info.counts[d.dir].frames++;
          this.emit({ ...this.base(c, d, 'command'), name: 'EMPTY', fields: { note: 'empty ZWS command message (libzmq keep-alive)' } });
          return;
        }
        this.onFrame(c, d, (flags & 0x01) !== 0, command, payload.subarray(1));
      }
      // Control frames (close, ping, pong) are WebSocket's own business.
    });
    this.ownPendingFrames(d);
    if (err && !c.ignored && d.phase === 'ws') {
      this.error(c, d, `malformed WebSocket stream: ${err}`);
      d.phase = 'dead';
      d.ws = undefined;
    }
  }

  // ---- frames ----

  private decode(c: ConnState, d: DirState, data: Buffer): void {
    let decoder = d.decoder;
    if (!decoder) {
      // Parked while the stream was quiet (see sweep): a fresh decoder continues where it stopped.
      decoder = d.decoder = new FrameDecoder(d.framing!, this.opts.maxFrameSize);
      decoder.offset = d.parkedOffset;
    }
    const chunkStart = d.offset - data.length - d.decoderBase;
    const sink = (more: boolean, command: boolean, body: Buffer) => this.onFrame(c, d, more, command, body);
    const err = decoder.push(data, sink);
    this.ownPendingFrames(d);
    if (!err || c.ignored || d.decoder !== decoder) return;
    if (err.kind === 'memory') {
      // Not the stream's fault, and its frame boundaries are lost with the frame: stop following it.
      d.frames = [];
      d.decoder = undefined;
      this.failDirection(c, d, `frame dropped: ${err.message}`, 'out of memory for a frame', d.decoderBase + err.offset);
      return;
    }
    this.error(c, d, `malformed frame: ${err.message}`, d.decoderBase + err.offset);
    // Resynchronise on what follows the bad header.
    const at = err.offset - chunkStart;
    d.frames = [];
    d.decoder = undefined;
    d.phase = 'resync';
    d.head = at >= 0 && at + 1 < data.length ? data.subarray(at + 1) : EMPTY;
    d.headTimes = d.head.length ? [{ end: d.offset, ts: d.ts }] : [];
    d.skipped += at >= 0 ? 1 : 0;
    if (d.head.length) this.tryResync(c, d, false);
  }

  private onFrame(c: ConnState, d: DirState, more: boolean, command: boolean, body: Buffer): void {
    const counts = c.info.counts[d.dir];
    counts.frames++;
    if (d.phase === 'identity') {
      // ZMTP 1.0/2.0 identity: part of the handshake, not a message (libzmq's 1.0 signature-as-header
      // even carries flags 0x7F, so MORE is meaningless here).
      d.phase = 'frames';
      d.ready = true;
      if (body.length > 0) c.info.identities[d.dir] = body.toString('hex');
      const g = d.greeting!;
      const offered: ZmtpVersion | undefined = g.revision !== undefined && g.revision >= REVISION_3 ? '3.0' : undefined;
      const rec: GreetingRecord = { ...this.base(c, d, 'greeting'), version: g.version, mechanism: 'NULL' };
      if (g.socketType) rec.socketType = g.socketType;
      rec.identity = body.toString('hex');
      if (offered) rec.offered = offered;
      this.emit(rec);
      this.updateState(c);
      return;
    }
    if (command) {
      if (heldCount(d) > 0) {
        this.error(c, d, `command frame inside a multipart message (${heldCount(d)} frames dropped)`);
        d.frames = [];
      }
      this.onCommand(c, d, body);
      return;
    }
    if (d.frames.length === 0 && isCurveBox(body) && (this.mechanismOf(c, d) === 'CURVE' || d.heuristic)) {
      // libzmq 4.3 sends CURVE MESSAGE boxes as data frames (no COMMAND flag, MORE is inside the box).
      if (c.info.mechanism === undefined) c.info.mechanism = 'CURVE';
      this.onCommand(c, d, body);
      return;
    }
    if (d.frames.length === 0 && body.length >= 12 && this.mechanismOf(c, d) === 'GSSAPI' && body.subarray(0, 8).equals(CURVE_MESSAGE_PREFIX)) {
      // A GSSAPI wrapped message, should the sender not have flagged it a command (as CURVE's are not).
      this.onCommand(c, d, body);
      return;
    }
    const held = holdFrame(d, body, more, this.messageCap);
    if (held.kind === 'complete') this.onMessage(c, d, held.frames);
    else if (held.kind === 'capped' || held.kind === 'ended') this.error(c, d, held.message);
  }

  private onCommand(c: ConnState, d: DirState, body: Buffer): void {
    const info = c.info;
    const raw = splitCommand(body);
    if (!raw && body.length >= 5 && body.subarray(0, 5).equals(LIBZMQ_BAD_ERROR)) {
      // libzmq 4.3 (seen from 4.3.4 and 4.3.5) writes its ZAP-refusal ERROR as "\x5ERROR": the C hex
      // escape ate the 'E' (RFC 23 wants "\x05ERROR"). Show the ERROR it means, and say it is malformed.
      this.onCommand(c, d, Buffer.concat([Buffer.from('\x05ERROR', 'latin1'), body.subarray(5)]));
      this.error(c, d, 'malformed ERROR command: name sent as "\\x5ERROR" (a libzmq 4.3 bug), decoded as ERROR');
      return;
    }
    info.counts[d.dir].commands++;
    this.totals.commands++;
    if (!raw) {
      this.error(c, d, `malformed command frame (${body.length} bytes): name length runs past the frame`);
      return;
    }
    const rec: CommandRecord = { ...this.base(c, d, 'command'), name: raw.name };
    const mechanism = this.mechanismOf(c, d) ?? (raw.name === 'MESSAGE' ? 'CURVE' : 'NULL');
    let problem: string | undefined;
    const sec = describeSecurity(mechanism, raw.name, raw.data);
    if (sec) {
      problem = sec.problem;
      if (sec.username !== undefined) {
        rec.username = sec.username;
        rec.password = sec.password;
        rec.cleartextCredentials = true;
        info.plainUser = sec.username;
      }
      if (sec.properties) {
        rec.properties = sec.properties;
        this.learnProperties(c, d, sec.properties, raw.data);
      }
      if (sec.curve) rec.curve = sec.curve;
      if (sec.gssapi) rec.gssapi = sec.gssapi;
      if (sec.encrypted) rec.encrypted = true;
      if (raw.name === 'READY' || raw.name === 'INITIATE') d.ready = true;
      if (raw.name === 'MESSAGE') {
        d.ready = true;
        info.counts[d.dir].boxes++;
        this.totals.boxes++;
        c.rate.add(d.ts, 1, raw.data.length);
        this.rate.add(d.ts, 1, raw.data.length);
      }
    } else {
      const cmd = parseCommand(body);
      if ('error' in cmd && cmd.error) problem = `${raw.name}: ${cmd.error}`;
      if ('properties' in cmd) {
        rec.properties = cmd.properties;
        this.learnProperties(c, d, cmd.properties, raw.data);
        d.ready = true;
      } else if ('reason' in cmd) {
        rec.reason = cmd.reason;
        info.state = 'error';
        info.stateReason = `${d.dir === 'c2s' ? 'client' : 'server'} sent ERROR: ${cmd.reason}`;
      } else if ('topic' in cmd) {
        rec.topic = cmd.topic.toString('hex');
        this.trackSubscription(c, d, cmd.name === 'SUBSCRIBE', rec.topic);
      } else if ('ttl' in cmd) {
        rec.ttl = cmd.ttl;
        rec.context = cmd.context.toString('hex');
      } else if (cmd.name === 'PONG' && 'context' in cmd) {
        rec.context = cmd.context.toString('hex');
      } else if ('data' in cmd && cmd.data.length > 0) {
        rec.fields = { data: this.hex(cmd.data).hex };
      }
    }
    this.emit(rec);
    if (problem) this.error(c, d, problem);
    this.updateState(c);
  }

  private mechanismOf(c: ConnState, d: DirState): string | undefined {
    return d.greeting?.version === '3.0' || d.greeting?.version === '3.1' ? d.greeting.mechanism : c.info.mechanism;
  }

  private learnProperties(c: ConnState, d: DirState, props: Record<string, string>, data: Buffer): void {
    const type = getProperty(props, 'Socket-Type');
    if (type) c.info.socketTypes[d.dir] = type;
    // Identity may be binary: take its raw bytes, not the UTF-8 text.
    const raw = decodeMetadata(data).raw;
    const key = Object.keys(raw).find((k) => k.toLowerCase() === 'identity');
    if (key && raw[key].length > 0) c.info.identities[d.dir] = raw[key].toString('hex');
  }

  private updateState(c: ConnState): void {
    if (c.info.state === 'handshake' && c.dirs.c2s.ready && c.dirs.s2c.ready) c.info.state = 'ready';
  }

  private onMessage(c: ConnState, d: DirState, frames: Buffer[]): void {
    const info = c.info;
    let bytes = 0;
    for (const f of frames) bytes += f.length;
    info.counts[d.dir].messages++;
    info.counts[d.dir].payloadBytes += bytes;
    this.totals.messages++;
    this.totals.payloadBytes += bytes;
    c.rate.add(d.ts, 1, bytes);
    this.rate.add(d.ts, 1, bytes);
    c.decodedAny = true;
    if (!d.ready && !d.heuristic) {
      // Not allowed before the handshake, but show it anyway.
      d.ready = true;
      this.error(c, d, 'message sent before the handshake completed');
    }

    const hexFrames: string[] = new Array(frames.length);
    const sizes: number[] = new Array(frames.length);
    const limit = this.opts.maxFrameBytes;
    let truncated = false;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      sizes[i] = f.length;
      if (f.length <= limit) hexFrames[i] = hexOf(f);
      else {
        hexFrames[i] = f.toString('hex', 0, limit);
        truncated = true;
      }
    }
    const rec: MessageRecord = {
      type: 'message', ts: d.ts, src: c.addr[d.dir], dst: c.addr[OTHER[d.dir]], conn: c.conn.id, dir: d.dir, frames: hexFrames, sizes,
    };
    if (truncated) rec.truncated = true;
    if (d.heuristic) rec.heuristic = true;

    const sender = info.socketTypes[d.dir];
    const receiver = info.socketTypes[OTHER[d.dir]];
    if (frames.length === 1 && ((sender && SUBSCRIBER_TYPES.has(sender)) || (receiver && PUBLISHER_TYPES.has(receiver)))) {
      const sub = parseLegacySubscription(frames[0]);
      if (sub) {
        rec.subscription = { subscribe: sub.subscribe, topic: sub.topic.toString('hex') };
        this.trackSubscription(c, d, sub.subscribe, rec.subscription.topic);
      }
    }
    if ((sender && ENVELOPE_TYPES.has(sender)) || (receiver && ENVELOPE_TYPES.has(receiver))) {
      const delimiter = frames.findIndex((f) => f.length === 0);
      if (delimiter >= 0 && delimiter < frames.length - 1) rec.envelope = rec.frames.slice(0, delimiter);
    }
    // REQ/REP pairing: requests flow from a REQ (or towards a REP); replies come back in order.
    if (isRequester(sender, receiver)) {
      c.requests.push(d.ts);
      if (c.requests.length > this.opts.maxPendingRequests) c.requests.shift();
    } else if (isRequester(receiver, sender)) {
      const reqTs = c.requests.shift();
      if (reqTs !== undefined) {
        const latency = this.roundTime(Math.max(0, d.ts - reqTs));
        rec.replyTo = { ts: reqTs, latency };
        info.pairs.matched++;
        info.pairs.totalLatency = this.roundTime(info.pairs.totalLatency + latency);
        info.pairs.maxLatency = Math.max(info.pairs.maxLatency, latency);
      }
    }
    this.emit(rec);
  }

  private trackSubscription(c: ConnState, d: DirState, subscribe: boolean, topic: string): void {
    c.info.subscriber = d.dir;
    if (subscribe) {
      if (c.subs.size < this.opts.maxSubscriptions) c.subs.add(topic);
    } else {
      c.subs.delete(topic);
    }
  }

  // ---- resynchronisation ----

  private tryResync(c: ConnState, d: DirState, final: boolean): void {
    const peer = c.dirs[OTHER[d.dir]];
    const framings: readonly StreamFraming[] = d.ws ? WS_ONLY : d.framing ? [d.framing] : peer.ws ? WS_ONLY : peer.framing ? [peer.framing] : UNKNOWN_FRAMINGS;
    let r: ResyncResult;
    for (;;) {
      r = findResync(d.head, framings, final);
      if (r.status !== 'wait' || r.offset === 0) break;
      d.skipped += r.offset;
      d.head = d.head.subarray(r.offset);
    }
    if (r.status === 'none') {
      d.skipped += r.discard;
      d.head = EMPTY;
      if (d.skipped > this.opts.resyncGiveUpBytes && !c.decodedAny) {
        this.notZmtp(c, d, `no ZMTP frames found in the first ${d.skipped} bytes`);
      }
      return;
    }
    if (r.status === 'wait') {
      // Copy what we keep so the rest of a big buffer can be freed.
      d.head = own(d.head);
      return;
    }
    const skipped = d.skipped + r.offset;
    d.skipped = 0;
    const rest = d.head.subarray(r.offset);
    const times = this.takeHeadTimes(d);
    if (skipped > 0) {
      // Timed by the packet of the last byte skipped.
      const latest = d.ts;
      d.ts = timeAt(times, d.offset - rest.length - 1, latest);
      this.error(c, d, `skipped ${skipped} bytes to find frame boundaries`, d.offset - rest.length - skipped);
      d.ts = latest;
    }
    d.heuristic = true;
    d.ready = true;
    d.head = EMPTY;
    if (r.framing === 'ws') {
      d.phase = 'ws';
      d.ws = new WsMessageReader(this.opts.maxFrameSize);
      if (c.info.websocket === undefined) c.info.websocket = {};
    } else {
      d.framing = r.framing;
      d.phase = 'frames';
      d.decoder = new FrameDecoder(r.framing, this.opts.maxFrameSize);
    }
    d.decoderBase = d.offset - rest.length;
    c.decodedAny = true;
    this.updateState(c);
    this.replay(c, d, rest, times);
  }

  // ---- held bytes and their times ----

  /** Appends a data event's bytes to `head`, noting when they came. */
  private holdBytes(d: DirState, data: Buffer): void {
    d.head = d.head.length ? Buffer.concat([d.head, data]) : data;
    const times = d.headTimes;
    // Times of bytes no longer held go (head only ever loses bytes at its front).
    const start = d.offset - d.head.length;
    let drop = 0;
    while (drop < times.length && times[drop].end <= start) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0 || times[times.length - 1].end < d.offset) times.push({ end: d.offset, ts: d.ts });
  }

  private takeHeadTimes(d: DirState): HeldTime[] {
    const times = d.headTimes;
    d.headTimes = [];
    return times;
  }

  /**
   * Feeds held bytes (the last `rest.length` bytes of the stream so far) again, one data event's worth
   * at a time with that event's time and stream offset, so each record gets the time of the packet that
   * completed it rather than the time of the packet that made the bytes decodable.
   */
  private replay(c: ConnState, d: DirState, rest: Buffer, times: HeldTime[]): void {
    const end = d.offset;
    const latest = d.ts;
    let at = end - rest.length;
    let i = 0;
    while (i < times.length && times[i].end <= at) i++;
    while (at < end && !c.ignored) {
      const to = i < times.length ? Math.min(times[i].end, end) : end;
      d.offset = to;
      d.ts = i < times.length ? times[i].ts : latest;
      this.feed(c, d, rest.subarray(at - (end - rest.length), to - (end - rest.length)));
      at = to;
      i++;
    }
    d.offset = end;
    d.ts = latest;
  }

  // ---- output ----

  private hex(b: Buffer): { hex: string; truncated: boolean } {
    if (b.length <= this.opts.maxFrameBytes) return { hex: b.toString('hex'), truncated: false };
    return { hex: b.subarray(0, this.opts.maxFrameBytes).toString('hex'), truncated: true };
  }

  /** A computed time (a difference or sum of capture times) to the capture's resolution. */
  private roundTime(seconds: number): number {
    return Math.round(seconds * this.timeTicksPerSecond) / this.timeTicksPerSecond;
  }

  private base<T extends InspectRecord['type']>(c: ConnState, d: DirState, type: T) {
    return { type, ts: d.ts, src: c.addr[d.dir], dst: c.addr[OTHER[d.dir]], conn: c.conn.id, dir: d.dir };
  }

  private error(c: ConnState, d: DirState, message: string, offset?: number): void {
    c.info.errors++;
    this.totals.errors++;
    const rec: ErrorRecord = { ...this.base(c, d, 'error'), message };
    if (offset !== undefined) rec.offset = offset;
    this.emit(rec);
  }

  private emit(record: InspectRecord): void {
    if (record.type !== 'open' && record.type !== 'close') {
      const c = this.open.get(record.conn);
      if (c && !c.announced && !c.ignored) {
        c.announced = true;
        const conn = c.conn;
        const open: ConnectionRecord = { type: 'open', ts: c.openTs, src: c.addr.c2s, dst: c.addr.s2c, conn: conn.id, dir: 'c2s' };
        if (conn.midstream) open.reason = 'midstream';
        this.emit(open);
      }
    }
    // Records are built with `type` first and without undefined fields, so JSON lines stay clean.
    this.options.onRecord(record);
  }
}

/** Time of the data event that carried the byte at stream offset `offset`, from a held-bytes record. */
function timeAt(times: HeldTime[], offset: number, fallback: number): number {
  for (const t of times) if (t.end > offset) return t.ts;
  return fallback;
}

/** Framings tried when neither side's greeting or upgrade was seen: ZMTP 3.x/2.0, then 1.0's
 *  (length-first), then ZWS WebSocket frames (a ws connection seen without its HTTP upgrade). */
const UNKNOWN_FRAMINGS: readonly StreamFraming[] = ['v3', 'v1', 'ws'];
const WS_ONLY: readonly StreamFraming[] = ['ws'];

const LIBZMQ_BAD_ERROR = Buffer.from('^RROR', 'latin1');
const CURVE_MESSAGE_PREFIX = Buffer.from('\x07MESSAGE', 'latin1');

/** A CURVE MESSAGE box: name, 8-byte nonce, at least a 16-byte tag and the flags byte. */
function isCurveBox(body: Buffer): boolean {
  return body.length >= 8 + 8 + 17 && body.subarray(0, 8).equals(CURVE_MESSAGE_PREFIX);
}

/** Node's Buffer method under toString('hex'), called without the argument handling that costs more than
 *  the encoding for the small frames most messages have; toString where a runtime lacks it. */
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (this: Buffer, start: number, end: number) => string }).hexSlice;
function hexOf(b: Buffer): string {
  return hexSlice !== undefined ? hexSlice.call(b, 0, b.length) : b.toString('hex');
}

/** `b` itself, or a copy when it is a small view of a much larger buffer (which it would keep alive).
 *  Node's small-buffer pool (where copies of small views go) counts as small. */
function own(b: Buffer): Buffer {
  const size = b.buffer.byteLength;
  return size > Buffer.poolSize && size > 2 * b.length + 1024 ? Buffer.from(b) : b;
}

function isRequester(type?: string, peer?: string): boolean {
  return type === 'REQ' || peer === 'REP';
}

function lower(a: ZmtpVersion, b: ZmtpVersion): ZmtpVersion {
  return VERSION_ORDER.indexOf(a) <= VERSION_ORDER.indexOf(b) ? a : b;
}
