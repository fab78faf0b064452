// Test helper for the security interop tests: a bare ZMTP 3.1 peer over a net.Socket built only from the
// codec (greeting, FrameDecoder, frame encoding) and one Mechanism, so PLAIN and CURVE can be checked
// against libzmq before (and independently of) the engine's own connection code. Also a ZAP handler
// on a zeromq.js Router, the way libzmq applications write one.
import assert from 'node:assert/strict';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { startPython } from '../../helpers/python.js';
import { portOf } from '../../helpers/port.js';
import { Router, type Context } from '../../../core/internal.js';
import {
  FrameDecoder,
  encodeFrame,
  encodeGreetingV3,
  encodeMessage,
  parseGreeting,
  REVISION_3,
  createMechanism,
  curveKeyPair,
  encodeZapReply,
  parseZapRequest,
  type HandshakeStep,
  type Mechanism,
  type ParsedZapRequest,
  type ZapClient,
} from '../../../core/zmtp/index.js';

export type ErrorStep = Extract<HandshakeStep, { status: 'error' }>;
export type ReadyStep = Extract<HandshakeStep, { status: 'ready' }>;
type Properties = Record<string, string | Uint8Array>;

/** Our PLAIN client mechanism, for a RawPeer. */
export function plainClient(username: string, password: string, properties: Properties = { 'Socket-Type': 'REQ' }): Mechanism {
  return createMechanism('PLAIN', {
    asServer: false,
    zapDomain: '',
    peerAddress: '127.0.0.1',
    properties,
    socketOptions: { plainUsername: username, plainPassword: password },
  });
}

/** Our CURVE client mechanism (a fresh long-term key pair unless given), for a RawPeer. */
export function curveClient(serverKey: string, keys = curveKeyPair(), properties: Properties = { 'Socket-Type': 'REQ' }): Mechanism {
  return createMechanism('CURVE', {
    asServer: false,
    zapDomain: '',
    peerAddress: '127.0.0.1',
    properties,
    socketOptions: { curveServerKey: serverKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey },
  });
}

export class RawPeer {
  /** Resolves with the final handshake step (ready or error), or an error step when the peer hangs up first. */
  readonly handshake: Promise<HandshakeStep>;
  /** Resolves when the TCP connection closes. */
  readonly closed: Promise<void>;
  /** Reasons for anything wrong seen after the handshake (bad boxes, decoder errors). */
  readonly problems: string[] = [];
  /** Command frames after the handshake (opened from their boxes under CURVE): SUBSCRIBE, PING, ... */
  readonly commands: Buffer[] = [];
  peerMechanism?: string;
  private settle!: (step: HandshakeStep) => void;
  private done = false;
  private ready = false;
  private inbox: Buffer[][] = [];
  private waiting: ((msg: Buffer[] | undefined) => void)[] = [];
  private partial: Buffer[] = [];
  private greetingBuf = Buffer.alloc(0);
  private decoder = new FrameDecoder('v3');
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: net.Socket,
    readonly mechanism: Mechanism,
    asServer: boolean,
    /** The ZMTP 3 minor version our greeting announces (1: 3.1; 0: a 3.0 peer, which takes subscriptions as messages). */
    minor = 1,
  ) {
    this.handshake = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('close', () => {
      // let frames already read (an ERROR, the last messages) be handled first
      void this.chain.then(() => {
        this.finish({ status: 'error', send: [], reason: 'connection closed by the peer', kind: 'protocol' });
        for (const w of this.waiting.splice(0)) w(undefined);
      });
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.write(encodeGreetingV3(mechanism.name, asServer, minor));
  }

  static connect(port: number, mechanism: Mechanism, asServer = false): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawPeer(s, mechanism, asServer)));
      s.once('error', reject);
    });
  }

  private finish(step: HandshakeStep) {
    if (this.done) return;
    this.done = true;
    this.settle(step);
  }

  private onData(chunk: Buffer) {
    if (this.peerMechanism === undefined) {
      this.greetingBuf = Buffer.concat([this.greetingBuf, chunk]);
      const g = parseGreeting(this.greetingBuf, REVISION_3);
      if (g.status === 'error') {
        this.finish({ status: 'error', send: [], reason: g.message, kind: 'protocol' });
        this.socket.destroy();
        return;
      }
      if (g.status !== 'done') return;
      this.peerMechanism = g.greeting.mechanism;
      chunk = this.greetingBuf.subarray(g.greeting.length);
      for (const body of this.mechanism.start()) this.socket.write(encodeFrame('v3', body, false, true));
      if (chunk.length === 0) return;
    }
    const err = this.decoder.push(chunk, (more, command, body) => {
      // copy: the decoder hands out slices of the chunk
      const frame = Buffer.from(body);
      this.chain = this.chain.then(() => this.onFrame(more, command, frame));
    });
    if (err) this.problems.push(err.message);
  }

  private async onFrame(more: boolean, command: boolean, body: Buffer) {
    if (!this.ready) {
      if (this.done) return;
      if (!command) {
        this.finish({ status: 'error', send: [], reason: 'data frame during the handshake', kind: 'protocol' });
        return;
      }
      const step = await this.mechanism.onCommand(body);
      for (const b of step.send) this.socket.write(encodeFrame('v3', b, false, true));
      if (step.status === 'ready') this.ready = true;
      if (step.status !== 'continue') this.finish(step);
      return;
    }
    if (this.mechanism.encrypts) {
      const opened = this.mechanism.open!(body);
      if ('error' in opened) {
        this.problems.push(opened.error);
        return;
      }
      ({ more, command, body } = opened);
    }
    if (command) {
      this.commands.push(body);
      return;
    }
    this.partial.push(body);
    if (more) return;
    const msg = this.partial;
    this.partial = [];
    const w = this.waiting.shift();
    if (w) w(msg);
    else this.inbox.push(msg);
  }

  send(frames: (Buffer | string)[]) {
    const bufs = frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
    if (this.mechanism.encrypts) {
      // libzmq sends each MESSAGE box as an ordinary frame with no flags; MORE travels inside the box
      const out = bufs.map((f, i) => encodeFrame('v3', this.mechanism.seal!(f, i < bufs.length - 1, false)));
      this.socket.write(Buffer.concat(out));
    } else {
      this.socket.write(encodeMessage('v3', bufs));
    }
  }

  receive(): Promise<Buffer[] | undefined> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.socket.destroyed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close() {
    this.socket.destroy();
    return this.closed;
  }
}

/** Accepts one connection on an ephemeral port and wraps it in a RawPeer (the server side). */
export async function rawListener(makeMechanism: (peerAddress: string) => Mechanism, minor = 1) {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const peers: RawPeer[] = [];
  const accepted: ((p: RawPeer) => void)[] = [];
  server.on('connection', (s) => {
    const peer = new RawPeer(s, makeMechanism(s.remoteAddress ?? ''), true, minor);
    peers.push(peer);
    const a = accepted.shift();
    if (a) a(peer);
  });
  return {
    port,
    next(): Promise<RawPeer> {
      const ready = peers.find((p) => !(p as { taken?: boolean }).taken);
      if (ready) {
        (ready as { taken?: boolean }).taken = true;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) =>
        accepted.push((p) => {
          (p as { taken?: boolean }).taken = true;
          resolve(p);
        }),
      );
    },
    async close() {
      for (const p of peers) p.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ZapPolicy = (request: ParsedZapRequest) => { statusCode: string; statusText?: string; userId?: string; metadata?: Buffer };

/** What serveZap needs of a Router: zeromq.js's and ours both fit. */
interface ZapRouter {
  [Symbol.asyncIterator](): AsyncIterator<Buffer[]>;
  send(message: Buffer[]): Promise<void>;
  close(): void;
}

/**
 * Answers the ZAP requests reaching `router` (bound at inproc://zeromq.zap.01) with `policy`; records each
 * request it parsed (with our parseZapRequest) and any it could not parse.
 */
function serveZap(router: ZapRouter, policy: ZapPolicy) {
  const requests: ParsedZapRequest[] = [];
  const bad: string[] = [];
  const loop = (async () => {
    try {
      for await (const [routingId, ...frames] of router) {
        const request = parseZapRequest(frames);
        if ('error' in request) {
          bad.push(request.error);
          continue;
        }
        requests.push(request);
        const reply = policy(request);
        await router.send([routingId, Buffer.alloc(0), ...encodeZapReply({ ...reply, requestId: request.requestId })]);
      }
    } catch {
      // closed
    }
  })();
  return {
    requests,
    bad,
    async close() {
      router.close();
      await loop;
    },
  };
}

/** A zeromq.js (libzmq) Reply with `options` (its security ones) bound to a tcp port, its monitor events watched. */
export async function libzmqReply(context: zmq.Context, options: Partial<zmq.SocketOptions<zmq.Reply>>) {
  const rep = new zmq.Reply({ context, linger: 0, ...options });
  const events = watchEvents(rep);
  await rep.bind('tcp://127.0.0.1:*');
  return { rep, events, port: portOf(rep.lastEndpoint) };
}

/** A ZAP handler on a zeromq.js (libzmq) Router in `context`. */
export async function startZapHandler(context: zmq.Context, policy: ZapPolicy) {
  const router = new zmq.Router({ context, linger: 0 });
  await router.bind('inproc://zeromq.zap.01');
  return serveZap(router, policy);
}

interface ServerChoices {
  /** The ZAP client the mechanism asks (none: no handler). */
  zap?: ZapClient;
  zapDomain?: string;
  socketType?: string;
}

/** Makes our PLAIN server mechanism for each connection a rawListener accepts. */
export function plainServer({ zap, zapDomain = 'ours', socketType = 'REP' }: ServerChoices = {}) {
  return (peerAddress: string) =>
    createMechanism('PLAIN', {
      asServer: true,
      zapDomain,
      peerAddress,
      zap,
      properties: { 'Socket-Type': socketType },
      socketOptions: { plainServer: true },
    });
}

/** Makes our CURVE server mechanism (long-term secret key `secretKey`) for each connection a rawListener accepts. */
export function curveServer(secretKey: string, { zap, zapDomain = 'ours', socketType = 'REP' }: ServerChoices = {}) {
  return (peerAddress: string) =>
    createMechanism('CURVE', {
      asServer: true,
      zapDomain,
      peerAddress,
      zap,
      properties: { 'Socket-Type': socketType },
      socketOptions: { curveServer: true, curveSecretKey: secretKey },
    });
}

/**
 * A ZAP refusal seen from both sides: our handshake ended in an auth error carrying the handler's
 * status, and the libzmq socket reported handshake:error:auth with the same status.
 */
export async function expectZapRefusal(step: HandshakeStep, libzmqEvents: ReturnType<typeof watchEvents>, status = 400): Promise<void> {
  assert.equal(step.status, 'error');
  assert.equal(step.kind, 'auth');
  assert.equal(step.zapStatus, status);
  const e = await libzmqEvents.next('handshake:error:auth');
  assert.equal(e.error?.status, status);
}

/**
 * Our client (the mechanism `mechanism` makes for the libzmq Reply `makeReply` made) refused by that Reply's
 * ZAP handler, which answers with `policy`: expectZapRefusal on both sides.
 */
export async function expectRefusedByLibzmqZap<R extends Awaited<ReturnType<typeof libzmqReply>>>(
  policy: ZapPolicy,
  makeReply: (context: zmq.Context) => Promise<R>,
  mechanism: (reply: R) => Mechanism,
): Promise<void> {
  const context = new zmq.Context();
  const zap = await startZapHandler(context, policy);
  const reply = await makeReply(context);
  const peer = await RawPeer.connect(reply.port, mechanism(reply));
  try {
    await expectZapRefusal(await peer.handshake, reply.events);
  } finally {
    await peer.close();
    reply.rep.close();
    await zap.close();
  }
}

type AnyEvent = { type: string; address?: string; error?: { status?: number; code?: string; message?: string }; reason?: string };

/** Collects the monitor events of a zeromq.js socket or one of ours (both expose `events` as an async iterable). */
export function watchEvents(socket: { events: AsyncIterable<unknown> }) {
  const events: AnyEvent[] = [];
  const waiters: { type: string; resolve: (e: AnyEvent) => void }[] = [];
  // Its own catch ends it when the socket closes.
  void (async () => {
    try {
      for await (const raw of socket.events) {
        const e = raw as AnyEvent;
        events.push(e);
        for (const w of waiters.splice(0)) {
          if (w.type === e.type) w.resolve(e);
          else waiters.push(w);
        }
      }
    } catch {
      // socket closed
    }
  })();
  return {
    events,
    next(type: string): Promise<AnyEvent> {
      const seen = events.find((e) => e.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}

export type PyLine = { port?: number; event?: string; value?: number; recv?: string[]; reply?: string[] };

/** Starts security-pyzmq-peer.py (Debian's python3-zmq, libzmq 4.3.4) with `config`; see that file. It prints one JSON object per line. */
export function startPyzmqPeer(config: Record<string, unknown>) {
  const script = fileURLToPath(new URL('./security-pyzmq-peer.py', import.meta.url));
  const py = startPython([script, JSON.stringify(config)], 'pyzmq peer');
  const child = py.child;
  const exit = py.exited;
  return {
    get lines(): PyLine[] {
      return py.lines.map((l) => JSON.parse(l) as PyLine);
    },
    get stderr() {
      return py.stderr;
    },
    async next(match: (l: PyLine) => boolean): Promise<PyLine> {
      return JSON.parse(await py.find((l) => match(JSON.parse(l) as PyLine))) as PyLine;
    },
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** A ZAP handler written with our own engine: a Router in `context`. */
export async function startEngineZapHandler(context: Context, policy: ZapPolicy) {
  const router = new Router({ linger: 0 }, context);
  await router.bind('inproc://zeromq.zap.01');
  return serveZap(router, policy);
}
