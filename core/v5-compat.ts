// zeromq.js's `zeromq/v5-compat`: the zeromq.js 5 API (createSocket, callbacks, 'message' events,
// setsockopt by number) as an adapter over this engine, for programs not yet ported to the v6 API.
import { context } from './engine/context.js';
import { version as engineVersion } from './engine/capability.js';
import { curveKeyPair } from './zmtp/curve-keys.js';
import type { MessageLike } from './engine/socket.js';
import { Socket, type SocketType } from './v5-compat/socket.js';
import { shortOptions } from './v5-compat/options.js';

export { Socket, type SocketType } from './v5-compat/socket.js';
export * from './v5-compat/constants.js';

/** v5's Context: static settings of the default context; it cannot be instantiated. */
export class Context {
  static setMaxThreads(value: number): void {
    context.ioThreads = value;
  }

  static getMaxThreads(): number {
    return context.ioThreads;
  }

  static setMaxSockets(value: number): void {
    context.maxSockets = value;
  }

  static getMaxSockets(): number {
    return context.maxSockets;
  }

  constructor() {
    throw new Error('Context cannot be instantiated in compatibility mode');
  }
}

/** A socket of `type`, with `options` set as v5 did: each key as a property (short option names). */
export function createSocket(type: SocketType, options: Record<string, unknown> = {}): Socket {
  const sock = new Socket(type);
  for (const key of Object.keys(options)) sock[key] = options[key];
  return sock;
}

/** A CURVE key pair in v5's shape: `{ public, secret }`, Z85. */
export function curveKeypair(): { public: string; secret: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { public: publicKey, secret: secretKey };
}

/**
 * v5's proxy: forwards messages between two compat sockets in both directions (and what the backend
 * sends to `capture`). Only the pairs v5 supported: push/pull, pull/push, xpub/xsub, router/dealer.
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): void {
  const pair = `${frontend.type}/${backend.type}`;
  // For router/dealer v5 passed the backend's message to capture without its two envelope frames.
  let captured: (frames: MessageLike[]) => MessageLike[];
  if (pair === 'push/pull' || pair === 'pull/push' || pair === 'xpub/xsub') captured = (frames) => frames;
  else if (pair === 'router/dealer' || pair === 'xrep/xreq') captured = (frames) => frames.slice(2);
  else throw new Error('This socket type order is not supported in compatibility mode');
  frontend.on('message', (...frames: MessageLike[]) => backend.send(frames));
  backend.on('message', (...frames: MessageLike[]) => {
    frontend.send(frames);
    capture?.send(captured(frames));
  });
}

export const version: string = engineVersion;
export { createSocket as socket, shortOptions as options };
