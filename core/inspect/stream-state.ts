// What the inspector keeps per TCP connection and per direction of it, shared by its parts: the
// connection table (conn-table.ts), the phase machine (phase-machine.ts), ZWS (zws-stream.ts), resync
// (resync-stream.ts) and message semantics (semantics.ts). Also the few state changes more than one of
// them makes: a direction that cannot go on, a connection that is not ZMTP, a handshake that is over.
import type { Diagnostic } from '../capture/diagnostics.js';
import type { Direction, TcpConnection } from '../capture/types.js';
import { FrameDecoder, type FrameSink } from '../zmtp/decoder.js';
import type { Framing } from '../zmtp/frame.js';
import type { Greeting } from '../zmtp/greeting.js';
import type { ConnectionInfo, DirectionCounts } from './connection.js';
import type { HeldState } from './held-message.js';
import type { DirectionTag } from './message-view.js';
import type { InspectRecord } from './records.js';
import type { SniffCore } from './sniff-core.js';
import type { RateSeries } from './stats.js';
import type { WsMessageReader } from './websocket.js';

/** End offset (in the direction's stream) and capture time of one data event's bytes. */
export interface HeldTime {
  end: number;
  ts: number;
}

/**
 * Where a direction is: 'start' (mid-stream, not yet looked at), 'greeting', 'identity' (ZMTP 1.0/2.0,
 * after the greeting), 'frames' (handshake commands and traffic), 'resync' (looking for frame
 * boundaries), 'http' and 'ws' (ZWS: the upgrade, then WebSocket messages), 'dead' (nothing more decoded).
 */
export type Phase = 'start' | 'greeting' | 'identity' | 'frames' | 'resync' | 'http' | 'ws' | 'dead';

export interface DirState {
  dir: Direction;
  /** The sender's and receiver's "ip:port" (the connection's addr, as seen from this direction). */
  src: string;
  dst: string;
  /** This direction's counts in the connection's info (info.counts[dir]). */
  counts: DirectionCounts;
  /** Handed out with its messages (MessageView.tag). */
  tag: DirectionTag;
  phase: Phase;
  /** Greeting bytes, or bytes being searched for frame boundaries. */
  head: Buffer;
  /** When the bytes of `head` came: for each data event, the stream offset after it and its time, so
   *  that records found in held bytes carry the time of the packet that completed them. */
  headTimes: HeldTime[];
  /** Revision byte this side sent (0 for a 1.0 peer without signature), once known. */
  revision?: number;
  greeting?: Greeting;
  framing?: Framing;
  decoder?: FrameDecoder;
  /** Stream offset at which the decoder started. */
  decoderBase: number;
  /** Bytes received in this direction. */
  offset: number;
  /** Frames of the message in progress. */
  frames: Buffer[];
  /** Bookkeeping of `frames` (owned so far, bytes, past the cap): see held-message.ts. */
  held?: HeldState;
  heuristic: boolean;
  /** The handshake is over for this side (READY/INITIATE sent, or identity for 1.0/2.0). */
  ready: boolean;
  /** Bytes dropped while searching for frame boundaries. */
  skipped: number;
  /** Time of the data being decoded. */
  ts: number;
  /** Inspector event count when this direction last had data, and the decoder offset when parked. */
  lastEvent: number;
  parkedOffset: number;
  /** ZWS: the WebSocket messages of this direction, after its HTTP head. */
  ws?: WsMessageReader;
  /** The frame sink handed to `decoder`, made once per direction rather than for every chunk. */
  sink?: FrameSink;
  /** What this direction's messages may carry (semantics.ts rolesOf), for the socket types it was worked out from. */
  roles: number;
  rolesKnown: boolean;
  rolesSender?: string;
  rolesReceiver?: string;
}

export interface ConnState {
  conn: TcpConnection;
  info: ConnectionInfo;
  addr: Record<Direction, string>;
  dirs: Record<Direction, DirState>;
  /** Times of requests waiting for their reply. */
  requests: number[];
  subs: Set<string>;
  rate: RateSeries;
  ignored: boolean;
  /** Something decoded successfully on this connection. */
  decodedAny: boolean;
  /** Time of the TCP open, and whether its 'open' record went out. */
  openTs: number;
  announced: boolean;
  /** Mid-stream connection whose reassembly roles were the wrong way round (see ConnectionTable.create). */
  swapped: boolean;
}

export const EMPTY = Buffer.alloc(0);

/** A frame decoder for a direction: empty frames come as EMPTY (frames are copied when kept, see held-bytes.ts). */
export function frameDecoder(framing: Framing, maxFrameSize: number): FrameDecoder {
  return new FrameDecoder(framing, maxFrameSize, undefined, EMPTY);
}
export const OTHER: Record<Direction, Direction> = { c2s: 's2c', s2c: 'c2s' };

/** The fields every record of a direction starts with, `type` first so JSON lines read well. */
export function recordBase<T extends InspectRecord['type']>(c: ConnState, d: DirState, type: T) {
  return { type, ts: d.ts, src: d.src, dst: d.dst, conn: c.conn.id, dir: d.dir };
}

/** A direction that cannot go on: reported, the connection marked in error, nothing more decoded. */
export function failDirection(x: SniffCore, c: ConnState, d: DirState, problem: Diagnostic, stateReason: string, offset?: number): void {
  x.error(c, d, problem, offset);
  c.info.state = 'error';
  c.info.stateReason = stateReason;
  c.info.stateCode = problem.code;
  d.phase = 'dead';
  d.head = EMPTY;
}

/** The connection is something else than ZMTP (a NOT_ZMTP_* problem): said once, then both directions are ignored. */
export function notZmtp(x: SniffCore, c: ConnState, d: DirState, problem: Diagnostic): void {
  if (c.ignored) return;
  c.ignored = true;
  c.info.state = 'not-zmtp';
  // The state says why without the record's "not ZMTP: " (the state already says that).
  c.info.stateReason = problem.message.replace(/^not ZMTP: /, '');
  c.info.stateCode = problem.code;
  x.error(c, d, problem);
  for (const s of [c.dirs.c2s, c.dirs.s2c]) {
    s.phase = 'dead';
    s.head = EMPTY;
    s.decoder = undefined;
    s.frames = [];
  }
}

/** A connection is ready once both sides finished their handshake. */
export function updateState(c: ConnState): void {
  if (c.info.state === 'handshake' && c.dirs.c2s.ready && c.dirs.s2c.ready) c.info.state = 'ready';
}
