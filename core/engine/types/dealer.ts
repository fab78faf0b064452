// DEALER: round-robin out, fair-queue in, no envelopes (RFC 28, libzmq dealer.cpp).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { FairQueue, type Received } from '../strategies/fq.js';
import { LoadBalancer } from '../strategies/lb.js';
import { newest } from './conflate.js';
import { asBool, EMPTY, initialBool } from './options.js';

export class DealerType implements SocketType {
  readonly type: 'DEALER' | 'REQ' = 'DEALER';
  protected readonly lb = new LoadBalancer();
  protected readonly fq = new FairQueue();
  protected probeRouter: boolean;
  protected conflate: boolean;

  constructor(protected readonly host: SocketHost) {
    this.probeRouter = initialBool(host.options, 'probeRouter', false);
    this.conflate = initialBool(host.options, 'conflate', false);
    this.lb.conflate = this.conflate;
  }

  attach(pipe: Pipe): void {
    // Tell a ROUTER peer who we are at once: an empty message it will see as [id, ''].
    if (this.probeRouter) pipe.write([EMPTY]);
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
  /** Sends and tells which pipe took the message. */
  protected sendPipe(msg: Msg): Pipe | undefined {
    return this.lb.send(msg);
  }
  protected recvPipe(): Received | undefined {
    return this.fq.recvPipe();
  }
  receive(): Msg | undefined {
    return this.conflate ? newest(() => this.fq.recv()) : this.fq.recv();
  }
  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    return this.lb.hasOut();
  }
  setOption(name: string, value: unknown): boolean {
    switch (name) {
      case 'probeRouter':
        this.probeRouter = asBool(name, value);
        return true;
      case 'conflate':
        this.conflate = asBool(name, value);
        this.lb.conflate = this.conflate;
        return true;
      default:
        return false;
    }
  }
  getOption(name: string): unknown {
    switch (name) {
      case 'probeRouter':
        return this.probeRouter;
      case 'conflate':
        return this.conflate;
      default:
        return undefined;
    }
  }
}
