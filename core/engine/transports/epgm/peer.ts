// One source (TSI) as a receiver follows it: the receive window and the NAK state machine of RFC 3208
// with OpenPGM's timers as libzmq sets them. Packets are delivered in sequence order to the session's
// MessageStream. A gap (a sequence number skipped by data, or announced by an SPM's lead) gets a NAK
// after a random back-off; an NCF moves it to waiting for RDATA; a NAK that goes unconfirmed, or
// confirmed data that never comes, is retried and in the end given up as lost, as is everything the
// source's trail has left behind. The window is defined by the first SPM (from its lead on) or the first
// data packet, so a late joiner asks for nothing it did not see start. Sequence numbers further ahead than
// the window can hold are dropped as out of window, so no packet can make the receiver hold or NAK
// without bound.
import { sqnAdd, sqnDiff, type PgmOption } from '../../../pgm/index.js';
import type { MessageStream } from './message-stream.js';
import { NAK_BO_IVL_MS, NAK_DATA_RETRIES, NAK_NCF_RETRIES, NAK_RDATA_IVL_MS, NAK_RPT_IVL_MS, SPMR_EXPIRY_MS } from './params.js';

type NakState = 'backoff' | 'wait-ncf' | 'wait-data';
interface Nak {
  state: NakState;
  deadline: number;
  ncfRetries: number;
  dataRetries: number;
}
type Slot = { tsdu: Buffer; options: readonly PgmOption[] } | 'lost';

export interface PeerStats {
  packets: number;
  duplicates: number;
  outOfWindow: number;
  naksSent: number;
  ncfs: number;
  repaired: number;
  lost: number;
}

/** What a tick asks the receiver to send for this peer. */
export interface PeerDue {
  nak: number[];
  spmr: boolean;
}

const LOST = 'lost' as const;

export class PgmPeer {
  readonly stats: PeerStats = { packets: 0, duplicates: 0, outOfWindow: 0, naksSent: 0, ncfs: 0, repaired: 0, lost: 0 };
  /** The source's unicast address from its SPMs: where NAKs go. Unknown until the first SPM. */
  nla?: string;
  lastHeard: number;
  private defined = false;
  private next = 0;
  private lead = 0;
  private lastSpmSqn?: number;
  private readonly slots = new Map<number, Slot>();
  private readonly naks = new Map<number, Nak>();
  private spmrDeadline?: number;

  constructor(
    readonly gsi: Buffer,
    readonly sourcePort: number,
    /** The IP address its packets come from (SPMRs go there before the NLA is known). */
    public sourceAddress: string,
    private readonly stream: MessageStream,
    private readonly windowMax: number,
    now: number,
  ) {
    this.lastHeard = now;
  }

  onData(type: 'ODATA' | 'RDATA', sqn: number, trail: number, tsdu: Buffer, options: readonly PgmOption[], now: number): void {
    this.stats.packets++;
    if (sqnDiff(sqn, trail) < 0 || sqnDiff(sqn, trail) >= 0x40000000) {
      this.stats.outOfWindow++;
      return;
    }
    if (!this.defined) this.define(sqn, sqnAdd(sqn, -1));
    if (this.nla === undefined && this.spmrDeadline === undefined) this.spmrDeadline = now + Math.random() * SPMR_EXPIRY_MS;
    if (sqnDiff(sqn, this.next) >= this.windowMax && sqnDiff(sqn, trail) >= this.windowMax) {
      // Neither we nor the packet's own trail can place it in a window we could hold.
      this.stats.outOfWindow++;
      return;
    }
    this.applyTrail(trail);
    const ahead = sqnDiff(sqn, this.next);
    const slot = this.slots.get(sqn);
    if (ahead < 0 || (slot !== undefined && slot !== LOST)) {
      this.stats.duplicates++;
      return;
    }
    if (ahead >= this.windowMax) {
      this.stats.outOfWindow++;
      return;
    }
    if (type === 'RDATA' || this.naks.has(sqn)) this.stats.repaired++;
    this.slots.set(sqn, { tsdu, options });
    this.naks.delete(sqn);
    this.extendLead(sqn, now);
    this.deliver();
  }

  onSpm(sqn: number, trail: number, lead: number, nla: string, now: number): void {
    if (this.lastSpmSqn !== undefined && sqnDiff(sqn, this.lastSpmSqn) <= 0) return;
    // A trail past lead + 1 describes no window at all.
    if (sqnDiff(sqnAdd(lead, 1), trail) < 0) {
      this.stats.outOfWindow++;
      return;
    }
    this.lastSpmSqn = sqn;
    this.nla = nla;
    this.spmrDeadline = undefined;
    if (!this.defined) {
      this.define(sqnAdd(lead, 1), lead);
      return;
    }
    this.applyTrail(trail);
    if (sqnDiff(lead, this.lead) > 0 && sqnDiff(lead, this.next) < this.windowMax) this.extendLead(lead, now, true);
    this.deliver();
  }

  onNcf(sqns: readonly number[], now: number): void {
    for (const sqn of sqns) {
      const nak = this.naks.get(sqn);
      if (nak && nak.state !== 'wait-data') {
        this.stats.ncfs++;
        nak.state = 'wait-data';
        nak.deadline = now + NAK_RDATA_IVL_MS;
      }
    }
  }

  /** Another receiver asked for an SPM: ours would be redundant for now (OpenPGM's SPMR suppression). */
  peerSpmr(now: number): void {
    if (this.spmrDeadline !== undefined) this.spmrDeadline = now + SPMR_EXPIRY_MS * 40;
  }

  /** Runs the timers: which sequence numbers to NAK now, and whether to ask for an SPM. */
  tick(now: number): PeerDue {
    const due: PeerDue = { nak: [], spmr: false };
    if (this.spmrDeadline !== undefined && now >= this.spmrDeadline) {
      due.spmr = true;
      // Until an SPM arrives, ask again now and then (a lost SPMR would otherwise stall every repair).
      this.spmrDeadline = now + 1000;
    }
    let lostAny = false;
    for (const [sqn, nak] of this.naks) {
      if (now < nak.deadline) continue;
      if (nak.state === 'backoff') {
        // No NLA yet: the NAK has nowhere to go; it waits for the SPM the SPMR asks for.
        if (this.nla === undefined) {
          nak.deadline = now + NAK_BO_IVL_MS;
          continue;
        }
        due.nak.push(sqn);
        nak.state = 'wait-ncf';
        nak.deadline = now + NAK_RPT_IVL_MS;
        continue;
      }
      // A wait only counts as a failed try if this thread was awake for it: after a stall longer than the
      // wait itself the answer may be sitting unread in the socket (OpenPGM's timers run in a thread of
      // their own and never stall like this).
      const interval = nak.state === 'wait-ncf' ? NAK_RPT_IVL_MS : NAK_RDATA_IVL_MS;
      const stalled = now - nak.deadline > interval;
      const retries = stalled ? 0 : nak.state === 'wait-ncf' ? ++nak.ncfRetries : ++nak.dataRetries;
      if (retries > (nak.state === 'wait-ncf' ? NAK_NCF_RETRIES : NAK_DATA_RETRIES)) {
        this.naks.delete(sqn);
        this.slots.set(sqn, LOST);
        lostAny = true;
        continue;
      }
      nak.state = 'backoff';
      nak.deadline = now + Math.random() * NAK_BO_IVL_MS;
    }
    if (lostAny) this.deliver();
    this.stats.naksSent += due.nak.length;
    due.nak.sort((a, b) => sqnDiff(a, b));
    return due;
  }

  /** Earliest time tick() has work, or undefined when nothing waits. */
  nextDeadline(): number | undefined {
    let t = this.spmrDeadline;
    for (const nak of this.naks.values()) if (t === undefined || nak.deadline < t) t = nak.deadline;
    return t;
  }

  private define(next: number, lead: number): void {
    this.defined = true;
    this.next = next;
    this.lead = lead;
  }

  /** `sqn` is the newest known: everything between the old lead and it that is missing gets a NAK. */
  private extendLead(sqn: number, now: number, inclusive = false): void {
    if (sqnDiff(sqn, this.lead) <= 0) return;
    const last = inclusive ? sqnAdd(sqn, 1) : sqn;
    for (let s = sqnAdd(this.lead, 1); sqnDiff(last, s) > 0; s = sqnAdd(s, 1)) {
      if (sqnDiff(s, this.next) >= 0 && !this.slots.has(s) && !this.naks.has(s)) {
        this.naks.set(s, { state: 'backoff', deadline: now + Math.random() * NAK_BO_IVL_MS, ncfRetries: 0, dataRetries: 0 });
      }
    }
    this.lead = sqn;
  }

  /** The source can no longer repair anything before `trail`: what is missing there is lost. */
  private applyTrail(trail: number): void {
    const behind = sqnDiff(trail, this.next);
    if (behind <= 0) return;
    if (behind >= this.windowMax) {
      this.stats.lost += behind - this.slots.size;
      this.slots.clear();
      this.naks.clear();
      this.stream.lost();
      this.next = trail;
      if (sqnDiff(this.lead, trail) < 0) this.lead = sqnAdd(trail, -1);
      return;
    }
    while (sqnDiff(trail, this.next) > 0) {
      if (!this.slots.has(this.next)) this.slots.set(this.next, LOST);
      this.naks.delete(this.next);
      this.deliverOne();
    }
    if (sqnDiff(this.lead, sqnAdd(this.next, -1)) < 0) this.lead = sqnAdd(this.next, -1);
  }

  private deliver(): void {
    while (this.slots.has(this.next)) this.deliverOne();
  }

  private deliverOne(): void {
    const slot = this.slots.get(this.next);
    this.slots.delete(this.next);
    if (slot === undefined || slot === LOST) {
      this.stats.lost++;
      this.stream.lost();
    } else {
      this.stream.packet(this.next, slot.tsdu, slot.options);
    }
    this.next = sqnAdd(this.next, 1);
  }
}
