// An ordered set of pipes split into an "active" prefix and an inactive rest, with O(1) moves
// between the two (swap with the boundary). libzmq's array_t + active counter, shared by the
// load-balancer, the fair-queue and the distributor.
import type { Pipe } from '../pipe.js';

export class PipeSet {
  readonly items: Pipe[] = [];
  private readonly index = new Map<Pipe, number>();
  /** items[0 .. active) are active. */
  active = 0;

  get size(): number {
    return this.items.length;
  }

  has(pipe: Pipe): boolean {
    return this.index.has(pipe);
  }

  indexOf(pipe: Pipe): number {
    return this.index.get(pipe) ?? -1;
  }

  swap(i: number, j: number): void {
    if (i === j) return;
    const a = this.items[i];
    const b = this.items[j];
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(b, i);
    this.index.set(a, j);
  }

  /** Adds a pipe, active or not. */
  add(pipe: Pipe, active: boolean): void {
    if (this.index.has(pipe)) return;
    this.index.set(pipe, this.items.length);
    this.items.push(pipe);
    if (active) this.activate(pipe);
  }

  /** Moves a known pipe into the active prefix; no-op if already there or unknown. */
  activate(pipe: Pipe): boolean {
    const i = this.indexOf(pipe);
    if (i < 0 || i < this.active) return false;
    this.swap(i, this.active);
    this.active++;
    return true;
  }

  /** Moves the pipe at position i out of the active prefix. */
  deactivateAt(i: number): void {
    if (i >= this.active) return;
    this.active--;
    this.swap(i, this.active);
  }

  /** Removes the pipe entirely. Returns the index it had (or -1). */
  remove(pipe: Pipe): number {
    let i = this.indexOf(pipe);
    if (i < 0) return -1;
    const had = i;
    if (i < this.active) {
      this.deactivateAt(i);
      i = this.active;
    }
    const last = this.items.length - 1;
    this.swap(i, last);
    this.items.pop();
    this.index.delete(pipe);
    return had;
  }
}

/**
 * What the strategies (load-balancer, fair-queue, distributor) have in common: a PipeSet in which a new
 * pipe starts active and an activated one (room again, data again) moves back into the active prefix.
 */
export abstract class PipeStrategy {
  protected readonly set = new PipeSet();

  attach(pipe: Pipe): void {
    this.set.add(pipe, true);
  }

  /** The pipe can act again (has room for the load-balancer and distributor, has data for the fair-queue). */
  activated(pipe: Pipe): void {
    this.set.activate(pipe);
  }

  get pipeCount(): number {
    return this.set.size;
  }
}
