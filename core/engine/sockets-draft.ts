// The draft socket classes, shaped like zeromq.js v6's `zeromq/draft`: Server and Client (single-part,
// a Server names peers by a 32-bit routing id), Radio and Dish (groups), Gather and Scatter, Datagram (raw udp).
//   server.send(msg, { routingId })  /  const [msg, { routingId }] = await server.receive()
//   radio.send(msg, { group })       /  dish.join('g'); const [msg, { group }] = await dish.receive()
// Each is the generic Socket with one draft type's rules (./types/{server,client,radio,dish,gather,scatter}.ts).
import { Socket, toFrames, type MessageLike, type Readable, type Writable } from './socket.js';
import { SOCKET_TYPE_TABLE } from './socket-type-table.js';
import type { TypeOptionValues } from './option-table.js';
import { defineTypeOptions, type OptionsFor } from './sockets.js';
import type { Context } from './context.js';
import { zmqError } from './errors.js';
import { checkGroup, type DishType } from './types/dish.js';
import type { PeerType } from './types/peer.js';
import { withContext } from './sockets.js';

export interface ServerRoutingOptions {
  routingId: number;
}
export interface RadioGroupOptions {
  group: Buffer | string;
}
export interface DishGroupOptions {
  group: Buffer;
}
export type ServerOptions = OptionsFor<'SERVER'>;
export type ClientOptions = OptionsFor<'CLIENT'>;
export type RadioOptions = OptionsFor<'RADIO'>;
export type DishOptions = OptionsFor<'DISH'>;
export type GatherOptions = OptionsFor<'GATHER'>;
export type ScatterOptions = OptionsFor<'SCATTER'>;
export type DatagramOptions = OptionsFor<'DGRAM'>;
export type PeerOptions = OptionsFor<'PEER'>;
export type ChannelOptions = OptionsFor<'CHANNEL'>;

// Each class's send/receive (zeromq.js's draft interfaces) and type-specific options, from the tables.
export interface Server
  extends Readable<[Buffer, ServerRoutingOptions]>, Writable<MessageLike, [ServerRoutingOptions]>, TypeOptionValues<'SERVER'> {}
export interface Client extends Readable<[Buffer]>, Writable<MessageLike>, TypeOptionValues<'CLIENT'> {}
export interface Radio extends Writable<MessageLike, [RadioGroupOptions]>, TypeOptionValues<'RADIO'> {}
export interface Dish extends Readable<[Buffer, DishGroupOptions]>, TypeOptionValues<'DISH'> {}
export interface Gather extends Readable<[Buffer]>, TypeOptionValues<'GATHER'> {}
export interface Scatter extends Writable<MessageLike>, TypeOptionValues<'SCATTER'> {}
export interface Peer
  extends Readable<[Buffer, ServerRoutingOptions]>, Writable<MessageLike, [ServerRoutingOptions]>, TypeOptionValues<'PEER'> {}
export interface Channel extends Readable<[Buffer]>, Writable<MessageLike>, TypeOptionValues<'CHANNEL'> {}
export interface Datagram extends Readable, Writable, TypeOptionValues<'DGRAM'> {}

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
    throw zmqError(
      'EINVAL',
      `${kind}.send needs { routingId }: an integer from 1 to 4294967295, got ${id === undefined ? 'none' : String(id)}`,
    );
  }
  const rid = Buffer.allocUnsafe(4);
  rid.writeUInt32BE(id, 0);
  return [rid, singleFrame(kind.toUpperCase(), message)];
}

export class Server extends Socket {
  constructor(options?: ServerOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.SERVER.number, withContext(options, context));
  }
  /** Sends a single-part message to the peer with `routingId` (as received with one of its messages). */
  send(message: MessageLike, options?: ServerRoutingOptions): Promise<void> {
    try {
      return this.sendMessage(routedFrames('Server', message, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Resolves to [message, { routingId }]. */
  receive(): Promise<[Buffer, ServerRoutingOptions]> {
    return this.receiveMessage().then(([rid, body]): [Buffer, ServerRoutingOptions] => [body, { routingId: rid.readUInt32BE(0) }]);
  }
}

export class Client extends Socket {
  constructor(options?: ClientOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.CLIENT.number, withContext(options, context));
  }
  send(message: MessageLike): Promise<void> {
    try {
      return this.sendMessage(singleFrame('CLIENT', message));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

export class Radio extends Socket {
  constructor(options?: RadioOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.RADIO.number, withContext(options, context));
  }
  /** Publishes a single-part message to `group` (at most 255 bytes). */
  send(message: MessageLike, options?: RadioGroupOptions): Promise<void> {
    try {
      const group = (options as { group?: unknown } | undefined)?.group;
      if (group === undefined) throw zmqError('EINVAL', 'Radio.send needs { group }');
      return this.sendMessage([groupBytes(group), singleFrame('RADIO', message)]);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

export class Dish extends Socket {
  constructor(options?: DishOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.DISH.number, withContext(options, context));
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
  receive(): Promise<[Buffer, DishGroupOptions]> {
    return this.receiveMessage().then(([group, body]): [Buffer, DishGroupOptions] => [body, { group }]);
  }
}

export class Gather extends Socket {
  constructor(options?: GatherOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.GATHER.number, withContext(options, context));
  }
}

export class Scatter extends Socket {
  constructor(options?: ScatterOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.SCATTER.number, withContext(options, context));
  }
  send(message: MessageLike): Promise<void> {
    try {
      return this.sendMessage(singleFrame('SCATTER', message));
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
  constructor(options?: PeerOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.PEER.number, withContext(options, context));
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
  send(message: MessageLike, options?: ServerRoutingOptions): Promise<void> {
    try {
      return this.sendMessage(routedFrames('Peer', message, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** Resolves to [message, { routingId }]. */
  receive(): Promise<[Buffer, ServerRoutingOptions]> {
    return this.receiveMessage().then(([rid, body]): [Buffer, ServerRoutingOptions] => [body, { routingId: rid.readUInt32BE(0) }]);
  }
}

/** CHANNEL (libzmq's ZMQ_CHANNEL; not in zeromq.js 6): PAIR semantics with single-part messages. */
export class Channel extends Socket {
  constructor(options?: ChannelOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.CHANNEL.number, withContext(options, context));
  }
  send(message: MessageLike): Promise<void> {
    try {
      return this.sendMessage(singleFrame('CHANNEL', message));
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
  constructor(options?: DatagramOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.DGRAM.number, withContext(options, context));
  }
}

for (const [cls, type] of [
  [Server, 'SERVER'],
  [Client, 'CLIENT'],
  [Radio, 'RADIO'],
  [Dish, 'DISH'],
  [Gather, 'GATHER'],
  [Scatter, 'SCATTER'],
  [Peer, 'PEER'],
  [Channel, 'CHANNEL'],
  [Datagram, 'DGRAM'],
] as const)
  defineTypeOptions(cls, type);
