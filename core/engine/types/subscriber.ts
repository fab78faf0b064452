// The receiving side shared by SUB/XSUB and DISH (libzmq xsub.cpp / dish.cpp): messages are fair-queued
// from the publishers (PUB/XPUB, RADIO); what the socket asked for (subscriptions, joined groups) goes to
// every publisher through a distributor and is re-sent to each new pipe, since a new peer (or the same one
// after a reconnect) knows nothing of it; messages that do not match are dropped here, looking ahead so
// that "readable" means a matching message is there.
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { Distributor } from '../strategies/dist.js';
import { FairQueue } from '../strategies/fq.js';

export abstract class SubscriberType implements SocketType {
  abstract readonly type: SocketTypeName;
  protected readonly fq = new FairQueue();
  protected readonly dist = new Distributor();
  /** A matching message found by hasIn(), handed out by the next receive(). */
  private prefetched?: Msg;

  constructor(protected readonly host: SocketHost) {}

  /** Sends what this socket subscribed to (or joined) to a new pipe. */
  protected abstract resend(pipe: Pipe): void;
  /** Whether a received message is one the socket asked for. */
  protected abstract matches(msg: Msg): boolean;

  attach(pipe: Pipe): void {
    this.fq.attach(pipe);
    this.dist.attach(pipe);
    this.resend(pipe);
    this.host.notifyWritable();
    if (pipe.canRead()) this.host.notifyReadable();
  }
  detach(pipe: Pipe): void {
    this.fq.detach(pipe);
    this.dist.detach(pipe);
  }
  readActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
    this.host.notifyReadable();
  }
  writeActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
    this.host.notifyWritable();
  }

  /** Next message that passes the filter, or undefined. */
  protected next(): Msg | undefined {
    if (this.prefetched) {
      const msg = this.prefetched;
      this.prefetched = undefined;
      return msg;
    }
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined || this.matches(msg)) return msg;
    }
  }

  abstract send(msg: Msg): boolean;

  receive(): Msg | undefined {
    return this.next();
  }

  hasIn(): boolean {
    if (this.prefetched) return true;
    this.prefetched = this.next();
    return this.prefetched !== undefined;
  }

  abstract hasOut(): boolean;
}
