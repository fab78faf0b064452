// The connection model the UI queries: who talks to whom, with which protocol, and how much.
import type { DiagnosticCode } from '../capture/diagnostics.js';
import type { Direction } from '../capture/types.js';
import type { MechanismName, ZmtpVersion } from './records.js';
import type { RateBucket } from './stats.js';

export type ConnectionState = 'handshake' | 'ready' | 'closed' | 'error' | 'not-zmtp';

export interface DirectionCounts {
  messages: number;
  frames: number;
  commands: number;
  /** CURVE MESSAGE boxes (each carries one encrypted frame). */
  boxes: number;
  /** Frame body bytes of messages. */
  payloadBytes: number;
  /** All bytes seen on the wire in this direction. */
  wireBytes: number;
}

export interface ConnectionInfo {
  id: number;
  /** "ip:port" of the connecting side and of the binding side. */
  client: string;
  server: string;
  /** Capture began mid-connection: the greeting was not seen. */
  midstream: boolean;
  state: ConnectionState;
  /** Why the state is error/not-zmtp/closed, in plain words. */
  stateReason?: string;
  /** The code (capture/diagnostics.ts) of the problem that put it in error or not-zmtp; kept, like stateReason, once it closes. */
  stateCode?: DiagnosticCode;
  /** Version each side's greeting set for its own sending, and the one in use (the lower). */
  versions: Partial<Record<Direction, ZmtpVersion>>;
  version?: ZmtpVersion;
  mechanism?: MechanismName;
  /** ZeroMQ over WebSocket: the upgrade's path and the ZWS subprotocol chosen. */
  websocket?: { path?: string; protocol?: string };
  /** Socket type of the sender of each direction (READY Socket-Type or the 2.0 greeting byte). */
  socketTypes: Partial<Record<Direction, string>>;
  /** Routing identity each side announced (hex). */
  identities: Partial<Record<Direction, string>>;
  /** PLAIN user name seen in clear. */
  plainUser?: string;
  counts: Record<Direction, DirectionCounts>;
  errors: number;
  /** Topics (hex) the subscriber side has subscribed to and not cancelled, and which side that is. */
  subscriber?: Direction;
  subscriptions: string[];
  /** REQ/REP pairing: replies matched, requests waiting, latency in seconds. */
  pairs: { matched: number; pending: number; totalLatency: number; maxLatency: number };
  openedAt: number;
  lastTs: number;
  closedAt?: number;
  /** Message counts over time. */
  rate: RateBucket[];
  /** 'udp' for a RADIO/DISH flow over udp:// (radio-dish.ts): `client` the RADIO, `server` the DISH address,
   *  `subscriptions` the groups seen. TCP connections and PGM sessions leave it unset. */
  transport?: 'udp';
  /** Set for a PGM session (pgm:// or epgm://): one per TSI, `client` the source, `server` the group. */
  pgm?: PgmSessionInfo;
}

export interface PgmSessionInfo {
  transport: 'pgm' | 'epgm';
  /** "gsi.sourceport", the GSI in hex. */
  tsi: string;
  /** PGM packets seen, by type. */
  packets: Record<string, number>;
  /** Data sequence numbers given up as lost, filled by a repair (RDATA), seen more than once. */
  lost: number;
  repaired: number;
  duplicates: number;
  /** Sequence numbers receivers asked to be repaired (NAK and NAK lists), and the NCFs that confirmed them. */
  naks: number;
  ncfs: number;
  /** Packets of this session that were malformed (bad checksum, bad options, ...). */
  malformed: number;
  /** The source's transmit window from its last SPM, and the next data sequence number expected. */
  trail?: number;
  lead?: number;
  nextSqn?: number;
  /** The capture began after the session did: bytes before the first message start were skipped. */
  lateJoin: boolean;
  skippedBytes: number;
}

export function emptyCounts(): DirectionCounts {
  return { messages: 0, frames: 0, commands: 0, boxes: 0, payloadBytes: 0, wireBytes: 0 };
}

/** A connection's summary as it opens, with nothing counted yet: one shape for TCP connections, PGM
 *  sessions and RADIO/DISH flows, each adding what only it knows. */
export function openedConnectionInfo(
  id: number,
  client: string,
  server: string,
  midstream: boolean,
  state: ConnectionState,
  ts: number,
): ConnectionInfo {
  return {
    id,
    client,
    server,
    midstream,
    state,
    versions: {},
    socketTypes: {},
    identities: {},
    counts: { c2s: emptyCounts(), s2c: emptyCounts() },
    errors: 0,
    subscriptions: [],
    pairs: { matched: 0, pending: 0, totalLatency: 0, maxLatency: 0 },
    openedAt: ts,
    lastTs: ts,
    rate: [],
  };
}

export interface InspectorStats {
  connections: number;
  openConnections: number;
  messages: number;
  commands: number;
  boxes: number;
  payloadBytes: number;
  wireBytes: number;
  errors: number;
  firstTs?: number;
  lastTs?: number;
  rate: RateBucket[];
}
