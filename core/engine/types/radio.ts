// RADIO (draft, RFC 48): publishes single-part messages to groups. A DISH peer joins groups (JOIN/LEAVE
// commands on the wire, [\x01group] / [\x00group] messages in the pipe); a message goes to every peer
// that joined its group, and to udp:// destinations, which get every group. Like PUB it never blocks:
// a peer at its HWM misses the message (libzmq radio.cpp, lossy by default); with noDrop (libzmq's
// ZMQ_XPUB_NODROP on a RADIO) a send waits instead while any peer it goes to is full.
//
// Between the public Radio class and this type a message travels as [group, body]; that is also what
// goes into the pipe, and the connection writes it as a group frame (MORE) then the body frame,
// as libzmq's radio_session_t does.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { draftTypeName } from './draft-name.js';
import { zmqError } from '../errors.js';
import { Distributor } from '../strategies/dist.js';
import { asBool, initialBool } from './options.js';

export class RadioType implements SocketType {
  readonly type = draftTypeName('RADIO');
  private readonly dist = new Distributor();
  /** Groups each peer joined (latin1 keys); undefined entry = udp destination, which takes every group. */
  private readonly joined = new Map<Pipe, Set<string> | 'all'>();

  private noDrop: boolean;

  constructor(private readonly host: SocketHost) {
    this.noDrop = initialBool(host.options, 'noDrop', false);
  }

  attach(pipe: Pipe): void {
    this.joined.set(pipe, pipe.endpoint.startsWith('udp://') ? 'all' : new Set());
    this.dist.attach(pipe);
    this.readActivated(pipe);
    this.host.notifyWritable();
  }
  detach(pipe: Pipe): void {
    this.joined.delete(pipe);
    this.dist.detach(pipe);
  }
  /** A DISH peer joined or left groups. */
  readActivated(pipe: Pipe): void {
    const groups = this.joined.get(pipe);
    for (let msg = pipe.read(); msg !== undefined; msg = pipe.read()) {
      if (groups === undefined || groups === 'all') continue;
      if (msg.length !== 1 || msg[0].length === 0 || msg[0][0] > 1) continue;
      const key = msg[0].toString('latin1', 1);
      if (msg[0][0] === 1) groups.add(key);
      else groups.delete(key);
    }
  }
  writeActivated(pipe: Pipe): void {
    this.dist.activated(pipe);
    this.host.notifyWritable();
  }
  send(msg: Msg): boolean {
    if (msg.length !== 2) throw zmqError('EINVAL', 'RADIO sockets send single-part messages to a group');
    const key = msg[0].toString('latin1');
    for (const pipe of this.dist.pipes) {
      const groups = this.joined.get(pipe);
      if (groups === 'all' || groups?.has(key)) this.dist.match(pipe);
    }
    return this.dist.sendToMatchingOrWait(msg, this.noDrop);
  }
  receive(): Msg | undefined {
    throw zmqError('ENOTSUP', 'Radio sockets cannot receive');
  }
  hasIn(): boolean {
    return false;
  }
  hasOut(): boolean {
    return true;
  }
  setOption(name: string, value: unknown): boolean {
    if (name !== 'noDrop') return false;
    this.noDrop = asBool(name, value);
    return true;
  }
  getOption(name: string): unknown {
    return name === 'noDrop' ? this.noDrop : undefined;
  }
}
