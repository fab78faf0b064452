// One ZMTP connection over a byte stream (tcp or ipc): the greeting (stepwise like libzmq, so ZMTP
// 2.0 and 1.0 peers get the framing they understand), the security handshake driven through the
// Mechanism contract, then traffic between the wire and one pipe, with batched writes, heartbeats,
// subscription commands and every protocol error turned into a closed connection with a reason.
//
// Like libzmq's zmtp_engine_t. A STREAM socket uses `raw` mode instead: no ZMTP at all, each chunk
// read is one message and each message written is raw bytes (libzmq's raw_engine_t).
import type net from 'node:net';
import {
  REVISION_OFFSET, SIGNATURE_SIZE, V2_GREETING_SIZE, V3_GREETING_SIZE, socketTypeToByte, socketTypesCompatible, type SocketTypeName,
} from '../../zmtp/constants.js';
import { FrameDecoder, type FrameDecodeError } from '../../zmtp/decoder.js';
import { encodeGreetingV3, encodeSignature, parseGreeting, REVISION_3 } from '../../zmtp/greeting.js';
import type { Framing } from '../../zmtp/frame.js';
import { legacySubscription, parseCommand, pingCommand, pongCommand, splitCommand } from '../../zmtp/commands.js';
import { getProperty, type Properties } from '../../zmtp/metadata.js';
import type { HandshakeStep, Mechanism } from '../../zmtp/mechanisms/mechanism.js';
import { selectMechanism } from '../../zmtp/mechanisms/index.js';
import type { ProtocolErrorCode } from '../../zmtp/mechanisms/protocol-errors.js';
import type { Msg, Pipe, PipeOwner } from '../pipe.js';
import { routingIdBytes, type CommonOptionValues } from '../options.js';
import { messageTap, tapChunk, tapClose, tapMessage, wireTap, wireTapClose } from '../wiretap.js';
import { interval, timer } from '../keepalive.js';
import { readerOf, type SlabReader } from '../transports/reader.js';
import { joinTcpEnd, leaveTcpEnd, type TcpEnd } from './same-thread.js';
import { CloseCause, type ConnectionEnd } from './close-cause.js';
import { currentTurn, FRAMES_PER_TURN, frameWeight, SUBSCRIPTION_WEIGHT } from './loop-turn.js';
import { groupCommand, VersionEncoder } from './encoder.js';
import { FLUSH_BUDGET, MAX_UNSENT, SAME_THREAD_FLUSH_BUDGET, WriteBatch } from './write-batch.js';

/** A mechanism's failure kinds as causes ('no-detail': refused without a word, e.g. no ZAP handler). */
const MECHANISM_FAILURE = { protocol: CloseCause.Protocol, auth: CloseCause.Auth, 'no-detail': CloseCause.Refused } as const;

export interface PeerInfo {
  version: '1.0' | '2.0' | '3.0' | '3.1';
  socketType?: string;
  properties: Properties;
  /** Identity the peer announced (READY Identity property or 1.0/2.0 identity frame); may be empty. */
  identity: Buffer;
  userId?: string;
  /** Properties the ZAP handler returned for this peer (RFC 27 metadata). */
  zapMetadata?: Properties;
  remoteAddress: string;
}

/** What a connection needs from the socket (or session) that owns it. */
export interface ConnectionHost {
  readonly socketType: SocketTypeName;
  /** Live socket options (routingId, maxMessageSize, heartbeat*, handshakeInterval, ...). */
  readonly options: CommonOptionValues;
  /** A fresh mechanism for this connection, or an error message when the options are unusable. */
  createMechanism(peerAddress: string): Mechanism | string;
  /** The handshake is done: returns the pipe end the connection serves, or undefined to refuse. */
  attach(conn: Connection, peer: PeerInfo): Pipe | undefined;
  /**
   * The connection is over. `handshaken` says whether attach() happened. The host emits the monitor
   * events and decides about the pipe (terminate or keep for a reconnect) and reconnecting.
   */
  closed(conn: Connection, end: ConnectionEnd): void;
  /** connect side: subscriptions forwarded on earlier connections, re-sent on a new one (topic hex -> topic). */
  readonly subscriptions?: Map<string, Buffer>;
}

const enum State { Greeting, Handshake, Identity, Traffic, Closed }

let nextConnectionId = 1;

/** The empty message a raw (STREAM) connection hands its socket when it starts and when it ends. */
const RAW_NOTICE = Buffer.alloc(0);

export class Connection implements PipeOwner, TcpEnd {
  readonly id = nextConnectionId++;
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** Negotiated version once the greeting is done. */
  version?: '1.0' | '2.0' | '3.0' | '3.1';
  pipe?: Pipe;
  private state = State.Greeting;
  private greet: Buffer = Buffer.alloc(0);
  private sentStage = 0; // 0 = signature sent, 1 = revision sent, 2 = whole greeting sent
  private peerRevision = -1;
  private decoder?: FrameDecoder;
  /** This version's frame writer, once the greeting has settled the version. */
  private encoder?: VersionEncoder;
  private mechanism?: Mechanism;
  /** Frames received while a handshake step was in progress (more, command, body), in arrival order. */
  private handshakeQueue: Array<[boolean, boolean, Buffer]> = [];
  private handshakeBusy = false;
  /** A decode error behind frames still waiting for the handshake: reported after them. */
  private deferredError?: string;
  private parts: Buffer[] = [];
  /** Body bytes of `parts`, for the message size limit. */
  private partsBytes = 0;
  private flushScheduled = false;
  /** The loop turn (see loop-turn.ts) of this connection's last microtask flush; later output in it waits for setImmediate. */
  private earlyFlushTurn = -1;
  /** Inside flush(): a pipe read there can end the pipe before the batch is written; afterFlush() closes then. */
  private flushing = false;
  private waitingDrain = false;
  /** Bytes per socket write; smaller when the peer shares this thread. */
  private flushBudget = FLUSH_BUDGET;
  /** The stream is paused: the pipe is full, or `unread` holds bytes still to decode. */
  private paused = false;
  /**
   * Bytes of a read not decoded yet, kept for a later turn while the stream is paused: the frame budget
   * of this turn is spent (FRAMES_PER_TURN), or the handshake waits for the ZAP handler (nothing more is
   * read from a peer until it is let in, so a peer flooding during that wait cannot grow a queue).
   */
  private unread?: Buffer;
  private unreadScheduled = false;
  /** Weighted frames decoded in loop turn `budgetTurn` (see FRAMES_PER_TURN). */
  private turnFrames = 0;
  private budgetTurn = -1;
  /** The stream ended while `unread` held bytes: handled once they are decoded. */
  private endDeferred = false;
  private handshakeTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeatTimeoutTimer?: NodeJS.Timeout;
  private ttlTimer?: NodeJS.Timeout;
  private lingerTimer?: NodeJS.Timeout;
  private closing = false;
  /** When a graceful close must give up (ms since epoch); -1 = no limit. */
  private lingerDeadline = -1;
  private readonly subscribing: boolean;
  private readonly publishing: boolean;
  /** DISH: its [\x01group]/[\x00group] pipe messages are JOIN/LEAVE commands on the wire, for every ZMTP 3 peer (RFC 48). */
  private readonly joining: boolean;
  private legacyPeer = false;
  private peerIdentity: Buffer = Buffer.alloc(0);
  private peerType?: string;
  private readonly ourIdentity: Buffer;
  private readonly onFrameBound = this.onFrame.bind(this);
  private readonly flushBound = this.flush.bind(this);
  private readonly decodeUnreadBound = this.decodeUnread.bind(this);

  constructor(
    readonly stream: net.Socket,
    private readonly host: ConnectionHost,
    /** The endpoint this connection belongs to, as the user wrote it (for events). */
    readonly endpoint: string,
    readonly raw = false,
    /** Reads through our own buffers (tcp/ipc); without one the stream's 'data' events are used. */
    private readonly reader: SlabReader | undefined = readerOf(stream),
  ) {
    this.localAddress = describeAddress(stream.localAddress, stream.localPort, endpoint);
    this.remoteAddress = describeAddress(stream.remoteAddress, stream.remotePort, endpoint);
    this.subscribing = host.socketType === 'SUB' || host.socketType === 'XSUB';
    this.publishing = host.socketType === 'PUB' || host.socketType === 'XPUB';
    this.joining = (host.socketType as string) === 'DISH';
    // Joins travel and are re-sent after reconnects the way subscriptions are.
    if (this.joining) this.subscribing = true;
    this.ourIdentity = routingIdBytes(host.options);
    stream.setNoDelay?.(true);
    if (this.remoteAddress.startsWith('tcp://') && this.localAddress.startsWith('tcp://')) joinTcpEnd(this.localAddress, this.remoteAddress, this);
    if (reader) {
      reader.attach({
        directTarget: () => (this.state === State.Closed || this.raw ? undefined : this.decoder?.directTarget()),
        onDirect: (n, data) => this.onDirectRead(n, data),
        onChunk: (chunk) => this.onData(chunk),
      });
    } else {
      stream.on('data', (chunk: Buffer) => this.onData(chunk));
    }
    stream.on('error', (err: Error) => this.fail(CloseCause.Peer, `connection error: ${err.message}`));
    stream.on('end', () => this.onEnd());
    stream.on('close', () => this.onEnd());
    if (raw) {
      this.startRaw();
      return;
    }
    const hs = host.options.handshakeInterval;
    if (hs > 0) this.handshakeTimer = timer(() => this.fail(CloseCause.Timeout, `handshake did not complete within ${hs} ms`), hs);
    this.send(encodeSignature(this.ourIdentity.length));
  }

  /**
   * PipeOwner: what the socket queues for us is written out soon (within the turn, or at the next drain
   * when the stream is backed up), so the socket need not copy small frames.
   */
  get drainsPromptly(): boolean {
    return this.state === State.Traffic;
  }

  get isClosed(): boolean {
    return this.state === State.Closed;
  }

  get handshaken(): boolean {
    return this.state === State.Traffic || (this.state === State.Closed && this.pipe !== undefined);
  }

  // ---------------------------------------------------------------- raw (STREAM)

  private startRaw(): void {
    this.version = undefined;
    const pipe = this.host.attach(this, { version: '3.1', socketType: 'STREAM', properties: {}, identity: Buffer.alloc(0), remoteAddress: this.remoteAddress });
    if (!pipe) return this.fail(CloseCause.Refused, 'socket refused the connection');
    this.pipe = pipe;
    pipe.owner = this;
    this.state = State.Traffic;
    // As libzmq's raw engine: an empty message tells the STREAM socket a peer connected (it drops it
    // unless `notify`); another one when the connection ends (fail()).
    pipe.force([RAW_NOTICE]);
    if (pipe.canRead()) this.scheduleFlush();
  }

  // ---------------------------------------------------------------- input

  private onData(chunk: Buffer): void {
    if (this.state === State.Closed) return;
    if (wireTap) tapChunk(this.id, this.localAddress, this.remoteAddress, 'in', chunk);
    if (this.raw) {
      this.pipe!.force([chunk]);
      this.checkBackpressure();
      return;
    }
    if (this.heartbeatTimeoutTimer) { clearTimeout(this.heartbeatTimeoutTimer); this.heartbeatTimeoutTimer = undefined; }
    if (this.ttlTimer) { clearTimeout(this.ttlTimer); this.ttlTimer = undefined; }
    if (this.state === State.Greeting) {
      this.greet = this.greet.length === 0 ? chunk : Buffer.concat([this.greet, chunk]);
      this.onGreetingBytes();
      return;
    }
    this.decode(chunk);
  }

  /** Bytes read straight into the body of a large frame (see SlabReader). */
  private onDirectRead(n: number, data: Buffer): void {
    if (this.state === State.Closed) return;
    if (wireTap) tapChunk(this.id, this.localAddress, this.remoteAddress, 'in', data);
    if (this.heartbeatTimeoutTimer) { clearTimeout(this.heartbeatTimeoutTimer); this.heartbeatTimeoutTimer = undefined; }
    if (this.ttlTimer) { clearTimeout(this.ttlTimer); this.ttlTimer = undefined; }
    const err = this.decoder!.directFilled(n, this.onFrameBound);
    if ((this.state as State) === State.Closed) return;
    if (err) {
      this.fail(err.kind === 'memory' ? CloseCause.Refused : CloseCause.Protocol, decodeFailure(err));
      return;
    }
    this.checkBackpressure();
  }

  /** A chunk read from the stream. */
  private decode(chunk: Buffer): void {
    if (this.unread) {
      // Only a stream that delivers after pause() gets here: keep the bytes in order behind the others.
      this.unread = Buffer.concat([this.unread, chunk]);
      return;
    }
    const turn = currentTurn();
    if (this.budgetTurn !== turn) {
      this.budgetTurn = turn;
      this.turnFrames = 0;
    }
    this.decodeChunk(chunk);
  }

  private decodeChunk(chunk: Buffer): void {
    const decoder = this.decoder!;
    const err = decoder.push(chunk, this.onFrameBound);
    if (this.state === State.Closed) return;
    if (err) {
      const reason = decodeFailure(err);
      if (this.handshakeBusy) this.deferredError = reason;
      else this.fail(err.kind === 'memory' ? CloseCause.Refused : CloseCause.Protocol, reason);
      return;
    }
    if (decoder.unread) {
      // A frame asked the decoder to stop (budget spent, or a ZAP wait): read nothing more until the rest is decoded.
      this.unread = decoder.unread;
      this.pauseStream();
      this.continueUnread();
      return;
    }
    this.checkBackpressure();
  }

  /** Decodes `unread` in the next turn, unless the pipe is full (writeActivated goes on) or ZAP is awaited (runHandshake goes on). */
  private continueUnread(): void {
    if (!this.unread || this.unreadScheduled || this.state === State.Closed) return;
    if (this.handshakeBusy || this.pipe?.outboundFull) return;
    this.unreadScheduled = true;
    setImmediate(this.decodeUnreadBound);
  }

  private decodeUnread(): void {
    this.unreadScheduled = false;
    const chunk = this.unread;
    if (!chunk || this.state === State.Closed || this.handshakeBusy || this.pipe?.outboundFull) return;
    this.unread = undefined;
    // A turn of its own (setImmediate): a fresh budget.
    this.budgetTurn = currentTurn();
    this.turnFrames = 0;
    this.decodeChunk(chunk);
    if ((this.state as State) === State.Closed || this.unread) return;
    if (this.endDeferred) {
      this.endDeferred = false;
      this.onEnd();
      return;
    }
    this.resumeStream();
  }

  private checkBackpressure(): void {
    if (this.pipe && this.pipe.outboundFull && this.state !== State.Closed) this.pauseStream();
  }

  private pauseStream(): void {
    if (this.paused) return;
    this.paused = true;
    this.stream.pause();
  }

  /** Reads again once nothing holds it back: no bytes left to decode, room in the pipe. */
  private resumeStream(): void {
    if (!this.paused || this.unread || this.state === State.Closed || this.pipe?.outboundFull) return;
    this.paused = false;
    this.stream.resume();
  }

  private onGreetingBytes(): void {
    const g = this.greet;
    // A first byte other than 0xFF, or a 10th byte without bit 0: an unversioned ZMTP 1.0 peer.
    if (g[0] !== 0xff || (g.length >= SIGNATURE_SIZE && (g[SIGNATURE_SIZE - 1] & 1) === 0)) {
      this.startLegacy(0, 'v1', g, true);
      return;
    }
    if (g.length >= SIGNATURE_SIZE && this.sentStage === 0) {
      this.send(Buffer.from([REVISION_3]));
      this.sentStage = 1;
    }
    if (g.length > REVISION_OFFSET && this.sentStage === 1) {
      this.peerRevision = g[REVISION_OFFSET];
      if (this.peerRevision < REVISION_3) {
        // ZMTP 2.0 and 1.0-with-signature peers: the 2.0 socket-type byte, then framed identity.
        this.send(Buffer.from([socketTypeToByte(this.host.socketType)]));
      } else {
        // The rest of a 3.1 greeting: minor version, mechanism, as-server, filler.
        const mech = this.mechanismName();
        this.send(encodeGreetingV3(mech.name, mech.asServer).subarray(REVISION_OFFSET + 1));
      }
      this.sentStage = 2;
    }
    if (this.peerRevision < 0) return;
    const need = this.peerRevision < REVISION_3 ? V2_GREETING_SIZE : V3_GREETING_SIZE;
    if (g.length < need) return;
    const parsed = parseGreeting(g.subarray(0, need), REVISION_3);
    if (parsed.status !== 'done') {
      this.fail(CloseCause.Protocol, `invalid greeting: ${parsed.status === 'error' ? parsed.message : 'incomplete'}`);
      return;
    }
    const rest = g.subarray(need);
    this.greet = Buffer.alloc(0);
    if (this.peerRevision < REVISION_3) {
      this.peerType = parsed.greeting.socketType;
      this.startLegacy(this.peerRevision, this.peerRevision === 0 ? 'v1' : 'v2', rest, false);
      return;
    }
    const peer = parsed.greeting;
    const ours = this.mechanismName();
    if (peer.mechanism !== ours.name) {
      this.fail(CloseCause.Protocol, `security mechanism mismatch: peer uses ${peer.mechanism}, this socket uses ${ours.name}`, undefined, 'ERR_ZMTP_MECHANISM_MISMATCH');
      return;
    }
    this.version = peer.version === '3.0' ? '3.0' : '3.1';
    this.encoder = VersionEncoder.of(this.version);
    this.decoder = this.newDecoder('v3');
    const mech = this.host.createMechanism(this.remoteAddress);
    if (typeof mech === 'string') {
      this.fail(CloseCause.Refused, mech);
      return;
    }
    this.mechanism = mech;
    this.state = State.Handshake;
    let first: Buffer[];
    try {
      first = mech.start();
    } catch (e) {
      this.fail(CloseCause.Refused, `security mechanism failed to start: ${(e as Error).message}`);
      return;
    }
    for (const c of first) this.sendCommand(c);
    if (rest.length) this.decode(rest);
  }

  /** TcpEnd: the other end of this tcp connection is in this process (see same-thread.ts). */
  peerInThisThread(): void {
    this.flushBudget = SAME_THREAD_FLUSH_BUDGET;
  }

  /** A frame decoder whose split large bodies may grow in place in the reader's slab (see SlabReader). */
  private newDecoder(framing: Framing): FrameDecoder {
    return new FrameDecoder(framing, this.host.options.maxMessageSize, this.reader?.bodyInPlace);
  }

  private mechanismName(): { name: string; asServer: boolean } {
    return selectMechanism(this.host.options);
  }

  /** ZMTP 2.0 / 1.0: no mechanism, identity frames, subscriptions as messages. */
  private startLegacy(revision: number, framing: Framing, rest: Buffer, unversioned: boolean): void {
    if (this.mechanismName().name !== 'NULL') {
      this.fail(CloseCause.Protocol, `peer speaks ZMTP ${revision === 1 ? '2.0' : '1.0'}, which cannot do ${this.mechanismName().name} security`);
      return;
    }
    this.legacyPeer = true;
    this.version = framing === 'v1' ? '1.0' : '2.0';
    this.encoder = VersionEncoder.of(this.version);
    this.greet = Buffer.alloc(0);
    this.decoder = this.newDecoder(framing);
    this.state = State.Identity;
    if (unversioned) {
      // Our signature already went out as the header of a 1.0 identity frame; its body follows.
      this.send(this.ourIdentity);
    } else {
      this.send(this.encoder.message([this.ourIdentity]));
    }
    if (rest.length) this.decode(rest);
  }

  private onFrame(more: boolean, command: boolean, body: Buffer): void {
    this.turnFrames += this.publishing ? SUBSCRIPTION_WEIGHT : frameWeight(body.length);
    if (this.turnFrames >= FRAMES_PER_TURN) this.decoder!.yieldAfterFrame();
    switch (this.state) {
      case State.Traffic:
        if (this.mechanism?.encrypts) {
          // CURVE: every frame is a MESSAGE box, which libzmq sends as a plain frame with no flags (the
          // real MORE/COMMAND flags are inside the box); accept either framing, like libzmq's decoder.
          this.onSealed(body);
          return;
        }
        if (command) {
          this.onTrafficCommand(body);
          return;
        }
        this.onMessageFrame(more, body);
        return;
      case State.Handshake:
        // While an asynchronous step (ZAP) is pending, the peer may already have finished its side and
        // sent traffic (e.g. READY + SUBSCRIBE in one chunk): keep everything, in order, for later.
        if (!command && !this.handshakeBusy) {
          this.fail(CloseCause.Protocol, 'message frame received before the security handshake finished', undefined, 'ERR_ZMTP_UNEXPECTED_COMMAND');
          return;
        }
        this.handshakeQueue.push([more, command, body]);
        if (!this.handshakeBusy) this.runHandshake();
        return;
      case State.Identity:
        // 1.0/2.0: the first message is the peer's identity.
        if (!this.withinMessageLimit(body)) return;
        this.parts.push(body);
        if (more) return;
        this.peerIdentity = this.parts.length === 1 ? Buffer.from(this.parts[0]) : Buffer.alloc(0);
        this.parts = [];
        this.partsBytes = 0;
        this.becomeReady({}, undefined);
        return;
      default:
        return;
    }
  }

  private onSealed(body: Buffer): void {
    const opened = this.mechanism!.open!(body);
    if ('error' in opened) {
      this.fail(CloseCause.Protocol, `cannot open encrypted frame: ${opened.error}`);
      return;
    }
    if (opened.command) this.onTrafficCommand(opened.body);
    else this.onMessageFrame(opened.more, opened.body);
  }

  private onMessageFrame(more: boolean, body: Buffer): void {
    if (!this.withinMessageLimit(body)) return;
    this.parts.push(body);
    if (more) return;
    const msg = this.parts;
    this.parts = [];
    this.partsBytes = 0;
    this.pipe!.force(msg);
  }

  /**
   * maxMessageSize bounds a whole message, not just each frame: without this a peer could hold us to
   * any number of frames by never clearing MORE. Each frame after the first counts one byte more than
   * its body, so a message of empty frames is bounded too (a single frame of exactly the limit passes).
   */
  private withinMessageLimit(body: Buffer): boolean {
    const limit = this.host.options.maxMessageSize;
    if (limit < 0) return true;
    this.partsBytes += body.length + (this.parts.length > 0 ? 1 : 0);
    if (this.partsBytes <= limit) return true;
    this.fail(CloseCause.Protocol, `multipart message of ${this.parts.length + 1} frames (${this.partsBytes} bytes counted) exceeds maxMessageSize ${limit}`);
    return false;
  }

  private onTrafficCommand(body: Buffer): void {
    const raw = splitCommand(body);
    if (!raw) {
      this.fail(CloseCause.Protocol, 'malformed command frame (name length runs past the frame)');
      return;
    }
    switch (raw.name) {
      case 'PING': {
        const cmd = parseCommand(body) as { ttl: number; context: Buffer; error?: string };
        if (cmd.error) { this.fail(CloseCause.Protocol, `malformed PING: ${cmd.error}`); return; }
        this.sendCommand(pongCommand(cmd.context));
        if (cmd.ttl > 0) {
          if (this.ttlTimer) clearTimeout(this.ttlTimer);
          const ms = cmd.ttl * 100;
          this.ttlTimer = timer(() => this.fail(CloseCause.Timeout, `heartbeat: peer's TTL of ${ms} ms expired with no traffic`), ms);
        }
        this.scheduleFlush();
        return;
      }
      case 'PONG':
        return;
      case 'JOIN':
      case 'LEAVE':
        // RADIO: a DISH peer joins/leaves a group; the type reads it as [\x01group] / [\x00group].
        if ((this.host.socketType as string) === 'RADIO') {
          const msg = Buffer.allocUnsafe(1 + raw.data.length);
          msg[0] = raw.name === 'JOIN' ? 1 : 0;
          raw.data.copy(msg, 1);
          this.pipe!.force([msg]);
        }
        return;
      case 'SUBSCRIBE':
      case 'CANCEL':
        // Only a publisher cares; libzmq turns them back into subscription messages.
        if (this.publishing) {
          const msg = Buffer.allocUnsafe(1 + raw.data.length);
          msg[0] = raw.name === 'SUBSCRIBE' ? 1 : 0;
          raw.data.copy(msg, 1);
          this.pipe!.force([msg]);
        }
        return;
      case 'ERROR': {
        const cmd = parseCommand(body) as { reason?: string };
        this.fail(CloseCause.Peer, `peer sent ERROR: ${cmd.reason ?? ''}`);
        return;
      }
      case 'READY': case 'HELLO': case 'WELCOME': case 'INITIATE':
        this.fail(CloseCause.Protocol, `${raw.name} command received after the handshake finished`);
        return;
      default:
        // RFC 37: unknown commands are ignored.
        return;
    }
  }

  private runHandshake(): void {
    this.handshakeBusy = true;
    while (this.handshakeQueue.length && this.state === State.Handshake) {
      const [, command, body] = this.handshakeQueue.shift()!;
      if (!command) {
        this.fail(CloseCause.Protocol, 'message frame received before the security handshake finished', undefined, 'ERR_ZMTP_UNEXPECTED_COMMAND');
        return;
      }
      let step: HandshakeStep | Promise<HandshakeStep>;
      try {
        step = this.mechanism!.onCommand(body);
      } catch (e) {
        this.fail(CloseCause.Protocol, `handshake failed: ${(e as Error).message}`);
        return;
      }
      if (step instanceof Promise) {
        // The ZAP handler is asked: decode nothing more (the stream pauses with the rest in `unread`).
        this.decoder!.yieldAfterFrame();
        step.then(
          (s) => { this.applyStep(s); this.runHandshake(); },
          (e: Error) => this.fail(CloseCause.Refused, `handshake failed: ${e.message}`),
        );
        return;
      }
      this.applyStep(step);
    }
    this.handshakeBusy = false;
    // Handshake done: what arrived behind it is traffic.
    if (this.state === State.Traffic && this.handshakeQueue.length) {
      const rest = this.handshakeQueue;
      this.handshakeQueue = [];
      for (const [more, command, body] of rest) {
        if (this.state !== State.Traffic) break;
        this.onFrame(more, command, body);
      }
    }
    if (this.deferredError && this.state !== State.Closed) this.fail(CloseCause.Protocol, this.deferredError);
    else {
      this.checkBackpressure();
      this.continueUnread();
    }
  }

  private applyStep(step: HandshakeStep): void {
    if (this.state !== State.Handshake) return;
    for (const c of step.send) this.sendCommand(c);
    if (step.status === 'continue') return;
    if (step.status === 'error') {
      this.fail(MECHANISM_FAILURE[step.kind], step.reason, step.zapStatus, step.protocolCode);
      return;
    }
    const props = step.peerProperties;
    const peerType = getProperty(props, 'Socket-Type');
    if (!peerType) {
      this.fail(CloseCause.Protocol, 'peer metadata has no Socket-Type', undefined, 'ERR_ZMTP_INVALID_METADATA');
      return;
    }
    if (!socketTypesCompatible(this.host.socketType, peerType)) {
      this.fail(CloseCause.Protocol, `peer socket type ${peerType} cannot talk to ${this.host.socketType}`, undefined, 'ERR_ZMTP_INVALID_METADATA');
      return;
    }
    this.peerType = peerType;
    let identity: Buffer | undefined;
    for (const k of Object.keys(step.peerRaw)) if (k.toLowerCase() === 'identity') identity = step.peerRaw[k];
    this.peerIdentity = identity ? Buffer.from(identity) : Buffer.alloc(0);
    this.becomeReady(props, step.userId, step.zapMetadata);
  }

  private becomeReady(props: Properties, userId: string | undefined, zapMetadata?: Properties): void {
    if (this.handshakeTimer) { clearTimeout(this.handshakeTimer); this.handshakeTimer = undefined; }
    const pipe = this.host.attach(this, {
      version: this.version!, socketType: this.peerType, properties: props, identity: this.peerIdentity, userId, zapMetadata,
      remoteAddress: this.remoteAddress,
    });
    if (!pipe) {
      this.fail(CloseCause.Local, 'socket is closing; connection refused');
      return;
    }
    this.pipe = pipe;
    pipe.owner = this;
    this.state = State.Traffic;
    if (this.legacyPeer && this.version === '1.0' && this.publishing) {
      // A ZMTP 1.0 subscriber filters locally and never subscribes: give it everything (libzmq does this).
      pipe.force([Buffer.from([1])]);
    }
    // Re-send the subscriptions earlier connections carried (connect side, pipe kept across reconnects).
    const subs = this.host.subscriptions;
    if (subs && subs.size && this.subscribing) {
      for (const topic of subs.values()) this.sendSubscription(legacySubscription(true, topic));
    }
    this.startHeartbeats();
    // closing: shutdown() came during the handshake; the flush writes what is queued, then ends.
    if (pipe.canRead() || subs?.size || this.closing) this.scheduleFlush();
  }

  private startHeartbeats(): void {
    const ivl = this.host.options.heartbeatInterval;
    // PING/PONG are ZMTP 3.1 (RFC 37); a 3.0 peer would not answer.
    if (!(ivl > 0) || this.version !== '3.1') return;
    this.heartbeatTimer = interval(() => {
      if (this.state !== State.Traffic) return;
      const ttl = this.host.options.heartbeatTimeToLive;
      this.sendCommand(pingCommand(Math.floor(ttl / 100)));
      this.scheduleFlush();
      if (!this.heartbeatTimeoutTimer) {
        const t = this.host.options.heartbeatTimeout;
        const timeout = t >= 0 ? t : ivl;
        this.heartbeatTimeoutTimer = timer(
          () => this.fail(CloseCause.Timeout, `heartbeat: no traffic from peer within ${timeout} ms of a PING`),
          timeout,
        );
      }
    }, ivl);
  }

  private onEnd(): void {
    if (this.state === State.Closed) return;
    if (this.closing && this.stream.destroyed) return this.fail(CloseCause.Local, 'closed');
    if (this.unread) {
      // What the peer sent before it closed is delivered first (decodeUnread comes back here).
      this.endDeferred = true;
      return;
    }
    const pending = this.decoder ? this.decoder.buffered : 0;
    if (this.state === State.Greeting) {
      this.fail(CloseCause.Protocol, this.greet.length ? `connection closed during the greeting after ${this.greet.length} bytes` : 'connection closed before the greeting');
    } else if (this.state !== State.Traffic) {
      this.fail(CloseCause.Protocol, 'connection closed during the handshake');
    } else if (pending > 0 || this.parts.length > 0) {
      this.fail(CloseCause.Protocol, `connection closed in the middle of a message (${pending} bytes of an incomplete frame, ${this.parts.length} frames of an incomplete message dropped)`);
    } else {
      this.fail(CloseCause.Peer, 'peer closed the connection');
    }
  }

  // ---------------------------------------------------------------- output

  private send(buf: Buffer): void {
    if (this.state === State.Closed || buf.length === 0) return;
    if (wireTap) tapChunk(this.id, this.localAddress, this.remoteAddress, 'out', buf);
    this.stream.write(buf);
  }

  /** Command frames go out at once (handshake, PONG), in order with any traffic already flushed. */
  private sendCommand(body: Buffer): void {
    if (this.mechanism?.encrypts && this.state === State.Traffic) {
      this.send(this.encoder!.frame(this.mechanism.seal!(body, false, true), false, false));
    } else {
      this.send(this.encoder!.frame(body, false, true));
    }
  }

  /** A subscription re-sent on a new connection (a [1]topic message), as this version carries it. */
  private sendSubscription(message: Buffer): void {
    const command = this.subscriptionCommand(message);
    if (command) this.sendCommand(command);
    else this.send(this.encoder!.message([message]));
  }

  /**
   * The command a subscription message from the socket becomes on the wire: JOIN/LEAVE for a DISH,
   * SUBSCRIBE/CANCEL for a 3.1 peer, or undefined when the message itself travels.
   */
  private subscriptionCommand(message: Buffer): Buffer | undefined {
    return this.joining ? groupCommand(message) : this.encoder!.subscriptionCommand(message);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.state !== State.Traffic) return;
    this.flushScheduled = true;
    const turn = currentTurn();
    if (this.earlyFlushTurn !== turn) {
      // The first output since the event loop last turned goes out right after the current code (low
      // latency for request/reply); anything queued after it in the same turn is batched into one write.
      this.earlyFlushTurn = turn;
      queueMicrotask(this.flushBound);
    } else {
      setImmediate(this.flushBound);
    }
  }

  /** Writes everything the pipe holds (up to a budget) in as few socket writes as possible. */
  private flush(): void {
    this.flushing = true;
    try {
      this.flushNow();
    } finally {
      this.flushing = false;
    }
    if (this.closing && this.state === State.Traffic && !this.flushScheduled && !this.waitingDrain && !this.pipe?.active && !this.pipe?.canRead()) this.finishClosing();
  }

  private flushNow(): void {
    this.flushScheduled = false;
    const pipe = this.pipe;
    if (this.state !== State.Traffic || this.waitingDrain || !pipe) return;
    if (this.raw) return this.flushRaw(pipe);
    const first = pipe.peek();
    if (first === undefined) return this.afterFlush();
    const batch = new WriteBatch(this.encoder!, first, pipe.readable, this.flushBudget);
    let total = 0;
    const encrypt = this.mechanism?.encrypts === true;
    const translate = this.subscribing;
    const subs = this.host.subscriptions;
    while (total < this.flushBudget) {
      const msg = pipe.read();
      if (msg === undefined) break;
      if (messageTap) tapMessage(msg, this.remoteAddress);
      if (translate && msg.length === 1 && msg[0].length > 0 && msg[0][0] <= 1) {
        // A subscription from SUB/XSUB: remember it for reconnects, send as a command to 3.1 peers.
        const topic = msg[0].subarray(1);
        if (subs) {
          const key = topic.toString('hex');
          if (msg[0][0] === 1) subs.set(key, Buffer.from(topic));
          else subs.delete(key);
        }
        const command = this.subscriptionCommand(msg[0]);
        if (command) {
          const frame = encrypt ? this.mechanism!.seal!(command, false, true) : command;
          batch.add(frame, false, !encrypt);
          total += frame.length + 9;
          continue;
        }
      }
      for (let i = 0; i < msg.length; i++) {
        const more = i < msg.length - 1;
        if (encrypt) {
          // a MESSAGE box goes out as a plain frame with no flags, as libzmq sends it
          const sealed = this.mechanism!.seal!(msg[i], more, false);
          batch.add(sealed, false, false);
          total += sealed.length + 9;
        } else {
          batch.add(msg[i], more, false);
          total += msg[i].length + 9;
        }
      }
    }
    const parts = batch.finish();
    if (parts.length === 1) this.send(parts[0]);
    else if (parts.length > 1) {
      this.stream.cork();
      for (const p of parts) this.send(p);
      this.stream.uncork();
    }
    this.afterFlush();
  }

  private flushRaw(pipe: Pipe): void {
    let msg: Msg | undefined;
    while ((msg = pipe.read()) !== undefined) {
      if (messageTap) tapMessage(msg, this.remoteAddress);
      const data = msg.length === 1 ? msg[0] : Buffer.concat(msg);
      if (data.length === 0) {
        // STREAM: an empty message closes the connection.
        this.shutdown(0);
        return;
      }
      this.send(data);
    }
    this.afterFlush();
  }

  private afterFlush(): void {
    if (this.state !== State.Traffic) return;
    if (this.stream.writableLength > MAX_UNSENT) {
      this.waitingDrain = true;
      this.stream.once('drain', () => {
        this.waitingDrain = false;
        this.flush();
      });
      return;
    }
    if (this.pipe?.canRead()) this.scheduleFlush();
    else if (this.closing && !this.pipe?.active) this.finishClosing();
  }

  // ---------------------------------------------------------------- pipe callbacks

  readActivated(): void {
    this.scheduleFlush();
  }

  writeActivated(): void {
    if (this.unread) this.continueUnread();
    else this.resumeStream();
  }

  pipeTerminated(): void {
    // The socket side went away (close or disconnect) and we have read all it sent: finish writing, then end.
    this.closing = true;
    if (this.state !== State.Traffic) return this.fail(CloseCause.Local, 'socket closed');
    if (!this.flushScheduled && !this.waitingDrain && !this.flushing) this.finishClosing();
  }

  private finishClosing(): void {
    if (this.state === State.Closed) return;
    this.stream.end();
    this.fail(CloseCause.Local, 'closed by this side');
  }

  // ---------------------------------------------------------------- closing

  /**
   * Closes after writing what the pipe still holds, waiting at most `lingerMs` (-1: no limit, 0: at once).
   * The pipe end is handed back to the host via closed().
   */
  shutdown(lingerMs: number): void {
    if (this.state === State.Closed) return;
    if (lingerMs === 0) {
      this.fail(CloseCause.Local, 'closed by this side');
      return;
    }
    this.closing = true;
    this.lingerDeadline = lingerMs > 0 ? Date.now() + lingerMs : -1;
    if (lingerMs > 0) {
      this.lingerTimer = timer(() => this.fail(CloseCause.Timeout, 'linger period expired'), lingerMs);
    }
    // Still in the handshake: finish it first, then write what is queued (becomeReady flushes).
    if (this.state !== State.Traffic) return;
    if (!this.flushScheduled && !this.waitingDrain && !this.pipe?.canRead()) this.finishClosing();
    else this.scheduleFlush();
  }

  /** Closes the connection: no more input or output. */
  /** `zapStatus`: a ZAP refusal's status; `protocolCode`: libzmq's reason for a protocol failure (default ERR_ZMTP_UNSPECIFIED). */
  fail(cause: CloseCause, reason: string, zapStatus?: number, protocolCode?: ProtocolErrorCode): void {
    if (this.state === State.Closed) return;
    const handshaken = this.state === State.Traffic;
    this.state = State.Closed;
    this.unread = undefined;
    leaveTcpEnd(this.localAddress, this.remoteAddress, this);
    for (const t of [this.handshakeTimer, this.heartbeatTimeoutTimer, this.ttlTimer, this.lingerTimer]) if (t) clearTimeout(t);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    // No ERROR command for a protocol failure: libzmq's engine just closes, and only a mechanism tells a
    // peer why it is refused (ZAP status codes). Our reason stays in the monitor event.
    if (this.closing && handshaken && cause === CloseCause.Local && !this.stream.destroyed) {
      // Graceful: let Node hand what is still buffered to the kernel (destroy() would drop it), within linger.
      if (!this.stream.writableEnded) this.stream.end();
      if (this.lingerDeadline > 0) {
        const stream = this.stream;
        const t = timer(() => stream.destroy(), Math.max(0, this.lingerDeadline - Date.now()));
        stream.once('close', () => clearTimeout(t));
      }
    } else {
      this.stream.destroy();
    }
    if (this.raw && handshaken && this.pipe) this.pipe.force([RAW_NOTICE]);
    if (this.pipe && this.pipe.owner === this) this.pipe.owner = undefined;
    if (wireTapClose) tapClose(this.id, this.localAddress, this.remoteAddress, reason);
    this.host.closed(this, { handshaken, cause, reason, zapStatus, protocolCode });
  }
}

/** The reason a connection closes on a decoder error: bad bytes, or a frame we could not find memory for. */
function decodeFailure(err: FrameDecodeError): string {
  return err.kind === 'memory' ? `out of memory at byte ${err.offset}: ${err.message}` : `malformed frame at byte ${err.offset}: ${err.message}`;
}

function describeAddress(address: string | undefined, port: number | undefined, endpoint: string): string {
  if (!address) return endpoint;
  if (endpoint.startsWith('ipc://')) return endpoint;
  return address.includes(':') ? `tcp://[${address}]:${port}` : `tcp://${address}:${port}`;
}
