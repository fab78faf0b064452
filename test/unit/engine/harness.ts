// Wiring for unit tests of socket types: a SocketHost that counts wake-ups, and real Pipe pairs
// whose socket end forwards to the type exactly as the Socket base does.
import { Pipe, type PipeOwner } from '../../../core/engine/pipe.js';
import type { SocketHost, SocketType } from '../../../core/engine/socket-type.js';

export class TestHost implements SocketHost {
  readable = 0;
  writable = 0;
  constructor(public readonly options: Record<string, unknown> = {}) {}
  notifyReadable(): void {
    this.readable++;
  }
  notifyWritable(): void {
    this.writable++;
  }
}

/** Forwards pipe events to a socket type (what the Socket base does). */
export function ownerFor(type: SocketType): PipeOwner {
  return {
    readActivated: (p) => type.readActivated(p),
    writeActivated: (p) => type.writeActivated(p),
    pipeTerminated: (p) => type.detach(p),
  };
}

/** Records events at the remote end of a pipe. */
export class PeerEnd implements PipeOwner {
  terminated = false;
  readActivations = 0;
  writeActivations = 0;
  readActivated(): void {
    this.readActivations++;
  }
  writeActivated(): void {
    this.writeActivations++;
  }
  pipeTerminated(): void {
    this.terminated = true;
  }
}

export interface Peer {
  /** The type's end. */
  local: Pipe;
  /** The remote end, standing for the peer connection. */
  remote: Pipe;
  events: PeerEnd;
  /** Everything the type has sent to this peer so far, as utf8 strings per frame. */
  drain(): string[][];
}

/**
 * Attaches a new peer to `type`. `sendHwm` bounds what the type may queue to the peer,
 * `recvHwm` what the peer may queue to the type. `routingId` stands for the peer's Identity.
 */
export function attachPeer(
  type: SocketType,
  opts: { sendHwm?: number; recvHwm?: number; routingId?: string | Buffer; before?: (remote: Pipe) => void } = {},
): Peer {
  const [local, remote] = Pipe.pair(opts.sendHwm ?? 0, opts.recvHwm ?? 0);
  local.owner = ownerFor(type);
  const events = new PeerEnd();
  remote.owner = events;
  if (opts.routingId !== undefined) local.routingId = Buffer.isBuffer(opts.routingId) ? opts.routingId : Buffer.from(opts.routingId);
  opts.before?.(remote);
  type.attach(local);
  return {
    local,
    remote,
    events,
    drain: () => {
      const out: string[][] = [];
      for (let m = remote.read(); m !== undefined; m = remote.read()) out.push(m.map((f) => f.toString()));
      return out;
    },
  };
}

/** Joins two socket types directly (like inproc): returns the pipe ends of a and b. */
export function link(a: SocketType, b: SocketType, hwm = 0): [Pipe, Pipe] {
  const [pa, pb] = Pipe.pair(hwm, hwm);
  pa.owner = ownerFor(a);
  pb.owner = ownerFor(b);
  a.attach(pa);
  b.attach(pb);
  return [pa, pb];
}

export function msg(...frames: string[]): Buffer[] {
  return frames.map((f) => Buffer.from(f));
}

export function str(m: Buffer[] | undefined): string[] | undefined {
  return m?.map((f) => f.toString());
}
