// Shared by the capture interop tests: run tcpdump/dumpcap into a file, generate recorded TCP traffic
// with plain Node sockets, and read a capture back into reassembled streams.
import { execFileSync } from 'node:child_process';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  openCapture,
  decodeLinkLayer,
  TcpReassembler,
  TCP_FIN,
  type Packet,
  type CaptureWarning,
  type TcpStreamEvent,
  type TcpConnection,
} from '../../../core/capture/index.js';
import { launchCaptureTool } from '../../helpers/capture.js';

export type Tool = 'tcpdump' | 'dumpcap';

export interface FileCapture {
  stop(): Promise<void>;
  stderr(): string;
}

/** Starts tcpdump or dumpcap writing to `file`; resolves once it is really capturing. */
export async function captureToFile(o: {
  tool: Tool;
  iface?: string;
  filter: string;
  file: string;
  args?: string[];
}): Promise<FileCapture> {
  const iface = o.iface ?? 'lo';
  const args =
    o.tool === 'tcpdump'
      ? // -Z root: keep root so it can write into a private temp dir. No --immediate-mode: it makes libpcap
        // use a ring of snaplen-sized slots (64 in 16 MiB) that overflows on bursts of 64 KB loopback
        // segments; the default ring packs packets, and waitForFins() waits for its 1 s block timeout.
        ['-i', iface, '-n', '-U', '-B', '16384', '-Z', 'root', '-w', o.file, ...(o.args ?? []), o.filter]
      : ['-i', iface, '-f', o.filter, '-w', o.file, ...(o.args ?? [])];
  // dumpcap writing a file names it once it is capturing.
  const { child, exited, stderr } = await launchCaptureTool(o.tool, args, { ready: o.tool === 'tcpdump' ? /listening on/ : /File: / });
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
    stderr,
  };
}

export async function readAll(file: string): Promise<{ packets: Packet[]; warnings: CaptureWarning[] }> {
  const packets: Packet[] = [];
  const warnings: CaptureWarning[] = [];
  for await (const p of openCapture(file)) 'kind' in p ? warnings.push(p) : packets.push(p);
  return { packets, warnings };
}

/** Polls the capture file (bounded) until it holds at least `fins` TCP segments with FIN set. */
export async function waitForFins(file: string, fins: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const { packets } = await readAll(file);
      let n = 0;
      for (const p of packets) {
        const d = decodeLinkLayer(p);
        if (d && d.kind === 'tcp' && d.tcp.flags & TCP_FIN) n++;
      }
      if (n >= fins) return;
    } catch {
      // The tool may not have written its file header yet.
    }
    await sleep(100);
  }
  throw new Error(`capture ${file} never showed ${fins} FIN segments`);
}

export interface Reassembled {
  events: TcpStreamEvent[];
  conns: TcpConnection[];
  warnings: CaptureWarning[];
  /** Concatenated data per connection id and direction. */
  stream(id: number, dir: 'c2s' | 's2c'): Buffer;
  gaps: number;
}

export function reassemblePackets(packets: Iterable<Packet>): Reassembled {
  const warnings: CaptureWarning[] = [];
  const r = new TcpReassembler({ onWarning: (w) => warnings.push(w) });
  const events: TcpStreamEvent[] = [];
  for (const p of packets) events.push(...r.push(p));
  events.push(...r.end());
  const conns = events.filter((e) => e.kind === 'open').map((e) => e.conn);
  return {
    events,
    conns,
    warnings,
    gaps: events.filter((e) => e.kind === 'gap').length,
    stream: (id, dir) =>
      Buffer.concat(events.filter((e) => e.kind === 'data' && e.conn.id === id && e.dir === dir).map((e) => (e as { data: Buffer }).data)),
  };
}

export function tshark(file: string, fields: string[], filter?: string): string[][] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'tcp.check_checksum:TRUE',
      '-o',
      'ip.check_checksum:TRUE',
      ...(filter ? ['-Y', filter] : []),
      '-T',
      'fields',
      '-E',
      'separator=/t',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

/** Deterministic pseudo-random bytes (so failures reproduce). */
export function pseudoRandom(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let block = Buffer.alloc(0);
  for (let i = 0, k = 0; i < n; i++) {
    if (i % 32 === 0) block = createHash('sha256').update(`${seed}:${k++}`).digest();
    out[i] = block[i % 32];
  }
  return out;
}

export interface Session {
  clientPort: number;
  /** What the client wrote / the server wrote, in order. */
  c2s: Buffer;
  s2c: Buffer;
}

/** A TCP server that answers every chunk it reads and records everything. */
export async function recordingServer(host: string): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = createServer((sock) => {
    let n = 0;
    sock.on('data', (d) => {
      // Answer each read with a small record derived from it, so both directions interleave.
      sock.write(Buffer.concat([Buffer.from(`ack ${n++} len ${d.length} `), createHash('sha1').update(d).digest()]));
    });
    sock.on('end', () => sock.end());
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** One client session: writes `chunks` (letting each drain), half-closes, reads until the server closes. */
export async function clientSession(host: string, port: number, chunks: Buffer[]): Promise<Session> {
  const sock: Socket = connect(port, host);
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const clientPort = sock.localPort!;
  const got: Buffer[] = [];
  sock.on('data', (d) => got.push(d));
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  for (const c of chunks) {
    if (!sock.write(c)) await new Promise((r) => sock.once('drain', r));
  }
  sock.end();
  await closed;
  const clientGot = Buffer.concat(got);
  return { clientPort, c2s: Buffer.concat(chunks), s2c: clientGot };
}

/** Random chunk sizes from 1 byte to 40 KB, deterministic per seed. */
export function chunksFor(total: number, seed: number): Buffer[] {
  const data = pseudoRandom(total, seed);
  const sizes = pseudoRandom(1024, seed + 1);
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < total; i++) {
    const n = Math.min(total - off, 1 + ((sizes.readUInt16BE((i * 2) % 1022) * 7) % 40000));
    out.push(data.subarray(off, off + n));
    off += n;
  }
  return out;
}

export function toolAvailable(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
