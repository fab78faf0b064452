// CHANNEL (draft, libzmq channel.cpp): PAIR's one exclusive peer, single-part messages only (a multipart
// send is EINVAL, multipart input is dropped). CHANNEL talks to CHANNEL only.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { closePipe } from './options.js';
import { singlePart } from './single-part.js';

export class ChannelType implements SocketType {
  readonly type = draftTypeName('CHANNEL');
  private pipe?: Pipe;

  constructor(private readonly host: SocketHost) {}

  attach(pipe: Pipe): void {
    // Like PAIR: a second peer is refused while the first is connected.
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
  readActivated(): void {
    this.host.notifyReadable();
  }
  writeActivated(): void {
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    if (msg.length !== 1) throw zmqError('EINVAL', 'CHANNEL sockets do not allow multipart messages');
    return this.pipe?.write(msg) ?? false;
  }
  receive(): Msg | undefined {
    const pipe = this.pipe;
    return pipe ? singlePart(() => pipe.read()) : undefined;
  }
  hasIn(): boolean {
    return this.pipe?.canRead() ?? false;
  }
  hasOut(): boolean {
    return this.pipe?.canWrite() ?? false;
  }
}
