// Shared by the SOCKS interop tests (socks.test.ts through Dante, socks-hostile.test.ts against proxies
// that send bad bytes): monitor events recorded in order and waiting for them.
import type { Socket } from '../../../core/engine/socket.js';
import type { SocketEvent } from '../../../core/engine/monitor.js';
import { nextEvent } from './machinery-helpers.js';

/**
 * Events as [type, address] in order, from zeromq.js's or our socket (both are async iterables; ours in
 * this mode only: an events.on() listener, as nextEvent adds, ends it). `events` holds them whole.
 */
export function recordEvents(sock: { events: AsyncIterable<{ type: string; address?: string }> }): string[][] & { events: SocketEvent[] } {
  const seen = Object.assign([] as string[][], { events: [] as SocketEvent[] });
  void (async () => {
    try {
      for await (const e of sock.events) {
        seen.push([e.type, e.address ?? '']);
        seen.events.push(e as SocketEvent);
      }
    } catch {
      // The socket closed.
    }
  })();
  return seen;
}

/** The first connect:retry among recorded events. */
export async function recordedRetry(seen: ReturnType<typeof recordEvents>): Promise<SocketEvent> {
  await until('a connect:retry', () => seen.events.some((e) => e.type === 'connect:retry'));
  return seen.events.find((e) => e.type === 'connect:retry')!;
}

export async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The reason (ours: "CODE: words") of the first connect:retry. */
export async function firstRetry(sock: Socket): Promise<SocketEvent> {
  return nextEvent(sock, 'connect:retry');
}

/** `promise`, or after `ms` a failure that says what was awaited and what `info()` shows then (no silent hang). */
export async function within<T>(promise: Promise<T>, ms: number, what: string, info: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms; ${info()}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
