// The sending side of a PGM session (RFC 3208 as OpenPGM implements it, driven the way libzmq's
// pgm_sender does): messages become one continuous stream of ZMTP/1.0 frames, cut into TSDUs of at most
// PGM_MSS bytes, each prefixed with the 16-bit offset of the first message that starts in it (0xFFFF when
// none does), so a receiver that joins late or lost data can find a whole message again. Each TSDU is one
// ODATA packet (libzmq never hands OpenPGM more than one TSDU at a time, so there is no OPT_FRAGMENT on the
// wire from a libzmq source either). The packets stay in a transmit window sized from rate and recovery
// interval; a valid NAK is confirmed at once with an NCF to the group and answered with RDATA from the
// window. SPMs announce the source (three at start), follow data as heartbeats and keep going as ambient
// SPMs; an SPMR is answered with an SPM. Sending is paced to `rate` with a token bucket, as OpenPGM's rate
// control does: while the bucket is empty no message is taken from the pipe, so the PUB's HWM applies.
import { encodeMessage } from '../../../zmtp/frame.js';
import { encodePgmPacket, sqnAdd, sqnDiff, writeZmqPgmChunk, type PgmOption, type PgmPacket } from '../../../pgm/index.js';
import type { Msg } from '../../pipe.js';
import { AMBIENT_SPM_MS, ANNOUNCE_SPMS, HEARTBEAT_SPM_MS, IP_UDP_OVERHEAD, NAK_LIST_MAX } from './params.js';

export interface PgmSenderConfig {
  gsi: Buffer;
  /** The TSI's source port (random, as OpenPGM picks it). */
  sourcePort: number;
  /** The data-destination port: the endpoint's port. */
  destPort: number;
  group: string;
  /** Our unicast address on the interface: the SPM's path NLA, where NAKs come to. */
  nla: string;
  maxTsdu: number;
  rateBytesPerSec: number;
  windowPackets: number;
  /** Sends a packet to the group. */
  send(packet: Buffer): void;
  /** Takes the next message to send, or undefined when none waits. */
  next(): Msg | undefined;
}

/** What the sender did, for tests and diagnostics. */
export interface PgmSenderStats {
  odata: number;
  rdata: number;
  spm: number;
  ncf: number;
  naksReceived: number;
  naksRejected: number;
}

/** The bucket holds this much of the rate: bursts no larger, so receivers' socket buffers keep up. */
const BUCKET_MS = 10;

export class PgmSender {
  readonly stats: PgmSenderStats = { odata: 0, rdata: 0, spm: 0, ncf: 0, naksReceived: 0, naksRejected: 0 };
  private nextSqn = 0;
  /** Oldest sequence number still in the window (nextSqn when it is empty). */
  private trail = 0;
  /** TSDUs by sequence number, for repairs. */
  private readonly window = new Map<number, Buffer>();
  private spmSqn = 0;
  private heartbeat = 0;
  private spmTimer?: NodeJS.Timeout;
  private pumpTimer?: NodeJS.Timeout;
  /** Encoded bytes not yet in a packet, and where in them whole messages start. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingStarts: number[] = [];
  /** Sequence numbers asked for by NAKs, oldest request first. */
  private readonly repairs = new Set<number>();
  private tokens: number;
  private readonly bucketSize: number;
  private lastRefill = performance.now();
  private closed = false;

  constructor(private readonly cfg: PgmSenderConfig) {
    this.bucketSize = Math.max(4 * (cfg.maxTsdu + 64), (cfg.rateBytesPerSec * BUCKET_MS) / 1000);
    this.tokens = this.bucketSize;
  }

  /** Announces the source (OpenPGM sends three SPMs when a sending socket is bound). */
  start(): void {
    for (let i = 0; i < ANNOUNCE_SPMS; i++) this.sendSpm();
    this.scheduleSpm(HEARTBEAT_SPM_MS[0]);
  }

  /** Sends what the pipe holds, as far as the rate allows; called when the pipe has messages. */
  pump(): void {
    if (this.closed) return;
    this.refill();
    for (;;) {
      const repair = this.repairs.values().next();
      if (!repair.done) {
        const tsdu = this.window.get(repair.value);
        this.repairs.delete(repair.value);
        if (tsdu && !this.spend(tsdu.length)) {
          this.repairs.add(repair.value);
          return this.waitForTokens();
        }
        if (tsdu) this.sendData('RDATA', repair.value, tsdu);
        continue;
      }
      if (this.pendingBytes < this.cfg.maxTsdu - 2) this.fill();
      if (this.pendingBytes === 0) return;
      if (!this.spend(Math.min(this.pendingBytes, this.cfg.maxTsdu))) return this.waitForTokens();
      this.sendOdata();
    }
  }

  /** Handles an upstream packet (NAK, SPMR) addressed to this session; others are ignored. */
  onUpstream(p: PgmPacket): void {
    if (this.closed) return;
    if (p.type === 'SPMR') {
      this.sendSpm();
      return;
    }
    if (p.type !== 'NAK') return;
    this.stats.naksReceived++;
    // OpenPGM rejects a NAK that names another source address or group (pgm_on_nak).
    if (p.sourceNla !== this.cfg.nla || p.groupNla !== this.cfg.group) {
      this.stats.naksRejected++;
      return;
    }
    const sqns = [p.sqn];
    for (const o of p.options) if (o.name === 'nak-list') sqns.push(...o.sqns.slice(0, NAK_LIST_MAX - 1));
    this.sendNcf(sqns);
    for (const sqn of sqns) {
      // Only what is still in the window can be repaired; the receiver learns the rest from the trail.
      if (this.window.has(sqn)) this.repairs.add(sqn);
    }
    this.pump();
  }

  /** Stops the session: the rest of the stream goes out, then SPMs with OPT_FIN (as OpenPGM's close does). */
  close(): void {
    if (this.closed) return;
    for (this.fill(); this.pendingBytes > 0; this.fill()) this.sendOdata();
    for (let i = 0; i < ANNOUNCE_SPMS; i++) this.sendSpm([{ name: 'fin' }]);
    this.closed = true;
    clearTimeout(this.spmTimer);
    clearTimeout(this.pumpTimer);
    this.window.clear();
    this.repairs.clear();
  }

  /** Takes messages from the pipe until a packet's worth of stream bytes is waiting. */
  private fill(): void {
    while (this.pendingBytes < this.cfg.maxTsdu - 2) {
      const msg = this.cfg.next();
      if (msg === undefined) return;
      const bytes = encodeMessage('v1', msg);
      this.pendingStarts.push(this.pendingBytes);
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
    }
  }

  /** Cuts the next TSDU off the pending stream and sends it as ODATA. */
  private sendOdata(): void {
    const size = Math.min(this.pendingBytes, this.cfg.maxTsdu - 2);
    const stream = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const chunk = stream.subarray(0, size);
    const first = this.pendingStarts.length > 0 && this.pendingStarts[0] < size ? this.pendingStarts[0] : undefined;
    const rest = stream.subarray(size);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    this.pendingStarts = this.pendingStarts.filter((s) => s >= size).map((s) => s - size);
    const tsdu = writeZmqPgmChunk(first, chunk);
    const sqn = this.nextSqn;
    this.nextSqn = sqnAdd(sqn, 1);
    this.window.set(sqn, tsdu);
    while (sqnDiff(this.nextSqn, this.trail) > this.cfg.windowPackets) {
      this.window.delete(this.trail);
      this.repairs.delete(this.trail);
      this.trail = sqnAdd(this.trail, 1);
    }
    this.sendData('ODATA', sqn, tsdu);
    // Data restarts the heartbeat schedule, so receivers learn the lead (and any tail loss) soon.
    this.heartbeat = 0;
    this.scheduleSpm(HEARTBEAT_SPM_MS[0]);
  }

  private sendData(type: 'ODATA' | 'RDATA', sqn: number, tsdu: Buffer): void {
    const c = this.cfg;
    c.send(encodePgmPacket({ type, sourcePort: c.sourcePort, destPort: c.destPort, gsi: c.gsi, sqn, trail: this.trail, data: tsdu }));
    if (type === 'ODATA') this.stats.odata++;
    else this.stats.rdata++;
  }

  private sendSpm(options?: PgmOption[]): void {
    const c = this.cfg;
    // An empty window has lead = trail - 1 (0xFFFFFFFF before any data, as OpenPGM sends it).
    const lead = sqnAdd(this.nextSqn, -1);
    c.send(
      encodePgmPacket({
        type: 'SPM',
        sourcePort: c.sourcePort,
        destPort: c.destPort,
        gsi: c.gsi,
        sqn: this.spmSqn,
        trail: this.trail,
        lead,
        pathNla: c.nla,
        options,
      }),
    );
    this.spmSqn = sqnAdd(this.spmSqn, 1);
    this.stats.spm++;
  }

  private sendNcf(sqns: number[]): void {
    const c = this.cfg;
    const options: PgmOption[] | undefined = sqns.length > 1 ? [{ name: 'nak-list', sqns: sqns.slice(1) }] : undefined;
    c.send(
      encodePgmPacket({
        type: 'NCF',
        sourcePort: c.sourcePort,
        destPort: c.destPort,
        gsi: c.gsi,
        sqn: sqns[0],
        sourceNla: c.nla,
        groupNla: c.group,
        options,
      }),
    );
    this.stats.ncf++;
  }

  private scheduleSpm(ms: number): void {
    clearTimeout(this.spmTimer);
    this.spmTimer = setTimeout(() => {
      if (this.closed) return;
      this.sendSpm();
      this.heartbeat++;
      this.scheduleSpm(this.heartbeat < HEARTBEAT_SPM_MS.length ? HEARTBEAT_SPM_MS[this.heartbeat] : AMBIENT_SPM_MS);
    }, ms);
    this.spmTimer.unref?.();
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.bucketSize, this.tokens + ((now - this.lastRefill) * this.cfg.rateBytesPerSec) / 1000);
    this.lastRefill = now;
  }

  /** Takes the cost of a packet carrying `tsduBytes` from the bucket; false when it must wait. */
  private spend(tsduBytes: number): boolean {
    const cost = tsduBytes + IP_UDP_OVERHEAD + 24;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  private waitForTokens(): void {
    if (this.pumpTimer) return;
    const need = this.cfg.maxTsdu + IP_UDP_OVERHEAD + 24 - this.tokens;
    const ms = Math.max(1, Math.ceil((need * 1000) / this.cfg.rateBytesPerSec));
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }
}
