// RADIO/DISH over udp:// in captures (libzmq's draft UDP engine): each UDP datagram is one message, laid
// out as a group length byte, the group, then the body. There is no greeting or port to go by, so
// datagrams are recognised by that shape on any port:
// - a group of 1..255 printable ASCII bytes that fits in the datagram;
// - a flow (source -> destination address and port) is confirmed by a datagram whose group is shorter
//   than 32 bytes, whose length byte is then not printable itself: text protocols (syslog, SSDP, ...)
//   start with a printable byte and would otherwise pass for a long group. Longer groups are believed
//   only on a confirmed flow;
// - a datagram that is a valid PGM packet (EPGM, pgm-sniffer.ts) is left to PGM.
// Each flow is one connection (`client` the RADIO side, `server` the DISH side), closed at the end.
import { formatEndpoint } from '../capture/types.js';
import { IPPROTO_UDP, readUdp, type IpDatagram } from '../capture/datagram.js';
import { parsePgmPacket } from '../pgm/packets.js';
import { openedConnectionInfo, type ConnectionInfo } from './connection.js';
import type { ConnectionRecord, InspectRecord, MessageRecord } from './records.js';
import { RateSeries } from './stats.js';

export interface RadioDishOptions {
  onRecord: (r: InspectRecord) => void;
  nextId: () => number;
  /** Body bytes put in a record's hex; longer bodies are cut and the record marked truncated. */
  maxFrameBytes: number;
  bucketSeconds: number;
  /** The inspector's totals and message rate, which RADIO/DISH messages count in too. */
  totals: { connections: number; messages: number; payloadBytes: number; wireBytes: number };
  rate: RateSeries;
  /** Flows tracked at once; the least recently active is closed beyond it (default 10000). */
  maxFlows?: number;
  /** Groups remembered per flow (default 1024). */
  maxGroups?: number;
}

interface Flow {
  key: string;
  info: ConnectionInfo;
  groups: Set<string>;
  rate: RateSeries;
}

/** Groups of libzmq's RADIO/DISH are at most 255 bytes (ZMQ_GROUP_MAX_LENGTH). */
const PRINTABLE_LENGTH_BYTE = 0x20;

/** The group of a datagram shaped like RADIO/DISH, or undefined. `long` allows length bytes >= 0x20. */
export function radioGroup(payload: Buffer, long: boolean): string | undefined {
  if (payload.length < 1) return undefined;
  const n = payload[0];
  if (n === 0 || 1 + n > payload.length) return undefined;
  if (n >= PRINTABLE_LENGTH_BYTE && !long) return undefined;
  for (let i = 1; i <= n; i++) {
    const b = payload[i];
    if (b < 0x20 || b > 0x7e) return undefined;
  }
  return payload.toString('latin1', 1, 1 + n);
}

export class RadioDishSniffer {
  private readonly flows = new Map<string, Flow>(); // least recently active first
  private readonly maxFlows: number;
  private readonly maxGroups: number;
  private readonly closed: ConnectionInfo[] = [];

  constructor(private readonly o: RadioDishOptions) {
    this.maxFlows = Math.max(1, o.maxFlows ?? 10000);
    this.maxGroups = o.maxGroups ?? 1024;
  }

  get openCount(): number {
    return this.flows.size;
  }

  /** Takes a datagram when it is RADIO/DISH; returns whether it was. */
  push(d: IpDatagram, ts: number): boolean {
    if (d.protocol !== IPPROTO_UDP) return false;
    const u = readUdp(d);
    if (typeof u === 'string') return false;
    const src = formatEndpoint({ ip: d.src, port: u.srcPort });
    const dst = formatEndpoint({ ip: d.dst, port: u.dstPort });
    const key = `${src}>${dst}`;
    let flow = this.flows.get(key);
    const group = radioGroup(u.payload, flow !== undefined);
    if (group === undefined) return false;
    if (flow === undefined) {
      if (u.payload.length >= 16 && parsePgmPacket(u.payload).ok) return false;
      flow = this.openFlow(key, src, dst, ts);
    } else {
      this.flows.delete(key);
      this.flows.set(key, flow);
    }
    const body = u.payload.subarray(1 + group.length);
    const size = u.length - 1 - group.length;
    const info = flow.info;
    info.lastTs = ts;
    info.counts.c2s.messages++;
    info.counts.c2s.frames++;
    info.counts.c2s.payloadBytes += size;
    info.counts.c2s.wireBytes += u.length;
    this.o.totals.messages++;
    this.o.totals.payloadBytes += size;
    this.o.totals.wireBytes += u.length;
    flow.rate.add(ts, 1, size);
    this.o.rate.add(ts, 1, size);
    if (flow.groups.size < this.maxGroups) flow.groups.add(group);
    const shown = body.length > this.o.maxFrameBytes ? body.subarray(0, this.o.maxFrameBytes) : body;
    const rec: MessageRecord = {
      type: 'message',
      ts,
      src,
      dst,
      conn: info.id,
      dir: 'c2s',
      frames: [shown.toString('hex')],
      sizes: [size],
      group,
    };
    if (shown.length < size) rec.truncated = true;
    this.o.onRecord(rec);
    return true;
  }

  private openFlow(key: string, src: string, dst: string, ts: number): Flow {
    if (this.flows.size >= this.maxFlows) this.closeFlow(this.flows.values().next().value as Flow, ts, 'evicted');
    const id = this.o.nextId();
    const info: ConnectionInfo = {
      ...openedConnectionInfo(id, src, dst, false, 'ready', ts),
      socketTypes: { c2s: 'RADIO', s2c: 'DISH' },
      transport: 'udp',
    };
    const flow: Flow = { key, info, groups: new Set(), rate: new RateSeries(this.o.bucketSeconds, 120) };
    this.flows.set(key, flow);
    this.o.totals.connections++;
    const open: ConnectionRecord = { type: 'open', ts, src, dst, conn: id, dir: 'c2s', reason: 'udp RADIO/DISH' };
    this.o.onRecord(open);
    return flow;
  }

  private closeFlow(flow: Flow, ts: number, reason: string): void {
    this.flows.delete(flow.key);
    const info = this.snapshot(flow);
    info.state = 'closed';
    info.stateReason = reason;
    info.closedAt = ts;
    this.closed.push(info);
    if (this.closed.length > this.maxFlows) this.closed.shift();
    this.o.onRecord({ type: 'close', ts, src: info.client, dst: info.server, conn: info.id, dir: 'c2s', reason });
  }

  private snapshot(flow: Flow): ConnectionInfo {
    const i = flow.info;
    return {
      ...i,
      socketTypes: { ...i.socketTypes },
      counts: { c2s: { ...i.counts.c2s }, s2c: { ...i.counts.s2c } },
      subscriptions: [...flow.groups],
      rate: flow.rate.snapshot(),
    };
  }

  /** Closes every flow (end of a capture): UDP has no end of its own. */
  end(ts: number): void {
    for (const flow of [...this.flows.values()]) this.closeFlow(flow, ts, 'end-of-capture');
  }

  /** Open flows, then closed ones. */
  connections(): ConnectionInfo[] {
    return [...[...this.flows.values()].map((f) => this.snapshot(f)), ...this.closed.map((i) => ({ ...i }))];
  }

  connection(id: number): ConnectionInfo | undefined {
    for (const f of this.flows.values()) if (f.info.id === id) return this.snapshot(f);
    const c = this.closed.find((i) => i.id === id);
    return c && { ...c };
  }
}
