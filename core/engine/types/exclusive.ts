// The one-peer shape shared by PAIR, CHANNEL and DGRAM (libzmq pair.cpp / channel.cpp / dgram.cpp):
// a single pipe, a second peer refused (its pipe closed) while the first is there. Subclasses add their
// message rules (CHANNEL single-part, DGRAM [address, body]).
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { closePipe } from './options.js';

export abstract class ExclusivePipeType implements SocketType {
  abstract readonly type: SocketTypeName;
  protected pipe?: Pipe;

  constructor(private readonly host: SocketHost) {}

  attach(pipe: Pipe): void {
    if (this.pipe) {
      closePipe(pipe);
      return;
    }
    this.pipe = pipe;
    this.host.notifyWritable();
    if (pipe.canRead()) this.host.notifyReadable();
  }
  detach(pipe: Pipe): void {
    if (this.pipe === pipe) this.pipe = undefined;
  }
  readActivated(pipe: Pipe): void {
    if (pipe === this.pipe) this.host.notifyReadable();
  }
  writeActivated(pipe: Pipe): void {
    if (pipe === this.pipe) this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    return this.pipe !== undefined && this.pipe.write(msg);
  }
  receive(): Msg | undefined {
    return this.pipe?.read();
  }
  hasIn(): boolean {
    return this.pipe !== undefined && this.pipe.canRead();
  }
  hasOut(): boolean {
    return this.pipe !== undefined && this.pipe.canWrite();
  }
}
