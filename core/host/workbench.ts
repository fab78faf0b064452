// Workbench sessions: the sockets a user created, with their options, endpoints, peers, message log and
// monitor events. All engine calls go through here; errors come back in plain words and never stop
// other sockets.
import * as engine from './engine.js';
import { HostError, describeError } from './errors.js';
import { frameToBytes, framesToBytes, type FrameInput } from './frames.js';
import { SOCKET_TYPE_TABLE } from '../engine/socket-type-table.js';
import {
  SINGLE_PART,
  SOCKET_TYPES,
  optionSchema,
  type EndpointInfo,
  type HostEvent,
  type LoggedMessage,
  type MonitorEvent,
  type Page,
  type SocketInfo,
  type SocketOptions,
  type SocketType,
} from './protocol.js';
import { formatIssues } from './validate.js';
import { initialStatus, nextStatus } from './endpoint-state.js';
import { EventFold, type TimelineEntry } from './event-fold.js';
import { SendTracker } from './send-tracker.js';
import { SocketFeed } from './socket-feed.js';
import { ZapHandler, ZapPolicyFile } from './zap-handler.js';
import { RateHistory, type SocketRateSeries } from './rate-history.js';
import { securityRows } from './security-events.js';

const MAX_LOG = 10000;
/** Distinct timeline rows kept per socket (repeats fold into one row, so this bounds memory, not history). */
const MAX_TIMELINE_ROWS = 500;
const MAX_FRAME_HEX_BYTES = 64 * 1024;
/** Without a send timeout a send with no peer would hang the request forever; the UI wants EAGAIN. */
const DEFAULT_SEND_TIMEOUT_MS = 2000;

// The engine's socket as the host uses it: zeromq.js v6 shape, typed loosely so either engine fits.
interface EngineSocket {
  closed: boolean;
  lastEndpoint?: string | null;
  bind(address: string): Promise<void>;
  unbind(address: string): Promise<void>;
  connect(address: string, options?: { routingId?: string }): void;
  disconnect(address: string): void;
  close(): void;
  send?(message: Buffer | Buffer[], options?: { routingId?: number; group?: string }): Promise<void>;
  /** Buffer[] for the classic types; [body, { routingId }] (SERVER, PEER) or [body, { group }] (DISH) for drafts. */
  receive?(): Promise<unknown[]>;
  connectPeer?(address: string): number;
  join?(...groups: string[]): void;
  leave?(...groups: string[]): void;
  subscribe?(...topics: (string | Buffer)[]): void;
  unsubscribe?(...topics: (string | Buffer)[]): void;
  events: AsyncIterable<Record<string, unknown> & { type: string; address?: string }>;
  /** Our engine's list of connected peers with their handshake and ZAP facts. */
  peers: Array<{ remoteAddress: string; socketType: string; properties: Record<string, string> }>;
  /** Our engine: the endpoint of the pipe where a sent message (known by its last frame) still waits. */
  queuedOn?(frame: Buffer): string | undefined;
}

type Ctor = new (options?: Record<string, unknown>, context?: engine.Context) => EngineSocket;
const SENDS: ReadonlySet<SocketType> = new Set(SOCKET_TYPES.filter((t) => SOCKET_TYPE_TABLE[t].sends));
/** Types that can always wait for a message; REQ only after it sent a request. */
const RECEIVES_ALWAYS: ReadonlySet<SocketType> = new Set(SOCKET_TYPES.filter((t) => SOCKET_TYPE_TABLE[t].receives && t !== 'REQ'));
/** Draft types that name the peer of every message by a numeric routing id. */
const ROUTED: ReadonlySet<SocketType> = new Set(['SERVER', 'PEER']);

/** Types that alternate send and receive: receiving again before sending is EFSM. */
const LOCKSTEP: ReadonlySet<SocketType> = new Set(['REQ', 'REP']);

interface Session {
  info: SocketInfo;
  sock: EngineSocket;
  log: LoggedMessage[];
  /** Monitor events and what explains them, repeats folded. */
  timeline: EventFold;
  nextSeq: number;
  nextEventSeq: number;
  receiving: boolean;
  subscriptions: string[];
  groups: string[];
  /** Messages per second over the last minute, for the rate chart. */
  rates: RateHistory;
}

interface Envelope {
  routingId?: number;
  group?: string;
}

function toLogged(seq: number, dir: 'in' | 'out', frames: Buffer[], envelope: Envelope = {}): LoggedMessage {
  return {
    seq,
    ts: Date.now() / 1000,
    dir,
    frames: frames.map((f) => (f.length > MAX_FRAME_HEX_BYTES ? f.subarray(0, MAX_FRAME_HEX_BYTES) : f).toString('hex')),
    sizes: frames.map((f) => f.length),
    ...(envelope.routingId !== undefined ? { routingId: envelope.routingId } : {}),
    ...(envelope.group !== undefined ? { group: envelope.group } : {}),
  };
}

/** A received message as frames plus its draft envelope (routing id or group), whatever the socket type. */
function unpack(received: unknown[]): { frames: Buffer[]; envelope: Envelope } {
  const meta = received[1];
  if (
    received.length === 2 &&
    Buffer.isBuffer(received[0]) &&
    meta &&
    typeof meta === 'object' &&
    !Buffer.isBuffer(meta) &&
    !(meta instanceof Uint8Array)
  ) {
    const m = meta as { routingId?: number; group?: Buffer };
    return {
      frames: [received[0]],
      envelope: {
        ...(typeof m.routingId === 'number' ? { routingId: m.routingId } : {}),
        ...(m.group ? { group: Buffer.from(m.group).toString('utf8') } : {}),
      },
    };
  }
  return { frames: received as Buffer[], envelope: {} };
}

function page<T>(list: T[], offset: number, limit: number): Page<T> {
  return { total: list.length, offset, items: list.slice(offset, offset + limit) };
}

export class Workbench {
  private sessions = new Map<string, Session>();
  private nextId = 1;
  /** Batches what the UI is told: a few updates a second per socket, whatever the flood. */
  private readonly feed = new SocketFeed(
    (e) => this.emit(e),
    (id) => {
      const s = this.sessions.get(id);
      return s ? { type: 'socket.changed', socket: this.snapshot(s) } : undefined;
    },
  );
  /** Follows sent messages until they are written to a peer (or known dropped). */
  private readonly sends = new SendTracker((w) => {
    const s = this.sessions.get(w.owner);
    if (s) this.feed.messageChanged(s.info.id, w.msg, s.nextSeq - 1);
  });
  /**
   * The workbench's own context: its sockets reach each other over inproc://, and its ZAP handler answers
   * them alone (not library users of the engine in the same process, nor another Host's sockets).
   */
  private readonly context = new engine.Context();
  /** The ZAP handler every PLAIN/CURVE server socket here asks; its policy comes from the UI. */
  readonly zap: ZapHandler;

  /** `zapPolicyFile`: where the ZAP policy is kept across runs (none: it lasts as long as this workbench). */
  constructor(
    private emit: (event: HostEvent) => void,
    zapPolicyFile?: string,
  ) {
    this.zap = new ZapHandler(this.context, zapPolicyFile ? new ZapPolicyFile(zapPolicyFile) : undefined);
  }

  /**
   * What the engine learned about a peer in its handshake (READY metadata, also when CURVE encrypted
   * it; User-Id and metadata from a ZAP handler), looked up when the handshake event arrives.
   */
  private peerMetadata(s: Session, remoteAddress: string): Record<string, string> | undefined {
    const peer = s.sock.peers.find((p) => p.remoteAddress === remoteAddress);
    return peer ? { 'Socket-Type': peer.socketType, ...peer.properties } : undefined;
  }

  /** Whether a connection's local address is one of our bound endpoints (so the socket accepted it). */
  isBoundLocally(localAddress: string): boolean {
    const port = /:(\d+)$/.exec(localAddress)?.[1];
    for (const s of this.sessions.values()) {
      for (const e of s.info.endpoints) {
        if (e.kind !== 'bind') continue;
        if (e.endpoint === localAddress) return true;
        // A wildcard-address bind (tcp://*:port, 0.0.0.0) is reached through a concrete address.
        if (port && e.endpoint.startsWith('tcp://') && /:(\d+)$/.exec(e.endpoint)?.[1] === port) return true;
      }
    }
    return false;
  }

  list(): SocketInfo[] {
    return [...this.sessions.values()].map((s) => this.snapshot(s));
  }

  create(type: SocketType, name: string | undefined, rawOptions: Record<string, unknown>): SocketInfo {
    const parsed = optionSchema(type).safeParse(rawOptions, { reportInput: true });
    if (!parsed.success) throw new HostError(`${type} options: ${formatIssues(parsed.error)}`);
    const options = parsed.data as SocketOptions;
    const { subscriptions, groups, ...ctorOptions } = options as SocketOptions & { subscriptions?: string[]; groups?: string[] };
    if (SENDS.has(type) && ctorOptions.sendTimeout === undefined) ctorOptions.sendTimeout = DEFAULT_SEND_TIMEOUT_MS;
    // The UI shows every CURVE socket's own public key; one given only its secret key gets it derived.
    if (typeof ctorOptions.curveSecretKey === 'string' && ctorOptions.curvePublicKey === undefined) {
      try {
        ctorOptions.curvePublicKey = engine.curvePublicKey(ctorOptions.curveSecretKey);
      } catch {
        /* the engine names the bad key below */
      }
    }
    let sock: EngineSocket;
    try {
      sock = new (engine.socketClass(type) as unknown as Ctor)(ctorOptions, this.context);
    } catch (err) {
      const d = describeError(err);
      throw new HostError(`cannot create ${type}: ${d.message}`, d.code);
    }
    const id = `s${this.nextId++}`;
    const session: Session = {
      info: {
        id,
        name: name?.trim() || `${type.toLowerCase()}-${id.slice(1)}`,
        type,
        ...(SOCKET_TYPE_TABLE[type].draft ? { draft: true } : {}),
        options: { ...ctorOptions },
        endpoints: [],
        peers: [],
        closed: false,
        messageCount: 0,
        eventCount: 0,
      },
      sock,
      log: [],
      timeline: new EventFold(MAX_TIMELINE_ROWS),
      nextSeq: 1,
      nextEventSeq: 1,
      receiving: false,
      subscriptions: [],
      groups: [],
      rates: new RateHistory(),
    };
    this.sessions.set(id, session);
    try {
      if (subscriptions) {
        for (const topic of subscriptions) this.addSubscription(session, Buffer.from(topic, 'utf8'), topic);
      }
      if (groups) for (const g of groups) this.setGroup(session, g, true);
    } catch (err) {
      this.sessions.delete(id);
      try {
        sock.close();
      } catch {
        /* never opened */
      }
      throw err;
    }
    void this.watchEvents(session);
    if (RECEIVES_ALWAYS.has(type)) void this.receiveLoop(session);
    return this.changed(session);
  }

  get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new HostError(`no socket with id '${id}' (it may have been closed)`, 'ENOTFOUND');
    return s;
  }

  close(id: string): void {
    const s = this.get(id);
    s.info.closed = true;
    try {
      s.sock.close();
    } catch {
      /* already closed */
    }
    this.sessions.delete(id);
    this.feed.forget(id);
    this.sends.forget(id);
    this.emit({ type: 'socket.closed', id });
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
    this.feed.close();
    this.sends.close();
    this.zap.close();
  }

  setOptions(id: string, raw: Record<string, unknown>): SocketInfo {
    const s = this.get(id);
    const parsed = optionSchema(s.info.type).safeParse(raw, { reportInput: true });
    if (!parsed.success) throw new HostError(`${s.info.type} options: ${formatIssues(parsed.error)}`);
    const { subscriptions, groups, ...rest } = parsed.data as SocketOptions & { subscriptions?: string[]; groups?: string[] };
    for (const [name, value] of Object.entries(rest)) {
      try {
        (s.sock as unknown as Record<string, unknown>)[name] = value;
      } catch (err) {
        throw this.fail(s, err, `set ${name}`);
      }
      s.info.options[name] = value;
    }
    if (subscriptions) for (const t of subscriptions) this.addSubscription(s, Buffer.from(t, 'utf8'), t);
    if (groups) for (const g of groups) if (!s.groups.includes(g)) this.setGroup(s, g, true);
    return this.changed(s);
  }

  async bind(id: string, endpoint: string): Promise<SocketInfo> {
    const s = this.get(id);
    try {
      await s.sock.bind(endpoint);
    } catch (err) {
      throw this.fail(s, err, `bind ${endpoint}`);
    }
    const actual = (endpoint.includes('*') || /:0$/.test(endpoint)) && s.sock.lastEndpoint ? s.sock.lastEndpoint : endpoint;
    s.info.endpoints.push({
      kind: 'bind',
      requested: endpoint,
      endpoint: actual,
      status: initialStatus('bind', Date.now() / 1000, actual),
    });
    return this.changed(s);
  }

  async unbind(id: string, endpoint: string): Promise<SocketInfo> {
    const s = this.get(id);
    const entry = this.findEndpoint(s, 'bind', endpoint);
    try {
      await s.sock.unbind(entry.endpoint);
    } catch (err) {
      throw this.fail(s, err, `unbind ${endpoint}`);
    }
    s.info.endpoints = s.info.endpoints.filter((e) => e !== entry);
    return this.changed(s);
  }

  connect(id: string, endpoint: string, routingId?: string): SocketInfo {
    const s = this.get(id);
    const entry: EndpointInfo = {
      kind: 'connect',
      requested: endpoint,
      endpoint,
      ...(routingId !== undefined ? { connectRoutingId: routingId } : {}),
    };
    this.dial(s, entry);
    s.info.endpoints.push(entry);
    return this.changed(s);
  }

  disconnect(id: string, endpoint: string): SocketInfo {
    const s = this.get(id);
    const entry = this.findEndpoint(s, 'connect', endpoint);
    this.hangUp(s, entry);
    s.info.endpoints = s.info.endpoints.filter((e) => e !== entry);
    return this.changed(s);
  }

  /**
   * Disconnects a connect endpoint and dials it again, with what it was connected with. After a ZAP refusal
   * or a protocol error the engine (as libzmq) does not redial: this is how the user tries again, say once
   * the server's policy or this socket's credentials changed. The endpoint keeps its place in the list.
   */
  reconnect(id: string, endpoint: string): SocketInfo {
    const s = this.get(id);
    const entry = this.findEndpoint(s, 'connect', endpoint);
    this.hangUp(s, entry);
    this.dial(s, entry);
    return this.changed(s);
  }

  /** Connects the engine socket to a connect entry, and starts the entry's status afresh. */
  private dial(s: Session, entry: EndpointInfo): void {
    const { endpoint, connectRoutingId: routingId } = entry;
    try {
      // A PEER learns the routing id of what it connects to at once, so it can speak first.
      if (s.info.type === 'PEER' && s.sock.connectPeer) entry.routingId = s.sock.connectPeer(endpoint);
      else if (routingId !== undefined) s.sock.connect(endpoint, { routingId });
      else s.sock.connect(endpoint);
    } catch (err) {
      throw this.fail(s, err, `connect ${endpoint}`);
    }
    entry.status = initialStatus('connect', Date.now() / 1000, endpoint);
  }

  private hangUp(s: Session, entry: EndpointInfo): void {
    try {
      s.sock.disconnect(entry.endpoint);
    } catch (err) {
      throw this.fail(s, err, `disconnect ${entry.endpoint}`);
    }
  }

  async send(id: string, frames: FrameInput[], envelope: Envelope = {}): Promise<LoggedMessage> {
    const s = this.get(id);
    const type = s.info.type;
    if (!s.sock.send || !SENDS.has(type)) throw new HostError(`a ${type} socket cannot send messages`, 'ENOTSUP');
    if (envelope.routingId !== undefined && !ROUTED.has(type))
      throw new HostError(
        `only SERVER and PEER sockets send to a routing id (this is ${type}); a ROUTER takes it as the first frame`,
        'EINVAL',
      );
    if (envelope.group !== undefined && type !== 'RADIO')
      throw new HostError(`only RADIO sockets send to a group (this is ${type})`, 'EINVAL');
    if (ROUTED.has(type) && envelope.routingId === undefined)
      throw new HostError(
        `a ${type} send needs the routing id of the peer (pick a received message and Reply, or type its number)`,
        'EINVAL',
      );
    if (type === 'RADIO' && envelope.group === undefined) throw new HostError('a RADIO send needs a group (1 to 255 bytes)', 'EINVAL');
    if (SINGLE_PART.has(type) && frames.length !== 1)
      throw new HostError(`${type} messages have exactly one frame (this one has ${frames.length})`, 'EINVAL');
    const bytes = framesToBytes(frames);
    const watch = this.sends.begin(s.info.id, bytes);
    const facts = () => {
      const on = s.sock.queuedOn?.(watch.frame);
      // An inproc pipe is the peer socket's own queue: the message has reached the peer.
      if (on?.startsWith('inproc://') && !watch.writtenTo.includes(on)) watch.writtenTo.push(on);
      const inproc = s.info.endpoints.filter((e) => e.endpoint.startsWith('inproc://')).map((e) => e.endpoint);
      return { queued: on !== undefined, readyPeers: s.info.peers.filter((p) => p.state === 'ready').length, socketType: type, inproc };
    };
    try {
      if (ROUTED.has(type)) await s.sock.send(bytes[0], { routingId: envelope.routingId });
      else if (type === 'RADIO') await s.sock.send(bytes[0], { group: envelope.group });
      else await s.sock.send(SINGLE_PART.has(type) ? bytes[0] : bytes);
    } catch (err) {
      const failure = this.fail(
        s,
        err,
        envelope.routingId !== undefined
          ? `send to routing id ${envelope.routingId}`
          : envelope.group !== undefined
            ? `send to group "${envelope.group}"`
            : 'send',
      );
      // A refused message is logged too, so the log shows every attempt and what became of it.
      this.sends.settle(watch, this.record(s, 'out', bytes, envelope), {
        ...facts(),
        error: { code: failure.code, message: describeError(err).message },
      });
      throw failure;
    }
    const msg = this.record(s, 'out', bytes, envelope);
    this.sends.settle(watch, msg, facts());
    // REQ waits for its reply, REP for the next request, only once it has sent.
    if (LOCKSTEP.has(s.info.type)) void this.receiveLoop(s);
    return msg;
  }

  subscribe(id: string, topic: FrameInput, on: boolean): SocketInfo {
    const s = this.get(id);
    if (!s.sock.subscribe || !s.sock.unsubscribe)
      throw new HostError(`only SUB sockets subscribe (this is ${s.info.type}); an XSUB sends subscription messages`, 'ENOTSUP');
    const bytes = frameToBytes(topic, 0);
    const label = topic.kind === 'text' ? topic.data : bytes.toString('hex');
    if (on) this.addSubscription(s, bytes, label);
    else {
      try {
        s.sock.unsubscribe(bytes);
      } catch (err) {
        throw this.fail(s, err, 'unsubscribe');
      }
      s.subscriptions = s.subscriptions.filter((t) => t !== label);
      s.info.options.subscriptions = [...s.subscriptions];
    }
    return this.changed(s);
  }

  /** DISH: joins or leaves a group. */
  join(id: string, group: string, on: boolean): SocketInfo {
    const s = this.get(id);
    this.setGroup(s, group, on);
    return this.changed(s);
  }

  messages(id: string, offset: number, limit: number): Page<LoggedMessage> {
    return page(this.get(id).log, offset, limit);
  }

  /** Messages per second, each direction, over the last minute. */
  rates(id: string): SocketRateSeries {
    return this.get(id).rates.series();
  }

  events(id: string, offset: number, limit: number): Page<MonitorEvent> {
    return page(this.get(id).timeline.list(), offset, limit);
  }

  // ---- internals ---------------------------------------------------------------------------

  private addSubscription(s: Session, bytes: Buffer, label: string): void {
    if (!s.sock.subscribe) throw new HostError(`only SUB sockets take subscriptions (this is ${s.info.type})`, 'ENOTSUP');
    try {
      s.sock.subscribe(bytes);
    } catch (err) {
      throw this.fail(s, err, 'subscribe');
    }
    if (!s.subscriptions.includes(label)) s.subscriptions.push(label);
    s.info.options.subscriptions = [...s.subscriptions];
  }

  private setGroup(s: Session, group: string, on: boolean): void {
    if (!s.sock.join || !s.sock.leave || s.info.type !== 'DISH')
      throw new HostError(`only DISH sockets join groups (this is ${s.info.type})`, 'ENOTSUP');
    try {
      if (on) s.sock.join(group);
      else s.sock.leave(group);
    } catch (err) {
      throw this.fail(s, err, `${on ? 'join' : 'leave'} "${group}"`);
    }
    s.groups = on ? [...s.groups, group] : s.groups.filter((g) => g !== group);
    s.info.options.groups = [...s.groups];
  }

  private findEndpoint(s: Session, kind: EndpointInfo['kind'], endpoint: string): EndpointInfo {
    const entry = s.info.endpoints.find((e) => e.kind === kind && (e.endpoint === endpoint || e.requested === endpoint));
    if (!entry) throw new HostError(`${s.info.name} has no ${kind === 'bind' ? 'bound' : 'connected'} endpoint ${endpoint}`, 'ENOENT');
    return entry;
  }

  private fail(s: Session, err: unknown, action: string): HostError {
    const d = describeError(err);
    const message = `${action} failed: ${d.message}`;
    s.info.lastError = { message, code: d.code, at: Date.now() / 1000 };
    this.emit({ type: 'socket.error', id: s.info.id, message, code: d.code });
    this.changed(s);
    return new HostError(message, d.code ?? 'EINVAL');
  }

  private snapshot(s: Session): SocketInfo {
    return {
      ...s.info,
      options: { ...s.info.options },
      endpoints: s.info.endpoints.map((e) => ({ ...e })),
      peers: s.info.peers.map((p) => ({ ...p })),
      // True totals: the log and the timeline keep only the newest.
      messageCount: s.nextSeq - 1,
      eventCount: s.timeline.total,
    };
  }

  private changed(s: Session): SocketInfo {
    const snap = this.snapshot(s);
    if (this.sessions.has(s.info.id)) this.emit({ type: 'socket.changed', socket: snap });
    return snap;
  }

  private record(s: Session, dir: 'in' | 'out', frames: Buffer[], envelope?: Envelope): LoggedMessage {
    const msg = toLogged(s.nextSeq++, dir, frames, envelope);
    s.log.push(msg);
    // Trimmed in chunks: under a flood a splice per message would copy the whole log each time.
    if (s.log.length > MAX_LOG + MAX_LOG / 4) s.log.splice(0, s.log.length - MAX_LOG);
    this.feed.message(s.info.id, msg, s.nextSeq - 1);
    s.rates.add(dir);
    return msg;
  }

  private async receiveLoop(s: Session): Promise<void> {
    if (s.receiving || !s.sock.receive) return;
    s.receiving = true;
    try {
      while (!s.sock.closed && this.sessions.has(s.info.id)) {
        let received: unknown[];
        try {
          received = await s.sock.receive();
        } catch (err) {
          if (s.sock.closed || !this.sessions.has(s.info.id)) return;
          const code = (err as { code?: string }).code;
          if (code === 'EAGAIN') continue; // receive timeout set by the user: keep waiting
          this.fail(s, err, 'receive');
          return;
        }
        const { frames, envelope } = unpack(received);
        this.record(s, 'in', frames, envelope);
        if (LOCKSTEP.has(s.info.type)) return; // one message, then it must send
      }
    } finally {
      s.receiving = false;
    }
  }

  private async watchEvents(s: Session): Promise<void> {
    try {
      for await (const ev of s.sock.events) {
        if (!this.sessions.has(s.info.id)) return;
        this.onMonitorEvent(s, ev);
      }
    } catch (err) {
      if (this.sessions.has(s.info.id)) this.fail(s, err, 'monitor');
    }
  }

  private onMonitorEvent(s: Session, ev: Record<string, unknown> & { type: string; address?: string }): void {
    const error = ev.error as { message?: string; code?: string } | undefined;
    const details: string[] = [];
    if (error) details.push(error.code ? `${error.code}: ${error.message ?? ''}` : String(error.message ?? error));
    if (typeof ev.interval === 'number') details.push(`retry in ${ev.interval} ms`);
    if (typeof ev.remoteAddress === 'string') details.push(`peer ${ev.remoteAddress}`);
    const remote = typeof ev.remoteAddress === 'string' ? ev.remoteAddress : undefined;
    const metadata =
      (ev.metadata as Record<string, string> | undefined) ?? (remote && ev.type === 'handshake' ? this.peerMetadata(s, remote) : undefined);
    if (metadata && typeof metadata === 'object')
      details.push(
        Object.entries(metadata)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      );
    const event: TimelineEntry = {
      ts: Date.now() / 1000,
      type: ev.type,
      address: typeof ev.address === 'string' ? ev.address : undefined,
      // The reason is part of what makes two events the same (a new reason is a new row); detail is not.
      reason: typeof ev.reason === 'string' ? ev.reason : undefined,
      detail: details.length ? details.join('; ') : undefined,
    };
    this.addEvent(s, event);
    this.updateEndpoint(s, ev, event.ts);
    // ZAP decisions and handshake hints go right after the event they explain.
    const remoteAddress = typeof ev.remoteAddress === 'string' ? ev.remoteAddress : undefined;
    const reason = typeof ev.reason === 'string' ? ev.reason : undefined;
    for (const row of securityRows(
      s.info.options,
      { type: ev.type, address: event.address, remoteAddress, reason },
      metadata?.['User-Id'],
    )) {
      this.addEvent(s, { ts: event.ts, type: row.type, address: row.address, reason: row.reason, detail: row.detail });
    }
    this.trackPeers(s, ev, metadata);
  }

  /** One entry of the socket's timeline (a monitor event, a ZAP decision, a hint): folded, then batched to the UI. */
  private addEvent(s: Session, entry: TimelineEntry): void {
    this.feed.event(s.info.id, s.timeline.add(entry), s.timeline.total);
  }

  /** The endpoint an event concerns moves to its next state (connecting, retrying, connected...). */
  private updateEndpoint(s: Session, ev: Record<string, unknown> & { type: string; address?: string }, ts: number): void {
    const address = ev.address;
    if (typeof address !== 'string') return;
    const e = s.info.endpoints.find((x) => x.endpoint === address || x.requested === address);
    if (!e?.status) return;
    const next = nextStatus(
      e.status,
      e.kind,
      {
        type: ev.type,
        ts,
        remoteAddress: typeof ev.remoteAddress === 'string' ? ev.remoteAddress : undefined,
        reason: typeof ev.reason === 'string' ? ev.reason : undefined,
        interval: typeof ev.interval === 'number' ? ev.interval : undefined,
      },
      s.info.type === 'STREAM',
    );
    if (next === e.status) return;
    e.status = next;
    this.feed.changed(s.info.id);
  }

  private trackPeers(
    s: Session,
    ev: Record<string, unknown> & { type: string; address?: string },
    metadata?: Record<string, string>,
  ): void {
    const address = ev.address ?? '';
    // Our engine names the remote end (remoteAddress); libzmq only gives the local endpoint.
    const remote = typeof ev.remoteAddress === 'string' ? ev.remoteAddress : undefined;
    const key = remote ?? address;
    const peers = s.info.peers;
    const now = Date.now() / 1000;
    if (ev.type === 'accept' || ev.type === 'connect') {
      // A STREAM peer has no handshake (and libzmq reports none): it is ready as soon as it is connected.
      peers.push({ address: key, state: s.info.type === 'STREAM' ? 'ready' : 'connecting', since: now });
    } else if (ev.type === 'handshake') {
      const p =
        peers.find((x) => x.state === 'connecting' && x.address === key) ??
        peers.find((x) => x.state === 'connecting' && x.address === address);
      if (p) {
        p.state = 'ready';
        p.address = key;
        if (metadata) p.metadata = { ...metadata };
      } else peers.push({ address: key, state: 'ready', since: now, ...(metadata ? { metadata: { ...metadata } } : {}) });
    } else if (ev.type === 'disconnect' || ev.type.startsWith('handshake:error')) {
      let i = peers.findIndex((x) => x.address === key);
      if (i < 0) i = peers.findIndex((x) => x.address === address);
      if (i >= 0) peers.splice(i, 1);
    } else return;
    this.feed.changed(s.info.id);
  }
}
