// PAIR: exactly one peer (RFC 31, libzmq pair.cpp). A second peer is refused: its pipe is closed.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { closePipe } from './options.js';

export class PairType implements SocketType {
  readonly type = 'PAIR' as const;
  private pipe?: Pipe;

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
