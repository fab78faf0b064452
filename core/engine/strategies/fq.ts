// Fair-queue: incoming messages are taken from the pipes in turn, one whole message from each
// pipe that has one (libzmq's fq_t), so a busy peer cannot starve the others. A pipe found empty
// leaves the rotation until it reports data again (readActivated fires on empty -> non-empty).
import type { Msg, Pipe } from '../pipe.js';
import { RoundRobinPipes } from './round-robin.js';

export interface Received {
  msg: Msg;
  pipe: Pipe;
}

export class FairQueue extends RoundRobinPipes {
  /** Takes the next whole message in fair order, with the pipe it came from. */
  recvPipe(): Received | undefined {
    const set = this.set;
    while (set.active > 0) {
      if (this.current >= set.active) this.current = 0;
      const pipe = set.items[this.current];
      const msg = pipe.read();
      if (msg !== undefined) {
        // read() may have detached the pipe (peer gone and now drained); only advance if it is still here.
        if (set.items[this.current] === pipe) this.current++;
        if (this.current >= set.active) this.current = 0;
        return { msg, pipe };
      }
      if (set.items[this.current] === pipe) set.deactivateAt(this.current);
    }
    this.current = 0;
    return undefined;
  }

  recv(): Msg | undefined {
    return this.recvPipe()?.msg;
  }

  hasIn(): boolean {
    const set = this.set;
    for (let i = 0; i < set.active; i++) if (set.items[i].canRead()) return true;
    return false;
  }
}
