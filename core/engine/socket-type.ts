// The contract between the generic socket (options, endpoints, Promises) and one socket type's
// routing rules, like libzmq's socket_base_t virtuals (xattach_pipe, xsend, xrecv, ...). Each socket
// type is a small class implementing this by composing the shared strategies in ./strategies/.
import type { Msg, Pipe } from './pipe.js';
import type { SocketTypeName } from '../zmtp/constants.js';

// Conventions the implementations in ./types follow:
// - ROUTER/STREAM keep their own pipe -> routing id map (pipe.routingId is an input: the peer's
//   Identity or a connect-time id; the connection may rewrite it on reconnect).
// - STREAM makes its own connect/disconnect notifications ([id, '']); raw connections pass chunks only.
// - A type that closes a pipe itself (PAIR's second peer, ROUTER handover, STREAM close) calls
//   pipe.terminate() and then pipe.owner.pipeTerminated(pipe), so the Socket forgets it too.
// - send() returning false must leave a pipe armed to call writeActivated (pipe.write or checkWrite).
export interface SocketType {
  readonly type: SocketTypeName;
  /** A new peer pipe is ready (after its handshake for tcp/ipc; at once for inproc). */
  attach(pipe: Pipe): void;
  /** The pipe is gone (peer disconnected, after its queued messages were read). */
  detach(pipe: Pipe): void;
  /** `pipe` has messages to read again. */
  readActivated(pipe: Pipe): void;
  /** `pipe` has room to write again. */
  writeActivated(pipe: Pipe): void;
  /**
   * Sends one whole message. Returns true when queued (or deliberately dropped, for types that drop
   * on mute, like PUB), false when it would block (the socket waits for writeActivated or times out
   * with EAGAIN). Throws a ZmqError for EFSM, EHOSTUNREACH and the like.
   */
  send(msg: Msg): boolean;
  /** Takes one whole message, or undefined when none is ready. Throws ZmqError EFSM where the type must. */
  receive(): Msg | undefined;
  /** A message could be received now. */
  hasIn(): boolean;
  /** A message could be sent now. */
  hasOut(): boolean;
  /** Type-specific options (routing ids, subscriptions, ...): returns true when the name is known. */
  setOption?(name: string, value: unknown): boolean;
  getOption?(name: string): unknown;
  /**
   * Whether a connect to `address` makes its pipe at once (libzmq without `immediate`) although this
   * type otherwise waits for the peer's handshake (ROUTER: only when a connect routing id is given).
   */
  pipeAtConnect?(address: string): boolean;
  /** The id the application uses to address this peer (ROUTER, STREAM: bytes; SERVER: a number). */
  routingIdOf?(pipe: Pipe): Buffer | number | undefined;
}

/** What a socket type may ask of the socket that hosts it. */
export interface SocketHost {
  /** Socket options common to all types (sendHighWaterMark, routingId, ...). */
  readonly options: Record<string, unknown>;
  /** Wake pending receive() calls: a message may be available. */
  notifyReadable(): void;
  /** Wake pending send() calls: a message may be sendable. */
  notifyWritable(): void;
}
