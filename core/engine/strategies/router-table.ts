// Routing-id -> pipe table for ROUTER and STREAM (libzmq's routing_socket_base_t out-pipe map).
// Ids are binary; the map key is the id's latin1 string, which is one char per byte.
import { randomBytes } from 'node:crypto';
import type { Pipe } from '../pipe.js';

export class RouterTable {
  private readonly byId = new Map<string, Pipe>();
  // Our own record of each pipe's id: pipe.routingId is also written by the connection layer
  // (the peer's Identity, refreshed on reconnect), so it cannot be trusted to keep ours.
  // Kept after removal (weakly), so a message read just before its pipe went away still has its id.
  private readonly idOf = new WeakMap<Pipe, Buffer>();
  // libzmq starts generated ids at a random 32-bit value.
  private next = randomBytes(4).readUInt32BE(0);
  /** Routing ids chosen with connect(address, { routingId }) (libzmq's connect_routing_id). */
  private readonly connectIds = new Map<string, Buffer>();

  static key(id: Buffer): string {
    return id.toString('latin1');
  }

  get size(): number {
    return this.byId.size;
  }

  /** A fresh 5-byte id: a zero byte then a 32-bit counter, like libzmq; never one in use. */
  generate(): Buffer {
    for (;;) {
      const id = Buffer.alloc(5);
      id.writeUInt32BE(this.next >>> 0, 1);
      this.next = (this.next + 1) >>> 0;
      if (!this.byId.has(RouterTable.key(id))) return id;
    }
  }

  /** The pipes connected to `address` will be known by `id`. */
  setConnectId(address: string, id: Buffer): void {
    this.connectIds.set(address, id);
  }

  /** The id a new pipe asks for: the one given for its connect, else the peer's own (its Identity), if any. */
  /** A routing id was given for the peer at `address` (Router.connect's routingId). */
  hasConnectId(address: string): boolean {
    return this.connectIds.has(address);
  }

  wantedId(pipe: Pipe): Buffer | undefined {
    return this.connectIds.get(pipe.endpoint) ?? pipe.routingId;
  }

  get(id: Buffer): Pipe | undefined {
    return this.byId.get(RouterTable.key(id));
  }

  has(id: Buffer): boolean {
    return this.byId.has(RouterTable.key(id));
  }

  /** Registers the pipe under `id` (and also stores it as pipe.routingId, for monitoring). */
  add(id: Buffer, pipe: Pipe): void {
    this.remove(pipe);
    pipe.routingId = id;
    this.idOf.set(pipe, id);
    this.byId.set(RouterTable.key(id), pipe);
  }

  /** The id the pipe is registered under. */
  id(pipe: Pipe): Buffer | undefined {
    return this.idOf.get(pipe);
  }

  /** True while the pipe is the one registered under its id. */
  contains(pipe: Pipe): boolean {
    const id = this.idOf.get(pipe);
    return id !== undefined && this.byId.get(RouterTable.key(id)) === pipe;
  }

  /** Stops routing to the pipe (its id stays readable through id()). */
  remove(pipe: Pipe): void {
    if (this.contains(pipe)) this.byId.delete(RouterTable.key(this.idOf.get(pipe)!));
  }

  pipes(): IterableIterator<Pipe> {
    return this.byId.values();
  }
}
