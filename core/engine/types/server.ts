// SERVER (draft, RFC 41): each peer gets a 32-bit routing id (never 0, counting up from a random start,
// like libzmq server.cpp). Received messages carry the id of the peer they came from; a reply names the
// peer by that id: unknown id -> EHOSTUNREACH, peer at its HWM -> EAGAIN. Single-part messages only.
//
// Between the public Server class and this type a message travels as [routingId (4 bytes BE), body].
import { randomInt } from 'node:crypto';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';

export class ServerType implements SocketType {
  readonly type: ReturnType<typeof draftTypeName> = draftTypeName('SERVER');
  private readonly fq = new FairQueue();
  private readonly byId = new Map<number, Pipe>();
  private readonly idOf = new Map<Pipe, number>();
  private nextId = randomInt(0, 2 ** 32);

  constructor(private readonly host: SocketHost) {}

  attach(pipe: Pipe): void {
    let id = this.nextId >>> 0;
    this.nextId = (id + 1) >>> 0;
    if (id === 0) {
      id = this.nextId;
      this.nextId = (id + 1) >>> 0;
    }
    this.byId.set(id, pipe);
    this.idOf.set(pipe, id);
    this.fq.attach(pipe);
    this.host.notifyWritable();
    if (pipe.canRead()) this.host.notifyReadable();
  }
  detach(pipe: Pipe): void {
    const id = this.idOf.get(pipe);
    if (id !== undefined) {
      this.byId.delete(id);
      this.idOf.delete(pipe);
    }
    this.fq.detach(pipe);
  }
  readActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
    this.host.notifyReadable();
  }
  writeActivated(): void {
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    if (msg.length !== 2 || msg[0].length !== 4) throw zmqError('EINVAL', 'SERVER sockets send single-part messages to a routing id');
    const id = msg[0].readUInt32BE(0);
    const pipe = this.byId.get(id);
    if (!pipe) throw zmqError('EHOSTUNREACH', `Host unreachable: no peer with routing id ${id}`);
    // Full pipe: wait (or EAGAIN with sendTimeout 0), as libzmq's SERVER answers EAGAIN.
    return pipe.write([msg[1]]);
  }
  receive(): Msg | undefined {
    for (;;) {
      const got = this.fq.recvPipe();
      if (!got) return undefined;
      if (got.msg.length !== 1) continue;
      const id = this.idOf.get(got.pipe);
      if (id === undefined) continue;
      const rid = Buffer.allocUnsafe(4);
      rid.writeUInt32BE(id, 0);
      return [rid, got.msg[0]];
    }
  }
  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    // Like libzmq: whether a send succeeds depends on the peer it names.
    return true;
  }
  /** The routing id of an attached pipe. */
  routingIdOf(pipe: Pipe): number | undefined {
    return this.idOf.get(pipe);
  }
}
