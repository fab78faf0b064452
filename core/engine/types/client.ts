// CLIENT (draft, RFC 41): like DEALER (round-robin out, fair-queue in) but thread-safe in libzmq and
// single-part only: sending a multipart message is EINVAL, and multipart messages from a peer are dropped
// (libzmq client.cpp).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';
import { LoadBalancer } from '../strategies/lb.js';
import { singlePart } from './single-part.js';

export class ClientType implements SocketType {
  readonly type = draftTypeName('CLIENT');
  private readonly lb = new LoadBalancer();
  private readonly fq = new FairQueue();

  constructor(private readonly host: SocketHost) {}

  attach(pipe: Pipe): void {
    this.fq.attach(pipe);
    this.lb.attach(pipe);
    this.host.notifyWritable();
    if (pipe.canRead()) this.host.notifyReadable();
  }
  detach(pipe: Pipe): void {
    this.fq.detach(pipe);
    this.lb.detach(pipe);
  }
  readActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
    this.host.notifyReadable();
  }
  writeActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    if (msg.length !== 1) throw zmqError('EINVAL', 'CLIENT sockets do not allow multipart messages');
    return this.lb.send(msg) !== undefined;
  }
  receive(): Msg | undefined {
    return singlePart(() => this.fq.recv());
  }
  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    return this.lb.hasOut();
  }
}
