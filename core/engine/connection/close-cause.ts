// Why a connection ended, and the one function that turns that into a monitor event, for accepted and
// connected connections alike (libzmq's error_reason_t, with the causes libzmq reports apart besides it).
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
}

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
 * The monitor event for a connection that ended, the same for the bind and the connect side. Before the
 * handshake finished it is libzmq's handshake-failed event (protocol, auth, or no detail for any other
 * cause); after it, 'disconnect' whatever the cause, with zeromq.js's fields (address) plus ours.
 */
export function connectionEndEvent(address: string, remoteAddress: string, end: ConnectionEnd): SocketEvent {
  const { reason } = end;
  if (end.handshaken) return { type: 'disconnect', address, remoteAddress, reason };
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
        error: new ZmqError(OTHER_ERRNO[end.cause] ?? 'ECANCELED', reason),
      };
  }
}
