// ROUTER: every received message is prefixed with the routing id of the peer it came from, and
// the first frame of every sent message names the peer it goes to (RFC 28, libzmq router.cpp).
// Unknown ids are dropped, or fail with EHOSTUNREACH when `mandatory`; a full peer drops the message,
// or blocks (EAGAIN) when `mandatory`. `handover` lets a new peer take over an id in use.
import type { Msg, Pipe } from '../pipe.js';
import type { SocketHost, SocketType } from '../socket-type.js';
import { zmqError } from '../errors.js';
import { FairQueue } from '../strategies/fq.js';
import { RouterTable } from '../strategies/router-table.js';
import { asBool, closePipe, EMPTY, initialBool } from './options.js';

export class RouterType implements SocketType {
  readonly type: 'ROUTER' | 'REP' = 'ROUTER';
  protected readonly fq = new FairQueue();
  protected readonly table = new RouterTable();

  routingIdOf(pipe: Pipe): Buffer | undefined {
    return this.table.id(pipe);
  }
  /** Peers whose id clashed with a connected one (without handover): kept but never read, like libzmq. */
  private readonly anonymous = new Set<Pipe>();
  /** inproc pipes connected before the peer bound: identified once the peer is known (libzmq reads its id message then). */
  private readonly unidentified = new Set<Pipe>();
  protected mandatory: boolean;
  protected handover: boolean;
  protected probeRouter: boolean;

  constructor(protected readonly host: SocketHost) {
    this.mandatory = initialBool(host.options, 'mandatory', false);
    this.handover = initialBool(host.options, 'handover', false);
    this.probeRouter = initialBool(host.options, 'probeRouter', false);
  }

  attach(pipe: Pipe): void {
    if (this.probeRouter) pipe.write([EMPTY]);
    // An inproc peer not bound yet is identified when it binds, unless connect() named it already.
    if (pipe.peerSocketType === undefined && pipe.endpoint.startsWith('inproc://') && !this.table.hasConnectId(pipe.endpoint)) {
      this.unidentified.add(pipe);
      return;
    }
    this.admit(pipe);
  }

  private admit(pipe: Pipe): void {
    if (!this.identify(pipe)) {
      this.anonymous.add(pipe);
      return;
    }
    this.fq.attach(pipe);
    this.host.notifyWritable();
    if (pipe.canRead()) this.host.notifyReadable();
  }

  /** Admits the inproc pipes whose peer has bound since they attached. */
  private identifyLate(): void {
    if (this.unidentified.size === 0) return;
    for (const pipe of [...this.unidentified]) {
      if (pipe.peerSocketType === undefined) continue;
      this.unidentified.delete(pipe);
      this.admit(pipe);
    }
  }

  /** Picks the pipe's routing id: the peer's own (from its handshake) or a generated one. */
  private identify(pipe: Pipe): boolean {
    const wanted = this.table.wantedId(pipe);
    if (!wanted || wanted.length === 0) {
      this.table.add(this.table.generate(), pipe);
      return true;
    }
    const old = this.table.get(wanted);
    if (old) {
      if (!this.handover) return false;
      // The old connection gets a throw-away id and is closed; the new one takes the name.
      this.table.remove(old);
      this.table.add(this.table.generate(), old);
      closePipe(old);
    }
    this.table.add(wanted, pipe);
    return true;
  }

  /**
   * libzmq makes a connecting ROUTER's pipe at connect() when it knows the peer's routing id already
   * (ZMQ_CONNECT_ROUTING_ID), so a message to that id queues before the connection is up.
   */
  pipeAtConnect(address: string): boolean {
    return this.table.hasConnectId(address);
  }

  /** The peer reached through `address` will be known by `id` (zeromq.js Router.connect's routingId). */
  setConnectRoutingId(address: string, id: Buffer): void {
    this.table.setConnectId(address, id);
  }

  detach(pipe: Pipe): void {
    if (this.anonymous.delete(pipe) || this.unidentified.delete(pipe)) return;
    this.fq.detach(pipe);
    this.table.remove(pipe);
  }
  readActivated(pipe: Pipe): void {
    if (this.unidentified.has(pipe)) this.identifyLate();
    if (this.anonymous.has(pipe) || this.unidentified.has(pipe)) return;
    this.fq.activated(pipe);
    this.host.notifyReadable();
  }
  writeActivated(): void {
    this.host.notifyWritable();
  }

  send(msg: Msg): boolean {
    // A lone frame is only an address with nothing to send; libzmq drops it too.
    if (msg.length < 2) return true;
    let pipe = this.table.get(msg[0]);
    if (!pipe && this.unidentified.size > 0) {
      this.identifyLate();
      pipe = this.table.get(msg[0]);
    }
    if (!pipe || !pipe.active) {
      if (this.mandatory) throw zmqError('EHOSTUNREACH', `Host unreachable: no peer with routing id ${printable(msg[0])}`);
      return true;
    }
    const body = msg.slice(1);
    if (pipe.write(body)) return true;
    // Full: drop, unless mandatory asks to wait for room.
    return !this.mandatory;
  }

  receive(): Msg | undefined {
    const got = this.fq.recvPipe();
    if (!got) return undefined;
    return [this.table.id(got.pipe)!, ...got.msg];
  }
  hasIn(): boolean {
    return this.fq.hasIn();
  }
  hasOut(): boolean {
    if (!this.mandatory) return true;
    this.identifyLate();
    for (const pipe of this.table.pipes()) if (pipe.canWrite()) return true;
    return false;
  }

  setOption(name: string, value: unknown): boolean {
    switch (name) {
      case 'mandatory':
        this.mandatory = asBool(name, value);
        return true;
      case 'handover':
        this.handover = asBool(name, value);
        return true;
      case 'probeRouter':
        this.probeRouter = asBool(name, value);
        return true;
      default:
        return false;
    }
  }
  getOption(name: string): unknown {
    switch (name) {
      case 'mandatory':
        return this.mandatory;
      case 'handover':
        return this.handover;
      case 'probeRouter':
        return this.probeRouter;
      default:
        return undefined;
    }
  }
}

/** A routing id for an error message: text when printable, hex otherwise. */
export function printable(id: Buffer): string {
  const text = id.toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? JSON.stringify(text) : `0x${id.toString('hex')}`;
}
