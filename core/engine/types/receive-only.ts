// The receive-only shape shared by PULL and GATHER (libzmq pull.cpp / gather.cpp): messages are
// fair-queued from the peers, nothing is sent, and ZMQ_CONFLATE hands out only the newest message.
// Each type is a small subclass naming itself (and GATHER dropping multipart input).
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';
import { newest } from './conflate.js';
import { asBool, initialBool } from './options.js';

export abstract class ReceiveOnlyType implements SocketType {
  protected readonly fq = new FairQueue();
  private conflate: boolean;

  /** `label` names the socket in errors ("Pull sockets cannot send"). */
  constructor(
    readonly type: SocketTypeName,
    private readonly label: string,
    private readonly host: SocketHost,
  ) {
    this.conflate = initialBool(host.options, 'conflate', false);
  }

  /** The next message the type accepts, in fair order. */
  protected next(): Msg | undefined {
    return this.fq.recv();
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
  send(_msg?: Msg): boolean {
    throw zmqError('ENOTSUP', `${this.label} sockets cannot send`);
  }
  receive(): Msg | undefined {
    return this.conflate ? newest(() => this.next()) : this.next();
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
