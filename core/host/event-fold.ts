// A socket's timeline, folded: repeats of one event (same type, endpoint and reason) become one row with a
// count and the first and last time, so a peer that is down (a connect:retry every few milliseconds) costs
// one row, not thousands. Pure: the host folds what the engine reports, the UI merges the rows it is sent.
// Any timeline entry fits (monitor events, ZAP decisions, handshake hints): type, endpoint, reason, detail.

export interface TimelineEntry {
  type: string;
  /** The endpoint it concerns (tcp://host:port, ...). */
  address?: string;
  /** Why, in words; part of what makes two events "the same". */
  reason?: string;
  /** Changing facts (retry interval, peer address...): shown from the latest repeat, not part of the key. */
  detail?: string;
  /** Seconds since the epoch. */
  ts: number;
}

export interface FoldedEvent {
  /** type + address + reason: the identity of a folded row. */
  key: string;
  /** Order of the latest repeat: rows sort by it, and a row's seq grows each time it repeats. */
  seq: number;
  type: string;
  address?: string;
  reason?: string;
  detail?: string;
  /** How many times it happened. */
  count: number;
  firstTs: number;
  /** The last time (seconds since the epoch). */
  ts: number;
}

export function foldKey(e: { type: string; address?: string; reason?: string }): string {
  return `${e.type}\u0000${e.address ?? ''}\u0000${e.reason ?? ''}`;
}

export class EventFold {
  /** Map order is the order of latest occurrence: a repeat is moved to the end. */
  private readonly rows = new Map<string, FoldedEvent>();
  private nextSeq = 1;
  /** Every event ever added, folded or not. */
  total = 0;

  constructor(readonly maxRows: number) {
    if (!(maxRows >= 1)) throw new RangeError('EventFold needs room for at least one row');
  }

  /** Adds one event; returns its row (new or updated). The oldest row goes once there are more than maxRows. */
  add(e: TimelineEntry): FoldedEvent {
    this.total++;
    const key = foldKey(e);
    const row = this.rows.get(key);
    if (row) {
      row.count++;
      row.ts = e.ts;
      row.detail = e.detail;
      row.seq = this.nextSeq++;
      this.rows.delete(key);
      this.rows.set(key, row);
      return row;
    }
    const fresh: FoldedEvent = {
      key,
      seq: this.nextSeq++,
      type: e.type,
      count: 1,
      firstTs: e.ts,
      ts: e.ts,
      ...(e.address !== undefined ? { address: e.address } : {}),
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
    };
    this.rows.set(key, fresh);
    if (this.rows.size > this.maxRows) this.rows.delete(this.rows.keys().next().value!);
    return fresh;
  }

  /** Rows, oldest latest-occurrence first. */
  list(): FoldedEvent[] {
    return [...this.rows.values()];
  }

  get size(): number {
    return this.rows.size;
  }
}

/**
 * The UI's side: merges rows sent by the host into the rows it keeps (a row with a known key replaces the
 * old copy), ordered by seq, keeping the newest `keep`. Returns a new array; `list` is not changed.
 */
export function mergeFolded(list: readonly FoldedEvent[], updates: readonly FoldedEvent[], keep: number): FoldedEvent[] {
  if (updates.length === 0) return list as FoldedEvent[];
  const byKey = new Map<string, FoldedEvent>();
  for (const r of list) byKey.set(r.key, r);
  for (const r of updates) {
    const old = byKey.get(r.key);
    if (!old || old.seq <= r.seq) byKey.set(r.key, r);
  }
  const next = [...byKey.values()].sort((a, b) => a.seq - b.seq);
  return next.length > keep ? next.slice(next.length - keep) : next;
}
