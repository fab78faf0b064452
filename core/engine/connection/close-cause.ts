// Why a connection ended, and the one function that turns that into a monitor event, for accepted and
// connected connections alike (libzmq's error_reason_t, with the causes libzmq reports apart besides it).
import { eventError, type SocketEvent } from '../monitor.js';

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
}

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
      return { type: 'handshake:error:protocol', address, remoteAddress, reason, error: eventError('ERR_ZMTP_PROTOCOL', reason) };
    case CloseCause.Auth:
      return { type: 'handshake:error:auth', address, remoteAddress, reason, error: eventError('ERR_ZAP_AUTH', reason, end.zapStatus) };
    default:
      return { type: 'handshake:error:other', address, remoteAddress, reason, error: eventError('ERR_ZMTP_HANDSHAKE', reason) };
  }
}
