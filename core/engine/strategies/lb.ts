// Load-balancer: each outgoing message goes to the next pipe that can take it, round-robin
// (libzmq's lb_t). A pipe that refuses a message (at its HWM) leaves the rotation until the pipe
// reports room again (writeActivated). Messages are whole, so "the rest of a multipart message
// goes to the same pipe" holds by construction.
import type { Msg, Pipe } from '../pipe.js';
import { RoundRobinPipes } from './round-robin.js';

export class LoadBalancer extends RoundRobinPipes {
  /** Keep only the newest message per pipe (ZMQ_CONFLATE on the sending side). */
  conflate = false;

  /** Sends to the next pipe with room. Returns that pipe, or undefined when none can take it. */
  send(msg: Msg): Pipe | undefined {
    const set = this.set;
    while (set.active > 0) {
      if (this.current >= set.active) this.current = 0;
      const pipe = set.items[this.current];
      if (this.conflate && pipe.active) pipe.discardOutbound();
      if (pipe.write(msg)) {
        this.current = set.active > 0 ? (this.current + 1) % set.active : 0;
        return pipe;
      }
      // Full (writeActivated will bring it back) or going away (detach will remove it).
      set.deactivateAt(this.current);
    }
    this.current = 0;
    return undefined;
  }

  /** Some pipe could take a message now. Does not change the rotation. */
  hasOut(): boolean {
    const set = this.set;
    for (let i = 0; i < set.active; i++) {
      const p = set.items[i];
      if (this.conflate ? p.active : p.canWrite()) return true;
    }
    return false;
  }
}
