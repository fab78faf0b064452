// The pipe bookkeeping shared by the load-balancer and the fair-queue (libzmq's lb_t and fq_t keep the
// same array, active count and current index): pipes join active, leave the rotation when they cannot
// act, come back when activated, and the cursor wraps when the active prefix shrinks under it.
import type { Pipe } from '../pipe.js';
import { PipeSet } from './pipe-set.js';

export abstract class RoundRobinPipes {
  protected readonly set = new PipeSet();
  /** Index in the active prefix of the pipe to try next. */
  protected current = 0;

  attach(pipe: Pipe): void {
    this.set.add(pipe, true);
  }

  /** The pipe can act again (has room for the load-balancer, has data for the fair-queue). */
  activated(pipe: Pipe): void {
    this.set.activate(pipe);
  }

  detach(pipe: Pipe): void {
    const i = this.set.remove(pipe);
    if (i >= 0 && this.current >= this.set.active) this.current = 0;
  }

  get pipeCount(): number {
    return this.set.size;
  }
}
