// The rotation shared by the load-balancer and the fair-queue (libzmq's lb_t and fq_t keep the same
// array, active count and current index): on top of the PipeStrategy's active set, a cursor that wraps
// when the active prefix shrinks under it.
import type { Pipe } from '../pipe.js';
import { PipeStrategy } from './pipe-set.js';

export abstract class RoundRobinPipes extends PipeStrategy {
  /** Index in the active prefix of the pipe to try next. */
  protected current = 0;

  detach(pipe: Pipe): void {
    const i = this.set.remove(pipe);
    if (i >= 0 && this.current >= this.set.active) this.current = 0;
  }
}
