// The public socket classes, shaped like zeromq.js v6: `new Dealer({ routingId: 'a' })`, type-specific
// options as properties (router.mandatory = true), Subscriber.subscribe(), Router/Stream.connect
// with a routing id. Each is the generic Socket with one socket type's routing rules (./types).
import { Socket, defineOptionProperties, type Readable, type Writable } from './socket.js';
import { OPTIONS, OPTION_NAMES, appliesTo, type OptionsOf, type TypeOptionValues } from './option-table.js';
import { SOCKET_TYPE_TABLE, type SocketTypeName } from './socket-type-table.js';
import type { Context } from './context.js';
import { zmqError } from './errors.js';
import type { RouterType, StreamType, SubType, XPubType } from './types/index.js';

export type { SocketOptions } from './socket.js';

type Prefix = Buffer | string;

function prefixBytes(prefix: Prefix): Buffer {
  if (typeof prefix === 'string') return Buffer.from(prefix, 'utf8');
  if (Buffer.isBuffer(prefix)) return prefix;
  if ((prefix as unknown) instanceof Uint8Array) return Buffer.from(prefix);
  throw zmqError('EINVAL', `A subscription prefix must be a string or a Buffer, got ${typeof prefix}`);
}

/**
 * The options with `context` added: the classes take a context as a second argument too (zeromq.js
 * ignores a second argument; it takes the context only as `options.context`).
 */
export function withContext<T extends object>(options: T | undefined, context: Context | undefined): T | undefined {
  if (context === undefined || (options !== undefined && (options === null || typeof options !== 'object'))) return options;
  return { ...options, context } as unknown as T;
}

function connectRoutingId(options: unknown): Buffer | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw zmqError('EINVAL', 'connect options must be an object like { routingId: "name" }');
  const id = (options as { routingId?: unknown }).routingId;
  if (id === undefined || id === null) return undefined;
  const buf = typeof id === 'string' ? Buffer.from(id, 'utf8') : Buffer.isBuffer(id) ? id : undefined;
  if (!buf) throw zmqError('EINVAL', `connect option routingId must be a string or a Buffer, got ${typeof id}`);
  if (buf.length === 0 || buf.length > 255) throw zmqError('EINVAL', `connect option routingId must be 1 to 255 bytes, got ${buf.length}`);
  return buf;
}

/** The options only type T has, declared in option-table.ts, as properties of T's class (validated through setOption). */
export function defineTypeOptions(target: { prototype: object }, type: SocketTypeName): void {
  defineOptionProperties(
    target,
    OPTION_NAMES.filter((name) => OPTIONS[name].types !== 'all' && !('property' in OPTIONS[name]) && appliesTo(name, type)),
  );
}

/** A class's constructor options: the options its type has (option-table.ts) and the context. */
export type OptionsFor<T extends SocketTypeName> = OptionsOf<T> & { context?: Context };

export type PairOptions = OptionsFor<'PAIR'>;
export type PushOptions = OptionsFor<'PUSH'>;
export type PullOptions = OptionsFor<'PULL'>;
export type DealerOptions = OptionsFor<'DEALER'>;
export type RequestOptions = OptionsFor<'REQ'>;
export type ReplyOptions = OptionsFor<'REP'>;
export type RouterOptions = OptionsFor<'ROUTER'>;
export type PublisherOptions = OptionsFor<'PUB'>;
export type SubscriberOptions = OptionsFor<'SUB'>;
export type XPublisherOptions = OptionsFor<'XPUB'>;
export type XSubscriberOptions = OptionsFor<'XSUB'>;
export type StreamOptions = OptionsFor<'STREAM'>;
export interface RouterConnectOptions {
  routingId?: string | Buffer;
}
export interface StreamConnectOptions {
  routingId?: string | Buffer;
}

// Each class's type-specific options and its send/receive, from the tables (zeromq.js's interfaces).
export interface Pair extends Readable, Writable, TypeOptionValues<'PAIR'> {}
export interface Push extends Writable, TypeOptionValues<'PUSH'> {}
export interface Pull extends Readable, TypeOptionValues<'PULL'> {}
export interface Dealer extends Readable, Writable, TypeOptionValues<'DEALER'> {}
export interface Request extends Readable, Writable, TypeOptionValues<'REQ'> {}
export interface Reply extends Readable, Writable, TypeOptionValues<'REP'> {}
export interface Router extends Readable, Writable, TypeOptionValues<'ROUTER'> {}
export interface Publisher extends Writable, TypeOptionValues<'PUB'> {}
export interface Subscriber extends Readable, TypeOptionValues<'SUB'> {}
export interface XPublisher extends Readable, Writable, TypeOptionValues<'XPUB'> {}
export interface XSubscriber extends Readable, Writable, TypeOptionValues<'XSUB'> {}
export interface Stream extends Readable, Writable, TypeOptionValues<'STREAM'> {}

export class Pair extends Socket {
  constructor(options?: PairOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.PAIR.number, withContext(options, context));
  }
}

export class Push extends Socket {
  constructor(options?: PushOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.PUSH.number, withContext(options, context));
  }
}

export class Pull extends Socket {
  constructor(options?: PullOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.PULL.number, withContext(options, context));
  }
}

export class Dealer extends Socket {
  constructor(options?: DealerOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.DEALER.number, withContext(options, context));
  }
}

export class Request extends Socket {
  constructor(options?: RequestOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.REQ.number, withContext(options, context));
  }
}

export class Reply extends Socket {
  constructor(options?: ReplyOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.REP.number, withContext(options, context));
  }
}

export class Router extends Socket {
  constructor(options?: RouterOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.ROUTER.number, withContext(options, context));
  }
  /** Like Socket.connect; `routingId` names the peer reached through this endpoint (ZMQ_CONNECT_ROUTING_ID). */
  override connect(address: string, options?: RouterConnectOptions): void {
    const id = connectRoutingId(options);
    if (id) (this.impl as RouterType).setConnectRoutingId(address, id);
    super.connect(address);
  }
}

export class Publisher extends Socket {
  constructor(options?: PublisherOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.PUB.number, withContext(options, context));
  }
}

export class Subscriber extends Socket {
  constructor(options?: SubscriberOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.SUB.number, withContext(options, context));
  }
  /** Subscribes to messages whose first frame starts with one of the prefixes; no prefix means everything. */
  subscribe(...prefixes: Prefix[]): void {
    const type = this.impl as SubType;
    if (prefixes.length === 0) type.subscribe(Buffer.alloc(0));
    for (const p of prefixes) type.subscribe(prefixBytes(p));
  }
  /** Removes subscriptions made with subscribe(); no prefix removes the subscribe-to-everything one. */
  unsubscribe(...prefixes: Prefix[]): void {
    const type = this.impl as SubType;
    if (prefixes.length === 0) type.unsubscribe(Buffer.alloc(0));
    for (const p of prefixes) type.unsubscribe(prefixBytes(p));
  }
}

export class XPublisher extends Socket {
  constructor(options?: XPublisherOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.XPUB.number, withContext(options, context));
  }
  /**
   * Manual mode: applies a subscription for the peer whose subscription message was received
   * last (libzmq's ZMQ_SUBSCRIBE on an XPUB). Not in zeromq.js, which cannot do this.
   */
  subscribe(...prefixes: Prefix[]): void {
    const type = this.impl as XPubType;
    if (prefixes.length === 0) type.subscribe(Buffer.alloc(0));
    for (const p of prefixes) type.subscribe(prefixBytes(p));
  }
  unsubscribe(...prefixes: Prefix[]): void {
    const type = this.impl as XPubType;
    if (prefixes.length === 0) type.unsubscribe(Buffer.alloc(0));
    for (const p of prefixes) type.unsubscribe(prefixBytes(p));
  }
}

export class XSubscriber extends Socket {
  constructor(options?: XSubscriberOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.XSUB.number, withContext(options, context));
  }
}

export class Stream extends Socket {
  constructor(options?: StreamOptions, context?: Context) {
    super(SOCKET_TYPE_TABLE.STREAM.number, withContext(options, context));
  }
  override connect(address: string, options?: StreamConnectOptions): void {
    const id = connectRoutingId(options);
    if (id) (this.impl as StreamType).setConnectRoutingId(address, id);
    super.connect(address);
  }
}

for (const [cls, type] of [
  [Pair, 'PAIR'],
  [Push, 'PUSH'],
  [Pull, 'PULL'],
  [Dealer, 'DEALER'],
  [Request, 'REQ'],
  [Reply, 'REP'],
  [Router, 'ROUTER'],
  [Publisher, 'PUB'],
  [Subscriber, 'SUB'],
  [XPublisher, 'XPUB'],
  [XSubscriber, 'XSUB'],
  [Stream, 'STREAM'],
] as const)
  defineTypeOptions(cls, type);
