// PULL: fair-queues messages from PUSH peers; cannot send (RFC 30, libzmq pull.cpp).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';
import { newest } from './conflate.js';
import { asBool, initialBool } from './options.js';

export class PullType implements SocketType {
  readonly type = 'PULL' as const;
  private readonly fq = new FairQueue();
  private conflate: boolean;

  constructor(private readonly host: SocketHost) {
    this.conflate = initialBool(host.options, 'conflate', false);
  }

  attach(pipe: Pipe): void {
    this.fq.attach(pipe);
    if (pipe.canRead()) this.host.notifyReadable();
  }
  detach(pipe: Pipe): void {
    this.fq.detach(pipe);
  }
  readActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
    this.host.notifyReadable();
  }
  writeActivated(): void {}
  send(_msg: Msg): boolean {
    throw zmqError('ENOTSUP', 'Pull sockets cannot send');
  }
  receive(): Msg | undefined {
    return this.conflate ? newest(() => this.fq.recv()) : this.fq.recv();
  }
  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    return false;
  }
  setOption(name: string, value: unknown): boolean {
    if (name !== 'conflate') return false;
    this.conflate = asBool(name, value);
    return true;
  }
  getOption(name: string): unknown {
    return name === 'conflate' ? this.conflate : undefined;
  }
}
