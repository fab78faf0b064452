// GATHER (draft): fair-queues single-part messages from SCATTER peers; cannot send; multipart messages
// are dropped (libzmq gather.cpp).
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';
import { newest } from './conflate.js';
import { asBool, initialBool } from './options.js';
import { singlePart } from './single-part.js';

export class GatherType implements SocketType {
  readonly type = draftTypeName('GATHER');
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
  send(): boolean {
    throw zmqError('ENOTSUP', 'Gather sockets cannot send');
  }
  receive(): Msg | undefined {
    const next = () => singlePart(() => this.fq.recv());
    return this.conflate ? newest(next) : next();
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
