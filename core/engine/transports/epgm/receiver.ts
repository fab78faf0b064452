// The receiving side of epgm:// (libzmq's pgm_receiver over OpenPGM): every datagram on the group's port
// is parsed and checked (malformed ones are counted and dropped, never thrown), downstream packets are
// sorted by TSI into PgmPeer sessions, NAKs go to each source's NLA and SPMRs to the group (TTL 1) and to
// the source's address. One timer serves all peers' NAK back-offs and retries, armed only while some
// peer waits for something.
import { encodePgmPacket, parsePgmPacket, gsiText, type PgmPacket } from '../../../pgm/index.js';
import type { Msg } from '../../pipe.js';
import { MessageStream } from './message-stream.js';
import { PgmPeer } from './peer.js';
import { MAX_PEERS, NAK_LIST_MAX, PEER_EXPIRY_MS } from './params.js';

export interface PgmReceiverConfig {
  /** The endpoint's port: data-destination port of the sessions we follow. */
  destPort: number;
  group: string;
  windowPackets: number;
  maxMessageSize: number;
  /** Sends a packet to `address`:destPort (unicast) or to the group. */
  send(packet: Buffer, address: string): void;
  deliver(msg: Msg): void;
  /** Sources to ignore (our own sending sessions on the same endpoint). */
  isOwnSession?(gsi: Buffer, sourcePort: number): boolean;
}

export interface PgmReceiverStats {
  malformed: number;
  ignored: number;
  peersRefused: number;
}

export class PgmReceiver {
  readonly stats: PgmReceiverStats = { malformed: 0, ignored: 0, peersRefused: 0 };
  readonly peers = new Map<string, PgmPeer>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private closed = false;

  constructor(private readonly cfg: PgmReceiverConfig) {}

  /** One UDP datagram from `from` (its source address). */
  onDatagram(data: Buffer, from: string): void {
    if (this.closed) return;
    const parsed = parsePgmPacket(data);
    if (!parsed.ok) {
      this.stats.malformed++;
      return;
    }
    const p = parsed.packet;
    const now = performance.now();
    if (p.type === 'SPMR') {
      // Another receiver's multicast SPMR about a source we follow: ours can wait.
      if (p.sourcePort === this.cfg.destPort) this.peers.get(key(p.gsi, p.destPort))?.peerSpmr(now);
      return;
    }
    if (p.type !== 'SPM' && p.type !== 'ODATA' && p.type !== 'RDATA' && p.type !== 'NCF') {
      this.stats.ignored++;
      return;
    }
    // OpenPGM: a downstream packet for another data-destination port belongs to another session.
    if (p.destPort !== this.cfg.destPort || this.cfg.isOwnSession?.(p.gsi, p.sourcePort)) {
      this.stats.ignored++;
      return;
    }
    const peer = this.peerFor(p, from, now);
    if (!peer) return;
    peer.lastHeard = now;
    switch (p.type) {
      case 'SPM':
        peer.onSpm(p.sqn, p.trail, p.lead, p.pathNla, now);
        break;
      case 'ODATA':
      case 'RDATA':
        peer.onData(p.type, p.sqn, p.trail, p.data, p.options, now);
        break;
      case 'NCF': {
        const sqns = [p.sqn];
        for (const o of p.options) if (o.name === 'nak-list') sqns.push(...o.sqns);
        peer.onNcf(sqns, now);
        break;
      }
    }
    this.arm();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.peers.clear();
  }

  private peerFor(p: PgmPacket, from: string, now: number): PgmPeer | undefined {
    const k = key(p.gsi, p.sourcePort);
    let peer = this.peers.get(k);
    if (peer) return peer;
    // A session is only opened by what can start one: its data or its SPM, not a stray NCF.
    if (p.type === 'NCF') return undefined;
    if (this.peers.size >= MAX_PEERS) {
      this.expire(now);
      if (this.peers.size >= MAX_PEERS) {
        this.stats.peersRefused++;
        return undefined;
      }
    }
    const stream = new MessageStream(this.cfg.maxMessageSize, this.cfg.deliver);
    peer = new PgmPeer(Buffer.from(p.gsi), p.sourcePort, from, stream, this.cfg.windowPackets, now);
    this.peers.set(k, peer);
    return peer;
  }

  private expire(now: number): void {
    for (const [k, peer] of this.peers) if (now - peer.lastHeard > PEER_EXPIRY_MS) this.peers.delete(k);
  }

  /** Sets the timer for the earliest peer deadline (or leaves it when an earlier one is set). */
  private arm(): void {
    let at = Infinity;
    for (const peer of this.peers.values()) {
      const d = peer.nextDeadline();
      if (d !== undefined && d < at) at = d;
    }
    if (at === Infinity || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    // The tick runs after the next I/O poll (setImmediate), so repairs already in the socket are read
    // before their waits are judged expired.
    this.timer = setTimeout(() => setImmediate(() => this.tick()), Math.max(1, Math.ceil(at - performance.now())));
  }

  private tick(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    const now = performance.now();
    for (const peer of this.peers.values()) {
      const due = peer.tick(now);
      if (due.spmr) this.sendSpmr(peer);
      for (let i = 0; i < due.nak.length; i += NAK_LIST_MAX) this.sendNak(peer, due.nak.slice(i, i + NAK_LIST_MAX));
    }
    this.expire(now);
    this.arm();
  }

  private sendNak(peer: PgmPeer, sqns: number[]): void {
    if (peer.nla === undefined) return;
    // Upstream packets swap the ports: ours (the data-destination port) first, the source's TSI port second.
    this.cfg.send(
      encodePgmPacket({
        type: 'NAK',
        sourcePort: this.cfg.destPort,
        destPort: peer.sourcePort,
        gsi: peer.gsi,
        sqn: sqns[0],
        sourceNla: peer.nla,
        groupNla: this.cfg.group,
        options: sqns.length > 1 ? [{ name: 'nak-list', sqns: sqns.slice(1) }] : undefined,
      }),
      peer.nla,
    );
  }

  private sendSpmr(peer: PgmPeer): void {
    const spmr = encodePgmPacket({ type: 'SPMR', sourcePort: this.cfg.destPort, destPort: peer.sourcePort, gsi: peer.gsi });
    this.cfg.send(spmr, this.cfg.group);
    this.cfg.send(spmr, peer.sourceAddress);
  }
}

function key(gsi: Buffer, sourcePort: number): string {
  return `${gsiText(gsi)}.${sourcePort}`;
}
