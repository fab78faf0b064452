// The send-only shape shared by PUSH and SCATTER (libzmq push.cpp / scatter.cpp): messages are
// load-balanced to the peers, nothing is received, and ZMQ_CONFLATE keeps only the newest message per
// peer. Each type is a small subclass naming itself (and SCATTER checking that messages are single-part).
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { LoadBalancer } from '../strategies/lb.js';
import { asBool, initialBool } from './options.js';

export abstract class SendOnlyType implements SocketType {
  private readonly lb = new LoadBalancer();

  /** `label` names the socket in errors ("Push sockets cannot receive"). */
  constructor(
    readonly type: SocketTypeName,
    private readonly label: string,
    private readonly host: SocketHost,
  ) {
    this.lb.conflate = initialBool(host.options, 'conflate', false);
  }

  attach(pipe: Pipe): void {
    this.lb.attach(pipe);
    this.host.notifyWritable();
  }
  detach(pipe: Pipe): void {
    this.lb.detach(pipe);
  }
  readActivated(pipe: Pipe): void {
    // The peer (PULL, GATHER) never sends; drop anything a misbehaving one queued.
    while (pipe.read() !== undefined);
  }
  writeActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    return this.lb.send(msg) !== undefined;
  }
  receive(): Msg | undefined {
    throw zmqError('ENOTSUP', `${this.label} sockets cannot receive`);
  }
  hasIn(): boolean {
    return false;
  }
  hasOut(): boolean {
    return this.lb.hasOut();
  }
  setOption(name: string, value: unknown): boolean {
    if (name !== 'conflate') return false;
    this.lb.conflate = asBool(name, value);
    return true;
  }
  getOption(name: string): unknown {
    return name === 'conflate' ? this.lb.conflate : undefined;
  }
}
