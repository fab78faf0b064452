// A tiny TCP relay that sits between a real client and a real server (libzmq through zeromq.js, pyzmq,
// or a raw socket) and records each direction's bytes in arrival order. What it records is real
// traffic, which the inspector tests then replay as TcpStreamEvents.
import net from 'node:net';
import type { TcpConnection, TcpStreamEvent } from '../../../core/capture/types.js';

export interface RecordedChunk {
  conn: number;
  dir: 'c2s' | 's2c';
  ts: number;
  data: Buffer;
}

export interface Relay {
  port: number;
  chunks: RecordedChunk[];
  /** Connections in accept order, with the relay's view of the endpoints. */
  conns: TcpConnection[];
  /** Resolves once every relayed connection has closed. */
  closeAll(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const chunks: RecordedChunk[] = [];
  const conns: TcpConnection[] = [];
  const sockets = new Set<net.Socket>();
  let nextId = 1;
  const server = net.createServer((client) => {
    const id = nextId++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    conns.push({
      id,
      client: { ip: client.remoteAddress!.replace(/^::ffff:/, ''), port: client.remotePort! },
      server: { ip: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
      midstream: false,
    });
    client.on('data', (data) => {
      chunks.push({ conn: id, dir: 'c2s', ts: Date.now() / 1000, data: Buffer.from(data) });
      upstream.write(data);
    });
    upstream.on('data', (data) => {
      chunks.push({ conn: id, dir: 's2c', ts: Date.now() / 1000, data: Buffer.from(data) });
      client.write(data);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    chunks,
    conns,
    async closeAll() {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Turns recorded chunks into the events TCP reassembly would emit: open, data in order, close.
 * `split` re-cuts each chunk (e.g. into single bytes) to show chunking does not matter.
 */
export function toEvents(relay: Pick<Relay, 'chunks' | 'conns'>, split?: (data: Buffer) => Buffer[]): TcpStreamEvent[] {
  const events: TcpStreamEvent[] = [];
  const byId = new Map(relay.conns.map((c) => [c.id, c]));
  const opened = new Set<number>();
  let lastTs = 0;
  for (const ch of relay.chunks) {
    const conn = byId.get(ch.conn)!;
    if (!opened.has(conn.id)) {
      opened.add(conn.id);
      events.push({ kind: 'open', conn, ts: ch.ts });
    }
    for (const part of split ? split(ch.data) : [ch.data]) events.push({ kind: 'data', conn, dir: ch.dir, ts: ch.ts, data: part });
    lastTs = ch.ts;
  }
  for (const id of opened) events.push({ kind: 'close', conn: byId.get(id)!, ts: lastTs, reason: 'fin' });
  return events;
}

/** Seeded PRNG (mulberry32) so random cuts and mutations are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
