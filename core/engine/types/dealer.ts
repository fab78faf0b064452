// DEALER: round-robin out, fair-queue in, no envelopes (RFC 28, libzmq dealer.cpp).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost } from '../socket-type.js';
import type { Received } from '../strategies/fq.js';
import { newest } from './conflate.js';
import { LbFqType } from './lb-fq.js';
import { asBool, EMPTY, initialBool } from './options.js';

export class DealerType extends LbFqType {
  readonly type: 'DEALER' | 'REQ' = 'DEALER';
  protected probeRouter: boolean;
  protected conflate: boolean;

  constructor(host: SocketHost) {
    super(host);
    this.probeRouter = initialBool(host.options, 'probeRouter', false);
    this.conflate = initialBool(host.options, 'conflate', false);
    this.lb.conflate = this.conflate;
  }

  override attach(pipe: Pipe): void {
    // Tell a ROUTER peer who we are at once: an empty message it will see as [id, ''].
    if (this.probeRouter) pipe.write([EMPTY]);
    super.attach(pipe);
  }
  /** Sends and tells which pipe took the message. */
  protected sendPipe(msg: Msg): Pipe | undefined {
    return this.lb.send(msg);
  }
  protected recvPipe(): Received | undefined {
    return this.fq.recvPipe();
  }
  override receive(): Msg | undefined {
    return this.conflate ? newest(() => this.fq.recv()) : this.fq.recv();
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
