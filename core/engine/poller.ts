// A pyzmq-style Poller for code ported from Python: register sockets for POLLIN and/or POLLOUT,
// then `await poller.poll(timeoutMs)` returns the sockets that are ready with their ready flags.
// It waits on the sockets' readiness signals (no busy loop), so it costs nothing while idle.
import { onActivity, reportsActivity } from './activity.js';
import { zmqError } from './errors.js';
import { Hold } from './keepalive.js';
import type { Socket } from './socket.js';

export const POLLIN = 1;
export const POLLOUT = 2;

export type PollResult = Array<[Socket, number]>;

export class Poller {
  private readonly sockets = new Map<Socket, number>();

  /** Watches `socket` for the given events (POLLIN | POLLOUT by default); registering again changes them. */
  register(socket: Socket, flags: number = POLLIN | POLLOUT): void {
    if (!Number.isInteger(flags) || flags < 0 || (flags & ~(POLLIN | POLLOUT)) !== 0) {
      throw zmqError('EINVAL', `Poller flags must be POLLIN (1), POLLOUT (2) or both (3), got ${String(flags)}`);
    }
    if (!reportsActivity(socket)) throw zmqError('EINVAL', 'Poller can only watch sockets made by this engine (Push, Pull, Dealer, ...)');
    if (flags === 0) this.sockets.delete(socket);
    else this.sockets.set(socket, flags);
  }

  modify(socket: Socket, flags: number = POLLIN | POLLOUT): void {
    this.register(socket, flags);
  }

  unregister(socket: Socket): void {
    this.sockets.delete(socket);
  }

  /** The sockets ready now, with the registered events that are ready. */
  private ready(): PollResult {
    const out: PollResult = [];
    for (const [socket, flags] of this.sockets) {
      if (socket.closed) continue;
      let got = 0;
      if (flags & POLLIN && socket.readable) got |= POLLIN;
      if (flags & POLLOUT && socket.writable) got |= POLLOUT;
      if (got) out.push([socket, got]);
    }
    return out;
  }

  /**
   * Waits until at least one registered socket is ready, or `timeout` ms pass (then resolves []).
   * timeout 0: check and return at once; undefined or negative: wait without limit.
   */
  poll(timeout?: number): Promise<PollResult> {
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
      return Promise.reject(zmqError('EINVAL', `Poller timeout must be a number of milliseconds, got ${String(timeout)}`));
    }
    const now = this.ready();
    if (now.length > 0 || timeout === 0) return Promise.resolve(now);
    return new Promise((resolve) => {
      const stops: Array<() => void> = [];
      let timer: NodeJS.Timeout | undefined;
      // A waiting poll keeps the process alive, as a pending receive() does.
      const alive = new Hold();
      alive.set(true);
      const finish = (result: PollResult) => {
        for (const stop of stops) stop();
        if (timer) clearTimeout(timer);
        alive.set(false);
        resolve(result);
      };
      const check = () => {
        const r = this.ready();
        if (r.length > 0) finish(r);
      };
      for (const socket of this.sockets.keys()) stops.push(onActivity(socket, check));
      if (timeout !== undefined && timeout > 0) timer = setTimeout(() => finish(this.ready()), timeout);
    });
  }
}
