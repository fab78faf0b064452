// The public socket classes, shaped like zeromq.js v6: `new Dealer({ routingId: 'a' })`, type-specific
// options as properties (router.mandatory = true), Subscriber.subscribe(), Router/Stream.connect
// with a routing id. Each is the generic Socket with one socket type's routing rules (./types).
import { Socket, type SocketOptions } from './socket.js';
import type { Context } from './context.js';
import { zmqError } from './errors.js';
import type { RouterType, StreamType, SubType, XPubType } from './types/index.js';
import type { Verbosity } from './types/xpub.js';

export type { SocketOptions } from './socket.js';

type Prefix = Buffer | string;

function prefixBytes(prefix: Prefix): Buffer {
  if (typeof prefix === 'string') return Buffer.from(prefix, 'utf8');
  if (Buffer.isBuffer(prefix)) return prefix;
  if ((prefix as unknown) instanceof Uint8Array) return Buffer.from(prefix as Uint8Array);
  throw zmqError('EINVAL', `A subscription prefix must be a string or a Buffer, got ${typeof prefix}`);
}

/**
 * The options with `context` added: the classes take a context as a second argument too (zeromq.js
 * ignores a second argument; it takes the context only as `options.context`).
 */
export function withContext<T extends SocketOptions>(options: T | undefined, context: Context | undefined): T | undefined {
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

/** Defines type-specific options as properties that go through Socket.setOption/getOption (validated by the type). */
function defineOptions(targets: Array<{ prototype: object }>, names: string[]): void {
  for (const target of targets) {
    for (const name of names) {
      Object.defineProperty(target.prototype, name, {
        get(this: Socket) {
          return this.getOption(name);
        },
        set(this: Socket, v: unknown) {
          this.setOption(name, v);
        },
        enumerable: true,
        configurable: true,
      });
    }
  }
}

export interface PairOptions extends SocketOptions {}
export interface PushOptions extends SocketOptions { conflate?: boolean }
export interface PullOptions extends SocketOptions { conflate?: boolean }
export interface DealerOptions extends SocketOptions { probeRouter?: boolean; conflate?: boolean }
export interface RequestOptions extends SocketOptions { probeRouter?: boolean; correlate?: boolean; relaxed?: boolean }
export interface ReplyOptions extends SocketOptions {}
export interface RouterOptions extends SocketOptions { mandatory?: boolean; probeRouter?: boolean; handover?: boolean }
export interface PublisherOptions extends SocketOptions { noDrop?: boolean; conflate?: boolean; invertMatching?: boolean }
export interface SubscriberOptions extends SocketOptions { conflate?: boolean; invertMatching?: boolean }
export interface XPublisherOptions extends SocketOptions {
  noDrop?: boolean; manual?: boolean; welcomeMessage?: string | Buffer | null; invertMatching?: boolean; verbosity?: Verbosity;
  /** libzmq's ZMQ_ONLY_FIRST_SUBSCRIBE: only a message whose first frame is a subscription holds subscriptions. */
  onlyFirstSubscribe?: boolean;
}
export interface XSubscriberOptions extends SocketOptions {
  /** libzmq's ZMQ_ONLY_FIRST_SUBSCRIBE: later frames of a multipart message are never subscriptions. */
  onlyFirstSubscribe?: boolean;
}
export interface StreamOptions extends SocketOptions { notify?: boolean }
export interface RouterConnectOptions { routingId?: string | Buffer }
export interface StreamConnectOptions { routingId?: string | Buffer }

export class Pair extends Socket {
  constructor(options?: PairOptions, context?: Context) {
    super(0 /* ZMQ_PAIR */, withContext(options, context));
  }
}

export class Push extends Socket {
  declare conflate: boolean;
  constructor(options?: PushOptions, context?: Context) {
    super(8 /* ZMQ_PUSH */, withContext(options, context));
  }
}

export class Pull extends Socket {
  declare conflate: boolean;
  constructor(options?: PullOptions, context?: Context) {
    super(7 /* ZMQ_PULL */, withContext(options, context));
  }
}

export class Dealer extends Socket {
  declare probeRouter: boolean;
  declare conflate: boolean;
  constructor(options?: DealerOptions, context?: Context) {
    super(5 /* ZMQ_DEALER */, withContext(options, context));
  }
}

export class Request extends Socket {
  declare probeRouter: boolean;
  declare correlate: boolean;
  declare relaxed: boolean;
  constructor(options?: RequestOptions, context?: Context) {
    super(3 /* ZMQ_REQ */, withContext(options, context));
  }
}

export class Reply extends Socket {
  constructor(options?: ReplyOptions, context?: Context) {
    super(4 /* ZMQ_REP */, withContext(options, context));
  }
}

export class Router extends Socket {
  declare mandatory: boolean;
  declare probeRouter: boolean;
  declare handover: boolean;
  constructor(options?: RouterOptions, context?: Context) {
    super(6 /* ZMQ_ROUTER */, withContext(options, context));
  }
  /** Like Socket.connect; `routingId` names the peer reached through this endpoint (ZMQ_CONNECT_ROUTING_ID). */
  override connect(address: string, options?: RouterConnectOptions): void {
    const id = connectRoutingId(options);
    if (id) (this.impl as RouterType).setConnectRoutingId(address, id);
    super.connect(address);
  }
}

export class Publisher extends Socket {
  declare noDrop: boolean;
  declare conflate: boolean;
  declare invertMatching: boolean;
  constructor(options?: PublisherOptions, context?: Context) {
    super(1 /* ZMQ_PUB */, withContext(options, context));
  }
}

export class Subscriber extends Socket {
  declare conflate: boolean;
  declare invertMatching: boolean;
  constructor(options?: SubscriberOptions, context?: Context) {
    super(2 /* ZMQ_SUB */, withContext(options, context));
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
  declare noDrop: boolean;
  declare manual: boolean;
  declare welcomeMessage: string | null;
  declare invertMatching: boolean;
  declare verbosity: Verbosity;
  declare onlyFirstSubscribe: boolean;
  constructor(options?: XPublisherOptions, context?: Context) {
    super(9 /* ZMQ_XPUB */, withContext(options, context));
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
  declare onlyFirstSubscribe: boolean;
  constructor(options?: XSubscriberOptions, context?: Context) {
    super(10 /* ZMQ_XSUB */, withContext(options, context));
  }
}

export class Stream extends Socket {
  declare notify: boolean;
  constructor(options?: StreamOptions, context?: Context) {
    super(11 /* ZMQ_STREAM */, withContext(options, context));
  }
  override connect(address: string, options?: StreamConnectOptions): void {
    const id = connectRoutingId(options);
    if (id) (this.impl as StreamType).setConnectRoutingId(address, id);
    super.connect(address);
  }
}

defineOptions([Push, Pull, Dealer, Publisher, Subscriber], ['conflate']);
defineOptions([Dealer, Request, Router], ['probeRouter']);
defineOptions([Request], ['correlate', 'relaxed']);
defineOptions([Router], ['mandatory', 'handover']);
defineOptions([Publisher, XPublisher], ['noDrop']);
defineOptions([Publisher, Subscriber, XPublisher], ['invertMatching']);
defineOptions([XPublisher], ['manual', 'welcomeMessage', 'verbosity']);
defineOptions([XPublisher, XSubscriber], ['onlyFirstSubscribe']);
defineOptions([Stream], ['notify']);
