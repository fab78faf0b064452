// What the workbench pushes to the UI, batched per socket: a flood of messages or monitor events becomes a
// few host events a second (never one per message or event), each carrying the newest messages (bounded),
// the timeline rows that changed, the true totals and the message rate. The first change after a quiet
// spell goes out at once, so a single send or event still shows without delay.
import type { FoldedEvent } from './event-fold.js';
import type { HostEvent, LoggedMessage, MessageRate } from './protocol.js';

/** At most this many host updates a second per kind, whatever arrives. */
export const FEED_INTERVAL_MS = 500;
/** Delay of the first update after a quiet spell (lets a burst that has just begun join it). */
const FIRST_DELAY_MS = 20;
/** Newest messages sent per update; the UI keeps a bounded list and the host the full log for paging. */
export const FEED_MAX_MESSAGES = 200;
/** The rate is measured over at least this long, so it does not jump with each batch. */
const RATE_WINDOW_MS = 1000;

interface Pending {
  /** Messages since the last update (the newest FEED_MAX_MESSAGES of them, plus re-sent ones whose state changed). */
  messages: LoggedMessage[];
  messageTotal: number;
  events: Map<string, FoldedEvent>;
  eventTotal: number;
  changed: boolean;
  countIn: number;
  countOut: number;
  rateAt: number;
  rateIn: number;
  rateOut: number;
  rate: MessageRate;
  /** The rate last sent: a non-zero rate keeps updates coming until it is back to zero. */
  sentRate: MessageRate;
}

const ZERO: MessageRate = { in: 0, out: 0 };

export class SocketFeed {
  private readonly sockets = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;

  constructor(
    private readonly emit: (event: HostEvent) => void,
    /** The socket's current snapshot for socket.changed, or undefined once it is closed. */
    private readonly snapshot: (id: string) => HostEvent | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  private of(id: string): Pending {
    let p = this.sockets.get(id);
    if (!p) {
      p = {
        messages: [],
        messageTotal: 0,
        events: new Map(),
        eventTotal: 0,
        changed: false,
        countIn: 0,
        countOut: 0,
        rateAt: this.now(),
        rateIn: 0,
        rateOut: 0,
        rate: ZERO,
        sentRate: ZERO,
      };
      this.sockets.set(id, p);
    }
    return p;
  }

  /** A new message (counted for the rate), with the socket's true total. */
  message(id: string, msg: LoggedMessage, total: number): void {
    const p = this.of(id);
    if (msg.dir === 'in') p.countIn++;
    else p.countOut++;
    this.queueMessage(p, msg, total);
  }

  /** A message already sent whose state changed (e.g. a queued one was written to a peer). */
  messageChanged(id: string, msg: LoggedMessage, total: number): void {
    this.queueMessage(this.of(id), msg, total);
  }

  private queueMessage(p: Pending, msg: LoggedMessage, total: number): void {
    p.messages.push(msg);
    // Trimmed in chunks: a flood costs amortised O(1) per message, not a copy of the list each time.
    if (p.messages.length > 2 * FEED_MAX_MESSAGES) p.messages.splice(0, p.messages.length - FEED_MAX_MESSAGES);
    p.messageTotal = total;
    this.schedule();
  }

  /** A timeline row that is new or repeated, with the socket's true event total. */
  event(id: string, row: FoldedEvent, total: number): void {
    const p = this.of(id);
    p.events.set(row.key, row);
    p.eventTotal = total;
    this.schedule();
  }

  /** The socket's info (endpoints' state, peers) changed: send a snapshot with the next update. */
  changed(id: string): void {
    this.of(id).changed = true;
    this.schedule();
  }

  forget(id: string): void {
    this.sockets.delete(id);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sockets.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(FIRST_DELAY_MS, this.lastFlush + FEED_INTERVAL_MS - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref?.();
  }

  /** Sends what changed since the last update; exposed so tests and shutdown need not wait for the timer. */
  flush(): void {
    this.timer = null;
    const now = this.now();
    this.lastFlush = now;
    let again = false;
    for (const [id, p] of this.sockets) {
      const elapsed = now - p.rateAt;
      if (elapsed >= RATE_WINDOW_MS) {
        p.rate = { in: round(((p.countIn - p.rateIn) * 1000) / elapsed), out: round(((p.countOut - p.rateOut) * 1000) / elapsed) };
        p.rateAt = now;
        p.rateIn = p.countIn;
        p.rateOut = p.countOut;
      }
      const rateMoved = p.rate.in !== p.sentRate.in || p.rate.out !== p.sentRate.out;
      if (p.messages.length > 0 || rateMoved) {
        const messages = p.messages.length > FEED_MAX_MESSAGES ? p.messages.slice(-FEED_MAX_MESSAGES) : p.messages;
        this.emit({ type: 'socket.messages', id, messages: dedupe(messages), total: p.messageTotal, rate: p.rate });
        p.messages = [];
        p.sentRate = p.rate;
      }
      if (p.events.size > 0) {
        this.emit({ type: 'socket.events', id, events: [...p.events.values()].map((r) => ({ ...r })), total: p.eventTotal });
        p.events.clear();
      }
      if (p.changed) {
        p.changed = false;
        const snap = this.snapshot(id);
        if (snap) this.emit(snap);
      }
      // Until a busy socket's rate has come back to zero, keep measuring it.
      if (p.rate.in !== 0 || p.rate.out !== 0 || p.countIn !== p.rateIn || p.countOut !== p.rateOut) again = true;
    }
    if (again) this.schedule();
  }
}

function round(x: number): number {
  return x >= 10 ? Math.round(x) : Math.round(x * 10) / 10;
}

/** A message re-queued because its state changed is sent once, as its latest copy. */
function dedupe(list: LoggedMessage[]): LoggedMessage[] {
  const seen = new Set<number>();
  const out: LoggedMessage[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    if (seen.has(list[i].seq)) continue;
    seen.add(list[i].seq);
    out.push({ ...list[i] });
  }
  return out.reverse();
}
