// The engine's public API: a zeromq.js v6-shaped ZeroMQ implementation in plain TypeScript.
export * from './zmtp/index.js';
export { version, capability } from './engine/capability.js';
import { Socket as SocketClass } from './engine/socket.js';
import { Context as ContextClass } from './engine/context.js';
import { Proxy as ProxyClass } from './engine/proxy.js';
import { newOnly } from './engine/new-only.js';
export { toFrames, type MessageLike, type SocketOptions, type PeerDescription } from './engine/socket.js';
export { context, type ContextOptions } from './engine/context.js';
// Socket, Context and Proxy as zeromq.js's native classes: called without `new`, its TypeError text.
export const Socket = newOnly(SocketClass);
export type Socket = SocketClass;
export const Context = newOnly(ContextClass);
export type Context = ContextClass;
export const Proxy = newOnly(ProxyClass);
export type Proxy<F extends SocketClass = SocketClass, B extends SocketClass = SocketClass> = ProxyClass<F, B>;
export { Observer, type SocketEvent, type EventType, type EventError } from './engine/monitor.js';
export { ZmqError, type ZmqErrorCode } from './engine/errors.js';
export { parseEndpoint, type Endpoint } from './engine/endpoint.js';
export { setWireTap, addWireTap, addMessageTap, type MessageTap, type MessageWritten, type WireTap, type WireTapChunk, type WireTapClose, type WireTapCloseListener } from './engine/wiretap.js';
// ZAP_ENDPOINT comes with the ZAP codec (zmtp/mechanisms/zap.ts), exported through zmtp/index.js above.
export * from './engine/sockets.js';
export { type ProxyOptions } from './engine/proxy.js';
export { Poller, POLLIN, POLLOUT, type PollResult } from './engine/poller.js';
export { Inspector, decodeCapture, inspectPackets, type InspectRecord, type ConnectionInfo, type DecodeSummary } from './inspect/index.js';
export * from './engine/sockets-draft.js';
