// The host API: every request the UI can make, validated with zod at this boundary, and the events
// the host pushes. Electron IPC and `zmtp serve` carry exactly these; the renderer imports the types.
import { z } from 'zod';
import type { DiagnosticCode, Severity } from '../capture/diagnostics.js';
import type { InspectRecord } from '../inspect/records.js';
import type { EndpointStatus } from './endpoint-state.js';
import type { FoldedEvent } from './event-fold.js';
import type { SendState } from './message-state.js';
import { SOCKET_TYPE_NAMES, SOCKET_TYPE_TABLE, type SocketTypeName } from '../engine/socket-type-table.js';
import { optionShape } from './option-schema.js';
import { utf8Length } from '../engine/option-table.js';
import type { SocketRateSeries } from './rate-history.js';

/** Every socket type, ordered by libzmq's number (from the engine's one table of types). */
export const SOCKET_TYPES: readonly SocketTypeName[] = SOCKET_TYPE_NAMES;
export type SocketType = SocketTypeName;

// ---- endpoints -------------------------------------------------------------------------------

// Endpoint syntax is checked by the engine's own parser, which needs Node: the host adds that check to
// socket.bind and socket.connect (core/host/request-schemas.ts), so this file stays importable by the
// renderer, which is type-checked without Node's types (tsconfig.renderer.json).
const bindEndpoint = z.string();
const connectEndpoint = z.string();

// ---- socket options --------------------------------------------------------------------------

const int = (min: number, max = 2 ** 31 - 1) => z.number().int().min(min).max(max);
const z85Key = z.string().regex(/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/, 'must be a 40-character Z85 key');

const routingId = z.string().min(1, 'routing id cannot be empty').max(255, 'routing id is at most 255 bytes');
/** A RADIO/DISH group: 1 to 255 bytes of UTF-8 (libzmq's ZMQ_GROUP_MAX_LENGTH). */
export const groupName = z
  .string()
  .min(1, 'group cannot be empty')
  .superRefine((v, ctx) => {
    const n = utf8Length(v);
    if (n > 255) ctx.addIssue({ code: 'custom', message: `group is at most 255 bytes (this one is ${n} bytes)` });
  });
/** SERVER/PEER routing ids: 32-bit numbers the socket gives each peer. */
export const numericRoutingId = z
  .number()
  .int('routing id must be a whole number')
  .min(1, 'routing id must be 1 or more')
  .max(0xffffffff, 'routing id is at most 4294967295');
/** What the host applies by calls rather than as options: SUB subscriptions, DISH groups. */
const hostExtras: Partial<Record<SocketType, Record<string, z.ZodType>>> = {
  SUB: { subscriptions: z.array(z.string().max(255)) },
  DISH: { groups: z.array(groupName).max(1000) },
};

/** Draft types carry one frame per message (DGRAM: an address frame and a body). */
export const SINGLE_PART: ReadonlySet<SocketType> = new Set(SOCKET_TYPE_NAMES.filter((t) => SOCKET_TYPE_TABLE[t].singlePart));

/** The options a socket of `type` takes (core/engine/option-table.ts), all optional, nothing else. */
export function optionSchema(type: SocketType) {
  return z.strictObject({ ...optionShape(type), ...hostExtras[type] }).partial();
}
export type SocketOptions = Partial<Record<string, string | number | boolean | string[]>>;

// ---- frames ----------------------------------------------------------------------------------

/** How a frame's text is read: as UTF-8, hex, base64, JSON, or a file's bytes in base64. */
export type FrameKind = z.infer<typeof frameInput>['kind'];

export const frameInput = z.strictObject({
  kind: z.enum(['text', 'hex', 'base64', 'json', 'file']),
  data: z.string().max(64 * 1024 * 1024, 'frame is larger than 64 MiB'),
  name: z.string().optional(),
});

/** A composer template: a named multipart message. */
export const messageTemplate = z.strictObject({
  name: z.string().trim().min(1, 'a template needs a name').max(100),
  frames: z.array(frameInput).min(1, 'a template needs at least one frame').max(1000),
});
export type MessageTemplate = z.infer<typeof messageTemplate>;

/** What the workbench's ZAP handler lets in: PLAIN users, and CURVE client keys (or any CURVE client). */
export const zapPolicy = z
  .strictObject({
    plainUsers: z
      .array(
        z.strictObject({
          username: z.string().min(1, 'a PLAIN user needs a name').max(255, 'a PLAIN user name is at most 255 characters'),
          password: z.string().max(255, 'a PLAIN password is at most 255 characters'),
        }),
      )
      .max(1000),
    curveAllowAny: z.boolean(),
    curveKeys: z.array(z85Key).max(1000),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    for (const u of p.plainUsers) {
      if (seen.has(u.username))
        ctx.addIssue({ code: 'custom', message: `two PLAIN users are named '${u.username}'`, path: ['plainUsers'] });
      seen.add(u.username);
    }
  });
export type ZapPolicy = z.infer<typeof zapPolicy>;

const id = z.string().min(1);
const page = { offset: int(0).default(0), limit: int(1, 10000).default(200) };

export const captureFilter = z
  .strictObject({
    conn: int(0).optional(),
    dir: z.enum(['c2s', 's2c']).optional(),
    /** 'message' (data), 'command', or any record type. */
    kind: z.enum(['message', 'command', 'greeting', 'upgrade', 'error', 'gap', 'open', 'close', 'pgm', 'loss', 'all']).optional(),
    /** Records of TCP connections only, or of PGM/EPGM sessions only. */
    transport: z.enum(['tcp', 'pgm']).optional(),
    socketType: z.string().max(16).optional(),
    /** Plain text searched in frames (UTF-8), or hex when `searchHex` is set. */
    search: z.string().max(4096).optional(),
    searchHex: z.boolean().optional(),
  })
  .default({});
export type CaptureFilter = z.infer<typeof captureFilter>;

// ---- the request map -------------------------------------------------------------------------

export const requests = {
  'host.info': z.strictObject({}).default({}),
  'socket.create': z.object({
    type: z.enum(SOCKET_TYPES),
    name: z.string().max(100).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
  }),
  'socket.close': z.strictObject({ id }),
  'socket.list': z.strictObject({}).default({}),
  'socket.setOptions': z.strictObject({ id, options: z.record(z.string(), z.unknown()) }),
  'socket.bind': z.strictObject({ id, endpoint: bindEndpoint }),
  'socket.unbind': z.strictObject({ id, endpoint: z.string().min(1) }),
  'socket.connect': z.strictObject({ id, endpoint: connectEndpoint, routingId: routingId.optional() }),
  'socket.disconnect': z.strictObject({ id, endpoint: z.string().min(1) }),
  /** Disconnects a connect endpoint and connects it anew (after a refusal or a protocol error libzmq does not redial). */
  'socket.reconnect': z.strictObject({ id, endpoint: z.string().min(1) }),
  'socket.send': z.strictObject({
    id,
    frames: z.array(frameInput).min(1, 'a message needs at least one frame').max(1000),
    /** SERVER/PEER: the peer to send to. */
    routingId: numericRoutingId.optional(),
    /** RADIO: the group to publish to. */
    group: groupName.optional(),
  }),
  'socket.join': z.strictObject({ id, group: groupName }),
  'socket.leave': z.strictObject({ id, group: groupName }),
  'socket.subscribe': z.strictObject({ id, topic: frameInput }),
  'socket.unsubscribe': z.strictObject({ id, topic: frameInput }),
  'socket.messages': z.strictObject({ id, ...page }),
  'socket.rates': z.strictObject({ id }),
  'socket.events': z.strictObject({ id, ...page }),
  'curve.keyPair': z.strictObject({}).default({}),
  'zap.get': z.strictObject({}).default({}),
  'zap.set': z.strictObject({ policy: zapPolicy }),
  'templates.list': z.strictObject({}).default({}),
  'templates.save': z.strictObject({ templates: z.array(messageTemplate).max(1000) }),
  'capture.interfaces': z.strictObject({}).default({}),
  'capture.openFile': z.strictObject({ path: z.string().min(1), name: z.string().optional() }),
  'capture.startLive': z.strictObject({
    interface: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.:@-]+$/, 'not an interface name'),
    filter: z.string().max(2048).default(''),
  }),
  'capture.watchWorkbench': z.strictObject({}).default({}),
  'capture.stop': z.strictObject({ id }),
  'capture.close': z.strictObject({ id }),
  'capture.list': z.strictObject({}).default({}),
  'capture.connections': z.strictObject({ id }),
  /** A page of the records matching the filter, and how many match (limit 0: only how many). */
  'capture.query': z.strictObject({ id, filter: captureFilter, offset: int(0).default(0), limit: int(0, 10000).default(200) }),
  'capture.record': z.strictObject({ id, index: int(0) }),
  'capture.rate': z.strictObject({ id, buckets: int(1, 2000).default(200), filter: captureFilter }),
  'capture.export': z.strictObject({ id, format: z.enum(['jsonl', 'csv']), path: z.string().min(1), filter: captureFilter }),
  /** Stops a running export (to a file or a download); the part written so far is incomplete. */
  'capture.cancelExport': z.strictObject({ id }),
  'capture.save': z.strictObject({ id, path: z.string().min(1) }),
} as const;

export type Method = keyof typeof requests;
export type Params<M extends Method> = z.input<(typeof requests)[M]>;

// ---- results ---------------------------------------------------------------------------------

export interface EndpointInfo {
  kind: 'bind' | 'connect';
  /** What the user asked for (may contain a wildcard). */
  requested: string;
  /** The real endpoint (wildcard port resolved). */
  endpoint: string;
  /** PEER: the routing id connectPeer gave this connection. */
  routingId?: number;
  /** The routing id this connect gave its peer (connect's routingId), kept so a reconnect gives it again. */
  connectRoutingId?: string;
  /** What it is doing, derived from the engine's monitor events (core/host/endpoint-state.ts). */
  status?: EndpointStatus;
}

export interface PeerInfo {
  address: string;
  /** 'connecting' after connect/accept, 'ready' after the handshake. */
  state: 'connecting' | 'ready';
  since: number;
  /** Peer metadata from its READY command, when the engine reports it (Socket-Type, Identity, ...). */
  metadata?: Record<string, string>;
}

export interface SocketInfo {
  id: string;
  name: string;
  type: SocketType;
  /** A draft type (libzmq's ZMQ_BUILD_DRAFT_API, zeromq.js's zeromq/draft): its libzmq peers need a draft build. */
  draft?: true;
  options: SocketOptions;
  endpoints: EndpointInfo[];
  peers: PeerInfo[];
  closed: boolean;
  messageCount: number;
  eventCount: number;
  /** The last error on this socket (send, receive, bind...) in plain words. */
  lastError?: { message: string; code?: string; at: number };
}

export interface LoggedMessage {
  seq: number;
  ts: number;
  dir: 'in' | 'out';
  /** Frames as lowercase hex (frames above 64 KiB are cut; `sizes` keeps the real sizes). */
  frames: string[];
  sizes: number[];
  /** SERVER/PEER: the peer's routing id (received from, or sent to). */
  routingId?: number;
  /** RADIO/DISH: the message's group. */
  group?: string;
  /** Sent messages: what happened to it (refused, queued, written to a peer, dropped); updated when it changes. */
  state?: SendState;
}

/** One row of a socket's timeline: an event and its repeats folded (core/host/event-fold.ts). */
export type MonitorEvent = FoldedEvent;

/** A socket's message rate over the last host update, messages per second. */
export interface MessageRate {
  in: number;
  out: number;
}

export interface CaptureSummary {
  id: string;
  name: string;
  /** 'workbench': the workbench's own sockets, seen through the engine's wire tap. */
  source: 'file' | 'live' | 'workbench';
  state: 'loading' | 'capturing' | 'ready' | 'failed' | 'stopped';
  /** 0..1 while loading a file. */
  progress: number;
  /** Of a file (or upload) being decoded: the bytes the decoder has read so far, and the file's size when known. */
  bytesRead?: number;
  totalBytes?: number;
  packets: number;
  records: number;
  messages: number;
  connections: number;
  /** Problems in the capture itself (the first 200): text, code and severity, as CaptureWarning has them. */
  warnings: CaptureWarningInfo[];
  error?: string;
  startedAt: number;
  /** Whether the raw packets can be saved (a live capture's file, or the opened file). */
  canSave: boolean;
  /** The running export, or how the last one ended. */
  export?: ExportState;
}

export interface ExportState {
  format: 'jsonl' | 'csv';
  /** The file name it is written under (a download's name in the browser). */
  name: string;
  rows: number;
  total: number;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  error?: string;
}

export interface ConnectionSummary {
  conn: number;
  client: string;
  server: string;
  version?: string;
  mechanism?: string;
  clientType?: string;
  serverType?: string;
  clientIdentity?: string;
  serverIdentity?: string;
  messages: number;
  commands: number;
  bytes: number;
  errors: number;
  /** Bytes of the connection's streams the capture did not contain (segments it dropped or missed): 0 when whole. */
  missingBytes: number;
  state: 'open' | 'closed';
  firstTs: number;
  lastTs: number;
  /** ZMTP over WebSocket (ZWS): the upgrade request's path and the subprotocol the server chose. */
  websocket?: { path?: string; protocol?: string };
  /** A PGM/EPGM session (one per TSI) rather than a TCP connection: what its records showed. */
  pgm?: PgmSessionSummary;
}

export interface PgmSessionSummary {
  transport: 'pgm' | 'epgm';
  tsi: string;
  /** PGM packets seen; data sequence numbers lost, repaired (RDATA) and seen twice; NAKed. */
  packets: number;
  lost: number;
  repaired: number;
  duplicates: number;
  naks: number;
}

/** A capture warning as the UI gets it. */
export interface CaptureWarningInfo {
  message: string;
  code: DiagnosticCode;
  severity: Severity;
}

/** A row of the message table: a record cut down for display. */
export interface RecordRow {
  index: number;
  ts: number;
  conn: number;
  dir: 'c2s' | 's2c';
  src: string;
  dst: string;
  type: InspectRecord['type'];
  /** Seconds since the capture's first record. */
  sinceStart: number;
  /** Seconds since the row before it in the same (filtered) list; 0 for the first. */
  delta: number;
  /** Command name, message summary, error text... */
  summary: string;
  frames: number;
  bytes: number;
  socketType?: string;
  /** Error rows: the problem's code and severity (core/capture/diagnostics.ts). */
  code?: DiagnosticCode;
  severity?: Severity;
}

export interface Page<T> {
  total: number;
  offset: number;
  items: T[];
}

export type { SocketRateSeries } from './rate-history.js';

export interface RateSeries {
  /** Bucket start times (seconds since the epoch) and message counts per bucket and direction. */
  t: number[];
  c2s: number[];
  s2c: number[];
  bucketSeconds: number;
}

export interface Results {
  /** `instance` is new each time the host starts (a restarted back end has sockets no more). */
  'host.info': { version: string; engine: string; socketTypes: readonly SocketType[]; captureReady: boolean; instance: string };
  'socket.create': SocketInfo;
  'socket.close': { ok: true };
  'socket.list': SocketInfo[];
  'socket.setOptions': SocketInfo;
  'socket.bind': SocketInfo;
  'socket.unbind': SocketInfo;
  'socket.connect': SocketInfo;
  'socket.disconnect': SocketInfo;
  'socket.reconnect': SocketInfo;
  'socket.send': LoggedMessage;
  'socket.join': SocketInfo;
  'socket.leave': SocketInfo;
  'socket.subscribe': SocketInfo;
  'socket.unsubscribe': SocketInfo;
  'socket.messages': Page<LoggedMessage>;
  /** Messages per second in and out over the last minute, one entry per second (the last still counting). */
  'socket.rates': SocketRateSeries;
  'socket.events': Page<MonitorEvent>;
  'curve.keyPair': { publicKey: string; secretKey: string };
  'zap.get': ZapPolicy;
  'zap.set': ZapPolicy;
  'templates.list': MessageTemplate[];
  'templates.save': { path: string };
  'capture.interfaces': { name: string; description?: string }[];
  'capture.openFile': CaptureSummary;
  'capture.startLive': CaptureSummary;
  'capture.watchWorkbench': CaptureSummary;
  'capture.stop': CaptureSummary;
  'capture.close': { ok: true };
  'capture.list': CaptureSummary[];
  'capture.connections': ConnectionSummary[];
  'capture.query': Page<RecordRow>;
  'capture.record': { index: number; record: InspectRecord };
  'capture.rate': RateSeries;
  'capture.export': { path: string; rows: number };
  'capture.cancelExport': { ok: true };
  'capture.save': { path: string; bytes: number };
}
export type Result<M extends Method> = Results[M];

// ---- events ----------------------------------------------------------------------------------

export type HostEvent =
  | { type: 'socket.changed'; socket: SocketInfo }
  | { type: 'socket.closed'; id: string }
  /**
   * Batched, a few times a second at most: the newest messages since the last batch (at most a few hundred;
   * a message whose state changed comes again with the same seq), the true total and the rate.
   */
  | { type: 'socket.messages'; id: string; messages: LoggedMessage[]; total: number; rate: MessageRate }
  /** Batched like socket.messages: timeline rows that are new or repeated since the last batch, and the true total. */
  | { type: 'socket.events'; id: string; events: MonitorEvent[]; total: number }
  | { type: 'socket.error'; id: string; message: string; code?: string }
  | { type: 'capture.changed'; capture: CaptureSummary }
  | { type: 'capture.closed'; id: string };

/** What adapters send back for a request. */
export type Reply<T = unknown> = { ok: true; result: T } | { ok: false; error: { message: string; code?: string } };

/** The interface both adapters give the renderer. */
export interface HostClient {
  request<M extends Method>(method: M, params?: Params<M>): Promise<Result<M>>;
  onEvent(listener: (event: HostEvent) => void): () => void;
}
