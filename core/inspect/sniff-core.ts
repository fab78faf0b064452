// What every part of the TCP inspector reports through and counts in: the resolved options, the
// totals and rate, and emit/error. One object, passed as the first argument of the parts' functions
// (plain calls, no per-packet closures or wrappers), so the hot path costs what one class did.
import type { Diagnostic } from '../capture/diagnostics.js';
import type { InspectorStats } from './connection.js';
import type { MessageCap } from './held-message.js';
import { MessageView } from './message-view.js';
import type { ConnectionRecord, ErrorRecord, InspectRecord } from './records.js';
import type { RateSeries } from './stats.js';
import { recordBase, type ConnState, type DirState } from './stream-state.js';

export interface ResolvedInspectorOptions {
  nextSessionId: () => number;
  maxFrameSize: number;
  maxFrameBytes: number;
  maxPendingRequests: number;
  maxMessageFrames: number;
  maxMessageBytes: number;
  maxSubscriptions: number;
  maxClosedConnections: number;
  resyncGiveUpBytes: number;
  bucketSeconds: number;
  wholeMessages: boolean;
}

/** The running totals: InspectorStats without what is computed when stats are asked for. */
export type SniffTotals = Omit<InspectorStats, 'openConnections' | 'firstTs' | 'lastTs' | 'rate'>;

export class SniffCore {
  readonly totals: SniffTotals = { connections: 0, messages: 0, commands: 0, boxes: 0, payloadBytes: 0, wireBytes: 0, errors: 0 };
  readonly messageCap: MessageCap;
  /** See Inspector.timeTicksPerSecond. */
  timeTicksPerSecond = 1e6;
  /** The one MessageView, refilled for every message (semantics.ts onMessage). */
  readonly view = new MessageView();

  constructor(
    readonly opts: ResolvedInspectorOptions,
    readonly rate: RateSeries,
    /** The open connections (the connection table's map), for announcing a connection on its first record. */
    private readonly open: Map<number, ConnState>,
    private readonly onRecord: (record: InspectRecord) => void,
    /** The phase machine's entry, for bytes held back and fed again (held-bytes.ts replay). */
    readonly feed: (x: SniffCore, c: ConnState, d: DirState, data: Buffer) => void,
    /** Takes messages instead of onRecord (see InspectorOptions.onMessage). */
    private readonly onMessage?: (message: MessageView) => void,
  ) {
    this.messageCap = { frames: opts.maxMessageFrames, bytes: opts.maxMessageBytes };
    this.view.maxFrameBytes = opts.maxFrameBytes;
  }

  hex(b: Buffer): { hex: string; truncated: boolean } {
    if (b.length <= this.opts.maxFrameBytes) return { hex: b.toString('hex'), truncated: false };
    return { hex: b.subarray(0, this.opts.maxFrameBytes).toString('hex'), truncated: true };
  }

  /** A computed time (a difference or sum of capture times) to the capture's resolution. */
  roundTime(seconds: number): number {
    return Math.round(seconds * this.timeTicksPerSecond) / this.timeTicksPerSecond;
  }

  /** Reports a problem (made by diagnose(), from the table of codes) as an error record of `d`. */
  error(c: ConnState, d: DirState, problem: Diagnostic, offset?: number): void {
    c.info.errors++;
    this.totals.errors++;
    const rec: ErrorRecord = { ...recordBase(c, d, 'error'), message: problem.message, code: problem.code, severity: problem.severity };
    if (offset !== undefined) rec.offset = offset;
    this.emit(rec);
  }

  /** `conn`: the record's open connection when the caller has it at hand (saves looking it up). */
  emit(record: InspectRecord, conn?: ConnState): void {
    if (record.type !== 'open' && record.type !== 'close') this.announce(conn ?? this.open.get(record.conn));
    // Records are built with `type` first and without undefined fields, so JSON lines stay clean.
    this.onRecord(record);
  }

  /** A message of `c`: to onMessage as it is, or as a record. */
  message(m: MessageView, c: ConnState): void {
    if (this.onMessage === undefined) {
      this.emit(m.toRecord(), c);
      return;
    }
    this.announce(c);
    this.onMessage(m);
  }

  /** The 'open' record of a connection, before its first other record. */
  private announce(c: ConnState | undefined): void {
    if (c && !c.announced && !c.ignored) {
      c.announced = true;
      const conn = c.conn;
      const open: ConnectionRecord = { type: 'open', ts: c.openTs, src: c.addr.c2s, dst: c.addr.s2c, conn: conn.id, dir: 'c2s' };
      if (conn.midstream) open.reason = 'midstream';
      this.onRecord(open);
    }
  }
}
