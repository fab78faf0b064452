// Listening and dialing for the stream transports (tcp, ipc): both give a net.Socket to a Connection.
import net from 'node:net';
import { zmqError, type ZmqError, type ZmqErrorCode } from '../errors.js';
import { eventError, type EventError } from '../monitor.js';
import type { Endpoint } from '../endpoint.js';
import { listenTcp, dialTcp } from './tcp.js';
import { listenIpc, dialIpc } from './ipc.js';
import { listenWs, dialWs } from './ws.js';
import type { CommonOptionValues } from '../option-table.js';

export interface Listener {
  /** The endpoint actually bound (wildcards resolved), as lastEndpoint reports it. */
  readonly endpoint: string;
  /** Stops listening; returns what failed in doing so (libzmq's close:error), if anything. */
  close(): EventError | undefined;
  /**
   * Set by the socket: the listening server reported an error after it began listening, which Node
   * does only for a failed accept (libzmq's accept:error). The server keeps listening.
   */
  onAcceptError?: (error: EventError) => void;
}

export type StreamEndpoint = Extract<Endpoint, { transport: 'tcp' | 'ipc' | 'ws' | 'wss' }>;

export function listenStream(
  ep: StreamEndpoint,
  options: CommonOptionValues,
  onStream: (s: net.Socket, listener: Listener) => void,
): Promise<Listener> {
  if (ep.transport === 'ws' || ep.transport === 'wss') return listenWs(ep, options, onStream);
  return ep.transport === 'tcp' ? listenTcp(ep, options, onStream) : listenIpc(ep, options, onStream);
}

export function dialStream(ep: StreamEndpoint, options: CommonOptionValues): net.Socket {
  // ws: a WsStream standing in for the socket (ZMTP over WebSocket, see ws.ts); it emits 'connect' too.
  if (ep.transport === 'ws' || ep.transport === 'wss') return dialWs(ep, options) as unknown as net.Socket;
  return ep.transport === 'tcp' ? dialTcp(ep, options) : dialIpc(ep);
}

/** Node's errno names to ZmqError, with libzmq-like messages. */
export function fromSystemError(err: NodeJS.ErrnoException, address: string): ZmqError {
  const known: ZmqErrorCode[] = ['EADDRINUSE', 'EADDRNOTAVAIL', 'ECONNREFUSED', 'ENOENT', 'EINVAL'];
  const code = (err.code && (known as string[]).includes(err.code) ? err.code : 'EINVAL') as ZmqErrorCode;
  const text: Record<string, string> = {
    EADDRINUSE: 'Address already in use',
    EADDRNOTAVAIL: 'Cannot assign requested address',
    ECONNREFUSED: 'Connection refused',
    ENOENT: 'No such file or directory',
  };
  const e = zmqError(code, `${text[code] ?? err.message}: ${address}`, address);
  if (!text[code]) e.message = `${err.message} (${address})`;
  return e;
}

/** A system error (accept, unlink, rmdir...) as a monitor event's error: .code and .errno like zeromq.js. */
export function systemEventError(err: NodeJS.ErrnoException, what: string): EventError {
  const e = eventError(err.code ?? 'EINVAL', `${what}: ${err.message}`);
  if (typeof err.errno === 'number') e.errno = Math.abs(err.errno);
  return e;
}

/** After listening, a server's 'error' is a failed accept: reported through the listener, never thrown. */
export function reportAcceptErrors(server: net.Server, listener: Listener): void {
  server.on('error', (err: NodeJS.ErrnoException) => {
    listener.onAcceptError?.(systemEventError(err, `cannot accept a connection on ${listener.endpoint}`));
  });
}

/** Waits for a server to listen or fail. */
export function serverListening(server: net.Server, address: string, listenArgs: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(fromSystemError(err, address));
    server.once('error', onError);
    server.listen(listenArgs, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A dial that failed in the name lookup (ENOTFOUND, EAI_AGAIN...): no socket was opened for it. */
export function isNameFailure(err: NodeJS.ErrnoException): boolean {
  return err.syscall === 'getaddrinfo';
}
