// ZMTP 3.1 heartbeats (RFC 37), as libzmq's engine keeps them: a PING every heartbeatInterval, and the
// connection ends when nothing at all comes back within heartbeatTimeout of a PING; a peer's PING is
// answered with PONG, and its TTL ends the connection when nothing more arrives within it. Any bytes
// from the peer count as a sign of life, not only PONG, as in libzmq (a busy peer need not answer).
import { parseCommand, pingCommand, pongCommand } from '../../zmtp/commands.js';
import type { CommonOptionValues } from '../options.js';
import { interval, timer } from '../keepalive.js';
import { CloseCause } from './close-cause.js';

export interface HeartbeatOwner {
  /** The connection carries traffic: PINGs are due only then. */
  readonly inTraffic: boolean;
  /** Sends a command frame and gets it written soon. */
  sendCommand(body: Buffer): void;
  fail(cause: CloseCause, reason: string): void;
}

export class Heartbeat {
  private pingTimer?: NodeJS.Timeout;
  /** Armed by our PING, cleared by any bytes from the peer. */
  private timeoutTimer?: NodeJS.Timeout;
  /** Armed by the peer's PING with a TTL, cleared by any bytes from the peer. */
  private ttlTimer?: NodeJS.Timeout;

  constructor(private readonly owner: HeartbeatOwner) {}

  /** Starts our PINGs; `options` is the socket's live bag, read at each PING as libzmq reads its options. */
  start(options: CommonOptionValues, version: string | undefined): void {
    const ivl = options.heartbeatInterval;
    // PING/PONG are ZMTP 3.1 (RFC 37); a 3.0 peer would not answer.
    if (!(ivl > 0) || version !== '3.1') return;
    this.pingTimer = interval(() => {
      if (!this.owner.inTraffic) return;
      this.owner.sendCommand(pingCommand(Math.floor(options.heartbeatTimeToLive / 100)));
      if (!this.timeoutTimer) {
        const t = options.heartbeatTimeout;
        const timeout = t >= 0 ? t : ivl;
        this.timeoutTimer = timer(
          () => this.owner.fail(CloseCause.Timeout, `heartbeat: no traffic from peer within ${timeout} ms of a PING`),
          timeout,
        );
      }
    }, ivl);
  }

  /** Bytes came from the peer: it is alive. */
  traffic(): void {
    if (this.timeoutTimer) {
      clearTimeout(this.timeoutTimer);
      this.timeoutTimer = undefined;
    }
    if (this.ttlTimer) {
      clearTimeout(this.ttlTimer);
      this.ttlTimer = undefined;
    }
  }

  /** The peer's PING (its whole command body): PONG with its context, and its TTL armed. */
  onPing(body: Buffer): void {
    const cmd = parseCommand(body) as { ttl: number; context: Buffer; error?: string };
    if (cmd.error) {
      this.owner.fail(CloseCause.Protocol, `malformed PING: ${cmd.error}`);
      return;
    }
    this.owner.sendCommand(pongCommand(cmd.context));
    if (cmd.ttl > 0) {
      if (this.ttlTimer) clearTimeout(this.ttlTimer);
      const ms = cmd.ttl * 100;
      this.ttlTimer = timer(() => this.owner.fail(CloseCause.Timeout, `heartbeat: peer's TTL of ${ms} ms expired with no traffic`), ms);
    }
  }

  stop(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.ttlTimer) clearTimeout(this.ttlTimer);
  }
}
