// Shared helpers for the machinery interop tests: our sockets by type name, raw TCP peers, a pyzmq
// child process peer, and event waiting. Nothing here imitates the engine: peers are real libzmq or raw bytes.
import net from 'node:net';
import { Socket, type SocketOf } from '../../../core/engine/socket.js';
import type { SocketOptions } from '../../../core/engine/options.js';
import type { Context } from '../../../core/engine/context.js';
import type { SocketEvent, EventType } from '../../../core/engine/monitor.js';
import { socketTypeToByte, type SocketTypeName } from '../../../core/zmtp/constants.js';
import { startPython } from '../../helpers/python.js';

export function ours<T extends SocketTypeName>(type: T, options: SocketOptions = {}, ctx?: Context): SocketOf<T> {
  return new Socket(socketTypeToByte(type), ctx ? { ...options, context: ctx } : options) as SocketOf<T>;
}

/**
 * A loopback address no other test listens on, for a test whose assertions would see a stranger's
 * connection: never 127.0.0.1, different for each call and each test process. Sockets that keep dialing a
 * port whose listener has gone (reconnect tests, a libzmq socket still closing) dial their old address;
 * a test that got that port number on 127.0.0.1 saw one of them come in (under load: a CURVE server's
 * event sequence with a stranger's accept and mechanism mismatch added). On Linux all of 127/8 is loopback.
 */
let loopbacks = 0;
export function ownLoopback(): string {
  loopbacks++;
  return `127.${30 + (process.pid % 200)}.${Math.floor(loopbacks / 254) % 256}.${(loopbacks % 254) + 1}`;
}

/** Resolves with the first event of `type` (optionally matching `pred`). */
export function nextEvent(sock: Socket, type: EventType, pred: (e: SocketEvent) => boolean = () => true): Promise<SocketEvent> {
  return new Promise((resolve) => {
    const fn = (e: SocketEvent) => {
      if (!pred(e)) return;
      sock.events.off(type, fn);
      resolve(e);
    };
    sock.events.on(type, fn);
  });
}

/** A raw TCP peer that collects the bytes it receives. */
export interface RawPeer {
  sock: net.Socket;
  readonly received: Buffer;
  waitFor(bytes: number): Promise<Buffer>;
  closed: Promise<void>;
}

export function rawPeer(sock: net.Socket): RawPeer {
  let received = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  let isClosed = false;
  sock.on('data', (d) => {
    received = Buffer.concat([received, d]);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<void>((resolve) =>
    sock.on('close', () => {
      isClosed = true;
      waiters.splice(0).forEach((w) => w());
      resolve();
    }),
  );
  sock.on('error', () => {});
  return {
    sock,
    get received() {
      return received;
    },
    async waitFor(bytes: number): Promise<Buffer> {
      while (received.length < bytes) {
        if (isClosed) throw new Error(`peer closed after ${received.length} of ${bytes} bytes`);
        await new Promise<void>((r) => waiters.push(r));
      }
      return received;
    },
    closed,
  };
}

export async function rawConnect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
  const sock = net.connect(port, host);
  const peer = rawPeer(sock);
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  return peer;
}

/** A raw TCP server; `accepted` resolves with the first connection. */
export async function rawServer(): Promise<{ port: number; accepted: Promise<RawPeer>; close(): void }> {
  const server = net.createServer();
  let resolveAccepted!: (p: RawPeer) => void;
  const accepted = new Promise<RawPeer>((r) => (resolveAccepted = r));
  const conns: net.Socket[] = [];
  server.on('connection', (s) => {
    conns.push(s);
    resolveAccepted(rawPeer(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    close() {
      for (const c of conns) c.destroy();
      server.close();
    },
  };
}

/**
 * Runs a pyzmq script (Debian's python3-zmq, libzmq 4.3.4). The script prints lines; `line()` reads
 * the next one. The child is killed by `stop()`.
 */
export function python(script: string, args: string[] = []) {
  const py = startPython(['-u', '-c', script, ...args]);
  return {
    child: py.child,
    line: () => py.line(),
    send: (line: string) => py.send(line),
    async stop() {
      if (py.child.exitCode === null) py.child.kill('SIGKILL');
      await py.exited;
    },
    get stderr() {
      return py.stderr;
    },
  };
}
