// Readiness signals for the Poller and the Proxy: each public socket class taps its SocketHost so
// that whenever its type reports "may be readable/writable now", listeners registered here are told.
// No listeners, no cost beyond one empty-set check.
import type { Socket } from './socket.js';
import type { SocketHost, SocketType } from './socket-type.js';

type Listener = () => void;

const registry = new WeakMap<Socket, Set<Listener>>();

export interface Tapped {
  listeners: Set<Listener>;
  create: (host: SocketHost) => SocketType;
}

/** Wraps a socket type factory so the type's notifications also reach `listeners`. */
export function tap(create: (host: SocketHost) => SocketType): Tapped {
  const listeners = new Set<Listener>();
  const fire = () => {
    if (listeners.size === 0) return;
    for (const l of [...listeners]) l();
  };
  return {
    listeners,
    create: (host) =>
      create({
        options: host.options,
        notifyReadable() {
          host.notifyReadable();
          fire();
        },
        notifyWritable() {
          host.notifyWritable();
          fire();
        },
      }),
  };
}

export function registerActivity(socket: Socket, listeners: Set<Listener>): void {
  registry.set(socket, listeners);
}

/**
 * Calls `fn` (soon, never re-entrantly) whenever `socket` may have become readable or writable.
 * Returns the function that stops it. Sockets not made by this engine's classes never report.
 */
export function onActivity(socket: Socket, fn: Listener): () => void {
  const set = registry.get(socket);
  if (!set) return () => {};
  let queued = false;
  const listener = () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      if (set.has(listener)) fn();
    });
  };
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells the socket's listeners now (the socket closed: a proxy waiting on it must look). */
export function reportActivity(socket: Socket): void {
  const set = registry.get(socket);
  if (set) for (const l of [...set]) l();
}

/** True when the socket reports readiness (made by this engine's classes). */
export function reportsActivity(socket: Socket): boolean {
  return registry.has(socket);
}
