// The connect side of one tcp/ipc endpoint: dials, runs a Connection, and when it drops dials again
// with backoff (reconnectInterval, doubling up to reconnectMaxInterval when set, like libzmq); after a
// protocol error or a refusal it stops instead, as libzmq's session does. Unless
// `immediate` is set (or the type needs the peer's identity first: a ROUTER without a connect routing
// id), its pipe is made at connect() time and kept across reconnects, so messages queue before the first connection and survive
// a peer restart (libzmq's session_base_t).
import net from 'node:net';
import { Pipe } from './pipe.js';
import { Connection, remoteAddressOf, type ConnectionHost, type PeerInfo } from './connection/connection.js';
import { CloseCause, connectionEndEvents, redialsAfter, type ConnectionEnd } from './connection/close-cause.js';
import { dialStream, isNameFailure, type StreamEndpoint } from './transports/stream.js';
import { dialTcp } from './transports/tcp.js';
import { readerOf } from './transports/reader.js';
import { socksRoute, socksHandshake, type SocksRoute } from './transports/socks.js';
import type { Mechanism } from '../zmtp/mechanisms/mechanism.js';
import type { SocketTypeName } from '../zmtp/constants.js';
import type { SocketEvent } from './monitor.js';
import { timer } from './keepalive.js';
import type { CommonOptionValues } from './option-table.js';

/** What a session needs from its socket. */
export interface SessionHost {
  readonly socketType: SocketTypeName;
  readonly options: CommonOptionValues;
  createMechanism(peerAddress: string): Mechanism | string;
  /** Makes a pipe pair with the socket's HWMs; returns [socketEnd, sessionEnd]. */
  makePipe(): [Pipe, Pipe];
  /** Hands the socket end to the socket type. */
  attachPipe(socketEnd: Pipe): void;
  fillPeerInfo(socketEnd: Pipe, peer: PeerInfo): void;
  emit(event: SocketEvent): void;
  /** The socket type makes this endpoint's pipe at connect() although it normally waits for the handshake. */
  pipeAtConnect(address: string): boolean;
  /** The session has fully stopped (for close/linger bookkeeping). */
  sessionDone(session: Session): void;
  readonly closed: boolean;
}

export class Session implements ConnectionHost {
  private socketEnd?: Pipe;
  private sessionEnd?: Pipe;
  private attached = false;
  private conn?: Connection;
  private dialing?: net.Socket;
  private retryTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private lingerTimer?: NodeJS.Timeout;
  private interval = -1;
  private stopping = false;
  private done = false;
  /**
   * Subscriptions sent over earlier connections, re-sent on a new one. Only for a kept pipe: a new pipe
   * per connection gets them from the SUB/XSUB type itself (twice would leave a CANCEL one short).
   */
  private readonly sentSubscriptions = new Map<string, Buffer>();
  get subscriptions(): Map<string, Buffer> | undefined {
    return this.keepsPipe ? this.sentSubscriptions : undefined;
  }
  private readonly keepsPipe: boolean;
  private readonly raw: boolean;
  /** tcp through a SOCKS5 proxy: the socks options as they were at connect() (libzmq reads them then). */
  private readonly socks?: SocksRoute;
  /** A SOCKS exchange in progress: abandons it. */
  private abandonSocks?: () => void;
  /**
   * The address monitor events carry: the endpoint, or for a SOCKS connect the proxy's (tcp://host:port
   * as socksProxy was written), as libzmq reports it.
   */
  private readonly eventAddress: string;

  constructor(
    private readonly host: SessionHost,
    readonly ep: StreamEndpoint,
  ) {
    this.raw = host.socketType === 'STREAM';
    // STREAM too: libzmq gives a connecting STREAM its pipe, and so its routing id, at connect().
    this.keepsPipe = host.options.immediate !== true && (host.socketType !== 'ROUTER' || host.pipeAtConnect(ep.address));
    if (ep.transport === 'tcp' && host.options.socksProxy) this.socks = socksRoute(ep, host.options);
    this.eventAddress = this.socks ? this.socks.eventAddress : ep.address;
  }

  get socketType(): SocketTypeName {
    return this.host.socketType;
  }
  get options(): CommonOptionValues {
    return this.host.options;
  }
  get address(): string {
    return this.ep.address;
  }
  createMechanism(peerAddress: string): Mechanism | string {
    return this.host.createMechanism(peerAddress);
  }

  start(): void {
    if (this.keepsPipe) this.makePipe(true);
    this.dial();
  }

  private makePipe(attachNow: boolean): void {
    const [socketEnd, sessionEnd] = this.host.makePipe();
    socketEnd.endpoint = this.ep.address;
    sessionEnd.endpoint = this.ep.address;
    this.socketEnd = socketEnd;
    this.sessionEnd = sessionEnd;
    this.attached = false;
    // While no connection serves it, the session holds the pipe: it only needs to know when it ends.
    sessionEnd.owner = {
      readActivated: () => {},
      writeActivated: () => {},
      pipeTerminated: () => this.onPipeGone(sessionEnd),
    };
    if (attachNow) {
      this.attached = true;
      this.host.attachPipe(socketEnd);
    }
  }

  private dial(): void {
    if (this.done) return;
    this.retryTimer = undefined;
    if (this.socks) return this.dialSocks(this.socks);
    let s: net.Socket;
    try {
      s = dialStream(this.ep, this.host.options);
    } catch (e) {
      // libzmq could not open a socket: it retries without a close.
      this.scheduleRetry(`cannot connect: ${(e as Error).message}`);
      return;
    }
    this.dialing = s;
    // libzmq emits connect:delay only when connect() would block: never for ipc (a Unix socket connects or
    // fails at once), and for a host name only once it resolved (it resolves before it opens a socket).
    if (this.ep.transport === 'tcp' && net.isIP(this.ep.host) === 0) {
      s.once('lookup', (err: Error | null) => {
        if (!err && this.dialing === s) this.host.emit({ type: 'connect:delay', address: this.ep.address });
      });
    } else if (this.ep.transport !== 'ipc') this.host.emit({ type: 'connect:delay', address: this.ep.address });
    const timeout = this.host.options.connectTimeout;
    const failed = (err: NodeJS.ErrnoException | undefined) => {
      this.dialing = undefined;
      s.destroy();
      if (err) this.dialFailed(err.message, !isNameFailure(err));
      else this.dialFailed(`connect timed out after ${timeout} ms`, true);
    };
    this.awaitDial(s, failed, () => {
      this.dialing = undefined;
      if (this.done) {
        s.destroy();
        return;
      }
      if (this.ep.transport === 'tcp' && s.localPort !== undefined && s.localPort === s.remotePort && s.localAddress === s.remoteAddress) {
        // TCP self-connect (dialing a free port in the ephemeral range can land on itself).
        s.destroy();
        this.dialFailed('connected to itself', true);
        return;
      }
      // Our addition, as on 'accept': which peer (libzmq gives only the endpoint).
      this.host.emit({ type: 'connect', address: this.ep.address, remoteAddress: remoteAddressOf(s, this.ep.address) });
      this.conn = new Connection(s, this, this.ep.address, this.raw);
    });
  }

  /**
   * A dial that did not connect. As libzmq's connecter: once it had opened a socket (refused, timed out,
   * connected to itself, the SOCKS exchange failed) it closes it ('close') before it schedules the retry;
   * a host name that does not resolve never opened one, and gives only connect:retry.
   */
  private dialFailed(reason: string, opened: boolean): void {
    if (this.done) return;
    const disabled = this.host.options.reconnectInterval <= 0;
    if (opened)
      this.host.emit({ type: 'close', address: this.eventAddress, reason: disabled ? `${reason}; reconnection disabled` : reason });
    this.scheduleRetry(reason);
  }

  /**
   * Dials the SOCKS5 proxy and runs the SOCKS exchange before ZMTP. Events as libzmq's socks_connecter:
   * connect:delay, then connect once the proxy has connected us to the endpoint; any failure (proxy
   * down, refused, a bad reply) closes the socket ('close') and retries ('connect:retry').
   */
  private dialSocks(route: SocksRoute): void {
    const address = this.eventAddress;
    if (route.problem) {
      // libzmq cannot even open the socket (an unusable socksProxy): it retries without other events.
      this.scheduleRetry(`${route.problem.code}: ${route.problem.message}`);
      return;
    }
    const s = dialTcp({ ...route.proxyEndpoint }, this.host.options);
    this.dialing = s;
    this.host.emit({ type: 'connect:delay', address });
    const failed = (reason: string) => {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.abandonSocks = undefined;
      this.dialing = undefined;
      // An error the socket still reports while going away has no one left to hear it.
      s.on('error', () => {});
      s.destroy();
      this.dialFailed(reason, true);
    };
    const timeout = this.host.options.connectTimeout;
    const proxyFailed = (err: Error | undefined) =>
      failed(
        err
          ? `cannot connect to SOCKS5 proxy ${route.proxy}: ${err.message}`
          : `connect to SOCKS5 proxy ${route.proxy} timed out after ${timeout} ms`,
      );
    this.awaitDial(s, proxyFailed, () => {
      if (this.done) return;
      // The exchange gets connectTimeout, or else the handshake interval, so a silent proxy cannot hold the connect forever.
      const limit = timeout > 0 ? timeout : this.host.options.handshakeInterval;
      this.abandonSocks = socksHandshake(s, readerOf(s)!, route.proxy, route.target, route.auth, limit, (err) => {
        if (err) return failed(`${err.code}: ${err.message}`);
        this.abandonSocks = undefined;
        this.dialing = undefined;
        if (this.done) {
          s.destroy();
          return;
        }
        this.host.emit({ type: 'connect', address });
        this.conn = new Connection(s, this, this.ep.address, this.raw);
      });
    });
  }

  /**
   * Waits for a dialed socket to connect, fail (`onFail` with its error), or outlast connectTimeout
   * (`onFail` with none): the one place a dial's timer and listeners are set and cleared, for a direct
   * dial and a SOCKS proxy's alike.
   */
  private awaitDial(s: net.Socket, onFail: (err: NodeJS.ErrnoException | undefined) => void, onConnect: () => void): void {
    const timeout = this.host.options.connectTimeout;
    if (timeout > 0) this.connectTimer = timer(() => onFail(undefined), timeout);
    const onError = (err: NodeJS.ErrnoException) => {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      onFail(err);
    };
    s.once('error', onError);
    s.once('connect', () => {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      s.off('error', onError);
      onConnect();
    });
  }

  private scheduleRetry(reason: string): void {
    if (this.done) return;
    if (this.stopping && !this.hasPending()) return this.finish();
    const base = this.host.options.reconnectInterval;
    // reconnectInterval -1 (or 0: libzmq's connecter and session redial only after a positive interval):
    // libzmq does not reconnect, and says nothing more.
    if (base <= 0) return;
    const max = this.host.options.reconnectMaxInterval;
    let wait: number;
    if (max > 0) {
      this.interval = this.interval < 0 ? base : Math.min(max, this.interval * 2);
      wait = this.interval;
    } else {
      // libzmq adds a random part so many clients do not reconnect in lockstep.
      wait = base + Math.floor(Math.random() * base);
    }
    this.host.emit({ type: 'connect:retry', address: this.eventAddress, interval: wait, reason });
    this.retryTimer = timer(() => this.dial(), wait);
  }

  attach(conn: Connection, peer: PeerInfo): Pipe | undefined {
    if (this.done || (this.host.closed && !this.stopping)) return undefined;
    if (this.stopping && !this.sessionEnd) return undefined;
    this.interval = -1;
    if (!this.sessionEnd) this.makePipe(false);
    this.host.fillPeerInfo(this.socketEnd!, peer);
    if (!this.attached) {
      this.attached = true;
      this.host.attachPipe(this.socketEnd!);
    }
    // A STREAM's raw connection has no handshake, and libzmq reports none (on either side).
    if (!conn.raw) this.host.emit({ type: 'handshake', address: this.eventAddress, remoteAddress: conn.remoteAddress });
    return this.sessionEnd;
  }

  closed(conn: Connection, info: ConnectionEnd): void {
    if (this.conn === conn) this.conn = undefined;
    for (const event of connectionEndEvents(this.eventAddress, conn.remoteAddress, info)) this.host.emit(event);
    const end = this.sessionEnd;
    if (end) {
      // Back in the session's hands until the next connection.
      end.owner = { readActivated: () => {}, writeActivated: () => {}, pipeTerminated: () => this.onPipeGone(end) };
      if (!end.active && !end.canRead()) return this.onPipeGone(end);
    }
    if (!this.keepsPipe && end && info.handshaken) {
      end.terminate();
      this.sessionEnd = undefined;
      this.socketEnd = undefined;
    }
    if (this.stopping && !this.hasPending()) return this.finish();
    if (!redialsAfter(info)) return this.giveUp();
    this.scheduleRetry(info.reason);
  }

  /**
   * After a protocol error or a refusal libzmq's session ends instead of dialing again (engine_error). The
   * endpoint stays connected in name (disconnect() still finds it, as in libzmq) with no connection and no
   * pipe: what was queued for this peer is dropped, as libzmq's pipe termination drops it.
   */
  private giveUp(): void {
    const end = this.sessionEnd;
    this.sessionEnd = undefined;
    this.socketEnd = undefined;
    // The socket end hears of it once it has read what this peer sent; what it queued for the peer goes.
    end?.terminateNow();
  }

  private hasPending(): boolean {
    return !!this.sessionEnd && this.sessionEnd.canRead();
  }

  /** The socket end went away (socket closed or disconnected) and everything was read. */
  private onPipeGone(end: Pipe): void {
    if (end !== this.sessionEnd) return;
    this.sessionEnd = undefined;
    this.socketEnd = undefined;
    // A STREAM socket ended this peer ([id, ''] or its close): libzmq ends a raw session with its pipe.
    if (this.stopping || this.host.closed || this.raw) this.finish();
  }

  /**
   * Stops: with linger 0 at once; otherwise a live connection first writes what is queued (at most
   * `linger` ms, -1 = no limit), and a session still dialing keeps trying until then.
   */
  stop(linger: number): void {
    if (this.done || this.stopping) return;
    this.stopping = true;
    if (this.socketEnd) this.socketEnd.terminate();
    if (linger === 0) return this.finish();
    if (this.conn) {
      this.conn.shutdown(linger);
      return;
    }
    if (!this.hasPending()) return this.finish();
    if (linger > 0) this.lingerTimer = timer(() => this.finish(), linger);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.stopping = true;
    for (const t of [this.retryTimer, this.connectTimer, this.lingerTimer]) if (t) clearTimeout(t);
    this.abandonSocks?.();
    this.abandonSocks = undefined;
    if (this.dialing) {
      // A dial still in progress lives on in libuv until its connect attempt ends; without our listeners
      // it no longer reaches this session, its socket or the context (zeromq.js drops its context
      // reference at close, so a closed socket's context can be collected at once).
      this.dialing
        .removeAllListeners('connect')
        .removeAllListeners('error')
        .on('error', () => {});
      this.dialing.destroy();
      this.dialing = undefined;
    }
    this.conn?.fail(CloseCause.Local, 'closed by this side');
    this.socketEnd?.terminateNow();
    this.sessionEnd?.terminateNow();
    this.host.sessionDone(this);
  }
}
