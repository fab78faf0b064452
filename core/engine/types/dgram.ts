// DGRAM (draft): raw UDP datagrams over udp:// only. A message is exactly two frames, [address, body],
// the address "ip:port" naming the destination (send) or the sender (receive). One pipe, to the udp
// transport (libzmq dgram.cpp); a second one is refused.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { closePipe } from './options.js';

export class DgramType implements SocketType {
  readonly type = draftTypeName('DGRAM');
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
  readActivated(): void {
    this.host.notifyReadable();
  }
  writeActivated(): void {
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    if (msg.length !== 2) throw zmqError('EINVAL', `DGRAM messages are [address, body], got ${msg.length} frame(s)`);
    return this.pipe?.write(msg) ?? false;
  }
  receive(): Msg | undefined {
    return this.pipe?.read();
  }
  hasIn(): boolean {
    return this.pipe?.canRead() ?? false;
  }
  hasOut(): boolean {
    return this.pipe?.canWrite() ?? false;
  }
}
