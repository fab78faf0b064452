// The decoded records the inspector emits, one per greeting, command, message or problem.
// `zmtp decode --json` prints exactly these, one JSON object per line; the UI shows them.
import type { DiagnosticCode, Severity } from '../capture/diagnostics.js';

export type ZmtpVersion = '1.0' | '2.0' | '3.0' | '3.1';
export type MechanismName = 'NULL' | 'PLAIN' | 'CURVE' | string;

interface RecordBase {
  /** Seconds since the epoch of the packet that completed this record. */
  ts: number;
  /** "ip:port" of the sender, IPv6 as "[addr]:port". */
  src: string;
  dst: string;
  /** Connection id (same as TcpConnection.id) so records can be grouped. */
  conn: number;
  /** 'c2s' from the TCP client (connecting side), 's2c' from the server (binding side). */
  dir: 'c2s' | 's2c';
}

export interface GreetingRecord extends RecordBase {
  type: 'greeting';
  version: ZmtpVersion;
  mechanism: MechanismName;
  /** ZMTP 3.x as-server flag. */
  asServer?: boolean;
  /** ZMTP 2.0 socket type byte, named. */
  socketType?: string;
  /** ZMTP 1.0/2.0 identity (hex), which is not a message. */
  identity?: string;
  /** The revision the sender offered when it differs from the one in use (libzmq 4 meeting 2.0/1.0). */
  offered?: ZmtpVersion;
}

/** ZeroMQ over WebSocket (ZWS 2.0): the HTTP upgrade that stands where a ZMTP greeting would. */
export interface UpgradeRecord extends RecordBase {
  type: 'upgrade';
  /** Client: the request path and the subprotocols offered ("ZWS2.0/NULL", "ZWS2.0", ...). */
  path?: string;
  offered?: string[];
  /** Server: the HTTP status, the subprotocol chosen and the mechanism it names. */
  status?: number;
  protocol?: string;
  mechanism?: MechanismName;
}

export interface CommandRecord extends RecordBase {
  type: 'command';
  /** READY, ERROR, SUBSCRIBE, CANCEL, PING, PONG, HELLO, WELCOME, INITIATE, MESSAGE, or the raw name. */
  name: string;
  /** READY / INITIATE metadata: property name -> value as text. */
  properties?: Record<string, string>;
  /** SUBSCRIBE / CANCEL topic, lowercase hex. */
  topic?: string;
  /** PLAIN HELLO credentials (sent in clear: flagged). */
  username?: string;
  password?: string;
  cleartextCredentials?: boolean;
  /** ERROR reason. */
  reason?: string;
  /** PING ttl (deciseconds) and context (hex); PONG context (hex). */
  ttl?: number;
  context?: string;
  /** CURVE: fields of the handshake (hex) and MESSAGE boxes (nonce, encrypted length). */
  curve?: Record<string, string | number>;
  /** GSSAPI INITIATE/MESSAGE: the opaque token (hex) and its declared length. */
  gssapi?: { tokenLength: number; token: string };
  encrypted?: boolean;
  /** Other named fields. */
  fields?: Record<string, string | number | boolean>;
}

export interface MessageRecord extends RecordBase {
  type: 'message';
  /** Every frame in order, lowercase hex. */
  frames: string[];
  /** Sizes of the frames (bytes), handy when `frames` is truncated for display. */
  sizes?: number[];
  /** Some frame was longer than the inspector's display limit: its hex is cut short. */
  truncated?: boolean;
  /** Envelope recognised: routing-id frames before an empty delimiter (ROUTER/DEALER/REQ/REP). */
  envelope?: string[];
  /** ZMTP 3.0 / 2.0 subscription message (first byte 1 subscribe, 0 cancel). */
  subscription?: { subscribe: boolean; topic: string };
  /** For a REP reply matched to its request: the request's ts and the latency in seconds. */
  replyTo?: { ts: number; latency: number };
  /** Decoded without a greeting (stream seen mid-way). */
  heuristic?: boolean;
  /** PGM: sequence number of the packet that completed the message. */
  sqn?: number;
  /** RADIO/DISH over udp: the message's group (its one frame is the body). */
  group?: string;
  /** PGM: some of its bytes came in a repair (RDATA). */
  repaired?: boolean;
}

export interface ErrorRecord extends RecordBase {
  type: 'error';
  /** What went wrong, in plain words (made from `code`'s entry in capture/diagnostics.ts). */
  message: string;
  /** Stable code of the problem (ZMTP_MALFORMED_FRAME, NOT_ZMTP_NO_FRAMES, PGM_BAD_CHECKSUM, ...): compare this, not the text. */
  code: DiagnosticCode;
  /** 'error' the input breaks its protocol, 'warning' something is missing or suspicious, 'note' worth knowing. */
  severity: Severity;
  /** Byte offset in that direction's stream, when known. */
  offset?: number;
}

export interface GapRecord extends RecordBase {
  type: 'gap';
  bytes: number;
}

export interface ConnectionRecord extends RecordBase {
  type: 'open' | 'close';
  reason?: string;
}

/**
 * One PGM packet (pgm:// or epgm://) of a session: its type and fields. `conn` is the session (one per
 * TSI); `dir` is 'c2s' downstream (source to group: SPM, ODATA, RDATA, NCF, POLL) and 's2c' upstream
 * (receivers to source: NAK, NNAK, SPMR, POLR, ACK).
 */
export interface PgmRecord extends RecordBase {
  type: 'pgm';
  packet: 'SPM' | 'POLL' | 'POLR' | 'ODATA' | 'RDATA' | 'NAK' | 'NNAK' | 'NCF' | 'SPMR' | 'ACK';
  transport: 'pgm' | 'epgm';
  /** Transport session id: GSI (hex) "." source port. */
  tsi: string;
  /** Sequence number: data (ODATA/RDATA), SPM's own, the one NAKed/confirmed, POLL/POLR's. */
  sqn?: number;
  /** Trailing and leading edge of the source's transmit window (SPM; trail also in data packets). */
  trail?: number;
  lead?: number;
  /** SPM/POLL path NLA; NAK/NNAK/NCF source and group NLAs. */
  nla?: string;
  sourceNla?: string;
  groupNla?: string;
  /** ODATA/RDATA payload length. */
  tsduLength?: number;
  /** libzmq's offset of the first message starting in this packet; null when none starts here. */
  firstMessage?: number | null;
  /** Options, as the codec names them (fragment, nak-list, join, syn, fin, ...), byte fields in hex. */
  options?: Record<string, unknown>[];
  /** ODATA/RDATA, what it meant for the stream: the next in order, ahead of a hole, the repair of a hole,
   *  a copy of data already seen, data from before the capture joined, or data once given up as lost. */
  status?: 'in-order' | 'ahead' | 'repair' | 'duplicate' | 'before-join' | 'late';
}

/** PGM data sequence numbers given up on (never seen, and no longer repairable or waited for). */
export interface LossRecord extends RecordBase {
  type: 'loss';
  tsi: string;
  /** First and last sequence number lost (inclusive), and how many. */
  first: number;
  last: number;
  count: number;
  /** Why they were given up: the source's window moved past them, too much was waiting, end of capture. */
  reason: 'window' | 'limit' | 'end-of-capture' | 'jump';
}

export type InspectRecord =
  GreetingRecord | UpgradeRecord | CommandRecord | MessageRecord | ErrorRecord | GapRecord | ConnectionRecord | PgmRecord | LossRecord;
