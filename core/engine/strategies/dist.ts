// Distributor: sends one message to many pipes (libzmq's dist_t), for PUB/XPUB data and SUB/XSUB
// subscriptions. Pipes are ordered [matching | active but not matching | inactive]: "matching" is
// the subset picked for the current message, "active" the ones that can take messages. A pipe at
// its HWM simply misses the message (PUB's mute behaviour is to drop) and is inactive until it has
// room again. Messages are whole, so a subscriber gets all of a multipart message or none of it.
import type { Msg, Pipe } from '../pipe.js';
import { PipeStrategy } from './pipe-set.js';

export class Distributor extends PipeStrategy {
  private matching = 0;
  /** Keep only the newest message per pipe (ZMQ_CONFLATE on the sending side). */
  conflate = false;

  detach(pipe: Pipe): void {
    const i = this.set.indexOf(pipe);
    if (i < 0) return;
    if (i < this.matching) {
      this.matching--;
      this.set.swap(i, this.matching);
    }
    this.set.remove(pipe);
  }

  get pipes(): readonly Pipe[] {
    return this.set.items;
  }

  /** Marks an active pipe as a recipient of the next sendToMatching. */
  match(pipe: Pipe): void {
    const i = this.set.indexOf(pipe);
    if (i < this.matching || i >= this.set.active) return;
    this.set.swap(i, this.matching);
    this.matching++;
  }

  unmatch(): void {
    this.matching = 0;
  }

  /** Flips the selection: the active pipes that were not matched become the matching ones (invertMatching). */
  reverseMatch(): void {
    const set = this.set;
    const before = this.matching;
    // Move the non-matching active pipes to the front, then they are the new matching set.
    let front = 0;
    for (let i = before; i < set.active; i++) set.swap(i, front++);
    this.matching = set.active - before;
  }

  /** True when every matching pipe could take a message now (XPUB noDrop); a full one will report room. */
  checkHwm(): boolean {
    for (let i = 0; i < this.matching; i++) if (!this.set.items[i].checkWrite()) return false;
    return true;
  }

  sendToAll(msg: Msg): void {
    this.matching = this.set.active;
    this.sendToMatching(msg);
  }

  /** Writes to each matching pipe; a pipe that refuses is deactivated. Clears the matching set. */
  sendToMatching(msg: Msg): void {
    const set = this.set;
    let i = 0;
    while (i < this.matching) {
      const pipe = set.items[i];
      if (this.conflate && pipe.active) pipe.discardOutbound();
      if (pipe.write(msg)) {
        i++;
        continue;
      }
      // Drop for this pipe; move it out of the matching and the active regions.
      this.matching--;
      set.swap(i, this.matching);
      set.deactivateAt(this.matching);
    }
    this.matching = 0;
  }

  /**
   * XPUB/RADIO sending: to the matching pipes, dropping for those at their HWM; with `noDrop` (libzmq's
   * ZMQ_XPUB_NODROP) nothing is sent unless every matching pipe has room, and false says to wait (the
   * selection is cleared; a full pipe will report room).
   */
  sendToMatchingOrWait(msg: Msg, noDrop: boolean): boolean {
    if (noDrop && !this.checkHwm()) {
      this.unmatch();
      return false;
    }
    this.sendToMatching(msg);
    return true;
  }

  /** Queues to every pipe even past its HWM: for subscriptions, which must never be lost. */
  forceToAll(msg: Msg): void {
    for (const pipe of this.set.items) if (pipe.active) pipe.force(msg);
  }
}
