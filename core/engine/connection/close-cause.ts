// Why a connection ended, and the one function that turns that into monitor events, for accepted and
// connected connections alike (libzmq's error_reason_t, with the causes libzmq reports apart besides it),
// and whether a connect side dials again after it (libzmq's session_base_t::engine_error).
import type { EventError, SocketEvent } from '../monitor.js';
import { ZmqError, type ZmqErrorCode } from '../errors.js';
import { authErrorMessage, protocolErrorMessage, type ProtocolErrorCode } from '../../zmtp/mechanisms/protocol-errors.js';

export enum CloseCause {
  /** This socket ended it: unbind, disconnect, close, linger done. */
  Local = 'local',
  /** The peer closed or reset the stream, or sent ERROR (libzmq's connection_error). */
  Peer = 'peer',
  /** The peer broke ZMTP: greeting, frame, command, metadata, socket type, size limit (libzmq's protocol_error). */
  Protocol = 'protocol',
  /** No handshake, heartbeat or peer TTL in time, or linger ran out (libzmq's timeout_error). */
  Timeout = 'timeout',
  /** The security mechanism or the ZAP handler refused the peer's credentials. */
  Auth = 'auth',
  /** Refused for a reason of this side: unusable security options, no ZAP handler, no memory, socket refused. */
  Refused = 'refused',
}

/** How a connection ended, as the connection reports it to its socket or session. */
export interface ConnectionEnd {
  /** The handshake had finished (the connection carried traffic). */
  handshaken: boolean;
  cause: CloseCause;
  /** The cause in words, with the details (for people; compare `cause` in code). */
  reason: string;
  /** ZAP status code when the ZAP handler refused (cause Auth). */
  zapStatus?: number;
  /** cause Protocol: libzmq's reason (ZMQ_PROTOCOL_ERROR_*); ERR_ZMTP_UNSPECIFIED when not given. */
  protocolCode?: ProtocolErrorCode;
  /** cause Peer: the stream's error, as libzmq's read() reports it (EPIPE: the peer closed it; ECONNRESET: reset). */
  errno?: ZmqErrorCode;
  /**
   * libzmq reports no handshake failure for this one, only the disconnect: a socket-type mismatch found by
   * a NULL mechanism or a PLAIN/CURVE server (only their clients signal ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA).
   */
  unsignalled?: boolean;
  /**
   * A STREAM's raw connection. libzmq's raw engine has no mechanism, and an engine without one reports
   * every end but a protocol error as a failed handshake (handshake:error:other) before the disconnect.
   */
  raw?: boolean;
  /**
   * cause Auth: this side (a server's ZAP handler) refused the peer. libzmq's server then waits for the
   * refused client to hang up, a connection error to it, so a connect side dials again.
   */
  refusedPeer?: boolean;
}

/** What a connection says of its end besides the cause and the reason. */
export type EndDetail = Omit<ConnectionEnd, 'handshaken' | 'cause' | 'reason'>;

/** Keeps our words for what happened on an error whose message is zeromq.js's fixed text (see errorText()). */
function withDetail<E extends Error>(error: E, detail: string): E {
  if (detail !== error.message) Object.defineProperty(error, 'detail', { value: detail, enumerable: false });
  return error;
}

/** zeromq.js's handshake:error:protocol error: "ZMTP protocol error" / "ZAP protocol error" with the reason as `code`, no errno. */
export function protocolEventError(code: ProtocolErrorCode, detail: string): EventError {
  return withDetail(Object.assign(new Error(protocolErrorMessage(code)), { code }), detail);
}

/** zeromq.js's handshake:error:auth error: the ZAP status's text, and `status`. */
export function authEventError(status: number | undefined, detail: string): EventError {
  const e: EventError = new Error(authErrorMessage(status));
  if (status !== undefined) e.status = status;
  return withDetail(e, detail);
}

/**
 * handshake:error:other carries an errno error in zeromq.js (libzmq's no-detail event). The numbers libzmq
 * passes: EFAULT when a server mechanism finds no ZAP handler it needs; otherwise the errno of the failed
 * read or timer, which we name by the cause.
 */
const OTHER_ERRNO: Partial<Record<CloseCause, ZmqErrorCode>> = {
  [CloseCause.Refused]: 'EFAULT',
  [CloseCause.Peer]: 'ECONNRESET',
  [CloseCause.Timeout]: 'ETIMEDOUT',
};

/**
 * The monitor events for a connection that ended, the same for the bind and the connect side, in libzmq's
 * order (stream_engine_base_t::error): a handshake that did not finish first gives libzmq's
 * handshake-failed event (protocol, auth, or no detail for any other cause; see `unsignalled` and `raw`
 * for libzmq's exceptions); then 'disconnect', whatever the cause, with zeromq.js's fields (address)
 * plus ours. (libzmq emits no 'disconnect' when this side ends a connection; we do, see the README.)
 */
export function connectionEndEvents(address: string, remoteAddress: string, end: ConnectionEnd): SocketEvent[] {
  const disconnect: SocketEvent = { type: 'disconnect', address, remoteAddress, reason: end.reason };
  const failed = end.raw ? end.cause !== CloseCause.Protocol && end.cause !== CloseCause.Local : !end.handshaken && !end.unsignalled;
  return failed ? [handshakeFailure(address, remoteAddress, end), disconnect] : [disconnect];
}

function handshakeFailure(address: string, remoteAddress: string, end: ConnectionEnd): SocketEvent {
  const { reason } = end;
  switch (end.cause) {
    case CloseCause.Protocol:
      return {
        type: 'handshake:error:protocol',
        address,
        remoteAddress,
        reason,
        error: protocolEventError(end.protocolCode ?? 'ERR_ZMTP_UNSPECIFIED', reason),
      };
    case CloseCause.Auth:
      return { type: 'handshake:error:auth', address, remoteAddress, reason, error: authEventError(end.zapStatus, reason) };
    default:
      return {
        type: 'handshake:error:other',
        address,
        remoteAddress,
        reason,
        error: new ZmqError(end.errno ?? OTHER_ERRNO[end.cause] ?? 'ECANCELED', reason),
      };
  }
}

/**
 * Whether a connect side dials again after this end. libzmq does after a dropped connection or a timeout,
 * but not after a protocol error or a refusal (a ZAP or mechanism refusal is a protocol error there too):
 * the same peer would only refuse again, so the endpoint stays down until the user connects anew.
 */
export function redialsAfter(end: ConnectionEnd): boolean {
  return end.cause === CloseCause.Peer || end.cause === CloseCause.Timeout || (end.cause === CloseCause.Auth && end.refusedPeer === true);
}
