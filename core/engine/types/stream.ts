// STREAM: raw TCP, no ZMTP (libzmq stream.cpp). Each pipe gets a routing id when it is attached (a
// connecting STREAM's at connect(), so [id, data] can be sent before the TCP connection is up); received
// data arrives as [id, bytes] and [id, bytes] sends bytes to that connection; [id, ''] closes it.
// The connection layer (raw mode, like libzmq's raw engine) passes each chunk read as a single-frame
// message, writes each message's bytes as they are, and queues an empty message when a connection
// starts and when it ends: with `notify` (the default) those reach the application as [id, ''].
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';
import { RouterTable } from '../strategies/router-table.js';
import { asBool, closePipe, initialBool } from './options.js';
import { printable } from './router.js';

export class StreamType implements SocketType {
  readonly type = 'STREAM' as const;
  private readonly fq = new FairQueue();
  private readonly table = new RouterTable();

  routingIdOf(pipe: Pipe): Buffer | undefined {
    return this.table.id(pipe);
  }
  private notify: boolean;

  constructor(private readonly host: SocketHost) {
    this.notify = initialBool(host.options, 'notify', true);
  }

  attach(pipe: Pipe): void {
    // A routing id given for this connect (Stream.connect(addr, { routingId })) is used when free.
    const wanted = this.table.wantedId(pipe);
    const id = wanted && wanted.length > 0 && !this.table.has(wanted) ? wanted : this.table.generate();
    this.table.add(id, pipe);
    this.fq.attach(pipe);
    this.host.notifyWritable();
    if (pipe.canRead()) this.host.notifyReadable();
  }

  setConnectRoutingId(address: string, id: Buffer): void {
    this.table.setConnectId(address, id);
  }

  detach(pipe: Pipe): void {
    if (!this.table.id(pipe) || !this.table.contains(pipe)) return;
    this.fq.detach(pipe);
    this.table.remove(pipe);
  }

  readActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
    this.host.notifyReadable();
  }
  writeActivated(): void {
    this.host.notifyWritable();
  }

  send(msg: Msg): boolean {
    if (msg.length < 2) {
      throw zmqError('EINVAL', `Stream messages are [routingId, data]; got ${msg.length} frame${msg.length === 1 ? '' : 's'}`);
    }
    const pipe = this.table.get(msg[0]);
    if (!pipe || !pipe.active) throw zmqError('EHOSTUNREACH', `Host unreachable: no connection with routing id ${printable(msg[0])}`);
    const data = msg.length === 2 ? msg[1] : Buffer.concat(msg.slice(1));
    if (data.length === 0) {
      // Empty data closes the connection (after what was queued for it is written).
      this.fq.detach(pipe);
      this.table.remove(pipe);
      closePipe(pipe);
      return true;
    }
    return pipe.write([data]);
  }

  receive(): Msg | undefined {
    for (;;) {
      const got = this.fq.recvPipe();
      if (!got) return undefined;
      // An empty message is a connection starting or ending (data chunks are never empty).
      if (got.msg[0].length === 0 && !this.notify) continue;
      return [this.table.id(got.pipe)!, ...got.msg];
    }
  }

  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    return true;
  }

  setOption(name: string, value: unknown): boolean {
    if (name !== 'notify') return false;
    this.notify = asBool(name, value);
    return true;
  }
  getOption(name: string): unknown {
    return name === 'notify' ? this.notify : undefined;
  }
}
