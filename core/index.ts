// The engine's public API: a zeromq.js v6-shaped ZeroMQ implementation in plain TypeScript.
export * from './zmtp/index.js';
export { version, capability } from './engine/capability.js';
export { Socket, toFrames, type MessageLike, type SocketOptions, type PeerDescription } from './engine/socket.js';
export { Context, context, type ContextOptions } from './engine/context.js';
export { Observer, type SocketEvent, type EventType, type EventError } from './engine/monitor.js';
export { ZmqError, type ZmqErrorCode } from './engine/errors.js';
export { parseEndpoint, type Endpoint } from './engine/endpoint.js';
export { setWireTap, addWireTap, addMessageTap, type MessageTap, type MessageWritten, type WireTap, type WireTapChunk, type WireTapClose, type WireTapCloseListener } from './engine/wiretap.js';
// ZAP_ENDPOINT comes with the ZAP codec (zmtp/mechanisms/zap.ts), exported through zmtp/index.js above.
export * from './engine/sockets.js';
export { Proxy, type ProxyOptions } from './engine/proxy.js';
export { Poller, POLLIN, POLLOUT, type PollResult } from './engine/poller.js';
export { Inspector, decodeCapture, inspectPackets, type InspectRecord, type ConnectionInfo, type DecodeSummary } from './inspect/index.js';
export * from './engine/sockets-draft.js';
