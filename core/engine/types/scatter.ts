// SCATTER (draft): round-robins single-part messages to GATHER peers; cannot receive; a multipart
// message is EINVAL (libzmq scatter.cpp).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { LoadBalancer } from '../strategies/lb.js';
import { asBool, initialBool } from './options.js';

export class ScatterType implements SocketType {
  readonly type = draftTypeName('SCATTER');
  private readonly lb = new LoadBalancer();

  constructor(private readonly host: SocketHost) {
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
    // GATHER never sends; drop anything a misbehaving peer queued.
    while (pipe.read() !== undefined);
  }
  writeActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    if (msg.length !== 1) throw zmqError('EINVAL', 'SCATTER sockets do not allow multipart messages');
    return this.lb.send(msg) !== undefined;
  }
  receive(): Msg | undefined {
    throw zmqError('ENOTSUP', 'Scatter sockets cannot receive');
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
