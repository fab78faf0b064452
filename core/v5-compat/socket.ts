// zeromq.js 5's callback-and-EventEmitter socket, as zeromq.js 6 keeps it in `zeromq/v5-compat`, on top of
// one engine socket: received messages are 'message' events (one argument per frame), send() queues with
// ZMQ_SNDMORE for multipart and an optional callback, bind/unbind take callbacks, monitor() turns the
// engine's events into v5's event names. pause() holds received messages and sends until resume().
import { EventEmitter } from 'node:events';
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Stream,
  Subscriber,
  XPublisher,
  XSubscriber,
} from '../engine/sockets.js';
import type { MessageLike } from '../engine/socket.js';
import type { SocketEvent } from '../engine/monitor.js';
import { ZMQ_SNDMORE } from './constants.js';
import { getOption, setOption, shortOptions, type EngineSocket, type ShortOption } from './options.js';

export type SocketType =
  'pair' | 'req' | 'rep' | 'pub' | 'sub' | 'dealer' | 'xreq' | 'router' | 'xrep' | 'pull' | 'push' | 'xpub' | 'xsub' | 'stream';

type Callback = (err?: Error) => void;

/** A promise to wait on and the function that settles it. */
interface Signal {
  promise: Promise<void>;
  resolve: () => void;
}

function signal(): Signal {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function fire(s: Signal | undefined): void {
  s?.resolve();
}

const CLASSES: Record<SocketType, new () => unknown> = {
  pair: Pair,
  req: Request,
  rep: Reply,
  pub: Publisher,
  sub: Subscriber,
  dealer: Dealer,
  xreq: Dealer,
  router: Router,
  xrep: Router,
  pull: Pull,
  push: Push,
  xpub: XPublisher,
  xsub: XSubscriber,
  stream: Stream,
};

/** Socket types v5 never read from: no receive loop for them. */
const SEND_ONLY: ReadonlySet<SocketType> = new Set(['push', 'pub']);

/** v6 event names -> v5's; the value v5 passed first (retry interval, errno). 'end' stops the monitor. */
function v5Event(event: SocketEvent): { type: string; value?: number } | undefined {
  const errno = () => event.error?.errno ?? 0;
  switch (event.type) {
    case 'connect':
    case 'accept':
    case 'close':
    case 'disconnect':
      return { type: event.type };
    case 'connect:delay':
      return { type: 'connect_delay' };
    case 'connect:retry':
      return { type: 'connect_retry', value: event.interval };
    case 'bind':
      return { type: 'listen' };
    case 'bind:error':
      return { type: 'bind_error', value: errno() };
    case 'accept:error':
      return { type: 'accept_error', value: errno() };
    case 'close:error':
      return { type: 'close_error', value: errno() };
    default:
      return undefined; // handshake events did not exist in v5
  }
}

export class Socket extends EventEmitter {
  [key: string]: unknown;
  readonly type: SocketType;
  /** The engine socket under this adapter. */
  private readonly socket: EngineSocket & {
    send(msg: MessageLike[]): Promise<void>;
    receive(): Promise<Buffer[]>;
    bind(address: string): Promise<void>;
    unbind(address: string): Promise<void>;
    connect(address: string): void;
    disconnect(address: string): void;
    close(): void;
    events: { receive(): Promise<SocketEvent>; close(): void; readonly closed: boolean };
  };
  /** Frames of a multipart message being sent with ZMQ_SNDMORE. */
  private partial: MessageLike[] = [];
  private readonly sendQueue: Array<[MessageLike[], Callback | undefined]> = [];
  /** Messages received while paused, emitted on resume(). */
  private readonly held: Buffer[][] = [];
  private paused = false;
  private receiving = false;
  private sending = false;
  /** REQ/REP: resolve when the next message has gone out / come in (their lock-step, see the pumps). */
  private sent?: Signal;
  private received?: Signal;
  /** Messages sent and received so far: whether the other pump moved while this one waited for an answer. */
  private sentCount = 0;
  private receivedCount = 0;

  constructor(type: SocketType) {
    super();
    if (!Object.prototype.hasOwnProperty.call(CLASSES, type)) throw new Error(`Invalid socket type: ${String(type)}`);
    this.type = type;
    this.socket = new CLASSES[type]() as Socket['socket'];
    if (!SEND_ONLY.has(type)) void this.pumpReceive();
  }

  /** Reads messages and emits them until the socket closes or is paused. */
  private async pumpReceive(): Promise<void> {
    if (this.receiving) return;
    this.receiving = true;
    try {
      while (!this.socket.closed && !this.paused) {
        let msg: Buffer[];
        const sentBefore = this.sentCount;
        try {
          msg = await this.socket.receive();
        } catch (err) {
          if (this.socket.closed) return;
          const code = (err as { code?: string }).code;
          if (code === 'EFSM' && (this.type === 'req' || this.type === 'rep')) {
            // This engine's REQ refuses receive() before its request, and REP a second receive() before its
            // reply (libzmq's EFSM), where zeromq.js's receive() waits: wait for the next send instead.
            if (this.sentCount === sentBefore) await (this.sent ??= signal()).promise;
            continue;
          }
          if (code !== 'EBUSY') process.nextTick(() => this.emit('error', err));
          await new Promise((resolve) => setImmediate(resolve)); // never spin on an error that repeats
          continue;
        }
        // Emitted from a macrotask of its own: a listener that throws (an uncaught exception, as in v5) then
        // interrupts no tick queue. Thrown from a nextTick it was seen to lose or empty the next messages.
        this.receivedCount++;
        fire(this.received);
        this.received = undefined;
        if (this.paused) this.held.push(msg);
        else setImmediate(() => this.emit('message', ...msg));
      }
    } finally {
      this.receiving = false;
    }
  }

  /** Sends queued messages in order until the queue is empty, the socket closes or is paused. */
  private async pumpSend(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (!this.socket.closed && !this.paused && this.sendQueue.length > 0) {
        const [msg, cb] = this.sendQueue[0];
        const receivedBefore = this.receivedCount;
        try {
          await this.socket.send(msg);
        } catch (err) {
          if ((err as { code?: string }).code === 'EFSM' && (this.type === 'req' || this.type === 'rep') && !this.socket.closed) {
            // Not this side's turn (a REQ's second request, a REP's reply before a request): the engine says
            // EFSM at once, where zeromq.js's send() waits. Wait for the next message, then send it.
            if (this.receivedCount === receivedBefore) await (this.received ??= signal()).promise;
            continue;
          }
          this.sendQueue.shift();
          if (cb) cb(err as Error);
          else this.emit('error', err);
          continue;
        }
        this.sendQueue.shift();
        this.sentCount++;
        fire(this.sent);
        this.sent = undefined;
        cb?.();
      }
    } finally {
      this.sending = false;
    }
  }

  /** Settles a bind/unbind as v5 did: the event and the callback on the next tick, or the error. */
  private settle(op: Promise<void>, event: string, address: string, cb?: Callback): this {
    op.then(
      () =>
        process.nextTick(() => {
          this.emit(event, address);
          cb?.();
        }),
      (err: Error) =>
        process.nextTick(() => {
          if (cb) cb(err);
          else this.emit('error', err);
        }),
    );
    return this;
  }

  bind(address: string, cb?: Callback): this {
    return this.settle(this.socket.bind(address), 'bind', address, cb);
  }

  unbind(address: string, cb?: Callback): this {
    return this.settle(this.socket.unbind(address), 'unbind', address, cb);
  }

  connect(address: string): this {
    this.socket.connect(address);
    return this;
  }

  disconnect(address: string): this {
    this.socket.disconnect(address);
    return this;
  }

  /** Queues a message (an array of frames or one frame); with ZMQ_SNDMORE in `flags` more frames follow. */
  send(message: MessageLike | MessageLike[], flags: number | null | undefined = 0, cb?: Callback): this {
    this.partial = this.partial.concat(message);
    if ((((flags ?? 0) | 0) & ZMQ_SNDMORE) === 0) {
      this.sendQueue.push([this.partial, cb]);
      this.partial = [];
      if (!this.paused) void this.pumpSend();
    }
    return this;
  }

  read(): never {
    throw new Error('read() does not exist in compatibility mode: listen to the "message" event instead');
  }

  /**
   * v5's synchronous bind. An inproc bind is done when this returns; a tcp/ipc listener starts at once and
   * is ready a moment later (Node listens asynchronously; connecting peers retry meanwhile), and its failure
   * comes as an 'error' event instead of an exception.
   */
  bindSync(address: string): this {
    return this.settle(this.socket.bind(address), 'bind', address);
  }

  /** v5's synchronous unbind, with the same caveat as bindSync(). */
  unbindSync(address: string): this {
    return this.settle(this.socket.unbind(address), 'unbind', address);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const msg of this.held.splice(0)) setImmediate(() => this.emit('message', ...msg));
    if (!SEND_ONLY.has(this.type)) void this.pumpReceive();
    void this.pumpSend();
  }

  close(): this {
    this.socket.close();
    return this;
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  /** Emits the socket's events under v5's names: (value, address, error). v5's arguments are ignored. */
  monitor(interval?: number, num?: number): this {
    if (interval || num) {
      process.emitWarning('Arguments to monitor() are ignored in compatibility mode; all events are read automatically');
    }
    const events = this.socket.events;
    const read = async () => {
      while (!events.closed) {
        let event: SocketEvent;
        try {
          event = await events.receive();
        } catch (err) {
          if (!this.socket.closed && !events.closed) this.emit('error', err);
          return;
        }
        if (event.type === 'end') return;
        const v5 = v5Event(event);
        if (v5) this.emit(v5.type, v5.value, event.address, event.error);
      }
    };
    void read();
    return this;
  }

  unmonitor(): this {
    this.socket.events.close();
    return this;
  }

  subscribe(filter: string | Buffer): this {
    if (this.type !== 'sub') throw new Error('Subscriber socket required');
    this.socket.subscribe!(filter);
    return this;
  }

  unsubscribe(filter: string | Buffer): this {
    if (this.type !== 'sub') throw new Error('Subscriber socket required');
    this.socket.unsubscribe!(filter);
    return this;
  }

  setsockopt(option: number | ShortOption, value: unknown): this {
    setOption(this.socket, option, value);
    return this;
  }

  getsockopt(option: number | ShortOption): unknown {
    return getOption(this.socket, option);
  }
}

// v5's short option names as properties (`sock.linger = 0`, `sock.identity = 'a'`); strings become
// Buffers on the way in, as v5 passed them to libzmq.
for (const name of Object.keys(shortOptions) as ShortOption[]) {
  if (Object.prototype.hasOwnProperty.call(Socket.prototype, name)) continue;
  Object.defineProperty(Socket.prototype, name, {
    configurable: true,
    get(this: Socket) {
      return this.getsockopt(name);
    },
    set(this: Socket, value: unknown) {
      this.setsockopt(name, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
    },
  });
}
