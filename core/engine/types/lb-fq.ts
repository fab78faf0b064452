// The shape shared by DEALER (and so REQ) and CLIENT (libzmq dealer.cpp / client.cpp): messages out are
// load-balanced over the peers, messages in are fair-queued from them. Subclasses add their own rules
// (DEALER's probeRouter and conflate, CLIENT's single-part messages).
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { FairQueue } from '../strategies/fq.js';
import { LoadBalancer } from '../strategies/lb.js';

export abstract class LbFqType implements SocketType {
  abstract readonly type: SocketTypeName;
  protected readonly lb = new LoadBalancer();
  protected readonly fq = new FairQueue();

  constructor(protected readonly host: SocketHost) {}

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
    return this.lb.send(msg) !== undefined;
  }
  receive(): Msg | undefined {
    return this.fq.recv();
  }
  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    return this.lb.hasOut();
  }
}
