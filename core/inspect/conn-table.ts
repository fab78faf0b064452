// The inspector's connection table: the open TCP connections by id, and a ring of the most recently
// closed ones (their final snapshots) for connections().
import type { Direction, TcpConnection } from '../capture/types.js';
import { formatEndpoint } from '../capture/types.js';
import { openedConnectionInfo, type ConnectionInfo } from './connection.js';
import { RateSeries } from './stats.js';
import { EMPTY, type ConnState, type DirState } from './stream-state.js';

export class ConnectionTable {
  readonly open = new Map<number, ConnState>();
  /** The most recently closed connections: a ring (oldest overwritten) and an index by id. */
  private closedRing: ConnectionInfo[] = [];
  private closedNext = 0;
  private readonly closedById = new Map<number, ConnectionInfo>();

  constructor(
    private readonly maxClosed: number,
    private readonly bucketSeconds: number,
  ) {}

  /** A new connection's state (the caller closes any connection it replaces first). */
  create(conn: TcpConnection, ts: number): ConnState {
    // Seen mid-stream, the first packet's sender passes for the client. When that side has a fixed
    // port and the other an ephemeral one (32768 and up on Linux, 49152 and up elsewhere), it is
    // surely the server: swap, so c2s/s2c and client/server mean what they say.
    const swapped = conn.midstream && conn.client.port < 32768 && conn.server.port >= 32768;
    const client = formatEndpoint(swapped ? conn.server : conn.client);
    const server = formatEndpoint(swapped ? conn.client : conn.server);
    const info = openedConnectionInfo(conn.id, client, server, conn.midstream, 'handshake', ts);
    const mkDir = (dir: Direction): DirState => ({
      dir,
      src: dir === 'c2s' ? client : server,
      dst: dir === 'c2s' ? server : client,
      counts: info.counts[dir],
      tag: {},
      phase: conn.midstream ? 'start' : 'greeting',
      head: EMPTY,
      headTimes: [],
      decoderBase: 0,
      offset: 0,
      frames: [],
      heuristic: false,
      ready: false,
      skipped: 0,
      ts,
      lastEvent: 0,
      parkedOffset: 0,
      roles: 0,
      rolesKnown: false,
    });
    const c: ConnState = {
      conn,
      info,
      addr: { c2s: client, s2c: server },
      dirs: { c2s: mkDir('c2s'), s2c: mkDir('s2c') },
      requests: [],
      subs: new Set(),
      rate: new RateSeries(this.bucketSeconds, 120),
      ignored: false,
      decodedAny: false,
      openTs: ts,
      announced: false,
      swapped,
    };
    this.open.set(conn.id, c);
    return c;
  }

  /** Moves a connection from the open table to the closed ring. */
  retire(c: ConnState): void {
    this.open.delete(c.conn.id);
    this.keepClosed(snapshot(c));
  }

  closed(id: number): ConnectionInfo | undefined {
    const i = this.closedById.get(id);
    return i ? { ...i } : undefined;
  }

  /** Open connections first, then the closed ones, oldest first. */
  all(): ConnectionInfo[] {
    return [...[...this.open.values()].map(snapshot), ...this.closedInOrder().map((i) => ({ ...i }))];
  }

  /**
   * Lets quiet streams drop their frame decoder when it holds no unfinished frame: a decoder may keep
   * buffers (pooled bodies) that thousands of idle connections would otherwise pin. It is recreated,
   * at the same offset, when data comes again (phase-machine.ts decodeFrames).
   */
  sweep(quietBefore: number): void {
    for (const c of this.open.values()) {
      for (const d of [c.dirs.c2s, c.dirs.s2c]) {
        const dec = d.decoder;
        if (dec && d.lastEvent < quietBefore && dec.buffered === 0 && !dec.error && d.phase === 'frames') {
          d.parkedOffset = dec.offset;
          d.decoder = undefined;
        }
      }
    }
  }

  private keepClosed(info: ConnectionInfo): void {
    const max = this.maxClosed;
    if (max <= 0) return;
    if (this.closedRing.length < max) {
      this.closedRing.push(info);
    } else {
      const old = this.closedRing[this.closedNext];
      if (this.closedById.get(old.id) === old) this.closedById.delete(old.id);
      this.closedRing[this.closedNext] = info;
      this.closedNext = (this.closedNext + 1) % max;
    }
    this.closedById.set(info.id, info);
  }

  private closedInOrder(): ConnectionInfo[] {
    return [...this.closedRing.slice(this.closedNext), ...this.closedRing.slice(0, this.closedNext)];
  }
}

/** A connection's model as the UI gets it: a copy, with the live parts (subscriptions, pending, rate) filled in. */
export function snapshot(c: ConnState): ConnectionInfo {
  const i = c.info;
  return {
    ...i,
    versions: { ...i.versions },
    socketTypes: { ...i.socketTypes },
    identities: { ...i.identities },
    counts: { c2s: { ...i.counts.c2s }, s2c: { ...i.counts.s2c } },
    subscriptions: [...c.subs],
    pairs: { ...i.pairs, pending: c.requests.length },
    rate: c.rate.snapshot(),
  };
}
