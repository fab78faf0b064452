// A steerable proxy like zeromq.js v6's Proxy (libzmq's zmq_proxy_steerable): messages received on
// the front end are sent on the back end and the other way round, optionally copied to a capture
// socket; pause(), resume() and terminate() steer it while run() is in progress.
import { onActivity, reportsActivity } from './activity.js';
import { Hold } from './keepalive.js';
import { zmqError, zmqErrorWithMessage } from './errors.js';
import { Socket as SocketClass, type AnySocket, type Socket } from './socket.js';
import type { Msg } from './pipe.js';

export interface ProxyOptions {
  /** Every message, in both directions, is also sent here (like libzmq's capture socket). */
  capture?: Socket;
}

/** Messages moved per direction before giving the other direction a turn. */
const BATCH = 256;

export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  readonly frontEnd: F;
  readonly backEnd: B;
  readonly capture?: Socket;
  private running = false;
  private started = false;
  private paused = false;
  private terminated = false;
  private wake?: () => void;

  /**
   * zeromq.js's `new Proxy(frontEnd, backEnd)`. A third argument may give options ({ capture }), an
   * addition of this engine; anything else there is zeromq.js's "Expected 2 arguments".
   */
  constructor(frontEnd: F, backEnd: B, options?: ProxyOptions) {
    if (arguments.length > 2 && (options === null || typeof options !== 'object' || options instanceof SocketClass)) {
      throw new TypeError(`Expected 2 arguments but received ${arguments.length}`);
    }
    if (frontEnd === null || typeof frontEnd !== 'object') throw new TypeError('Front-end must be a socket object');
    if (backEnd === null || typeof backEnd !== 'object') throw new TypeError('Back-end must be a socket object');
    for (const [name, s] of [
      ['frontEnd', frontEnd],
      ['backEnd', backEnd],
      ['capture', options?.capture],
    ] as const) {
      if (s === undefined && name === 'capture') continue;
      if (!(s instanceof SocketClass) || !reportsActivity(s)) {
        throw zmqError('EINVAL', `Proxy ${name} must be a socket made by this engine (Router, Dealer, XPublisher, ...)`);
      }
    }
    if ((frontEnd as Socket) === (backEnd as Socket)) throw zmqError('EINVAL', 'Proxy front end and back end must be different sockets');
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
    this.capture = options?.capture;
  }

  /**
   * Runs until terminate() (resolves), or until a socket fails or is closed (rejects). Like zeromq.js,
   * both sockets must be open and bound or connected (EINVAL otherwise).
   */
  async run(): Promise<void> {
    if (this.running) throw zmqError('EBUSY', 'Proxy is already running');
    if (this.terminated) throw zmqError('EBADF', 'Proxy was terminated');
    if (!this.frontEnd.hasEndpoints) throw zmqErrorWithMessage('EINVAL', 'Front-end socket must be bound or connected');
    if (!this.backEnd.hasEndpoints) throw zmqErrorWithMessage('EINVAL', 'Back-end socket must be bound or connected');
    this.running = true;
    this.started = true;
    // A socket closed under the proxy reports activity too; the loop then sees it closed and ends run().
    const wakeUp = () => this.wake?.();
    const stops = [onActivity(this.frontEnd, wakeUp), onActivity(this.backEnd, wakeUp)];
    if (this.capture) stops.push(onActivity(this.capture, wakeUp));
    // A running proxy keeps the process alive (zeromq.js runs it as pending work on a libuv thread).
    const alive = new Hold();
    alive.set(true);
    try {
      while (!this.terminated) {
        if (this.frontEnd.closed || this.backEnd.closed) break;
        let moved = 0;
        if (!this.paused) {
          moved += await this.pump(this.frontEnd, this.backEnd);
          moved += await this.pump(this.backEnd, this.frontEnd);
        }
        if (moved === 0 && !this.terminated) await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      for (const stop of stops) stop();
      alive.set(false);
      this.running = false;
    }
    if (!this.terminated) throw zmqError('ETERM', 'Proxy stopped: its front end or back end socket was closed');
  }

  /** Moves up to BATCH messages from one socket to the other while both allow it. */
  private async pump(from: Socket, to: Socket): Promise<number> {
    // Any socket types may be given (as in zeromq.js); readable/writable below say what each can do now.
    const source = from as AnySocket;
    const sink = to as AnySocket;
    let n = 0;
    while (n < BATCH && !this.paused && !this.terminated && !from.closed && !to.closed && from.readable && to.writable) {
      const msg: Msg = await source.receive();
      if (this.capture && !this.capture.closed) await (this.capture as AnySocket).send(msg);
      await sink.send(msg);
      n++;
    }
    return n;
  }

  /** Stops moving messages until resume(); they wait in the sockets' queues. */
  pause(): void {
    this.checkRunning('pause');
    this.paused = true;
  }

  resume(): void {
    this.checkRunning('resume');
    this.paused = false;
    this.wake?.();
  }

  /** Stops the proxy: run() resolves. The sockets stay open. */
  terminate(): void {
    this.checkRunning('terminate');
    this.terminated = true;
    this.wake?.();
  }

  /** zeromq.js: steering a proxy that has not run yet, or has terminated, is EBADF ("Socket is closed"). */
  private checkRunning(what: string): void {
    if (!this.started) throw zmqError('EBADF', `Cannot ${what}: the proxy has not been started with run()`);
    if (this.terminated) throw zmqError('EBADF', `Cannot ${what}: the proxy was terminated`);
  }
}
