// The engine's public entry, shaped exactly like zeromq.js v6's `zeromq`: the same runtime exports
// (zeromq.js's own test "exports should include functions and constructors" compares the names), so a
// program switches with an import change. zeromq/draft's sockets are in ./draft.ts, zeromq/v5-compat's
// API in ./v5-compat.ts, and what this engine offers beyond zeromq.js (Poller, Peer/Channel, the ZMTP
// codec, wire taps, the capture inspector) in ./extras.ts.
import { Socket as SocketClass } from './engine/socket.js';
import { Context as ContextClass } from './engine/context.js';
import { Proxy as ProxyClass } from './engine/proxy.js';
import { newOnly } from './engine/new-only.js';

export { version, capability } from './engine/capability.js';
export { curveKeyPair, type CurveKeyPair } from './zmtp/curve-keys.js';
export { context, type ContextOptions } from './engine/context.js';
// Socket, Context and Proxy as zeromq.js's native classes: called without `new`, its TypeError text.
export const Socket = newOnly(SocketClass);
export type Socket = SocketClass;
export const Context = newOnly(ContextClass);
export type Context = ContextClass;
export const Proxy = newOnly(ProxyClass);
export type Proxy<F extends SocketClass = SocketClass, B extends SocketClass = SocketClass> = ProxyClass<F, B>;
export { Observer, type SocketEvent, type SocketEvent as Event, type EventType, type EventError } from './engine/monitor.js';
export {
  Pair,
  Publisher,
  Subscriber,
  Request,
  Reply,
  Dealer,
  Router,
  Pull,
  Push,
  XPublisher,
  XSubscriber,
  Stream,
  type PairOptions,
  type PushOptions,
  type PullOptions,
  type DealerOptions,
  type RequestOptions,
  type ReplyOptions,
  type RouterOptions,
  type PublisherOptions,
  type SubscriberOptions,
  type XPublisherOptions,
  type XSubscriberOptions,
  type StreamOptions,
  type RouterConnectOptions,
  type StreamConnectOptions,
} from './engine/sockets.js';
export type { MessageLike, SocketOptions, PeerDescription } from './engine/socket.js';
export type { ProxyOptions } from './engine/proxy.js';
export type { ZmqError, ZmqErrorCode } from './engine/errors.js';
export type { ProtocolErrorCode } from './zmtp/mechanisms/protocol-errors.js';
