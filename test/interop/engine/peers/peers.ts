// One small socket API over three ZeroMQ implementations, so a table of socket pairs can run in
// every direction: our engine, zeromq.js (libzmq 4.3.5 in-process) and pyzmq (libzmq 4.3.4 in a
// child process driven by pyzmq-peer.py).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unlinkSync } from 'node:fs';

export type TypeName = 'PAIR' | 'PUB' | 'SUB' | 'REQ' | 'REP' | 'DEALER' | 'ROUTER' | 'PULL' | 'PUSH' | 'XPUB' | 'XSUB' | 'STREAM';
export type Frames = Array<Buffer | string>;

export interface PeerSocket {
  readonly lib: string;
  readonly type: TypeName;
  bind(endpoint: string): Promise<string>;
  connect(endpoint: string): Promise<void>;
  send(frames: Frames | Buffer | string): Promise<void>;
  /** Rejects when nothing arrives within `timeoutMs`. */
  receive(timeoutMs?: number): Promise<Buffer[]>;
  set(name: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

export interface PeerLib {
  readonly name: string;
  socket(type: TypeName): Promise<PeerSocket>;
  close(): Promise<void>;
}

const CLASS_NAMES: Record<TypeName, string> = {
  PAIR: 'Pair',
  PUB: 'Publisher',
  SUB: 'Subscriber',
  REQ: 'Request',
  REP: 'Reply',
  DEALER: 'Dealer',
  ROUTER: 'Router',
  PULL: 'Pull',
  PUSH: 'Push',
  XPUB: 'XPublisher',
  XSUB: 'XSubscriber',
  STREAM: 'Stream',
};

function toFrames(frames: Frames | Buffer | string): Buffer[] {
  const list = Array.isArray(frames) ? frames : [frames];
  return list.map((f) => (typeof f === 'string' ? Buffer.from(f) : f));
}

interface ZmqLikeSocket {
  bind(ep: string): Promise<void>;
  connect(ep: string): void;
  send(frames: Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  lastEndpoint: string | null;
  receiveTimeout: number;
  [k: string]: unknown;
}

/** Our engine or zeromq.js: both have the zeromq.js v6 API. */
export function zmqJsLike(name: string, module: Record<string, unknown>): PeerLib {
  const open = new Set<ZmqLikeSocket>();
  return {
    name,
    async socket(type) {
      const Ctor = module[CLASS_NAMES[type]] as new (opts?: object) => ZmqLikeSocket;
      const s = new Ctor({ linger: 0 });
      open.add(s);
      return {
        lib: name,
        type,
        async bind(ep) {
          await s.bind(ep);
          return s.lastEndpoint ?? ep;
        },
        async connect(ep) {
          s.connect(ep);
        },
        async send(frames) {
          await s.send(toFrames(frames));
        },
        async receive(timeoutMs = 10000) {
          s.receiveTimeout = timeoutMs;
          return s.receive();
        },
        async set(opt, value) {
          if (opt === 'subscribe' || opt === 'unsubscribe') (s[opt] as (t: string | Buffer) => void).call(s, value as string);
          else s[opt] = value;
        },
        async close() {
          open.delete(s);
          s.close();
        },
      };
    },
    async close() {
      for (const s of open) s.close();
      open.clear();
    },
  };
}

export async function zeromqJs(): Promise<PeerLib> {
  return zmqJsLike('zeromq.js', await import('zeromq'));
}

export async function ourEngine(): Promise<PeerLib> {
  return zmqJsLike('engine', await import('../../../../core/engine/sockets.js'));
}

class PyProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor() {
    const script = fileURLToPath(new URL('./pyzmq-peer.py', import.meta.url));
    this.child = spawn('/usr/bin/python3', [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as { id: number; ok?: unknown; error?: string; errno?: string };
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (reply.error !== undefined) w.reject(Object.assign(new Error(`pyzmq: ${reply.error}`), { code: reply.errno }));
      else w.resolve(reply.ok);
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`pyzmq peer exited with ${code}: ${stderr}`));
      this.waiting.clear();
    });
  }

  call(op: string, args: Record<string, unknown> = {}): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('pyzmq peer is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.stdin.write(JSON.stringify({ id, op, ...args }) + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }
}

export async function pyzmq(): Promise<PeerLib> {
  const py = new PyProcess();
  const b64 = (f: Buffer) => f.toString('base64');
  return {
    name: 'pyzmq',
    async socket(type) {
      const sock = (await py.call('socket', { type })) as number;
      return {
        lib: 'pyzmq',
        type,
        bind: async (endpoint) => (await py.call('bind', { sock, endpoint })) as string,
        connect: async (endpoint) => void (await py.call('connect', { sock, endpoint })),
        send: async (frames) => void (await py.call('send', { sock, frames: toFrames(frames).map(b64) })),
        receive: async (timeout = 10000) => ((await py.call('recv', { sock, timeout })) as string[]).map((f) => Buffer.from(f, 'base64')),
        set: async (name, value) =>
          void (await py.call('set', {
            sock,
            name,
            value: typeof value === 'string' || Buffer.isBuffer(value) ? b64(Buffer.from(value)) : value,
          })),
        close: async () => void (await py.call('close', { sock })),
      };
    },
    close: () => py.stop(),
  };
}

const ipcPaths = new Set<string>();
// libzmq unlinks its ipc files from a background thread on close, which may not run before the test
// process exits; remove whatever is left so /tmp does not collect socket files.
process.once('exit', () => {
  for (const path of ipcPaths) {
    try {
      unlinkSync(path);
    } catch {
      // already removed by whoever listened there
    }
  }
});

/** A fresh endpoint for a transport: tcp on an ephemeral port, ipc on a unique path. */
export function endpointFor(transport: 'tcp' | 'ipc'): string {
  if (transport === 'tcp') return 'tcp://127.0.0.1:*';
  const path = join(tmpdir(), `zmtp-test-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  ipcPaths.add(path);
  return `ipc://${path}`;
}

/** Sends until the receiver gets something (for PUB/SUB where the first messages are lost before the subscription arrives). */
export async function sendUntilReceived(sender: PeerSocket, receiver: PeerSocket, frames: Frames, tries = 100): Promise<Buffer[]> {
  for (let i = 0; i < tries; i++) {
    await sender.send(frames);
    try {
      return await receiver.receive(100);
    } catch {
      // nothing yet: the subscription has not reached the publisher
    }
  }
  throw new Error(`${receiver.lib} ${receiver.type} received nothing after ${tries} sends from ${sender.lib} ${sender.type}`);
}

export const text = (m: Buffer[]) => m.map((f) => f.toString());
