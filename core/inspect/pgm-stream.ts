// One PGM session's data, as a receiver would take it: ODATA/RDATA put back in sequence order (holes wait
// for repairs, copies are recognised), OPT_FRAGMENT pieces joined into APDUs, and libzmq's framing read
// off each APDU (16-bit first-message offset, then a stream of ZMTP/1.0 frames) into whole messages.
// A capture that starts mid-session, or data given up as lost, leaves the decoder out of step: like
// libzmq's pgm_receiver it skips packets until one names a message start, and decodes from there.
import { diagnose, type Diagnostic } from '../capture/diagnostics.js';
import { sqnAdd, sqnDiff } from '../pgm/sequence.js';
import { readZmqPgmChunk } from '../pgm/zmq-framing.js';
import type { PgmOption } from '../pgm/options.js';
import { FrameDecoder } from '../zmtp/decoder.js';
import { holdFrame, ownHeld, type Holder, type MessageCap } from './held-message.js';
import type { LossRecord, PgmRecord } from './records.js';

export interface PgmStreamLimits {
  /** Packets held ahead of a hole, waiting for it to be repaired (beyond: the oldest hole is given up). */
  maxPendingPackets: number;
  /** Their bytes. */
  maxPendingBytes: number;
  /** A data sequence number further than this from the expected one is not believed. */
  maxJump: number;
  maxFrameSize: number;
  cap: MessageCap;
}

export interface PgmStreamSink {
  message(frames: Buffer[], sqn: number, repaired: boolean): void;
  loss(first: number, last: number, reason: LossRecord['reason']): void;
  /** A problem with the data (a bad offset, bad ZMTP/1.0 framing, an unbelievable sequence number). */
  problem(problem: Diagnostic): void;
}

const GIVEN_UP_KEPT = 4096;

interface Held {
  tsdu: Buffer;
  fragment?: { firstSqn: number; offset: number; apduLength: number };
  repair: boolean;
}

export class PgmStream {
  /** Next data sequence number to deliver; undefined before the first data packet. */
  next: number | undefined;
  private readonly pending = new Map<number, Held>();
  private pendingBytes = 0;
  /** Highest sequence number seen (for what a hole spans). */
  private lead: number | undefined;
  /** Sequence numbers given up on, that a late RDATA may still name (kept bounded). */
  private readonly givenUp = new Set<number>();
  /** An APDU being joined from OPT_FRAGMENT pieces. */
  private apdu?: { firstSqn: number; parts: Buffer[]; filled: number; length: number; repaired: boolean };
  private decoder?: FrameDecoder;
  private readonly holder: Holder = { frames: [] };
  private messageRepaired = false;
  /** The capture joined the session after it began (bytes before the first message start skipped). */
  lateJoin = false;
  skippedBytes = 0;
  lost = 0;
  repaired = 0;
  duplicates = 0;

  constructor(
    private readonly limits: PgmStreamLimits,
    private readonly sink: PgmStreamSink,
  ) {}

  /** Takes one ODATA/RDATA; says what it was for the stream. */
  data(sqn: number, tsdu: Buffer, options: PgmOption[], repair: boolean): NonNullable<PgmRecord['status']> {
    if (this.next === undefined) {
      this.next = sqn;
      this.lead = sqn;
    }
    const d = sqnDiff(sqn, this.next);
    if (d > this.limits.maxJump || -d > this.limits.maxJump) {
      this.sink.problem(diagnose('PGM_SEQUENCE_JUMP', 'data', sqn, d, this.next, this.limits.maxJump));
      return 'ahead';
    }
    if (d < 0) {
      if (this.givenUp.delete(sqn)) return 'late';
      if (this.everDelivered(sqn)) {
        this.duplicates++;
        return 'duplicate';
      }
      return 'before-join';
    }
    if (this.pending.has(sqn)) {
      this.duplicates++;
      return 'duplicate';
    }
    if (sqnDiff(sqn, this.lead!) > 0) this.lead = sqn;
    const fragment = options.find((o) => o.name === 'fragment');
    const held: Held = { tsdu, repair, fragment: fragment?.name === 'fragment' ? fragment : undefined };
    if (d > 0) {
      // Ahead of a hole: keep a copy (capture buffers are reused) until the hole is filled or given up.
      held.tsdu = Buffer.from(tsdu);
      this.pending.set(sqn, held);
      this.pendingBytes += tsdu.length;
      this.enforceLimits();
      return repair ? 'repair' : 'ahead';
    }
    if (repair) this.repaired++;
    this.deliver(sqn, held);
    this.drain();
    return repair ? 'repair' : 'in-order';
  }

  /** The source's window moved: data before `trail` can no longer be repaired. */
  trail(trail: number): void {
    if (this.next === undefined) return;
    const d = sqnDiff(trail, this.next);
    if (d <= 0) return;
    if (d > this.limits.maxJump) {
      this.sink.problem(diagnose('PGM_SEQUENCE_JUMP', 'trail', trail, d, this.next, this.limits.maxJump));
      return;
    }
    this.giveUpBefore(trail, 'window');
  }

  /** End of capture: holes still waiting are lost; a message still open is incomplete. */
  end(): void {
    if (this.next !== undefined && this.pending.size > 0) this.giveUpBefore(sqnAdd(this.lead!, 1), 'end-of-capture');
  }

  /** Whether `sqn` (before `next`) was taken by this stream rather than never seen. */
  private everDelivered(sqn: number): boolean {
    return this.firstSeen !== undefined && sqnDiff(sqn, this.firstSeen) >= 0;
  }
  private firstSeen: number | undefined;

  /** Gives up every hole before `upTo`, delivering what waited behind them. */
  private giveUpBefore(upTo: number, reason: LossRecord['reason']): void {
    while (this.next !== undefined && sqnDiff(upTo, this.next) > 0) {
      if (this.pending.has(this.next)) {
        this.drain();
        continue;
      }
      // A run of missing numbers, up to the next packet held or `upTo`.
      const first = this.next;
      let last = first;
      while (sqnDiff(upTo, sqnAdd(last, 1)) > 0 && !this.pending.has(sqnAdd(last, 1))) last = sqnAdd(last, 1);
      const count = sqnDiff(last, first) + 1;
      this.lost += count;
      // Remembered (the most recent 4096) so that a repair coming after all can be told apart from a copy.
      for (let s = sqnAdd(first, Math.max(0, count - GIVEN_UP_KEPT)); sqnDiff(s, last) <= 0; s = sqnAdd(s, 1)) {
        if (this.givenUp.size >= GIVEN_UP_KEPT) this.givenUp.delete(this.givenUp.values().next().value!);
        this.givenUp.add(s);
      }
      this.sink.loss(first, last, reason);
      this.outOfStep();
      this.next = sqnAdd(last, 1);
      this.drain();
    }
  }

  private enforceLimits(): void {
    while (this.pending.size > this.limits.maxPendingPackets || this.pendingBytes > this.limits.maxPendingBytes) {
      // Give up the oldest hole: everything up to the first packet held.
      let oldest: number | undefined;
      for (const s of this.pending.keys()) if (oldest === undefined || sqnDiff(s, oldest) < 0) oldest = s;
      if (oldest === undefined) return;
      this.giveUpBefore(oldest, 'limit');
    }
  }

  /** Delivers held packets from `next` on while they are there. */
  private drain(): void {
    for (let h = this.pending.get(this.next!); h; h = this.pending.get(this.next!)) {
      const sqn = this.next!;
      this.pending.delete(sqn);
      this.pendingBytes -= h.tsdu.length;
      if (h.repair) this.repaired++;
      this.deliver(sqn, h);
    }
  }

  private deliver(sqn: number, h: Held): void {
    if (this.firstSeen === undefined) this.firstSeen = sqn;
    this.next = sqnAdd(sqn, 1);
    const f = h.fragment;
    if (!f) {
      this.apdu = undefined;
      this.chunk(h.tsdu, sqn, h.repair);
      return;
    }
    // OPT_FRAGMENT: pieces of one APDU come in order; a piece that does not continue the APDU in hand
    // (its start was lost or not captured) drops it.
    if (f.offset === 0) this.apdu = { firstSqn: f.firstSqn, parts: [], filled: 0, length: f.apduLength, repaired: false };
    const a = this.apdu;
    if (!a || a.firstSqn !== f.firstSqn || a.filled !== f.offset || a.length !== f.apduLength || f.offset + h.tsdu.length > f.apduLength) {
      if (a || f.offset === 0) this.sink.problem(diagnose('PGM_BAD_APDU', f.firstSqn, f.offset, f.apduLength));
      this.apdu = undefined;
      this.skippedBytes += h.tsdu.length;
      this.outOfStep();
      return;
    }
    a.parts.push(Buffer.from(h.tsdu));
    a.filled += h.tsdu.length;
    a.repaired ||= h.repair;
    if (a.filled === a.length) {
      this.apdu = undefined;
      this.chunk(Buffer.concat(a.parts, a.length), sqn, a.repaired);
    }
  }

  /** One APDU of libzmq data: the offset field, then ZMTP/1.0 stream bytes. */
  private chunk(apdu: Buffer, sqn: number, repair: boolean): void {
    const c = readZmqPgmChunk(apdu);
    if ('code' in c) {
      this.sink.problem(diagnose('PGM_BAD_ZMQ_DATA', c.message));
      this.outOfStep();
      return;
    }
    let bytes = c.bytes;
    if (!this.decoder) {
      if (c.firstFrame === undefined) {
        // No message starts here: the middle of one whose start we did not see.
        this.lateJoin = true;
        this.skippedBytes += bytes.length;
        return;
      }
      if (c.firstFrame > 0) {
        this.lateJoin = true;
        this.skippedBytes += c.firstFrame;
      }
      bytes = bytes.subarray(c.firstFrame);
      this.decoder = new FrameDecoder('v1', this.limits.maxFrameSize);
      this.holder.frames = [];
      this.messageRepaired = false;
    }
    this.messageRepaired ||= repair;
    const decoder = this.decoder;
    const err = decoder.push(bytes, (more, _command, body) => {
      const r = holdFrame(this.holder, body, more, this.limits.cap);
      if (r.kind === 'complete') {
        this.sink.message(r.frames, sqn, this.messageRepaired);
        // The next message starts in this packet, or later (cleared below).
        this.messageRepaired = repair;
      } else if (r.kind === 'capped')
        this.sink.problem(diagnose('ZMTP_MESSAGE_OVER_CAP', this.limits.cap.frames, this.limits.cap.bytes, r.frames, r.bytes, r.ended));
      else if (r.kind === 'ended') this.sink.problem(diagnose('ZMTP_MESSAGE_OVER_CAP_ENDED', r.frames, r.bytes));
    });
    if (err) {
      this.sink.problem(diagnose('PGM_MALFORMED_FRAME', err.message));
      this.outOfStep();
      return;
    }
    if (decoder.buffered === 0 && this.holder.frames.length === 0) this.messageRepaired = false;
    // Frames held past this packet must not point into the capture's buffers.
    ownHeld(this.holder, (b) => Buffer.from(b));
  }

  /** Loses step with the message stream: a message in progress is dropped, decoding restarts at the next
   *  packet that names a message start. */
  private outOfStep(): void {
    this.decoder = undefined;
    this.holder.frames = [];
    this.apdu = undefined;
  }
}
