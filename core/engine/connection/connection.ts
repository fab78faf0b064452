// One ZMTP connection over a byte stream (tcp or ipc), as libzmq's stream_engine_base_t: it reads the
// stream and hands frames to the stage the connection is in, writes what the pipe holds in batches,
// and turns every protocol error into a closed connection with a cause. The stages live in files of
// their own, along libzmq's seams: the greeting and version negotiation (greeting-exchange.ts), the
// security handshake (handshake.ts), one encoder per ZMTP version (encoder.ts), write batching
// (write-batch.ts), heartbeats (heartbeat.ts), and raw mode for STREAM sockets (raw.ts).
import type net from 'node:net';
import { FrameDecoder, type FrameDecodeError } from '../../zmtp/decoder.js';
import type { Framing } from '../../zmtp/frame.js';
import { legacySubscription, parseCommand, splitCommand } from '../../zmtp/commands.js';
import type { Properties } from '../../zmtp/metadata.js';
import type { Mechanism } from '../../zmtp/mechanisms/mechanism.js';
import { selectMechanism } from '../../zmtp/mechanisms/index.js';
import type { Pipe, PipeOwner } from '../pipe.js';
import { routingIdBytes } from '../options.js';
import { messageTap, tapChunk, tapClose, tapMessage, wireTap, wireTapClose } from '../wiretap.js';
import { timer } from '../keepalive.js';
import { microtask } from '../microtask.js';
import { readerOf, type SlabReader } from '../transports/reader.js';
import { joinTcpEnd, leaveTcpEnd, type TcpEnd } from './same-thread.js';
import { CloseCause, type EndDetail } from './close-cause.js';
import type { ConnectionHost } from './connection-host.js';
import { checkPhaseTurn, currentTurn, FRAMES_PER_TURN, frameWeight, SUBSCRIPTION_WEIGHT } from './loop-turn.js';
import { groupCommand, VersionEncoder } from './encoder.js';
import { allFramesSmall, FLUSH_BUDGET, MAX_UNSENT, SAME_THREAD_FLUSH_BUDGET, WriteBatch } from './write-batch.js';
import { GreetingExchange, type GreetingOutcome } from './greeting-exchange.js';
import { MechanismHandshake, type HandshakeOwner, type HandshakePeer, type ReadFrame } from './handshake.js';
import { Heartbeat } from './heartbeat.js';
import { RAW_NOTICE, rawPeer, writeRaw } from './raw.js';

export type { ConnectionHost, PeerInfo } from './connection-host.js';

const enum State {
  Greeting,
  Handshake,
  Identity,
  Traffic,
  Closed,
}

let nextConnectionId = 1;

export class Connection implements PipeOwner, TcpEnd {
  readonly id = nextConnectionId++;
  readonly localAddress: string;
  readonly remoteAddress: string;
  /** Negotiated version once the greeting is done. */
  version?: '1.0' | '2.0' | '3.0' | '3.1';
  pipe?: Pipe;
  private state = State.Greeting;
  /** Until the peer's greeting is whole. */
  private greeting?: GreetingExchange;
  private decoder?: FrameDecoder;
  /** This version's frame writer, once the greeting has settled the version. */
  private encoder?: VersionEncoder;
  /** ZMTP 3.x: the security mechanism, which also seals and opens traffic (CURVE). */
  private mechanism?: Mechanism;
  private handshake?: MechanismHandshake;
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
  private readonly heartbeat: Heartbeat;
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
    const conn = this;
    this.heartbeat = new Heartbeat({
      get inTraffic() {
        return conn.state === State.Traffic;
      },
      sendCommand: (body) => {
        this.sendCommand(body);
        this.scheduleFlush();
      },
      fail: (cause, reason) => this.fail(cause, reason),
    });
    stream.setNoDelay?.(true);
    if (this.remoteAddress.startsWith('tcp://') && this.localAddress.startsWith('tcp://'))
      joinTcpEnd(this.localAddress, this.remoteAddress, this);
    if (reader) {
      reader.attach({
        directTarget: () => (this.state === State.Closed || this.raw ? undefined : this.decoder?.directTarget()),
        onDirect: (n, data) => this.onDirectRead(n, data),
        onChunk: (chunk) => this.onData(chunk),
      });
    } else {
      stream.on('data', (chunk: Buffer) => this.onData(chunk));
    }
    stream.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(CloseCause.Peer, `connection error: ${err.message}`, { errno: err.code === 'EPIPE' ? 'EPIPE' : 'ECONNRESET' }),
    );
    stream.on('end', () => this.onEnd());
    stream.on('close', () => this.onEnd());
    if (raw) {
      this.startRaw();
      return;
    }
    const hs = host.options.handshakeInterval;
    if (hs > 0) this.handshakeTimer = timer(() => this.fail(CloseCause.Timeout, `handshake did not complete within ${hs} ms`), hs);
    this.greeting = new GreetingExchange(
      (bytes) => this.send(bytes),
      host.socketType,
      () => this.mechanismName(),
      this.ourIdentity.length,
    );
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
    const pipe = this.host.attach(this, rawPeer(this.remoteAddress));
    if (!pipe) return this.fail(CloseCause.Refused, 'socket refused the connection');
    this.pipe = pipe;
    pipe.owner = this;
    this.state = State.Traffic;
    // The peer came (another notice when it goes: fail()).
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
    this.heartbeat.traffic();
    if (this.state === State.Greeting) {
      const outcome = this.greeting!.push(chunk);
      if (outcome) this.onGreeting(outcome);
      return;
    }
    this.decode(chunk);
  }

  /** Bytes read straight into the body of a large frame (see SlabReader). */
  private onDirectRead(n: number, data: Buffer): void {
    if (this.state === State.Closed) return;
    if (wireTap) tapChunk(this.id, this.localAddress, this.remoteAddress, 'in', data);
    this.heartbeat.traffic();
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
      if (this.handshake?.busy) this.deferredError = reason;
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

  /** Decodes `unread` in the next turn, unless the pipe is full (writeActivated goes on) or ZAP is awaited (handshakeIdle goes on). */
  private continueUnread(): void {
    if (!this.unread || this.unreadScheduled || this.state === State.Closed) return;
    if (this.handshake?.busy || this.pipe?.outboundFull) return;
    this.unreadScheduled = true;
    setImmediate(this.decodeUnreadBound);
  }

  private decodeUnread(): void {
    this.unreadScheduled = false;
    const chunk = this.unread;
    if (!chunk || this.state === State.Closed || this.handshake?.busy || this.pipe?.outboundFull) return;
    this.unread = undefined;
    // A turn of its own (setImmediate): a fresh budget, shared with the reads up to the next check phase.
    this.budgetTurn = checkPhaseTurn();
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

  /** The peer's greeting is whole: the version is settled, and the handshake for it begins. */
  private onGreeting(outcome: GreetingOutcome): void {
    this.greeting = undefined;
    if (outcome.kind === 'error') {
      this.fail(CloseCause.Protocol, outcome.reason);
      return;
    }
    if (outcome.kind === 'legacy') {
      this.peerType = outcome.peerType;
      this.startLegacy(outcome.revision, outcome.framing, outcome.rest, outcome.unversioned);
      return;
    }
    // libzmq's handshake_v3_x: the peer must use the mechanism our options select.
    const ours = this.mechanismName();
    if (outcome.mechanism !== ours.name) {
      this.fail(CloseCause.Protocol, `security mechanism mismatch: peer uses ${outcome.mechanism}, this socket uses ${ours.name}`, {
        protocolCode: 'ERR_ZMTP_MECHANISM_MISMATCH',
      });
      return;
    }
    this.version = outcome.version;
    this.encoder = VersionEncoder.of(this.version);
    this.decoder = this.newDecoder('v3');
    const mech = this.host.createMechanism(this.remoteAddress);
    if (typeof mech === 'string') {
      this.fail(CloseCause.Refused, mech);
      return;
    }
    this.mechanism = mech;
    this.state = State.Handshake;
    this.handshake = new MechanismHandshake(this.handshakeOwner(), mech, ours.asServer);
    if (!this.handshake.start()) return;
    if (outcome.rest.length) this.decode(outcome.rest);
  }

  /** What the handshake may do to this connection. */
  private handshakeOwner(): HandshakeOwner {
    const conn = this;
    return {
      socketType: this.host.socketType,
      get handshaking() {
        return conn.state === State.Handshake;
      },
      sendCommand: (body) => this.sendCommand(body),
      fail: (cause, reason, detail) => this.fail(cause, reason, detail),
      holdInput: () => this.decoder!.yieldAfterFrame(),
      handshakeDone: (peer) => this.onHandshakeDone(peer),
      handshakeIdle: (behind) => this.onHandshakeIdle(behind),
    };
  }

  private onHandshakeDone(peer: HandshakePeer): void {
    this.peerType = peer.socketType;
    this.peerIdentity = peer.identity;
    this.becomeReady(peer.properties, peer.userId, peer.zapMetadata);
  }

  /** No handshake step is in progress: what arrived behind the handshake is traffic, and reading goes on. */
  private onHandshakeIdle(behind: ReadFrame[]): void {
    if (this.state === State.Traffic) {
      for (const [more, command, body] of behind) {
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
      this.fail(
        CloseCause.Protocol,
        `peer speaks ZMTP ${revision === 1 ? '2.0' : '1.0'}, which cannot do ${this.mechanismName().name} security`,
      );
      return;
    }
    this.legacyPeer = true;
    this.version = framing === 'v1' ? '1.0' : '2.0';
    this.encoder = VersionEncoder.of(this.version);
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
        this.handshake!.onFrame(more, command, body);
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
    this.fail(
      CloseCause.Protocol,
      `multipart message of ${this.parts.length + 1} frames (${this.partsBytes} bytes counted) exceeds maxMessageSize ${limit}`,
    );
    return false;
  }

  private onTrafficCommand(body: Buffer): void {
    const raw = splitCommand(body);
    if (!raw) {
      this.fail(CloseCause.Protocol, 'malformed command frame (name length runs past the frame)');
      return;
    }
    switch (raw.name) {
      case 'PING':
        this.heartbeat.onPing(body);
        return;
      case 'PONG':
        return;
      case 'JOIN':
      case 'LEAVE':
        // RADIO: a DISH peer joins/leaves a group; the type reads it as [\x01group] / [\x00group],
        // the shape of a subscription message.
        if ((this.host.socketType as string) === 'RADIO') this.pipe!.force([legacySubscription(raw.name === 'JOIN', raw.data)]);
        return;
      case 'SUBSCRIBE':
      case 'CANCEL':
        // Only a publisher cares; libzmq turns them back into subscription messages.
        if (this.publishing) this.pipe!.force([legacySubscription(raw.name === 'SUBSCRIBE', raw.data)]);
        return;
      case 'ERROR': {
        const cmd = parseCommand(body) as { reason?: string };
        this.fail(CloseCause.Peer, `peer sent ERROR: ${cmd.reason ?? ''}`);
        return;
      }
      case 'READY':
      case 'HELLO':
      case 'WELCOME':
      case 'INITIATE':
        this.fail(CloseCause.Protocol, `${raw.name} command received after the handshake finished`);
        return;
      default:
        // RFC 37: unknown commands are ignored.
        return;
    }
  }

  private becomeReady(props: Properties, userId: string | undefined, zapMetadata?: Properties): void {
    if (this.handshakeTimer) {
      clearTimeout(this.handshakeTimer);
      this.handshakeTimer = undefined;
    }
    const pipe = this.host.attach(this, {
      version: this.version!,
      socketType: this.peerType,
      properties: props,
      identity: this.peerIdentity,
      userId,
      zapMetadata,
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
    this.heartbeat.start(this.host.options, this.version);
    // closing: shutdown() came during the handshake; the flush writes what is queued, then ends.
    if (pipe.canRead() || subs?.size || this.closing) this.scheduleFlush();
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
    // Closed before the handshake finished: libzmq's read() sees EPIPE, a connection error (it dials again).
    if (this.state === State.Greeting) {
      const read = this.greeting?.bytesReceived ?? 0;
      this.fail(
        CloseCause.Peer,
        read ? `connection closed during the greeting after ${read} bytes` : 'connection closed before the greeting',
        { errno: 'EPIPE' },
      );
    } else if (this.state !== State.Traffic) {
      this.fail(CloseCause.Peer, 'connection closed during the handshake', { errno: 'EPIPE' });
    } else if (pending > 0 || this.parts.length > 0) {
      this.fail(
        CloseCause.Protocol,
        `connection closed in the middle of a message (${pending} bytes of an incomplete frame, ${this.parts.length} frames of an incomplete message dropped)`,
      );
    } else {
      this.fail(CloseCause.Peer, 'peer closed the connection', { errno: 'EPIPE' });
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * Bytes that are not a traffic frame: the greeting, a 1.0/2.0 identity, a STREAM's raw data. Once an
   * encrypting mechanism's handshake is done every frame must be a sealed box (sendFrame, batchFrame):
   * whatever comes here then would reach the wire in the clear, so it is refused and the connection ends.
   */
  private send(buf: Buffer): void {
    if (this.sealing) {
      this.fail(CloseCause.Refused, 'refused to write an unsealed frame on an encrypted connection');
      return;
    }
    this.write(buf);
  }

  private write(buf: Buffer): void {
    if (this.state === State.Closed || buf.length === 0) return;
    if (wireTap) tapChunk(this.id, this.localAddress, this.remoteAddress, 'out', buf);
    this.stream.write(buf);
  }

  /** Traffic goes through the mechanism: every frame after the handshake is a MESSAGE box (CURVE). */
  private get sealing(): boolean {
    return this.state === State.Traffic && this.mechanism?.encrypts === true;
  }

  /**
   * One frame written at once (handshake commands, PONG, a re-sent subscription), in order with any
   * traffic already flushed. The one path for single frames: sealed when the connection encrypts.
   */
  private sendFrame(body: Buffer, more: boolean, command: boolean): void {
    if (this.sealing) {
      // a MESSAGE box goes out as a plain frame with no flags, as libzmq sends it; MORE/COMMAND are inside
      this.write(this.encoder!.frame(this.mechanism!.seal!(body, more, command), false, false));
    } else {
      this.write(this.encoder!.frame(body, more, command));
    }
  }

  /** The batch twin of sendFrame: adds one frame, sealed when the connection encrypts; returns the bytes it takes. */
  private batchFrame(batch: WriteBatch, body: Buffer, more: boolean, command: boolean, sealing: boolean): number {
    if (sealing) {
      const sealed = this.mechanism!.seal!(body, more, command);
      batch.add(sealed, false, false);
      return sealed.length + 9;
    }
    batch.add(body, more, command);
    return body.length + 9;
  }

  private sendCommand(body: Buffer): void {
    this.sendFrame(body, false, true);
  }

  /** A subscription re-sent on a new connection (a [1]topic message), as this version carries it. */
  private sendSubscription(message: Buffer): void {
    const command = this.subscriptionCommand(message);
    if (command) this.sendCommand(command);
    else this.sendFrame(message, false, false);
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
      microtask(this.flushBound);
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
    if (
      this.closing &&
      this.state === State.Traffic &&
      !this.flushScheduled &&
      !this.waitingDrain &&
      !this.pipe?.active &&
      !this.pipe?.canRead()
    )
      this.finishClosing();
  }

  private flushNow(): void {
    this.flushScheduled = false;
    const pipe = this.pipe;
    if (this.state !== State.Traffic || this.waitingDrain || !pipe) return;
    if (this.raw) return this.flushRaw(pipe);
    const first = pipe.peek();
    if (first === undefined) return this.afterFlush();
    const sealing = this.sealing;
    const translate = this.subscribing;
    if (pipe.readable === 1 && !sealing && !translate && allFramesSmall(first)) {
      // Alone in the pipe (most requests and replies): one buffer, written as it is.
      pipe.read();
      if (messageTap) tapMessage(first, this.remoteAddress);
      this.send(this.encoder!.message(first));
      return this.afterFlush();
    }
    const batch = new WriteBatch(this.encoder!, first, pipe.readable, this.flushBudget);
    let total = 0;
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
          total += this.batchFrame(batch, command, false, true, sealing);
          continue;
        }
      }
      for (let i = 0; i < msg.length; i++) total += this.batchFrame(batch, msg[i], i < msg.length - 1, false, sealing);
    }
    // Every frame in the batch went through batchFrame (sealed when it must be).
    const parts = batch.finish();
    if (parts.length === 1) this.write(parts[0]);
    else if (parts.length > 1) {
      this.stream.cork();
      for (const p of parts) this.write(p);
      this.stream.uncork();
    }
    this.afterFlush();
  }

  private flushRaw(pipe: Pipe): void {
    // STREAM: an empty message closes the connection.
    if (writeRaw(pipe, (bytes) => this.send(bytes), this.remoteAddress)) return this.shutdown(0);
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

  /**
   * Closes the connection: no more input or output. `detail`: what the monitor events and the decision to
   * dial again need besides the cause (a ZAP status, libzmq's protocol error code, the stream's errno, ...).
   */
  fail(cause: CloseCause, reason: string, detail: EndDetail = {}): void {
    if (this.state === State.Closed) return;
    const handshaken = this.state === State.Traffic;
    this.state = State.Closed;
    this.unread = undefined;
    leaveTcpEnd(this.localAddress, this.remoteAddress, this);
    for (const t of [this.handshakeTimer, this.lingerTimer]) if (t) clearTimeout(t);
    this.heartbeat.stop();
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
    this.host.closed(this, { ...detail, handshaken, cause, reason, raw: this.raw });
  }
}

/** The reason a connection closes on a decoder error: bad bytes, or a frame we could not find memory for. */
function decodeFailure(err: FrameDecodeError): string {
  return err.kind === 'memory'
    ? `out of memory at byte ${err.offset}: ${err.message}`
    : `malformed frame at byte ${err.offset}: ${err.message}`;
}

/** The peer's address as monitor events and Socket.peers give it (tcp://ip:port; an ipc endpoint as written). */
export function remoteAddressOf(stream: net.Socket, endpoint: string): string {
  return describeAddress(stream.remoteAddress, stream.remotePort, endpoint);
}

function describeAddress(address: string | undefined, port: number | undefined, endpoint: string): string {
  if (!address) return endpoint;
  if (endpoint.startsWith('ipc://')) return endpoint;
  return address.includes(':') ? `tcp://[${address}]:${port}` : `tcp://${address}:${port}`;
}
