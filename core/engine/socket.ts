// The generic socket, shaped like zeromq.js v6's Socket: options as constructor fields and properties,
// bind/unbind/connect/disconnect on many endpoints, send()/receive() Promises with timeouts, async
// iteration, `events`, close with linger. Routing is the SocketType's job (one small class per type);
// this class owns the pipes, transports and connections (libzmq's socket_base_t).
import net from 'node:net';
import type { SocketTypeName } from '../zmtp/constants.js';
import type { Mechanism } from '../zmtp/mechanisms/mechanism.js';
import { context as defaultContext, Context, hwmSum, type ContextSocket } from './context.js';
import { lookUpTcpEndpoint, parseEndpoint, resolvedTcpEndpoint, splitEndpoint } from './endpoint.js';
import { zmqError, zmqErrorWithMessage, ZmqError } from './errors.js';
import { Observer, type EventError, type SocketEvent } from './monitor.js';
import { defaultOptions, mechanismFor, routingIdBytes, validateOption, type CommonOptionValues, type SocketOptions } from './options.js';
import {
  OPTIONS,
  OPTION_NAMES,
  appliesTo,
  isOptionName,
  optionById,
  type OptionKind,
  type OptionName,
  type OptionSpec,
} from './option-table.js';
import type { ReceivingType, SendingType, SocketTypeName as AnyTypeName } from './socket-type-table.js';
import { Pipe, type Msg, type PipeOwner } from './pipe.js';
import type { SocketType } from './socket-type.js';
import { Connection, remoteAddressOf, type ConnectionHost, type PeerInfo } from './connection/connection.js';
import { connectionEndEvents, type ConnectionEnd } from './connection/close-cause.js';
import { Session, type SessionHost } from './session.js';
import { listenStream, fromSystemError, type Listener } from './transports/stream.js';
import { createEngineMechanism } from './mechanism-factory.js';
import { Hold } from './keepalive.js';
import { zapClientFor } from './zap-client.js';
import { bindUdp, connectUdp, type UdpHandle } from './transports/udp.js';
import { bindPgm, connectPgm } from './transports/epgm.js';
import { socketTypeByNumber } from './types/by-number.js';
import { registerActivity, reportActivity, tap } from './activity.js';
import { assignOptions } from './assign.js';
import { afterLoopTurn, StarveGuard } from './starve-guard.js';
import { microtask } from './microtask.js';

export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null;

export type { SocketOptions } from './options.js';

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Converts what send() accepts into frames, as zeromq.js does: Buffers and other views and ArrayBuffers
 * as bytes, strings as UTF-8, null as an empty frame, anything else as String(x).
 */
export function toFrames(message: MessageLike | MessageLike[]): Msg {
  if (Array.isArray(message)) {
    const out: Buffer[] = new Array(message.length);
    for (let i = 0; i < message.length; i++) out[i] = toFrame(message[i]);
    return out;
  }
  return [toFrame(message)];
}

function toFrame(f: unknown): Buffer {
  if (Buffer.isBuffer(f)) return f;
  if (typeof f === 'string') return Buffer.from(f, 'utf8');
  if (f === null) return Buffer.alloc(0);
  if (ArrayBuffer.isView(f)) return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  if (f instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && f instanceof SharedArrayBuffer)) return Buffer.from(f);
  return Buffer.from(String(f), 'utf8');
}

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

/** The common options as properties (declared in option-table.ts, defined on the prototype below). */
export interface Socket extends CommonOptionValues {}

/**
 * A socket type that sends (zeromq.js's Writable): the classes of such types have send(). `O` are the
 * draft types' send options ({ routingId }, { group }).
 */
export interface Writable<M extends MessageLike | MessageLike[] = MessageLike | MessageLike[], O extends object[] = []> {
  send(message: M, ...options: O): Promise<void>;
}

/** A socket type that receives (zeromq.js's Readable): receive() and async iteration yield M. */
export interface Readable<M extends object[] = Buffer[]> {
  receive(): Promise<M>;
  [Symbol.asyncIterator](): AsyncIterator<M, undefined>;
}

/**
 * A socket whose type is known only at run time (the CLI, a proxy): send and receive as the run time has
 * them on every socket; a type that cannot send or receive rejects with ENOTSUP.
 */
export type AnySocket = Socket & Readable & Writable;

/** The generic socket of type T (`new Socket(number)`), typed as T's class is: send and receive only where T has them. */
export type SocketOf<T extends AnyTypeName> = Socket &
  (T extends SendingType ? Writable : unknown) &
  (T extends ReceivingType ? Readable : unknown);

/** One connected peer, as `Socket.peers` lists it. */
export interface PeerDescription {
  /** The endpoint of ours it came through, as bound or connected. */
  endpoint: string;
  /** The peer's address ("tcp://10.0.0.2:53422", an ipc path, an inproc name). */
  remoteAddress: string;
  socketType: string;
  /** How ROUTER and STREAM (bytes) or SERVER (a number) address this peer; undefined for other types. */
  routingId?: Buffer | number;
  /** The User-Id the ZAP handler gave (PLAIN: the user name by default in libzmq's handlers). */
  userId?: string;
  /** Handshake metadata, ZAP metadata, User-Id and Peer-Address, by name. */
  properties: Record<string, string>;
}

export class Socket implements PipeOwner, ContextSocket, SessionHost {
  readonly typeName: SocketTypeName;
  private readonly typeNumber: number;
  readonly context: Context;
  /** Made on first access of `events` (zeromq.js's Observer starts monitoring then). */
  private observer: Observer | undefined = undefined;
  /** Live option values (common ones; types keep their own), shared with the SocketType. */
  readonly options: CommonOptionValues;
  protected readonly impl: SocketType;
  private isClosed = false;
  private lastBound: string | null = null;
  private readonly pipes = new Set<Pipe>();
  private readonly listeners = new Map<string, { listener: Listener; conns: Set<Connection> }>();
  private readonly sessions = new Map<string, Session[]>();
  private readonly inprocPipes = new Map<string, Set<Pipe>>();
  private readonly inprocBound = new Set<string>();
  /** udp:// endpoints (RADIO connects, DISH binds), by the address given and the one bound. */
  private readonly udpEndpoints = new Map<string, UdpHandle>();
  private pendingSendOp?: Pending<void> & { msg: Msg };
  private pendingReceiveOp?: Pending<Buffer[]>;
  /** Keeps the process alive while a send or receive waits (zeromq.js does the same). */
  private readonly opHold = new Hold();
  // An open socket, even with endpoints, does not keep the process alive (as in zeromq.js); what is
  // still queued when the program ends is delivered by the exit flush (exit-flush.ts).
  private get pendingSend() {
    return this.pendingSendOp;
  }
  private set pendingSend(p) {
    this.pendingSendOp = p;
    this.opHold.set(!!this.pendingSendOp || !!this.pendingReceiveOp);
  }
  private get pendingReceive() {
    return this.pendingReceiveOp;
  }
  private set pendingReceive(p) {
    this.pendingReceiveOp = p;
    this.opHold.set(!!this.pendingSendOp || !!this.pendingReceiveOp);
  }
  private notifyQueued = false;
  /** A bind or unbind is running (zeromq.js's Blocked state). */
  private blocked = false;
  private closeRequested = false;
  private lingerWork = 0;
  private readonly processBound = this.processPending.bind(this);
  /** send()/receive() completing at once: every 513th settles after setImmediate (starve-guard.ts). */
  private readonly starveGuard = new StarveGuard();

  /**
   * zeromq.js's generic constructor: `new Socket(type, options)` with libzmq's numeric type (ZMQ_PUSH = 8,
   * ...; the classes below pass theirs). Options are applied as property assignments after the object
   * is sealed, so unknown and read-only options throw TypeError as in zeromq.js; `options.context`
   * picks the context (the default one otherwise).
   */
  constructor(type: number, options?: SocketOptions) {
    if (arguments.length > 2) throw new TypeError(`Expected 2 arguments but received ${arguments.length}`);
    if (typeof type !== 'number') throw new TypeError('Socket type must be a number');
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('Options must be an object');
    const entry = socketTypeByNumber(type);
    if (!entry) throw zmqError('EINVAL', `unknown socket type ${type}`);
    const ctx = options?.context === undefined ? defaultContext : options.context;
    if (!(ctx instanceof Context)) throw zmqError('EINVAL', 'options.context must be a Context');
    this.typeName = entry.name;
    this.typeNumber = type;
    this.context = ctx;
    this.options = defaultOptions();
    // libzmq: a socket's linger starts at -1 (wait for ever) in a blocky context, else at 0.
    this.options.linger = ctx.blocky ? -1 : 0;
    const tapped = tap(entry.create);
    this.impl = tapped.create({
      options: this.options,
      notifyReadable: () => this.wakePending(),
      notifyWritable: () => this.wakePending(),
    });
    registerActivity(this, tapped.listeners);
    ctx.register(this);
    // Sealed like zeromq.js's: setting an option that does not exist throws instead of doing nothing.
    Object.seal(this);
    if (options) {
      try {
        assignOptions(this, options, 'Socket', 'context');
      } catch (e) {
        this.close();
        throw e;
      }
    }
  }

  // ------------------------------------------------------------------ options

  /**
   * Sets an option by its zeromq.js name, validated as option-table.ts declares it; EINVAL for a name
   * this socket type does not have. Common options live in `options`, the others in the socket type.
   */
  setOption(name: string, value: unknown): void {
    if (!isOptionName(name) || !appliesTo(name, this.typeName))
      throw zmqError('EINVAL', `unknown socket option '${name}' for ${this.typeName}`);
    const checked = validateOption(name, value);
    this.store(name, checked);
  }

  /** Stores a validated value, with zeromq.js's warning when it comes too late to take effect. */
  private store(name: OptionName, checked: unknown): void {
    if ((this.hasEndpoints || this.blocked) && !(OPTIONS[name] as OptionSpec).immediate) process.emitWarning(LATE_OPTION_WARNING);
    if (OPTIONS[name].types === 'all') {
      (this.options as Record<OptionName, unknown>)[name] = checked;
      if (name === 'sendHighWaterMark' || name === 'receiveHighWaterMark') this.updatePipeHwms();
    } else if (!this.impl.setOption?.(name, checked)) throw zmqError('EINVAL', `unknown socket option '${name}' for ${this.typeName}`);
  }

  getOption(name: string): unknown {
    if (!isOptionName(name) || !appliesTo(name, this.typeName)) return undefined;
    if (OPTIONS[name].types === 'all') return (this.options as Record<OptionName, unknown>)[name];
    return this.impl.getOption?.(name);
  }

  // zeromq.js's protected accessors by libzmq option number (getInt32Option(ZMQ_BACKLOG), ...), kept for
  // code written against zeromq.js's internals; each maps the number to the named option it declares.
  protected getBoolOption(id: number): boolean {
    return this.getOption(numberedOption(id, this.typeName, 'bool')) as boolean;
  }
  protected setBoolOption(id: number, value: boolean): void {
    this.setOption(numberedOption(id, this.typeName, 'bool'), value);
  }
  protected getInt32Option(id: number): number {
    return this.getOption(numberedOption(id, this.typeName, 'int')) as number;
  }
  protected setInt32Option(id: number, value: number): void {
    this.setOption(numberedOption(id, this.typeName, 'int'), value);
  }
  protected getInt64Option(id: number): number {
    return this.getOption(numberedOption(id, this.typeName, 'int')) as number;
  }
  protected setInt64Option(id: number, value: number): void {
    this.setOption(numberedOption(id, this.typeName, 'int'), value);
  }
  protected getUint64Option(id: number): number {
    return this.getOption(numberedOption(id, this.typeName, 'int')) as number;
  }
  protected setUint64Option(id: number, value: number): void {
    const name = numberedOption(id, this.typeName, 'int');
    // libzmq's uint64 options (ZMQ_AFFINITY) take up to 2^64-1, which a double carries only approximately:
    // stored as given, with zeromq.js's warning, instead of the table's safe-integer range.
    if (typeof value === 'number' && value > Number.MAX_SAFE_INTEGER && value <= 2 ** 64) {
      process.emitWarning(UNSAFE_INTEGER_WARNING);
      this.store(name, value);
    } else this.setOption(name, value);
  }
  protected getStringOption(id: number): string | null {
    const v = this.getOption(numberedOption(id, this.typeName, 'string'));
    return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8') : (v as string | null);
  }
  protected setStringOption(id: number, value: string | Buffer | null): void {
    this.setOption(numberedOption(id, this.typeName, 'string'), value);
  }

  /** zeromq.js: the numeric socket type (ZMQ_PUSH = 8, ...). */
  get type(): number {
    return this.typeNumber;
  }

  get lastEndpoint(): string | null {
    return this.lastBound;
  }

  get securityMechanism(): 'plain' | 'curve' | null {
    const m = mechanismFor(this.options).name;
    return m === 'NULL' ? null : (m.toLowerCase() as 'plain' | 'curve');
  }

  get threadSafe(): boolean {
    return false;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * The peers this socket has a working connection with (handshake done), with what their handshake
   * and the ZAP handler said about them: Socket-Type, Identity, User-Id, ZAP metadata, Peer-Address.
   * libzmq attaches these to each received message (zmq_msg_gets); here they are per peer, and for
   * ROUTER, STREAM and SERVER `routingId` says which peer a received message came from.
   */
  get peers(): PeerDescription[] {
    const list: PeerDescription[] = [];
    for (const pipe of this.pipes) {
      const props = { ...pipe.peerProperties };
      list.push({
        endpoint: pipe.endpoint,
        remoteAddress: pipe.remoteAddress,
        socketType: pipe.peerSocketType ?? props['Socket-Type'] ?? '',
        routingId: this.impl.routingIdOf?.(pipe),
        userId: props['User-Id'],
        properties: props,
      });
    }
    return list;
  }

  /**
   * Our addition (for the workbench): the endpoint of the pipe where a message sent with `frame` as its last
   * frame (the same Buffer given to send()) still waits, or undefined. For inproc the pipe is the peer's own
   * queue, so the message has reached the peer. O(queued messages).
   */
  queuedOn(frame: Buffer): string | undefined {
    for (const pipe of this.pipes) if (pipe.holdsOutbound(frame)) return pipe.endpoint || pipe.remoteAddress;
    return undefined;
  }

  /** @internal ContextSocket: a message queued here that no peer (connection or inproc socket) has taken yet. */
  hasUndelivered(): boolean {
    for (const pipe of this.pipes) if (pipe.queued > 0) return true;
    return false;
  }

  /** A message could be received now without waiting. */
  get readable(): boolean {
    return !this.isClosed && this.impl.hasIn();
  }

  /** A message could be sent now without waiting. */
  get writable(): boolean {
    return !this.isClosed && this.impl.hasOut();
  }

  // ------------------------------------------------------------------ send / receive

  /**
   * Queues a message: `send` of the types that send (Writable). As in zeromq.js, a missing message, a
   * closed socket and a send already waiting throw at once (TypeError, EBADF, EBUSY); what the socket
   * type refuses (EFSM, EHOSTUNREACH, EAGAIN) rejects the Promise.
   */
  protected sendMessage(message: MessageLike | MessageLike[]): Promise<void> {
    if (message === undefined) throw new TypeError('Message must be present');
    this.checkOpen();
    if (this.pendingSend)
      throw zmqErrorWithMessage('EBUSY', 'Socket is busy writing; only one send operation may be in progress at any time');
    const msg = toFrames(message);
    // An empty multipart message is nothing to send (zeromq.js resolves at once).
    if (msg.length === 0) return RESOLVED;
    try {
      if (this.impl.send(msg)) return this.starveGuard.mayResolveNow() ? RESOLVED : afterLoopTurn(undefined);
    } catch (e) {
      return Promise.reject(e);
    }
    const timeout = this.options.sendTimeout;
    if (timeout === 0) return Promise.reject(zmqError('EAGAIN', 'Socket temporarily unavailable'));
    return new Promise<void>((resolve, reject) => this.park('pendingSend', { resolve, reject, msg }, timeout));
  }

  /** `receive` of the types that receive (Readable): the next whole message. */
  protected receiveMessage(): Promise<Buffer[]> {
    this.checkOpen();
    if (this.pendingReceive)
      throw zmqErrorWithMessage('EBUSY', 'Socket is busy reading; only one receive operation may be in progress at any time');
    let msg: Msg | undefined;
    try {
      msg = this.impl.receive();
    } catch (e) {
      return Promise.reject(e);
    }
    if (msg !== undefined) return this.starveGuard.mayResolveNow() ? Promise.resolve(msg) : afterLoopTurn(msg);
    const timeout = this.options.receiveTimeout;
    if (timeout === 0) return Promise.reject(zmqError('EAGAIN', 'Socket temporarily unavailable'));
    return new Promise<Buffer[]>((resolve, reject) => this.park('pendingReceive', { resolve, reject }, timeout));
  }

  /**
   * Parks a send or receive that cannot complete now; pipe callbacks complete it later, or after
   * `timeout` ms (when > 0, sendTimeout/receiveTimeout) it fails with EAGAIN.
   */
  private park(slot: 'pendingSend', p: Pending<void> & { msg: Msg }, timeout: number): void;
  private park(slot: 'pendingReceive', p: Pending<Buffer[]>, timeout: number): void;
  private park(slot: 'pendingSend' | 'pendingReceive', p: Pending<never>, timeout: number): void {
    // Both slots are accessors that also hold the process alive while an operation waits; each is named
    // in the code (a computed `this[slot]` made every park a slow keyed store through the accessor).
    const sending = slot === 'pendingSend';
    if (timeout > 0) {
      p.timer = setTimeout(() => {
        if (sending && this.pendingSend === p) this.pendingSend = undefined;
        if (!sending && this.pendingReceive === p) this.pendingReceive = undefined;
        p.reject(zmqError('EAGAIN', 'Socket temporarily unavailable'));
      }, timeout);
    }
    if (sending) this.pendingSend = p as Pending<void> & { msg: Msg };
    else this.pendingReceive = p as Pending<Buffer[]>;
  }

  /** Type side: something may have become readable/writable; settle waiting Promises soon (never reentrantly). */
  // Named wakePending, not notify: Stream has a zeromq.js option property called `notify`.
  private wakePending(): void {
    if (this.notifyQueued) return;
    if (!this.pendingReceive && !this.pendingSend) return;
    this.notifyQueued = true;
    microtask(this.processBound);
  }

  private processPending(): void {
    this.notifyQueued = false;
    if (this.isClosed) return;
    const r = this.pendingReceive;
    if (r) {
      try {
        const msg = this.impl.receive();
        if (msg !== undefined) {
          this.pendingReceive = undefined;
          if (r.timer) clearTimeout(r.timer);
          r.resolve(msg);
        }
      } catch (e) {
        this.pendingReceive = undefined;
        if (r.timer) clearTimeout(r.timer);
        r.reject(e as Error);
      }
    }
    const s = this.pendingSend;
    if (s) {
      try {
        if (this.impl.send(s.msg)) {
          this.pendingSend = undefined;
          if (s.timer) clearTimeout(s.timer);
          s.resolve();
        }
      } catch (e) {
        this.pendingSend = undefined;
        if (s.timer) clearTimeout(s.timer);
        s.reject(e as Error);
      }
    }
  }

  /** @internal Bound or connected somewhere (zeromq.js's endpoint count above zero); false once closed. */
  get hasEndpoints(): boolean {
    if (this.isClosed) return false;
    return this.listeners.size + this.sessions.size + this.inprocBound.size + this.inprocPipes.size + this.udpEndpoints.size > 0;
  }

  /** zeromq.js's ValidateOpen: EBUSY while a bind/unbind runs, EBADF once closed (thrown at once). */
  private checkOpen(): void {
    if (this.blocked) throw zmqErrorWithMessage('EBUSY', 'Socket is blocked by a bind or unbind operation');
    if (this.isClosed) throw zmqError('EBADF', 'Socket is closed');
  }

  /** Blocks the socket until `op` settles; a close() asked for meanwhile happens before `op`'s result is seen. */
  private whileBlocked(op: Promise<void>): Promise<void> {
    this.blocked = true;
    const unblock = () => {
      this.blocked = false;
      if (this.closeRequested) {
        this.closeRequested = false;
        this.close();
      }
    };
    return op.then(unblock, (e) => {
      unblock();
      throw e;
    });
  }

  // ------------------------------------------------------------------ pipes (socket ends)

  /** @internal Hands a pipe end to the socket type. */
  attachPipe(end: Pipe): void {
    if (this.isClosed) {
      end.terminateNow();
      return;
    }
    end.owner = this;
    this.pipes.add(end);
    this.impl.attach(end);
    // A type may have become able to send or receive.
    this.wakePending();
  }

  readActivated(pipe: Pipe): void {
    this.impl.readActivated(pipe);
    this.wakePending();
  }

  writeActivated(pipe: Pipe): void {
    this.impl.writeActivated(pipe);
    this.wakePending();
  }

  pipeTerminated(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    for (const set of this.inprocPipes.values()) set.delete(pipe);
    this.impl.detach(pipe);
    this.wakePending();
  }

  /**
   * A changed SNDHWM or RCVHWM applies to the pipes that exist, as in libzmq since 4.2 (zeromq.js lists
   * both among the options that take effect after bind/connect): each end's own values plus its inproc
   * boost, the limits of both directions (our queues are shared by the two ends).
   */
  private updatePipeHwms(): void {
    const snd = this.options.sendHighWaterMark;
    const rcv = this.options.receiveHighWaterMark;
    for (const pipe of this.pipes) {
      const boost = pipe.hwmBoost;
      pipe.setHwms(boost ? hwmSum(snd, boost[0]) : snd, boost ? hwmSum(rcv, boost[1]) : rcv);
    }
  }

  /** @internal Socket-end/peer-end pair with this socket's HWMs (A = socket end). */
  makePipe(): [Pipe, Pipe] {
    return Pipe.pair(this.options.sendHighWaterMark, this.options.receiveHighWaterMark);
  }

  /** @internal */
  fillPeerInfo(end: Pipe, peer: PeerInfo): void {
    end.peerSocketType = peer.socketType;
    // As libzmq's message metadata: the peer's READY properties, what the ZAP handler added, User-Id, Peer-Address.
    const props: Record<string, string> = { ...peer.properties, ...peer.zapMetadata };
    if (peer.userId !== undefined) props['User-Id'] = peer.userId;
    props['Peer-Address'] = hostOf(peer.remoteAddress);
    end.peerProperties = props;
    end.remoteAddress = peer.remoteAddress;
    end.routingId = peer.identity.length ? Buffer.from(peer.identity) : undefined;
  }

  /** @internal ContextSocket: an inproc peer (or the ZAP client) connects to us. */
  attachInprocPipe(end: Pipe, address: string, peerType: string, peerRoutingId: Buffer | undefined): void {
    end.peerSocketType = peerType;
    end.peerProperties = { 'Socket-Type': peerType };
    if (peerRoutingId) end.peerProperties.Identity = peerRoutingId.toString('latin1');
    end.routingId = peerRoutingId;
    end.endpoint = address;
    end.remoteAddress = address;
    let set = this.inprocPipes.get(address);
    if (!set) this.inprocPipes.set(address, (set = new Set()));
    set.add(end);
    // No monitor event: libzmq reports nothing for inproc (no listener, no accept; socket_base.cpp).
    this.attachPipe(end);
  }

  /** @internal */
  emit(event: SocketEvent): void {
    this.observer?.emit(event);
  }

  /** The socket's monitor events (zeromq.js's Observer): queued for receive() from the first access on. */
  get events(): Observer {
    return (this.observer ??= new Observer(this.isClosed));
  }

  get socketType(): SocketTypeName {
    return this.typeName;
  }

  /** @internal A security mechanism for a new connection, per the options (libzmq's choice). */
  createMechanism(peerAddress: string): Mechanism | string {
    const { name, asServer } = mechanismFor(this.options);
    const properties: Record<string, string | Uint8Array> = { 'Socket-Type': this.typeName };
    if (this.typeName === 'REQ' || this.typeName === 'DEALER' || this.typeName === 'ROUTER') {
      properties.Identity = routingIdBytes(this.options);
    }
    const zapDomain = this.options.zapDomain ?? '';
    return createEngineMechanism(name, {
      // libzmq's NULL asks ZAP on whichever side has a ZAP domain; NullMechanism reads that as "server".
      asServer: name === 'NULL' ? zapDomain !== '' : asServer,
      properties,
      zapDomain,
      peerAddress: hostOf(peerAddress),
      zap: zapClientFor(this.context),
      socketOptions: this.options,
    });
  }

  // ------------------------------------------------------------------ endpoints

  /**
   * Binds. As in zeromq.js the socket is blocked until the bind is done: another bind, unbind,
   * connect, send or receive meanwhile throws EBUSY, and close() waits for it.
   */
  bind(address: string): Promise<void> {
    if (typeof address !== 'string') throw new TypeError('Address must be a string');
    this.checkOpen();
    return this.whileBlocked(this.bindNow(address));
  }

  private async bindNow(address: string): Promise<void> {
    const ep = parseEndpoint(address, true);
    if (ep.transport === 'inproc') {
      this.context.bindInproc(ep.name, this, address);
      this.inprocBound.add(ep.name);
      this.lastBound = address;
      // No 'bind' event for inproc, as in libzmq (zeromq.js's tests expect only 'end' on an inproc socket).
      return;
    }
    if (ep.transport === 'udp' || ep.transport === 'pgm' || ep.transport === 'epgm') {
      const h = ep.transport === 'udp' ? await bindUdp(this, ep) : await bindPgm(this, ep);
      if (this.isClosed) {
        h.close();
        throw zmqError('EBADF', 'Socket was closed during bind');
      }
      this.udpEndpoints.set(h.endpoint, h);
      this.lastBound = h.endpoint;
      this.emit({ type: 'bind', address: h.endpoint });
      return;
    }
    let listener: Listener;
    const conns = new Set<Connection>();
    try {
      listener = await listenStream(ep, this.options, (stream, l) => this.onAccept(stream, l, conns));
    } catch (e) {
      const err = e instanceof ZmqError ? e : fromSystemError(e as NodeJS.ErrnoException, address);
      // libzmq reports the address without its transport prefix here (socket_base_t::bind).
      this.emit({ type: 'bind:error', address: address.replace(/^[a-z]+:\/\//, ''), error: err, reason: err.detail ?? err.message });
      throw err;
    }
    if (this.isClosed) {
      listener.close();
      throw zmqError('EBADF', 'Socket was closed during bind');
    }
    const bound = listener.endpoint;
    listener.onAcceptError = (error) => this.emit({ type: 'accept:error', address: bound, error, reason: error.message });
    this.listeners.set(listener.endpoint, { listener, conns });
    this.lastBound = listener.endpoint;
    this.emit({ type: 'bind', address: listener.endpoint });
  }

  private onAccept(stream: net.Socket, listener: Listener, conns: Set<Connection>): void {
    if (this.isClosed) {
      stream.destroy();
      return;
    }
    const address = listener.endpoint;
    this.emit({ type: 'accept', address, remoteAddress: remoteAddressOf(stream, address) });
    const self = this;
    const host: ConnectionHost = {
      socketType: this.typeName,
      options: this.options,
      createMechanism: (peer) => this.createMechanism(peer),
      attach(conn: Connection, peer: PeerInfo): Pipe | undefined {
        if (self.isClosed) return undefined;
        const [socketEnd, connEnd] = self.makePipe();
        socketEnd.endpoint = address;
        connEnd.endpoint = address;
        self.fillPeerInfo(socketEnd, peer);
        self.attachPipe(socketEnd);
        if (!conn.raw) self.emit({ type: 'handshake', address, remoteAddress: conn.remoteAddress });
        return connEnd;
      },
      closed(conn: Connection, end: ConnectionEnd) {
        conns.delete(conn);
        for (const event of connectionEndEvents(address, conn.remoteAddress, end)) self.emit(event);
        conn.pipe?.terminate();
        if (self.isClosed) self.lingerStep(-1);
      },
    };
    const conn = new Connection(stream, host, address, this.typeName === 'STREAM');
    conns.add(conn);
  }

  unbind(address: string): Promise<void> {
    if (typeof address !== 'string') throw new TypeError('Address must be a string');
    this.checkOpen();
    return this.whileBlocked(this.unbindNow(address));
  }

  private async unbindNow(address: string): Promise<void> {
    const { transport, rest } = splitEndpoint(address);
    if (transport === 'inproc') {
      if (!this.inprocBound.has(rest) || !this.context.unbindInproc(rest, this)) {
        throw zmqError('ENOENT', `No such endpoint: ${address}`, address);
      }
      this.inprocBound.delete(rest);
      for (const p of this.inprocPipes.get(address) ?? []) p.terminate();
      return;
    }
    if (this.closeUdpEndpoint(address)) return;
    // Exactly as libzmq's term_endpoint: the endpoint as bound (lastEndpoint) or an address resolving to it.
    const entry = this.listeners.get(address) ?? this.listeners.get((await lookUpTcpEndpoint(address, this.options.ipv6)) ?? '');
    if (!entry) throw zmqError('ENOENT', `No such endpoint: ${address}`, address);
    this.listeners.delete(entry.listener.endpoint);
    const failed = entry.listener.close();
    // libzmq reports the listener closed first, then its connections end.
    this.emitClosed(entry.listener.endpoint, failed);
    for (const c of [...entry.conns]) c.shutdown(this.options.linger);
  }

  /** A listener stopped: 'close', or like libzmq 'close:error' instead when cleaning up after it failed. */
  private emitClosed(address: string, error: EventError | undefined): void {
    if (error) this.emit({ type: 'close:error', address, error, reason: error.message });
    else this.emit({ type: 'close', address });
  }

  connect(address: string): void {
    if (typeof address !== 'string') throw new TypeError('Address must be a string');
    this.checkOpen();
    const ep = parseEndpoint(address, false);
    if (ep.transport === 'inproc') {
      const ours = this.context.connectInproc(ep.name, this, address, (out, inn) => Pipe.pair(out, inn));
      let set = this.inprocPipes.get(address);
      if (!set) this.inprocPipes.set(address, (set = new Set()));
      set.add(ours);
      // No 'connect' event for inproc either (libzmq).
      this.attachPipe(ours);
      return;
    }
    if (ep.transport === 'udp' || ep.transport === 'pgm' || ep.transport === 'epgm') {
      this.udpEndpoints.set(address, ep.transport === 'udp' ? connectUdp(this, ep) : connectPgm(this, ep));
      this.emit({ type: 'connect', address });
      return;
    }
    const session = new Session(this, ep);
    const list = this.sessions.get(address) ?? [];
    list.push(session);
    this.sessions.set(address, list);
    session.start();
  }

  /** Closes the udp endpoint bound or connected at `address`; false when it is not one. */
  private closeUdpEndpoint(address: string): boolean {
    const udp = this.udpEndpoints.get(address);
    if (!udp) return false;
    this.udpEndpoints.delete(address);
    udp.close();
    return true;
  }

  disconnect(address: string): void {
    if (typeof address !== 'string') throw new TypeError('Address must be a string');
    this.checkOpen();
    const { transport } = splitEndpoint(address);
    if (transport === 'inproc') {
      const set = this.inprocPipes.get(address);
      if (!set || set.size === 0) throw zmqError('ENOENT', `No such endpoint: ${address}`, address);
      for (const p of set) p.terminate();
      this.inprocPipes.delete(address);
      return;
    }
    if (this.closeUdpEndpoint(address)) return;
    // As libzmq's term_endpoint: the endpoint as connected, or (sync here, so without a DNS lookup) the address `address` resolves to.
    const key = this.sessions.has(address) ? address : (resolvedTcpEndpoint(address, this.options.ipv6) ?? address);
    const list = this.sessions.get(key);
    if (!list || list.length === 0) throw zmqError('ENOENT', `No such endpoint: ${address}`, address);
    this.sessions.delete(key);
    for (const s of list) s.stop(this.options.linger);
  }

  /** @internal SessionHost */
  pipeAtConnect(address: string): boolean {
    return this.impl.pipeAtConnect?.(address) ?? false;
  }

  /** @internal SessionHost */
  sessionDone(session: Session): void {
    const list = this.sessions.get(session.address);
    if (list) {
      const i = list.indexOf(session);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.sessions.delete(session.address);
    }
    if (this.isClosed) this.lingerStep(-1);
  }

  // ------------------------------------------------------------------ close

  /**
   * Closes the socket. Messages already queued are still written for up to `linger` ms (-1: until
   * done, 0: dropped at once); pending send()/receive() reject with EAGAIN.
   */
  close(): void {
    if (this.isClosed) return;
    // zeromq.js cannot close a socket while a bind or unbind runs: it closes when that is done.
    if (this.blocked) {
      this.closeRequested = true;
      return;
    }
    this.isClosed = true;
    const closedError = () => zmqError('EAGAIN', 'Socket was closed');
    if (this.pendingReceive) {
      const r = this.pendingReceive;
      this.pendingReceive = undefined;
      if (r.timer) clearTimeout(r.timer);
      r.reject(closedError());
    }
    if (this.pendingSend) {
      const s = this.pendingSend;
      this.pendingSend = undefined;
      if (s.timer) clearTimeout(s.timer);
      s.reject(closedError());
    }
    const linger = this.options.linger;
    for (const name of this.inprocBound) this.context.unbindInproc(name, this);
    const conns: Connection[] = [];
    for (const [endpoint, { listener, conns: set }] of this.listeners) {
      const failed = listener.close();
      for (const c of set) if (!c.isClosed) conns.push(c);
      this.emitClosed(endpoint, failed);
    }
    this.listeners.clear();
    for (const h of this.udpEndpoints.values()) h.close();
    this.udpEndpoints.clear();
    const sessions = [...this.sessions.values()].flat();
    this.lingerWork = conns.length + sessions.length + 1;
    // Socket ends go first: each peer end learns it once it has read (and written out) what is queued.
    for (const p of [...this.pipes]) {
      if (linger === 0) p.terminateNow();
      else p.terminate();
    }
    for (const c of conns) c.shutdown(linger);
    for (const s of sessions) s.stop(linger);
    this.context.unregister(this, this.lingerWork > 1);
    this.lingerStep(-1);
    this.observer?.finish();
    reportActivity(this);
  }

  private lingerStep(delta: number): void {
    if (this.lingerWork <= 0) return;
    this.lingerWork += delta;
    if (this.lingerWork === 0) this.context.lingerDone(this);
  }
}

/** The host part of a peer address ("tcp://[::1]:5555" -> "::1"), as libzmq's Peer-Address gives it. */
function hostOf(address: string): string {
  return address
    .replace(/^tcp:\/\//, '')
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '');
}

// send and receive as zeromq.js has them: on every socket at run time, typed only on the classes of
// the types that send (Writable) or receive (Readable), so `new Pull().send()` does not compile.
Object.defineProperties(Socket.prototype, {
  send: { value: Socket.prototype['sendMessage'], writable: true, configurable: true },
  receive: { value: Socket.prototype['receiveMessage'], writable: true, configurable: true },
  [Symbol.asyncIterator]: { value: messages, writable: true, configurable: true },
});

/** Async iteration over received messages (Readable), through the class's own receive(). */
async function* messages<M extends object[]>(this: Socket & Readable<M>): AsyncGenerator<M, undefined> {
  while (!this.closed) {
    try {
      yield await this.receive();
    } catch (e) {
      // Only the EAGAIN of a receive cut short by close() ends the loop; anything else (EFSM from a
      // Request, even one closed meanwhile) is the caller's to see, as in zeromq.js.
      if (this.closed && (e as { code?: unknown }).code === 'EAGAIN') return undefined;
      throw e;
    }
  }
  return undefined;
}

const LATE_OPTION_WARNING = 'Socket option will not take effect until next connect/bind.';
const UNSAFE_INTEGER_WARNING = 'Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.';

/** The option numbered `id` if this socket type has it and it holds values of `family`; EINVAL otherwise (libzmq's answer). */
function numberedOption(id: number, typeName: string, family: 'bool' | 'int' | 'string'): OptionName {
  const name = typeof id === 'number' ? optionById(id) : undefined;
  const kind: OptionKind['type'] | undefined = name && OPTIONS[name].kind.type;
  const fits = kind === family || (family === 'string' && (kind === 'bytes' || kind === 'curveKey' || kind === 'pem'));
  if (!name || !fits || !appliesTo(name, typeName))
    throw zmqError('EINVAL', `no ${family} socket option numbered ${String(id)} for ${typeName}`);
  return name;
}

/** Defines option properties (validated through setOption) on a class's prototype. */
export function defineOptionProperties(target: { prototype: object }, names: readonly OptionName[]): void {
  for (const name of names) {
    Object.defineProperty(target.prototype, name, {
      get(this: Socket) {
        return this.getOption(name);
      },
      set(this: Socket, v: unknown) {
        this.setOption(name, v);
      },
      enumerable: true,
      configurable: true,
    });
  }
}

// The common options as properties of every socket (zeromq.js exposes them the same way).
defineOptionProperties(
  Socket,
  OPTION_NAMES.filter((name) => OPTIONS[name].types === 'all'),
);
