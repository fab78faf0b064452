// Socket events, shaped like zeromq.js v6's Observer: `socket.events` is an async iterable of
// { type, address, ... } with the same type names, plus on()/off() listeners. Events are queued for
// receive()/iteration only once someone asks for them, so an unwatched socket costs nothing.
import { ZmqError, zmqError, zmqErrorWithMessage } from './errors.js';
import { Hold } from './keepalive.js';

export type EventType =
  | 'accept'
  | 'accept:error'
  | 'bind'
  | 'bind:error'
  | 'close'
  | 'close:error'
  | 'connect'
  | 'connect:delay'
  | 'connect:retry'
  | 'disconnect'
  | 'end'
  | 'handshake'
  | 'handshake:error:protocol'
  | 'handshake:error:auth'
  | 'handshake:error:other'
  | 'unknown';

export interface EventError extends Error {
  code?: string;
  /** ZAP status code for handshake:error:auth (400, 500, ...). */
  status?: number;
  /** accept:error / close:error: the system error number, as zeromq.js gives it. */
  errno?: number;
  /** Our words for what happened (not enumerable; the message is zeromq.js's fixed text). */
  detail?: string;
}

export interface SocketEvent {
  type: EventType;
  /** Endpoint the event concerns (tcp://host:port, ipc://path, inproc://name); absent for 'end'. */
  address?: string;
  /** connect:retry: milliseconds until the next attempt. */
  interval?: number;
  error?: EventError;
  /** Our addition (not enumerable): the remote peer (tcp://ip:port) for accept/connect/handshake/disconnect. */
  remoteAddress?: string;
  /** Our addition (not enumerable): why a connection ended or a handshake failed, in words. */
  reason?: string;
}

/** The fields zeromq.js's events have; ours beyond them are made non-enumerable. */
const ZEROMQ_FIELDS = new Set(['type', 'address', 'interval', 'error']);

/**
 * Our extra fields stay readable but not enumerable, so an event compares (deepEqual), spreads and prints
 * exactly like zeromq.js's `{ type, address }`.
 */
function hideExtras(event: SocketEvent): SocketEvent {
  for (const key of Object.keys(event)) {
    if (!ZEROMQ_FIELDS.has(key)) Object.defineProperty(event, key, { enumerable: false });
  }
  return event;
}

type Listener = (event: SocketEvent) => void;

/** Events kept for receive() at most (libzmq's monitor socket drops beyond its high-water mark too). */
const MAX_QUEUED = 10000;

/**
 * `socket.events`. Like zeromq.js's Observer it has two modes: events are read with receive() or async
 * iteration, queued from the moment the observer exists (a socket makes it on first access of
 * `events`); or, after the first on(), they go to listeners and receive() throws.
 */
export class Observer implements AsyncIterable<SocketEvent> {
  private listeners = new Map<string, Set<Listener>>();
  private queue: SocketEvent[] = [];
  private waiting?: { resolve: (e: SocketEvent) => void; reject: (e: Error) => void };
  private emitterMode = false;
  /** Emitter mode: events queued before on() are still to be handed to the listeners (next microtask). */
  private flushing = false;
  private ended = false;
  /** Listeners or a pending receive keep the process alive until the socket closes (as in zeromq.js). */
  private readonly liveness = new Hold();

  /** @internal `closed`: made for a socket already closed (nothing will come). */
  constructor(closed = false) {
    this.ended = closed;
  }

  private updateHold(): void {
    let listening = false;
    for (const set of this.listeners.values()) if (set.size) listening = true;
    this.liveness.set(!this.ended && (listening || this.waiting !== undefined));
  }

  get closed(): boolean {
    return this.ended && this.queue.length === 0;
  }

  /**
   * Calls `fn` for each event of `type` (like zeromq.js Observer.on); from now on receive() throws. As in
   * zeromq.js, whose emitter reads the monitor in a loop, events that came before are delivered too, a
   * moment later: every on() of the same tick sees them.
   */
  on(type: EventType, fn: Listener): this {
    if (!this.emitterMode) {
      this.emitterMode = true;
      if (this.queue.length > 0) {
        this.flushing = true;
        queueMicrotask(() => this.flush());
      }
    }
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
    this.updateHold();
    return this;
  }

  off(type: EventType, fn: Listener): this {
    this.listeners.get(type)?.delete(fn);
    this.updateHold();
    return this;
  }

  /**
   * Resolves with the next event. Like zeromq.js: throws in emitter mode, throws EBUSY while another
   * receive() waits, and rejects with EBADF once the socket has closed and the events are read.
   */
  receive(): Promise<SocketEvent> {
    if (this.emitterMode) {
      throw new Error(
        'Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().',
      );
    }
    if (this.waiting)
      throw zmqErrorWithMessage('EBUSY', 'Observer is busy reading; only one receive operation may be in progress at any time');
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.ended) return Promise.reject(zmqError('EBADF', 'the socket is closed and its events were read'));
    const p = new Promise<SocketEvent>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.updateHold();
    return p;
  }

  /** Stops delivering events (the socket goes on). */
  close(): void {
    this.queue.length = 0;
    this.finish(false);
  }

  [Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<SocketEvent> {
    for (;;) {
      let event: SocketEvent;
      try {
        event = await this.receive();
      } catch (e) {
        if ((e as ZmqError).code === 'EBADF') return;
        throw e;
      }
      yield event;
      if (event.type === 'end') return;
    }
  }

  /** Emitter mode: hands the events queued before on() to the listeners, in order. */
  private flush(): void {
    while (this.queue.length > 0) this.dispatch(this.queue.shift()!);
    this.flushing = false;
  }

  private dispatch(event: SocketEvent): void {
    const set = this.listeners.get(event.type);
    if (set)
      for (const fn of [...set]) {
        try {
          fn(event);
        } catch {
          /* a listener's exception must not break the engine */
        }
      }
  }

  /** Engine side: publishes one event. */
  emit(event: SocketEvent): void {
    if (this.ended) return;
    hideExtras(event);
    if (this.emitterMode) {
      if (this.flushing) this.queue.push(event);
      else this.dispatch(event);
      return;
    }
    const waiter = this.waiting;
    if (waiter) {
      this.waiting = undefined;
      this.updateHold();
      waiter.resolve(event);
    } else {
      if (this.queue.length >= MAX_QUEUED) this.queue.shift();
      this.queue.push(event);
    }
  }

  /** Engine side: the socket closed; emits 'end' (unless `withEnd` is false) and ends the events. */
  finish(withEnd = true): void {
    if (this.ended) return;
    if (withEnd) this.emit({ type: 'end' });
    if (this.flushing) this.flush();
    this.ended = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(zmqError('EBADF', 'the socket is closed and its events were read'));
    this.liveness.set(false);
  }
}

/** An Error with a string code, for event.error. */
export function eventError(code: string, message: string, status?: number): EventError {
  const e = new ZmqError('EPROTO', undefined, undefined, message) as unknown as EventError;
  (e as { code: string }).code = code;
  if (status !== undefined) e.status = status;
  return e;
}
