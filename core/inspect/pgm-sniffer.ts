// PGM and EPGM in captures: libzmq's pgm:// (PGM right over IP, protocol 113) and epgm:// (the same
// packets in UDP datagrams, on any port). An EPGM datagram is recognised by a valid PGM header and
// checksum; once a UDP port has carried one, later datagrams to it that do not parse are reported as
// malformed PGM rather than passed over as other UDP.
//
// Each transport session (TSI: GSI + source port) is one connection, `client` its source and `server` its
// group. Every packet becomes a 'pgm' record with its fields; the data (ODATA/RDATA) goes through a
// PgmStream (pgm-stream.ts) that rebuilds libzmq's ZMTP/1.0 messages in sequence order and reports
// losses, repairs and copies.
import { diagnose, type Diagnostic } from '../capture/diagnostics.js';
import type { IpDatagram } from '../capture/datagram.js';
import { IPPROTO_UDP, readUdp } from '../capture/datagram.js';
import { IPPROTO_PGM, isUpstreamType } from '../pgm/constants.js';
import { tsiKey, tsiOf, type PgmHeader } from '../pgm/header.js';
import type { PgmOption } from '../pgm/options.js';
import { parsePgmPacket, type PgmPacket } from '../pgm/packets.js';
import { readZmqPgmChunk } from '../pgm/zmq-framing.js';
import { openedConnectionInfo, type ConnectionInfo, type PgmSessionInfo } from './connection.js';
import type { MessageCap } from './held-message.js';
import { PgmStream } from './pgm-stream.js';
import type { ConnectionRecord, ErrorRecord, InspectRecord, MessageRecord, PgmRecord } from './records.js';
import { RateSeries } from './stats.js';

export interface PgmSnifferOptions {
  onRecord: (r: InspectRecord) => void;
  /** Connection ids, shared with TCP connections so that every id in a capture is unique. */
  nextId: () => number;
  maxFrameBytes: number;
  maxFrameSize: number;
  cap: MessageCap;
  bucketSeconds: number;
  /** The inspector's message rate over time, which PGM messages count in too. */
  rate: RateSeries;
  /** Sessions tracked at once (least recently active closed beyond it) and closed ones remembered. */
  maxSessions?: number;
  maxClosedSessions?: number;
  maxPendingPackets?: number;
  maxPendingBytes?: number;
  /** Data sequence numbers further than this from the expected one are not believed (default 2^20). */
  maxJump?: number;
}

export interface PgmTotals {
  connections: number;
  messages: number;
  payloadBytes: number;
  wireBytes: number;
  errors: number;
}

interface Session {
  id: number;
  tsi: string;
  info: ConnectionInfo & { pgm: PgmSessionInfo };
  stream: PgmStream;
  rate: RateSeries;
  /** Record being handled, for the stream's callbacks. */
  ts: number;
  /** The source said the session is over (OPT_FIN) or reset (OPT_RST). */
  ended?: 'fin' | 'rst';
}

/** Where a packet came from and went, as records show it. */
interface Hop {
  transport: 'pgm' | 'epgm';
  src: string;
  dst: string;
  srcIp: string;
  dstIp: string;
  wire: number;
}

const UPSTREAM_DIR = 's2c';
const DOWNSTREAM_DIR = 'c2s';

export class PgmSniffer {
  readonly totals: PgmTotals = { connections: 0, messages: 0, payloadBytes: 0, wireBytes: 0, errors: 0 };
  private readonly open = new Map<string, Session>();
  private readonly closed: ConnectionInfo[] = [];
  /** UDP ports that have carried EPGM. */
  private readonly epgmPorts = new Set<number>();
  constructor(private readonly o: PgmSnifferOptions) {}

  /** Takes an IP datagram that is not TCP; anything but PGM and EPGM is passed over. */
  push(d: IpDatagram, ts: number): void {
    if (d.protocol === IPPROTO_PGM) {
      const hop =
        (port: (h: PgmHeader) => [number, number]) =>
        (h?: PgmHeader): Hop => {
          const [sp, dp] = h ? port(h) : [0, 0];
          return { transport: 'pgm', src: `${d.src}:${sp}`, dst: `${d.dst}:${dp}`, srcIp: d.src, dstIp: d.dst, wire: d.length };
        };
      this.packet(
        d.payload,
        d.payload.length < d.length,
        ts,
        hop((h) => [h.sourcePort, h.destPort]),
      );
      return;
    }
    if (d.protocol !== IPPROTO_UDP) return;
    const u = readUdp(d);
    if (typeof u === 'string') return;
    const known = this.epgmPorts.has(u.dstPort);
    const cut = u.payload.length < u.length;
    // Unknown UDP is EPGM only if it is a whole, valid PGM packet with a checksum: cheap to refuse early.
    if (!known && (cut || u.payload.length < 16 || (u.payload[6] === 0 && u.payload[7] === 0))) return;
    const hop = (): Hop => ({
      transport: 'epgm',
      src: `${d.src}:${u.srcPort}`,
      dst: `${d.dst}:${u.dstPort}`,
      srcIp: d.src,
      dstIp: d.dst,
      wire: u.length,
    });
    if (!known) {
      const r = parsePgmPacket(u.payload);
      if (!r.ok) return;
      // Bounded: a capture cannot make this grow without end (the oldest port is forgotten first).
      if (this.epgmPorts.size >= 4096) this.epgmPorts.delete(this.epgmPorts.values().next().value!);
      this.epgmPorts.add(u.dstPort);
      this.take(r.packet, ts, hop());
      return;
    }
    this.packet(u.payload, cut, ts, hop);
  }

  private packet(bytes: Buffer, cut: boolean, ts: number, hop: (h?: PgmHeader) => Hop): void {
    if (cut) {
      // The snap length cut it: the checksum cannot be checked and data would be incomplete.
      const header = bytes.length >= 16 ? parsePgmPacket(bytes, { verifyChecksum: false }) : undefined;
      const h = header && !header.ok ? header.header : header?.ok ? header.packet.header : undefined;
      this.malformed(h, hop(h), ts, diagnose('PGM_CUT', bytes.length));
      return;
    }
    const r = parsePgmPacket(bytes);
    if (!r.ok) {
      this.malformed(r.header, hop(r.header), ts, diagnose(r.code, r.message));
      return;
    }
    this.take(r.packet, ts, hop(r.packet.header));
  }

  /** A packet that did not parse: an error record, on its session when its header names a known one. */
  private malformed(h: PgmHeader | undefined, hop: Hop, ts: number, problem: Diagnostic): void {
    this.totals.errors++;
    const upstream = h ? isUpstreamType(h.type) : false;
    const s = h ? this.open.get(tsiKey(tsiOf(h))) : undefined;
    if (s) {
      s.info.errors++;
      s.info.pgm.malformed++;
    }
    const rec: ErrorRecord = {
      type: 'error',
      ts,
      src: hop.src,
      dst: hop.dst,
      conn: s?.id ?? 0,
      dir: upstream ? UPSTREAM_DIR : DOWNSTREAM_DIR,
      message: problem.message,
      code: problem.code,
      severity: problem.severity,
    };
    this.o.onRecord(rec);
  }

  private take(p: PgmPacket, ts: number, hop: Hop): void {
    const tsi = tsiOf(p.header);
    const key = tsiKey(tsi);
    const upstream = isUpstreamType(p.header.type);
    let s = this.open.get(key);
    if (!s) s = this.openSession(key, tsi.sourcePort, p, hop, ts);
    else {
      // Most recently active last, for eviction.
      this.open.delete(key);
      this.open.set(key, s);
    }
    s.ts = ts;
    const info = s.info;
    const pgm = info.pgm;
    info.lastTs = ts;
    pgm.packets[p.type] = (pgm.packets[p.type] ?? 0) + 1;
    info.counts[upstream ? UPSTREAM_DIR : DOWNSTREAM_DIR].wireBytes += hop.wire;
    this.totals.wireBytes += hop.wire;
    const rec: PgmRecord = {
      type: 'pgm',
      ts,
      src: hop.src,
      dst: hop.dst,
      conn: s.id,
      dir: upstream ? UPSTREAM_DIR : DOWNSTREAM_DIR,
      packet: p.type,
      transport: hop.transport,
      tsi: key,
    };
    if (!upstream && info.server.startsWith('?')) info.server = `${hop.dstIp}:${p.destPort}`;
    if (!upstream && info.client.startsWith('?')) info.client = `${hop.srcIp}:${tsi.sourcePort}`;
    switch (p.type) {
      case 'SPM':
        Object.assign(rec, { sqn: p.sqn, trail: p.trail, lead: p.lead, nla: p.pathNla });
        pgm.trail = p.trail;
        pgm.lead = p.lead;
        break;
      case 'ODATA':
      case 'RDATA': {
        rec.sqn = p.sqn;
        rec.trail = p.trail;
        rec.tsduLength = p.data.length;
        const c = p.options.some((o) => o.name === 'fragment') ? undefined : readZmqPgmChunk(p.data);
        if (c && !('code' in c)) rec.firstMessage = c.firstFrame ?? null;
        break;
      }
      case 'NAK':
      case 'NNAK':
      case 'NCF':
        Object.assign(rec, { sqn: p.sqn, sourceNla: p.sourceNla, groupNla: p.groupNla });
        break;
      case 'POLL':
      case 'POLR':
        Object.assign(rec, { sqn: p.sqn });
        break;
      default:
        break;
    }
    if (p.options.length) rec.options = p.options.map(optionJson);
    if (p.type === 'NAK' || p.type === 'NCF') {
      const n = 1 + p.options.reduce((a, o) => a + (o.name === 'nak-list' ? o.sqns.length : 0), 0);
      if (p.type === 'NAK') pgm.naks += n;
      else pgm.ncfs += n;
    }
    // The stream's records (messages, losses) follow the packet's own record.
    if (p.type === 'ODATA' || p.type === 'RDATA') {
      const before = { lost: s.stream.lost, repaired: s.stream.repaired };
      const pending: InspectRecord[] = [];
      this.deferred = pending;
      rec.status = s.stream.data(p.sqn, p.data, p.options, p.type === 'RDATA');
      this.deferred = undefined;
      this.o.onRecord(rec);
      for (const r of pending) this.o.onRecord(r);
      if (s.stream.lost !== before.lost || s.stream.repaired !== before.repaired) this.syncCounts(s);
    } else {
      this.o.onRecord(rec);
      if (p.type === 'SPM') s.stream.trail(p.trail);
    }
    this.syncCounts(s);
    // OpenPGM repeats its closing SPM (OPT_FIN) a few times: the session ends, but its later packets are
    // still its own; the close record comes at the end of the capture (or eviction) with this reason.
    const end = p.options.find((o) => o.name === 'fin' || o.name === 'rst');
    if (end) s.ended = end.name === 'fin' ? 'fin' : 'rst';
  }

  /** Records made while a data packet is handled wait here, to come after that packet's record. */
  private deferred: InspectRecord[] | undefined;

  private emit(r: InspectRecord): void {
    if (this.deferred) this.deferred.push(r);
    else this.o.onRecord(r);
  }

  private syncCounts(s: Session): void {
    const pgm = s.info.pgm;
    pgm.lost = s.stream.lost;
    pgm.repaired = s.stream.repaired;
    pgm.duplicates = s.stream.duplicates;
    pgm.lateJoin = s.stream.lateJoin;
    pgm.skippedBytes = s.stream.skippedBytes;
    pgm.nextSqn = s.stream.next;
  }

  private openSession(key: string, sourcePort: number, p: PgmPacket, hop: Hop, ts: number): Session {
    if (this.open.size >= (this.o.maxSessions ?? 10000)) {
      const oldest = this.open.values().next().value;
      if (oldest) this.closeSession(oldest, ts, oldest.ended ?? 'evicted');
    }
    const upstream = isUpstreamType(p.header.type);
    // The source and group are known from a downstream packet; an upstream one (a receiver's NAK or SPMR)
    // names them only in part until then.
    const client = upstream
      ? `?${p.type === 'NAK' || p.type === 'NNAK' ? p.sourceNla : hop.dstIp}:${sourcePort}`
      : `${hop.srcIp}:${sourcePort}`;
    const server = upstream
      ? `?${p.type === 'NAK' || p.type === 'NNAK' ? p.groupNla : hop.dstIp}:${p.sourcePort}`
      : `${hop.dstIp}:${p.destPort}`;
    const id = this.o.nextId();
    const info: Session['info'] = {
      ...openedConnectionInfo(id, client, server, false, 'ready', ts),
      pgm: {
        transport: hop.transport,
        tsi: key,
        packets: {},
        lost: 0,
        repaired: 0,
        duplicates: 0,
        naks: 0,
        ncfs: 0,
        malformed: 0,
        lateJoin: false,
        skippedBytes: 0,
      },
    };
    const s: Session = {
      id,
      tsi: key,
      info,
      rate: new RateSeries(this.o.bucketSeconds, 120),
      ts,
      stream: undefined as unknown as PgmStream,
    };
    s.stream = new PgmStream(
      {
        maxPendingPackets: this.o.maxPendingPackets ?? 4096,
        maxPendingBytes: this.o.maxPendingBytes ?? 16 * 1024 * 1024,
        maxJump: this.o.maxJump ?? 1 << 20,
        maxFrameSize: this.o.maxFrameSize,
        cap: this.o.cap,
      },
      {
        message: (frames, sqn, repaired) => this.message(s, frames, sqn, repaired),
        loss: (first, last, reason) =>
          this.emit({ ...this.base(s, 'loss'), tsi: s.tsi, first, last, count: ((last - first) >>> 0) + 1, reason }),
        problem: (problem) => {
          s.info.errors++;
          this.totals.errors++;
          this.emit({ ...this.base(s, 'error'), message: problem.message, code: problem.code, severity: problem.severity });
        },
      },
    );
    this.open.set(key, s);
    this.totals.connections++;
    const open: ConnectionRecord = {
      type: 'open',
      ts,
      src: info.client.replace(/^\?/, ''),
      dst: info.server.replace(/^\?/, ''),
      conn: id,
      dir: 'c2s',
      reason: `${hop.transport} session ${key}`,
    };
    this.o.onRecord(open);
    return s;
  }

  private base<T extends string>(s: Session, type: T) {
    return {
      type,
      ts: s.ts,
      src: s.info.client.replace(/^\?/, ''),
      dst: s.info.server.replace(/^\?/, ''),
      conn: s.id,
      dir: DOWNSTREAM_DIR as 'c2s',
    };
  }

  private message(s: Session, frames: Buffer[], sqn: number, repaired: boolean): void {
    const info = s.info;
    let bytes = 0;
    const hex: string[] = new Array(frames.length);
    const sizes: number[] = new Array(frames.length);
    let truncated = false;
    const limit = this.o.maxFrameBytes;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      bytes += f.length;
      sizes[i] = f.length;
      if (f.length > limit) {
        hex[i] = f.subarray(0, limit).toString('hex');
        truncated = true;
      } else hex[i] = f.toString('hex');
    }
    info.version = '1.0';
    info.counts.c2s.messages++;
    info.counts.c2s.frames += frames.length;
    info.counts.c2s.payloadBytes += bytes;
    this.totals.messages++;
    this.totals.payloadBytes += bytes;
    s.rate.add(s.ts, 1, bytes);
    this.o.rate.add(s.ts, 1, bytes);
    const rec: MessageRecord = { ...this.base(s, 'message'), frames: hex, sizes, sqn };
    if (truncated) rec.truncated = true;
    if (repaired) rec.repaired = true;
    this.emit(rec);
  }

  private closeSession(s: Session, ts: number, reason: string): void {
    s.ts = ts;
    s.stream.end();
    this.syncCounts(s);
    this.open.delete(s.tsi);
    s.info.state = 'closed';
    s.info.closedAt = ts;
    this.closed.push(this.snapshot(s));
    if (this.closed.length > (this.o.maxClosedSessions ?? 10000)) this.closed.shift();
    this.o.onRecord({ ...this.base(s, 'close'), reason });
  }

  /** End of the capture: every session closes, holes still waiting are reported lost. */
  end(ts: number): void {
    for (const s of [...this.open.values()]) this.closeSession(s, ts, s.ended ?? 'end-of-capture');
  }

  private snapshot(s: Session): ConnectionInfo {
    const i = s.info;
    return {
      ...i,
      client: i.client.replace(/^\?/, ''),
      server: i.server.replace(/^\?/, ''),
      counts: { c2s: { ...i.counts.c2s }, s2c: { ...i.counts.s2c } },
      rate: s.rate.snapshot(),
      pgm: { ...i.pgm, packets: { ...i.pgm.packets } },
    };
  }

  /** Open sessions first, then closed ones. */
  sessions(): ConnectionInfo[] {
    return [...[...this.open.values()].map((s) => this.snapshot(s)), ...this.closed.map((c) => ({ ...c }))];
  }

  session(id: number): ConnectionInfo | undefined {
    for (const s of this.open.values()) if (s.id === id) return this.snapshot(s);
    const c = this.closed.find((x) => x.id === id);
    return c && { ...c };
  }

  get openCount(): number {
    return this.open.size;
  }
}

/** An option as JSON: its name and fields, byte fields in hex. */
function optionJson(o: PgmOption): Record<string, unknown> {
  return o.name === 'other' ? { ...o, body: o.body.toString('hex') } : { ...o };
}
