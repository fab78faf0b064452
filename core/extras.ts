// What this engine offers beyond zeromq.js's API (its `zmq-inspector/extras` entry): pyzmq-style polling,
// libzmq's PEER and CHANNEL drafts, errors as a class, endpoint parsing, wire and message taps (what the
// workbench watches), the ZMTP codec and the capture inspector. Kept off the main entry so that one has
// exactly zeromq.js's exports.
export * from './zmtp/index.js';
export { Peer, Channel } from './engine/sockets-draft.js';
export { Poller, POLLIN, POLLOUT, type PollResult } from './engine/poller.js';
export { ZmqError, errorText, type ZmqErrorCode } from './engine/errors.js';
export { toFrames } from './engine/socket.js';
export { parseEndpoint, type Endpoint } from './engine/endpoint.js';
export {
  setWireTap,
  addWireTap,
  addMessageTap,
  type MessageTap,
  type MessageWritten,
  type WireTap,
  type WireTapChunk,
  type WireTapClose,
  type WireTapCloseListener,
} from './engine/wiretap.js';
export { ZMTP_PROTOCOL_ERRORS, ZAP_PROTOCOL_ERRORS, type ProtocolErrorCode } from './zmtp/mechanisms/protocol-errors.js';
export { Inspector, decodeCapture, inspectPackets, type InspectRecord, type ConnectionInfo, type DecodeSummary } from './inspect/index.js';
