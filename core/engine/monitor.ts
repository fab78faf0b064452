// Socket events, shaped like zeromq.js v6's Observer: `socket.events` is an async iterable of
// { type, address, ... } with the same type names, plus on()/off() listeners. Events are queued for
// receive()/iteration only once someone asks for them, so an unwatched socket costs nothing.
import { ZmqError, zmqError } from './errors.js';
import { Hold } from './keepalive.js';

export type EventType =
  | 'accept' | 'accept:error' | 'bind' | 'bind:error' | 'close' | 'close:error'
  | 'connect' | 'connect:delay' | 'connect:retry' | 'disconnect' | 'listening' | 'end'
  | 'handshake' | 'handshake:error:protocol' | 'handshake:error:auth' | 'handshake:error:other'
  | 'unknown';

export interface EventError extends Error {
  code?: string;
  /** ZAP status code for handshake:error:auth (400, 500, ...). */
  status?: number;
  /** accept:error / close:error: the system error number, as zeromq.js gives it. */
  errno?: number;
}

export interface SocketEvent {
  type: EventType;
  /** Endpoint the event concerns (tcp://host:port, ipc://path, inproc://name); absent for 'end'. */
  address?: string;
  /** connect:retry: milliseconds until the next attempt. */
  interval?: number;
  error?: EventError;
  /** Our addition: the remote peer (tcp://ip:port) for accept/handshake/disconnect. */
  remoteAddress?: string;
  /** Our addition: why a connection ended or a handshake failed, in words. */
  reason?: string;
}

type Listener = (event: SocketEvent) => void;

const MAX_QUEUED = 10000;

export class Observer implements AsyncIterable<SocketEvent> {
  private listeners = new Map<string, Set<Listener>>();
  private queue: SocketEvent[] = [];
  private waiting: { resolve: (e: SocketEvent) => void; reject: (e: Error) => void }[] = [];
  private queueing = false;
  private ended = false;
  /** Listeners or a pending receive keep the process alive until the socket closes (as in zeromq.js). */
  private readonly liveness = new Hold();

  private updateHold(): void {
    let listening = false;
    for (const set of this.listeners.values()) if (set.size) listening = true;
    this.liveness.set(!this.ended && (listening || this.waiting.length > 0));
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Calls `fn` for each event of `type` (like zeromq.js Observer.on). */
  on(type: EventType, fn: Listener): this {
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

  /** Resolves with the next event; rejects with EAGAIN once the socket has closed and no events are left. */
  receive(): Promise<SocketEvent> {
    this.queueing = true;
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.ended) return Promise.reject(zmqError('EAGAIN', 'Socket is closed; no more events'));
    const p = new Promise<SocketEvent>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.updateHold();
    return p;
  }

  /** Stops delivering events (the socket goes on). */
  close(): void {
    this.finish();
  }

  [Symbol.asyncIterator](): AsyncIterator<SocketEvent> {
    // Start queueing now, not at the first next(): events between here and then must not be lost.
    this.queueing = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<SocketEvent> {
    for (;;) {
      let event: SocketEvent;
      try {
        event = await this.receive();
      } catch {
        return;
      }
      yield event;
      if (event.type === 'end') return;
    }
  }

  /** Engine side: publishes one event. */
  emit(event: SocketEvent): void {
    if (this.ended) return;
    const set = this.listeners.get(event.type);
    if (set) for (const fn of [...set]) {
      try { fn(event); } catch { /* a listener's exception must not break the engine */ }
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(event);
      if (this.waiting.length === 0) this.updateHold();
    }
    else if (this.queueing) {
      if (this.queue.length >= MAX_QUEUED) this.queue.shift();
      this.queue.push(event);
    }
  }

  /** Engine side: the socket closed; emits 'end' and ends iteration. */
  finish(): void {
    if (this.ended) return;
    this.emit({ type: 'end' });
    this.ended = true;
    for (const w of this.waiting.splice(0)) w.reject(zmqError('EAGAIN', 'Socket is closed; no more events'));
    this.liveness.set(false);
  }
}

/** An Error with a string code, for event.error. */
export function eventError(code: string, message: string, status?: number): EventError {
  const e = new ZmqError('EPROTO', message) as unknown as EventError;
  (e as { code: string }).code = code;
  if (status !== undefined) e.status = status;
  return e;
}
