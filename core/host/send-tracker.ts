// Follows the messages the workbench sends until it knows what happened to them: written to a peer's
// connection (the engine's message tap names the same frame Buffers send() was given), still queued, or
// dropped. The tap is installed only while a message is being watched, so the engine pays nothing the
// rest of the time, and the watch list is bounded.
import { addMessageTap, type MessageWritten } from '../internal.js';
import { deriveSendState, withWrite, type SendState } from './message-state.js';
import type { LoggedMessage } from './protocol.js';

/** Queued messages followed at once; beyond this the oldest keeps its last known state. */
const MAX_WATCHED = 1000;

export interface Watch {
  /** The message's last frame, as given to send(): how the tap recognises it. */
  frame: Buffer;
  /** The socket it was sent on (its session id). */
  owner: string;
  writtenTo: string[];
  /** Set once send() has settled and the message is logged. */
  msg?: LoggedMessage;
}

export class SendTracker {
  private readonly watched = new Map<Buffer, Watch>();
  private removeTap?: () => void;

  /** `onWritten` is told when a logged message's state changed after send() settled. */
  constructor(private readonly onWritten: (w: Watch & { msg: LoggedMessage }) => void) {}

  /** Before send(): watch for this message being written (a write can come before send() resolves). */
  begin(owner: string, frames: Buffer[]): Watch {
    const w: Watch = { frame: frames[frames.length - 1], owner, writtenTo: [] };
    this.watched.set(w.frame, w);
    if (this.watched.size > MAX_WATCHED) this.watched.delete(this.watched.keys().next().value!);
    if (!this.removeTap) this.removeTap = addMessageTap((m) => this.onTap(m));
    return w;
  }

  /**
   * After send() settled: the message's state from what the engine did so far. A queued message stays
   * watched until it is written (or the socket closes).
   */
  settle(
    w: Watch,
    msg: LoggedMessage,
    facts: {
      error?: { code?: string; message: string };
      queued: boolean;
      readyPeers: number;
      socketType: string;
      inproc?: readonly string[];
    },
  ): SendState {
    const state = deriveSendState({ ...facts, writtenTo: w.writtenTo });
    msg.state = state;
    w.msg = msg;
    if (state.kind !== 'queued') this.stop(w);
    return state;
  }

  /** Stops watching every message of a socket (it closed). */
  forget(owner: string): void {
    for (const w of [...this.watched.values()]) if (w.owner === owner) this.stop(w);
  }

  close(): void {
    this.watched.clear();
    this.removeTap?.();
    this.removeTap = undefined;
  }

  private stop(w: Watch): void {
    if (this.watched.get(w.frame) === w) this.watched.delete(w.frame);
    if (this.watched.size === 0 && this.removeTap) {
      this.removeTap();
      this.removeTap = undefined;
    }
  }

  private onTap({ msg, remoteAddress }: MessageWritten): void {
    const w = this.watched.get(msg[msg.length - 1]);
    if (!w) return;
    if (!w.writtenTo.includes(remoteAddress)) w.writtenTo.push(remoteAddress);
    if (!w.msg?.state) return; // send() has not settled yet: settle() reads writtenTo
    w.msg.state = withWrite(w.msg.state, remoteAddress);
    this.stop(w);
    this.onWritten(w as Watch & { msg: LoggedMessage });
  }
}
