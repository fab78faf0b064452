// A Context groups sockets like zeromq.js's: it holds the inproc:// namespace (bound names and
// connects waiting for a bind), and closes or waits for its sockets. `context` is the default one.
import { zmqError } from './errors.js';
import type { Pipe } from './pipe.js';
import { hold, release } from './keepalive.js';
import { assignOptions, typeError } from './assign.js';
import type { CommonOptionValues } from './option-table.js';
import { contextInUse } from './exit-flush.js';

/** What the context needs from a socket for inproc and termination. */
export interface ContextSocket {
  readonly closed: boolean;
  /** Type name (PUSH, ROUTER, ...) */
  readonly typeName: string;
  readonly options: CommonOptionValues;
  close(): void;
  /** Messages queued that no peer has taken yet (the exit flush waits for them, see exit-flush.ts). */
  hasUndelivered(): boolean;
  /** Attaches an inproc pipe end whose other end belongs to `peer` (or a ZAP client). */
  attachInprocPipe(end: Pipe, address: string, peerType: string, peerRoutingId: Buffer | undefined): void;
}

interface PendingConnect {
  socket: ContextSocket;
  /** The end that the binding socket will take. */
  end: Pipe;
  address: string;
}

export interface ContextOptions {
  blocky?: boolean;
  ioThreads?: number;
  maxMessageSize?: number;
  maxSockets?: number;
  ipv6?: boolean;
  threadPriority?: number;
  threadSchedulingPolicy?: number;
}

/** libzmq's ZMQ_SOCKET_LIMIT: the largest maxSockets allowed. */
const SOCKET_LIMIT = 65535;

export class Context {
  /** Option values, behind the accessors below (the object is sealed, like zeromq.js's). */
  private readonly settings = {
    blocky: true,
    ioThreads: 1,
    maxMessageSize: 2 ** 31 - 1,
    maxSockets: 1023,
    ipv6: false,
    threadPriority: -1,
    threadSchedulingPolicy: -1,
  };
  private readonly sockets = new Set<ContextSocket>();
  /** Sockets closed but still lingering (flushing queued messages). */
  private readonly lingering = new Set<ContextSocket>();
  private readonly inproc = new Map<string, ContextSocket>();
  private readonly pendingInproc = new Map<string, PendingConnect[]>();
  private termWaiters: (() => void)[] = [];

  /** zeromq.js's constructor: options applied as property assignments to the sealed object. */
  constructor(options?: ContextOptions) {
    if (arguments.length > 1) throw new TypeError(`Expected 1 argument but received ${arguments.length}`);
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('Options must be an object');
    Object.seal(this);
    if (options) assignOptions(this, options, 'Context');
  }

  get blocky(): boolean {
    return this.settings.blocky;
  }
  set blocky(v: boolean) {
    this.settings.blocky = contextBool('blocky', v);
  }
  get ioThreads(): number {
    return this.settings.ioThreads;
  }
  set ioThreads(v: number) {
    this.settings.ioThreads = contextInt('ioThreads', v, 1);
  }
  get maxMessageSize(): number {
    return this.settings.maxMessageSize;
  }
  set maxMessageSize(v: number) {
    this.settings.maxMessageSize = contextInt('maxMessageSize', v, 1);
  }
  get maxSockets(): number {
    return this.settings.maxSockets;
  }
  set maxSockets(v: number) {
    this.settings.maxSockets = contextInt('maxSockets', v, 1, SOCKET_LIMIT);
  }
  /** libzmq's ZMQ_SOCKET_LIMIT (read-only). */
  get maxSocketsLimit(): number {
    return SOCKET_LIMIT;
  }
  get ipv6(): boolean {
    return this.settings.ipv6;
  }
  set ipv6(v: boolean) {
    this.settings.ipv6 = contextBool('ipv6', v);
  }
  get threadPriority(): number {
    return this.settings.threadPriority;
  }
  set threadPriority(v: number) {
    this.settings.threadPriority = contextInt('threadPriority', v, -1);
  }
  get threadSchedulingPolicy(): number {
    return this.settings.threadSchedulingPolicy;
  }
  set threadSchedulingPolicy(v: number) {
    this.settings.threadSchedulingPolicy = contextInt('threadSchedulingPolicy', v, -1);
  }

  /** @internal */
  register(socket: ContextSocket): void {
    if (this.sockets.size >= this.maxSockets) throw zmqError('EMFILE', `too many sockets in this context (maxSockets ${this.maxSockets})`);
    this.sockets.add(socket);
    contextInUse(this, true);
  }

  /** @internal The socket closed; `lingering` when it still has queued messages to write. */
  unregister(socket: ContextSocket, lingering: boolean): void {
    this.sockets.delete(socket);
    for (const [name, s] of this.inproc) if (s === socket) this.inproc.delete(name);
    for (const [name, list] of this.pendingInproc) {
      const rest = list.filter((p) => p.socket !== socket);
      if (rest.length) this.pendingInproc.set(name, rest);
      else this.pendingInproc.delete(name);
    }
    if (lingering) this.lingering.add(socket);
    this.checkTerm();
  }

  /** @internal Lingering is over for this socket. */
  lingerDone(socket: ContextSocket): void {
    this.lingering.delete(socket);
    this.checkTerm();
  }

  private checkTerm(): void {
    if (this.sockets.size !== 0 || this.lingering.size !== 0) return;
    // Nothing open or lingering: the context no longer needs the exit flush (and may be collected).
    contextInUse(this, false);
    for (const w of this.termWaiters.splice(0)) w();
  }

  /** @internal Exit flush: some socket still has messages to deliver, or is closed and lingering. */
  hasUndelivered(): boolean {
    if (this.lingering.size > 0) return true;
    for (const s of this.sockets) if (s.hasUndelivered()) return true;
    return false;
  }

  /** @internal Exit flush: closes every open socket with its own linger, as zeromq.js does when the process ends. */
  closeAllForExit(): void {
    for (const s of [...this.sockets]) s.close();
  }

  /** @internal */
  bindInproc(name: string, socket: ContextSocket, address: string): void {
    if (this.inproc.has(name)) throw zmqError('EADDRINUSE', `Address already in use: ${address}`, address);
    this.inproc.set(name, socket);
    const pending = this.pendingInproc.get(name);
    this.pendingInproc.delete(name);
    for (const p of pending ?? []) {
      if (p.socket.closed) continue;
      const hwms = inprocHwms(p.socket, socket);
      p.end.peer.setHwms(hwms[0], hwms[1]);
      setBoosts(p.end.peer, p.end, p.socket, socket);
      // The connecter's end learns who it reached (a ROUTER that connected first identifies it now).
      p.end.peer.peerSocketType = socket.typeName;
      p.end.peer.routingId = routingIdOf(socket);
      socket.attachInprocPipe(p.end, address, p.socket.typeName, routingIdOf(p.socket));
    }
  }

  /** @internal */
  unbindInproc(name: string, socket: ContextSocket): boolean {
    if (this.inproc.get(name) !== socket) return false;
    this.inproc.delete(name);
    return true;
  }

  /** @internal The socket bound at inproc://name, if any. */
  lookupInproc(name: string): ContextSocket | undefined {
    const s = this.inproc.get(name);
    return s && !s.closed ? s : undefined;
  }

  /**
   * @internal Connects `socket` to inproc://name: at once when bound, otherwise when the bind comes
   * (libzmq allows connect before bind). Returns the connecting socket's pipe end.
   */
  connectInproc(name: string, socket: ContextSocket, address: string, makePair: (hwmOut: number, hwmIn: number) => [Pipe, Pipe]): Pipe {
    const bound = this.lookupInproc(name);
    const hwms = bound ? inprocHwms(socket, bound) : [socket.options.sendHighWaterMark, socket.options.receiveHighWaterMark];
    const [ours, theirs] = makePair(hwms[0], hwms[1]);
    ours.endpoint = address;
    theirs.endpoint = address;
    if (bound) {
      setBoosts(ours, theirs, socket, bound);
      ours.peerSocketType = bound.typeName;
      ours.routingId = routingIdOf(bound);
      bound.attachInprocPipe(theirs, address, socket.typeName, routingIdOf(socket));
    } else {
      const list = this.pendingInproc.get(name) ?? [];
      list.push({ socket, end: theirs, address });
      this.pendingInproc.set(name, list);
    }
    return ours;
  }

  /** Closes every socket of this context now, dropping queued messages (linger 0 unless given). */
  destroy(linger = 0): void {
    for (const s of [...this.sockets]) {
      if (linger >= 0) s.options.linger = linger;
      s.close();
    }
  }

  /** Resolves once every socket of this context is closed and done lingering. */
  term(): Promise<void> {
    if (this.sockets.size === 0 && this.lingering.size === 0) return Promise.resolve();
    // Waiting for lingering sockets keeps the process alive, like zeromq.js's blocking term.
    hold();
    return new Promise((resolve) =>
      this.termWaiters.push(() => {
        release();
        resolve();
      }),
    );
  }

  /** Sockets open in this context. */
  get socketCount(): number {
    return this.sockets.size;
  }
}

function contextBool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError('Option value must be a boolean', `context option ${name} must be a boolean`);
  return v;
}

function contextInt(name: string, v: unknown, min: number, max = 2 ** 31 - 1): number {
  if (typeof v !== 'number') throw typeError('Option value must be a number', `context option ${name} must be a number`);
  const n = Math.trunc(v);
  if (!(n >= min && n <= max)) throw zmqError('EINVAL', `context option ${name} must be between ${min} and ${max}, got ${v}`);
  return n;
}

function routingIdOf(s: ContextSocket): Buffer | undefined {
  const v = s.options.routingId;
  if (v == null) return undefined;
  return typeof v === 'string' ? Buffer.from(v) : Buffer.from(v);
}

/** Each end's boost is the other socket's RCVHWM (what it writes) and SNDHWM (what it reads), as when made. */
function setBoosts(connecterEnd: Pipe, binderEnd: Pipe, connecter: ContextSocket, binder: ContextSocket): void {
  const snd = (s: ContextSocket) => s.options.sendHighWaterMark;
  const rcv = (s: ContextSocket) => s.options.receiveHighWaterMark;
  connecterEnd.hwmBoost = [rcv(binder), snd(binder)];
  binderEnd.hwmBoost = [rcv(connecter), snd(connecter)];
}

/** libzmq sums the writer's SNDHWM and the reader's RCVHWM for inproc (0 = unlimited if either is 0). */
function inprocHwms(connecter: ContextSocket, binder: ContextSocket): [number, number] {
  return [
    hwmSum(connecter.options.sendHighWaterMark, binder.options.receiveHighWaterMark),
    hwmSum(binder.options.sendHighWaterMark, connecter.options.receiveHighWaterMark),
  ];
}

/** An inproc limit: both HWMs added, unlimited (0) if either is. */
export function hwmSum(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a + b;
}

/** The default context, like zeromq.js's `context`. */
export const context = new Context();
