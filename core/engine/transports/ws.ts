// ws:// transport: ZeroMQ over WebSocket as libzmq 4.3 speaks it (ZWS 2.0, RFC 45 as libzmq implements it).
//
// What libzmq does on the wire (checked against zeromq.js 6 / libzmq 4.3.5):
// - the client asks for subprotocol "ZWS2.0/NULL,ZWS2.0" (or "ZWS2.0/PLAIN", "ZWS2.0/CURVE"); the server
//   answers with the one it picked; the mechanism comes from the subprotocol, so there is NO ZMTP greeting;
// - after the upgrade the mechanism handshake (READY, HELLO, ...) starts at once;
// - every ZMTP frame is one binary WebSocket message whose payload is one flags byte (0x01 MORE,
//   0x02 COMMAND) followed by the frame body; a message with no payload at all is invalid;
// - subscriptions travel as \x01topic / \x00topic messages (ZMTP 3.0 style), never as SUBSCRIBE commands;
// - libzmq's "ping" is a binary message holding only the COMMAND flag (empty body).
//
// wss:// is the same over TLS (libzmq's ZMQ_WSS_* options as wssCertPem, wssKeyPem, wssTrustPem,
// wssHostname, wssTrustSystem): a bind needs a certificate and key; a connect verifies the server against
// wssTrustPem (and the system CAs with wssTrustSystem), for the name wssHostname or the endpoint's host.
//
// The `ws` package does the WebSocket framing. Its subprotocol validation rejects the '/' in "ZWS2.0/NULL",
// so the Sec-WebSocket-Protocol header is negotiated here, around it.
//
// WsStream adapts one WebSocket to the byte stream a Connection expects: it swallows the ZMTP greeting the
// Connection writes and answers it with a synthetic ZMTP 3.0 greeting naming the negotiated mechanism,
// then turns ZMTP frames into ZWS messages and back. So the Connection's handshake, heartbeat,
// subscription and error handling serve ws:// unchanged.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { Duplex } from 'node:stream';
import type * as Ws from 'ws';
import type { WebSocket, RawData } from 'ws';
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, V3_GREETING_SIZE } from '../../zmtp/constants.js';
import { FrameDecoder } from '../../zmtp/decoder.js';
import { selectMechanism } from '../../zmtp/mechanisms/index.js';
import { zmqError } from '../errors.js';
import type { Endpoint } from '../endpoint.js';
import { reportAcceptErrors, serverListening, type Listener } from './stream.js';
import type { CommonOptionValues } from '../option-table.js';
import { lazyPackage } from '../../zmtp/lazy-package.js';

/** The `ws` package, loaded when the first ws:// endpoint is used (see lazy-package.ts). */
const wsPackage = lazyPackage<typeof Ws>('ws');

type WsEndpoint = Extract<Endpoint, { transport: 'ws' | 'wss' }>;

const ZWS_MORE = 0x01;
const ZWS_COMMAND = 0x02;
/** Queued WebSocket bytes above which writes wait for the socket to drain. */
const MAX_BUFFERED = 1024 * 1024;
const PONG = Buffer.from([4, 0x50, 0x4f, 0x4e, 0x47]); // "\x04PONG"

/** The subprotocol a client offers for a mechanism, as libzmq's ws client does. */
export function offeredProtocols(mechanism: string): string {
  return mechanism === 'NULL' ? 'ZWS2.0/NULL,ZWS2.0' : `ZWS2.0/${mechanism}`;
}

/**
 * Server side: picks the first offered subprotocol we can serve with `mechanism`, like libzmq's ws server
 * (bare "ZWS2.0", libzmq's mechanism-less variant, is not served: see docs/ARCHITECTURE.md).
 */
export function selectProtocol(header: string | undefined, mechanism: string): string | undefined {
  if (!header) return undefined;
  for (const p of header.split(',')) {
    const name = p.trim();
    if (name === `ZWS2.0/${mechanism}`) return name;
  }
  return undefined;
}

/** The mechanism a negotiated subprotocol names, or undefined when it is not one we speak. */
export function protocolMechanism(protocol: string | undefined): string | undefined {
  const m = /^ZWS2\.0\/(NULL|PLAIN|CURVE)$/.exec(protocol ?? '');
  return m?.[1];
}

/** A 64-byte ZMTP 3.0 greeting standing in for the peer's, so the Connection goes straight to the handshake. */
function syntheticGreeting(mechanism: string, peerAsServer: boolean): Buffer {
  const g = Buffer.alloc(V3_GREETING_SIZE);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0; // ZMTP 3.0: subscriptions as messages, as libzmq does over ws
  g.write(mechanism, 12, 'latin1');
  g[32] = peerAsServer ? 1 : 0;
  return g;
}

/** One WebSocket seen as the byte stream of a ZMTP 3.0 connection (see the file comment). */
export class WsStream extends Duplex {
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  /** The negotiated subprotocol. */
  protocol = '';
  private greetingLeft = V3_GREETING_SIZE;
  private readonly encoder = new FrameDecoder('v3', -1);
  private opened = false;
  private readonly onFrameBound = this.sendFrame.bind(this);

  constructor(readonly ws: WebSocket) {
    super({ allowHalfOpen: false });
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.opened) this.push(null);
      else
        this.destroy(
          new Error(`WebSocket closed before the upgrade finished (code ${code}${reason.length ? `: ${reason.toString()}` : ''})`),
        );
    });
    ws.on('error', (err: Error) => this.destroy(err));
  }

  /** The WebSocket is open with `protocol`: start the ZMTP side. */
  open(protocol: string, ourAsServer: boolean): void {
    const mech = protocolMechanism(protocol);
    if (!mech) {
      this.destroy(new Error(`WebSocket peer chose subprotocol '${protocol}', expected ZWS2.0/NULL, ZWS2.0/PLAIN or ZWS2.0/CURVE`));
      return;
    }
    this.protocol = protocol;
    this.opened = true;
    const sock = (this.ws as unknown as { _socket?: net.Socket })._socket;
    if (sock) {
      this.localAddress = sock.localAddress;
      this.localPort = sock.localPort;
      this.remoteAddress = sock.remoteAddress;
      this.remotePort = sock.remotePort;
    }
    this.push(syntheticGreeting(mech, !ourAsServer));
  }

  setNoDelay(noDelay = true): this {
    (this.ws as unknown as { _socket?: net.Socket })._socket?.setNoDelay(noDelay);
    return this;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.destroyed) return;
    if (!isBinary) return this.protocolError('text WebSocket message (ZWS 2.0 uses binary messages only)');
    if (data.length === 0) return this.protocolError('empty WebSocket message (no ZWS flags byte)');
    const flags = data[0];
    const body = data.subarray(1);
    if (flags & ZWS_COMMAND && body.length === 0) {
      // libzmq's ws heartbeat: pass it on as a PONG so the Connection sees traffic, nothing more.
      this.pushFrame(PONG, false, true);
      return;
    }
    this.pushFrame(body, (flags & ZWS_MORE) !== 0, (flags & ZWS_COMMAND) !== 0);
  }

  private pushFrame(body: Buffer, more: boolean, command: boolean): void {
    const flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
    let header: Buffer;
    if (body.length <= 0xff) header = Buffer.from([flags, body.length]);
    else {
      header = Buffer.allocUnsafe(9);
      header[0] = flags | FLAG_LONG;
      header.writeUInt32BE(Math.floor(body.length / 0x100000000), 1);
      header.writeUInt32BE(body.length >>> 0, 5);
    }
    const ok = this.push(body.length <= 256 ? Buffer.concat([header, body]) : header) && (body.length <= 256 || this.push(body));
    if (!ok) this.ws.pause();
  }

  /** A malformed ZWS message closes this connection, with the reason (the Connection reports it). */
  private protocolError(reason: string): void {
    this.destroy(new Error(`ZWS protocol error: ${reason}`));
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.greetingLeft > 0) {
      // Our side's ZMTP greeting: ZWS has none.
      const n = Math.min(this.greetingLeft, chunk.length);
      this.greetingLeft -= n;
      chunk = chunk.subarray(n);
      if (chunk.length === 0) return cb();
    }
    const err = this.encoder.push(chunk, this.onFrameBound);
    if (err) return cb(new Error(`internal: cannot re-frame outgoing ZMTP bytes: ${err.message}`));
    if (this.ws.bufferedAmount > MAX_BUFFERED) {
      const sock = (this.ws as unknown as { _socket?: net.Socket })._socket;
      if (sock) {
        sock.once('drain', () => cb());
        return;
      }
    }
    cb();
  }

  private sendFrame(more: boolean, command: boolean, body: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const out = Buffer.allocUnsafe(1 + body.length);
    out[0] = (more ? ZWS_MORE : 0) | (command ? ZWS_COMMAND : 0);
    body.copy(out, 1);
    this.ws.send(out, { binary: true, compress: false });
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.ws.readyState === this.ws.OPEN) {
      // Let queued messages go out, then close; terminate if the peer does not answer the close.
      this.ws.close(err ? 1002 : 1000);
      const t = setTimeout(() => this.ws.terminate(), 1000);
      t.unref();
    } else if (this.ws.readyState === this.ws.CONNECTING) {
      this.ws.terminate();
    }
    cb(err);
  }
}

/** Connects: returns the stream at once; it emits 'connect' once the WebSocket is open (or 'error'). */
export function dialWs(ep: WsEndpoint, options: CommonOptionValues): WsStream {
  const { name: mechanism, asServer } = selectMechanism(options);
  const host = net.isIPv6(ep.host) ? `[${ep.host}]` : ep.host;
  const maxSize = options.maxMessageSize;
  // No subprotocol list through `ws` (it rejects '/'): the header is set here and the answer read on 'upgrade'.
  const ws = new (wsPackage().WebSocket)(`${ep.transport}://${host}:${ep.port}${ep.path}`, {
    headers: { 'Sec-WebSocket-Protocol': offeredProtocols(mechanism) },
    perMessageDeflate: false,
    maxPayload: maxSize > 0 ? maxSize + 1 : 0,
    family: net.isIPv6(ep.host) ? 6 : undefined,
    ...(ep.transport === 'wss' ? tlsClientOptions(ep, options) : {}),
  });
  const stream = new WsStream(ws);
  let chosen: string | undefined;
  ws.on('upgrade', (res: http.IncomingMessage) => {
    const h = res.headers['sec-websocket-protocol'];
    chosen = Array.isArray(h) ? h[0] : h;
    // `ws` would refuse a subprotocol it did not offer itself.
    delete res.headers['sec-websocket-protocol'];
  });
  ws.on('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => {
    stream.destroy(new Error(`WebSocket upgrade refused: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
    res.resume();
  });
  ws.on('open', () => {
    if (!chosen) {
      stream.destroy(new Error('WebSocket server chose no subprotocol (not a ZeroMQ ws endpoint?)'));
      return;
    }
    const mech = protocolMechanism(chosen);
    if (mech !== mechanism) {
      stream.destroy(new Error(`WebSocket server chose subprotocol '${chosen}', this socket uses ${mechanism}`));
      return;
    }
    stream.open(chosen, asServer);
    stream.emit('connect');
  });
  return stream;
}

/** TLS settings for a wss:// connect, as libzmq's ZMQ_WSS_* options ask. */
function tlsClientOptions(ep: WsEndpoint, options: CommonOptionValues): https.RequestOptions {
  const trust = options.wssTrustPem;
  const system = options.wssTrustSystem;
  // No trusted certificate at all: nothing can verify (libzmq fails the handshake the same way).
  const ca = trust ? (system ? [...tlsRootCertificates(), trust] : [trust]) : system ? undefined : [];
  const servername = options.wssHostname ?? (net.isIP(ep.host) ? undefined : ep.host);
  return {
    ca,
    rejectUnauthorized: true,
    servername,
    // Check the certificate against wssHostname when given, else against the endpoint's host.
    checkServerIdentity: (_host: string, cert) => tls.checkServerIdentity(servername ?? ep.host, cert),
    cert: options.wssCertPem ?? undefined,
    key: options.wssKeyPem ?? undefined,
  };
}

function tlsRootCertificates(): string[] {
  return [...tls.rootCertificates];
}

export function wsEndpointString(host: string, port: number, path: string, scheme: 'ws' | 'wss' = 'ws'): string {
  return net.isIPv6(host) ? `${scheme}://[${host}]:${port}${path}` : `${scheme}://${host}:${port}${path}`;
}

/** Binds: an HTTP server that upgrades ZWS requests (any path, like libzmq) and hands each one to `onStream`. */
export async function listenWs(
  ep: WsEndpoint,
  options: CommonOptionValues,
  onStream: (s: net.Socket, l: Listener) => void,
): Promise<Listener> {
  let host = ep.host;
  if (host === '*') host = options.ipv6 ? '::' : '0.0.0.0';
  else if (!net.isIP(host) && host !== 'localhost') {
    throw zmqError('ENODEV', `cannot bind ${ep.address}: ws:// binds need an IP address or '*'`, ep.address);
  }
  if (net.isIPv6(host) && options.ipv6 !== true && host !== '::') {
    throw zmqError('EINVAL', `cannot bind ${ep.address}: IPv6 address needs the ipv6 option`, ep.address);
  }
  const plainRequest = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    // Plain HTTP requests: this endpoint only speaks ZeroMQ over WebSocket.
    res.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close', Upgrade: 'websocket' });
    res.end('ZeroMQ ws:// endpoint: WebSocket upgrade with subprotocol ZWS2.0 required\n');
  };
  let server: http.Server;
  if (ep.transport === 'wss') {
    const cert = options.wssCertPem;
    const key = options.wssKeyPem;
    if (!cert || !key) throw zmqError('EINVAL', `cannot bind ${ep.address}: wss:// needs the wssCertPem and wssKeyPem options`, ep.address);
    try {
      server = https.createServer({ cert, key }, plainRequest);
    } catch (e) {
      throw zmqError('EINVAL', `cannot bind ${ep.address}: bad wssCertPem/wssKeyPem: ${(e as Error).message}`, ep.address);
    }
  } else {
    server = http.createServer(plainRequest);
  }
  const maxSize = options.maxMessageSize;
  const wss = new (wsPackage().WebSocketServer)({ noServer: true, perMessageDeflate: false, maxPayload: maxSize > 0 ? maxSize + 1 : 0 });
  const chosenFor = new WeakMap<http.IncomingMessage, string>();
  wss.on('headers', (headers: string[], req: http.IncomingMessage) => {
    const p = chosenFor.get(req);
    if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
  });
  await serverListening(server, ep.address, { host, port: ep.port, backlog: options.backlog });
  const bound = server.address() as net.AddressInfo;
  const listener: Listener = {
    endpoint: wsEndpointString(bound.address, bound.port, ep.path, ep.transport),
    close: () => {
      server.close();
      server.closeAllConnections?.();
      return undefined;
    },
  };
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => {
      /* reported through the WsStream once upgraded; before that, just dropped */
    });
    const { name: mechanism, asServer } = selectMechanism(options);
    const h = req.headers['sec-websocket-protocol'];
    const protocol = selectProtocol(Array.isArray(h) ? h.join(',') : h, mechanism);
    if (!protocol) {
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n` +
          `ZeroMQ ws:// endpoint: subprotocol ZWS2.0/${mechanism} required, offered '${h ?? ''}'\n`,
      );
      return;
    }
    // `ws` would reject "ZWS2.0/NULL" as a subprotocol token; the answer header is added on 'headers'.
    delete req.headers['sec-websocket-protocol'];
    chosenFor.set(req, protocol);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = new WsStream(ws);
      stream.open(protocol, asServer);
      onStream(stream as unknown as net.Socket, listener);
    });
  });
  server.on('clientError', (_err, socket) => {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  reportAcceptErrors(server, listener); // and keeps listening
  return listener;
}
