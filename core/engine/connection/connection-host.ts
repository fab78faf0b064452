// What a connection and its owner (the socket for an accepted connection, the session for a connected
// one) tell each other: the contract between the engine and the session, as libzmq's i_engine and
// session_base_t have it.
import type { SocketTypeName } from '../../zmtp/constants.js';
import type { Properties } from '../../zmtp/metadata.js';
import type { Mechanism } from '../../zmtp/mechanisms/mechanism.js';
import type { Pipe } from '../pipe.js';
import type { CommonOptionValues } from '../options.js';
import type { ConnectionEnd } from './close-cause.js';
import type { Connection } from './connection.js';

export interface PeerInfo {
  version: '1.0' | '2.0' | '3.0' | '3.1';
  socketType?: string;
  properties: Properties;
  /** Identity the peer announced (READY Identity property or 1.0/2.0 identity frame); may be empty. */
  identity: Buffer;
  userId?: string;
  /** Properties the ZAP handler returned for this peer (RFC 27 metadata). */
  zapMetadata?: Properties;
  remoteAddress: string;
}

/** What a connection needs from the socket (or session) that owns it. */
export interface ConnectionHost {
  readonly socketType: SocketTypeName;
  /** Live socket options (routingId, maxMessageSize, heartbeat*, handshakeInterval, ...). */
  readonly options: CommonOptionValues;
  /** A fresh mechanism for this connection, or an error message when the options are unusable. */
  createMechanism(peerAddress: string): Mechanism | string;
  /** The handshake is done: returns the pipe end the connection serves, or undefined to refuse. */
  attach(conn: Connection, peer: PeerInfo): Pipe | undefined;
  /**
   * The connection is over. `handshaken` says whether attach() happened. The host emits the monitor
   * events and decides about the pipe (terminate or keep for a reconnect) and reconnecting.
   */
  closed(conn: Connection, end: ConnectionEnd): void;
  /** connect side: subscriptions forwarded on earlier connections, re-sent on a new one (topic hex -> topic). */
  readonly subscriptions?: Map<string, Buffer>;
}
