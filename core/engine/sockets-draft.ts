// The draft socket classes, shaped like zeromq.js v6's `zeromq/draft`: Server and Client (single-part,
// a Server names peers by a 32-bit routing id), Radio and Dish (groups), Gather and Scatter, Datagram (raw udp).
//   server.send(msg, { routingId })  /  const [msg, { routingId }] = await server.receive()
//   radio.send(msg, { group })       /  dish.join('g'); const [msg, { group }] = await dish.receive()
// Each is the generic Socket with one draft type's rules (./types/{server,client,radio,dish,gather,scatter}.ts).
import { Socket, toFrames, type MessageLike, type SocketOptions } from './socket.js';
import type { Context } from './context.js';
import { zmqError } from './errors.js';
import { checkGroup, type DishType } from './types/dish.js';
import type { PeerType } from './types/peer.js';
import { withContext } from './sockets.js';

export interface ServerRoutingOptions { routingId: number }
export interface RadioGroupOptions { group: Buffer | string }
export interface DishGroupOptions { group: Buffer }
export interface GatherOptions extends SocketOptions { conflate?: boolean }
export interface RadioOptions extends SocketOptions { noDrop?: boolean }
export interface ScatterOptions extends SocketOptions { conflate?: boolean }

/** The one frame of a single-part message; a multipart one is EINVAL (draft sockets have no SNDMORE). */
function singleFrame(kind: string, message: MessageLike | MessageLike[]): Buffer {
  const frames = toFrames(message);
  if (frames.length !== 1) throw zmqError('EINVAL', `${kind} sockets do not allow multipart messages (got ${frames.length} frames)`);
  return frames[0];
}

/** A group's bytes, checked; `asCString` cuts them at the first NUL first (join/leave: libzmq takes a C string). */
function groupBytes(group: unknown, asCString = false): Buffer {
  let buf: Buffer;
  if (typeof group === 'string') buf = Buffer.from(group, 'utf8');
  else if (Buffer.isBuffer(group)) buf = group;
  else if (group instanceof Uint8Array) buf = Buffer.from(group.buffer, group.byteOffset, group.byteLength);
  else throw zmqError('EINVAL', `group must be a string or a Buffer, got ${group === null ? 'null' : typeof group}`);
  if (asCString) buf = cutAtNul(buf);
  checkGroup(buf);
  return buf;
}

/** The bytes before the first NUL (all of them when there is none): what a C string argument carries. */
function cutAtNul(buf: Buffer): Buffer {
  const nul = buf.indexOf(0);
  return nul < 0 ? buf : buf.subarray(0, nul);
}

/** [routingId (4 bytes BE), body] for the SERVER/PEER types; EINVAL for a bad id or a multipart message. */
function routedFrames(kind: string, message: MessageLike | MessageLike[], options: unknown): Buffer[] {
  const id = (options as { routingId?: unknown } | undefined)?.routingId;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 0xffffffff) {
    throw zmqError('EINVAL', `${kind}.send needs { routingId }: an integer from 1 to 4294967295, got ${id === undefined ? 'none' : String(id)}`);
  }
  const rid = Buffer.allocUnsafe(4);
  rid.writeUInt32BE(id, 0);
  return [rid, singleFrame(kind.toUpperCase(), message)];
}

export class Server extends Socket {
  constructor(options?: SocketOptions, context?: Context) {
    super(12 /* ZMQ_SERVER */, withContext(options, context));
  }
  /** Sends a single-part message to the peer with `routingId` (as received with one of its messages). */
  override send(message: MessageLike | MessageLike[], options?: ServerRoutingOptions): Promise<void> {
    try {
      return super.send(routedFrames('Server', message, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Resolves to [message, { routingId }]. */
  override receive(): Promise<[Buffer, ServerRoutingOptions]> & Promise<Buffer[]> {
    return super.receive().then(([rid, body]) => [body, { routingId: rid.readUInt32BE(0) }]) as never;
  }
}

export class Client extends Socket {
  constructor(options?: SocketOptions, context?: Context) {
    super(13 /* ZMQ_CLIENT */, withContext(options, context));
  }
  override send(message: MessageLike | MessageLike[]): Promise<void> {
    try {
      return super.send(singleFrame('CLIENT', message));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

export class Radio extends Socket {
  declare noDrop: boolean;
  constructor(options?: RadioOptions, context?: Context) {
    super(14 /* ZMQ_RADIO */, withContext(options, context));
  }
  /** Publishes a single-part message to `group` (at most 255 bytes). */
  override send(message: MessageLike | MessageLike[], options?: RadioGroupOptions): Promise<void> {
    try {
      const group = (options as { group?: unknown } | undefined)?.group;
      if (group === undefined) throw zmqError('EINVAL', 'Radio.send needs { group }');
      return super.send([groupBytes(group), singleFrame('RADIO', message)]);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

export class Dish extends Socket {
  constructor(options?: SocketOptions, context?: Context) {
    super(15 /* ZMQ_DISH */, withContext(options, context));
  }
  /** Joins groups; joining one twice is EINVAL. A name ends at its first NUL byte, as libzmq's zmq_join takes a C string. */
  join(...groups: Array<Buffer | string>): void {
    if (this.closed) throw zmqError('EBADF', 'Socket is closed');
    for (const g of groups) (this.impl as DishType).join(groupBytes(g, true));
  }
  /** Leaves groups; leaving one not joined is EINVAL. A name ends at its first NUL byte, as for join. */
  leave(...groups: Array<Buffer | string>): void {
    if (this.closed) throw zmqError('EBADF', 'Socket is closed');
    for (const g of groups) (this.impl as DishType).leave(groupBytes(g, true));
  }
  /** Resolves to [message, { group }]. */
  override receive(): Promise<[Buffer, DishGroupOptions]> & Promise<Buffer[]> {
    return super.receive().then(([group, body]) => [body, { group }]) as never;
  }
}

export class Gather extends Socket {
  declare conflate: boolean;
  constructor(options?: GatherOptions, context?: Context) {
    super(16 /* ZMQ_GATHER */, withContext(options, context));
  }
}

export class Scatter extends Socket {
  declare conflate: boolean;
  constructor(options?: ScatterOptions, context?: Context) {
    super(17 /* ZMQ_SCATTER */, withContext(options, context));
  }
  override send(message: MessageLike | MessageLike[]): Promise<void> {
    try {
      return super.send(singleFrame('SCATTER', message));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * PEER (libzmq's ZMQ_PEER; not in zeromq.js 6): a Server that can also connect. connectPeer() connects and
 * returns the routing id of that connection at once, so the connecting side may speak first.
 */
export class Peer extends Socket {
  constructor(options?: SocketOptions, context?: Context) {
    super(19 /* ZMQ_PEER */, withContext(options, context));
  }
  /** Connects like connect() and returns the routing id that names this peer in send(). */
  connectPeer(address: string): number {
    if (this.options.immediate === true) throw zmqError('EINVAL', 'connectPeer cannot work with the immediate option (libzmq: EFAULT)');
    const type = this.impl as PeerType;
    type.lastRoutingId = 0;
    this.connect(address);
    if (type.lastRoutingId === 0) throw zmqError('EINVAL', `connectPeer: no routing id for ${address}`);
    return type.lastRoutingId;
  }
  override send(message: MessageLike | MessageLike[], options?: ServerRoutingOptions): Promise<void> {
    try {
      return super.send(routedFrames('Peer', message, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Resolves to [message, { routingId }]. */
  override receive(): Promise<[Buffer, ServerRoutingOptions]> & Promise<Buffer[]> {
    return super.receive().then(([rid, body]) => [body, { routingId: rid.readUInt32BE(0) }]) as never;
  }
}

/** CHANNEL (libzmq's ZMQ_CHANNEL; not in zeromq.js 6): PAIR semantics with single-part messages. */
export class Channel extends Socket {
  constructor(options?: SocketOptions, context?: Context) {
    super(20 /* ZMQ_CHANNEL */, withContext(options, context));
  }
  override send(message: MessageLike | MessageLike[]): Promise<void> {
    try {
      return super.send(singleFrame('CHANNEL', message));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/**
 * Raw UDP over udp:// (bind to receive and send, or connect to send from an ephemeral port): messages are
 * [address, body] with the address as "ip:port", like zeromq.js's Datagram.
 */
export class Datagram extends Socket {
  constructor(options?: SocketOptions, context?: Context) {
    super(18 /* ZMQ_DGRAM */, withContext(options, context));
  }
}

for (const [target, name] of [[Gather, 'conflate'], [Scatter, 'conflate'], [Radio, 'noDrop']] as const) {
  Object.defineProperty(target.prototype, name, {
    get(this: Socket) { return this.getOption(name); },
    set(this: Socket, v: unknown) { this.setOption(name, v); },
    enumerable: true,
    configurable: true,
  });
}
