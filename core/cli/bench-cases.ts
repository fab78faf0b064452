// The measured cases of `zmtp bench engine`, each run in a process of its own (`zmtp bench --case ...`),
// and the other ends of the two-process cases (`zmtp bench --pull-side / --rep-side / --echo-side`),
// which run in a child of that process. The same code drives this engine and zeromq.js.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startClock, type ClockReading } from './bench-clock.js';
import { pingPong, startEchoServer } from './bench-tcp-floor.js';

/** Whose code runs: this engine, zeromq.js, or plain Node sockets (the tcp floors). */
export type Lib = 'ours' | 'zeromq' | 'node';
export const KINDS = ['push-pull', 'req-rep', 'push-pull-2proc', 'req-rep-2proc', 'tcp-pingpong', 'tcp-pingpong-2proc'] as const;
export type Kind = (typeof KINDS)[number];

/** The tcp floors are plain Node; every other case runs one of the two ZeroMQ libraries. */
export const libsFor = (kind: Kind): readonly Lib[] => (kind.startsWith('tcp-') ? ['node'] : ['ours', 'zeromq']);

// The two libraries share an API shape; `any` keeps one code path for both.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function loadLib(lib: Lib): Promise<any> {
  return lib === 'ours' ? import('../internal.js') : import('zeromq');
}

const benchBin = (): string => fileURLToPath(new URL('../../../bin/zmtp.js', import.meta.url));

/** One measured run, in this process (and for the two-process kinds, a child). */
export async function runCase(lib: Lib, kind: Kind, size: number, count: number): Promise<Record<string, number>> {
  const payload = Buffer.alloc(size, 0x61);
  if (kind === 'tcp-pingpong') {
    const server = await startEchoServer();
    try {
      return roundTrips(await pingPong((server.address() as { port: number }).port, size, count), count);
    } finally {
      server.close();
    }
  }
  if (kind === 'tcp-pingpong-2proc') {
    return withChild(['--echo-side'], async (endpoint) => roundTrips(await pingPong(Number(endpoint), size, count), count));
  }
  const zmq = await loadLib(lib);
  if (kind === 'push-pull-2proc') return pushToOtherProcess(zmq, lib, payload, count);
  if (kind === 'req-rep-2proc') {
    return withChild(['--rep-side', lib], async (endpoint) => {
      const req = new zmq.Request();
      try {
        req.connect(endpoint);
        return roundTrips(await timeRequests(req, payload, count), count);
      } finally {
        req.close();
      }
    });
  }
  if (kind === 'push-pull') {
    const pull = new zmq.Pull({ receiveHighWaterMark: 10000 });
    await pull.bind('tcp://127.0.0.1:*');
    const push = new zmq.Push({ sendHighWaterMark: 10000 });
    push.connect(pull.lastEndpoint);
    await push.send(payload); // the handshake is not timed
    await pull.receive();
    const clock = startClock();
    const receiving = (async () => {
      for (let i = 0; i < count; i++) await pull.receive();
    })();
    for (let i = 0; i < count; i++) await push.send(payload);
    await receiving;
    const reading = clock();
    push.close();
    pull.close();
    return messages(reading, count, size);
  }
  const rep = new zmq.Reply();
  await rep.bind('tcp://127.0.0.1:*');
  const req = new zmq.Request();
  req.connect(rep.lastEndpoint);
  const serving = serveRequests(rep, count + 1);
  const reading = await timeRequests(req, payload, count);
  await serving;
  req.close();
  rep.close();
  return roundTrips(reading, count);
}

/** Rates of a round-trip case; cpuUsPerOp is this process's CPU time per round trip. */
function roundTrips({ seconds, cpuUs }: ClockReading, count: number): Record<string, number> {
  return { seconds, roundTripsPerSec: count / seconds, latencyUs: (seconds / count) * 1e6, cpuUsPerOp: cpuUs / count };
}

/** Rates of a throughput case; cpuUsPerOp is the measuring process's CPU time per message. */
function messages({ seconds, cpuUs }: ClockReading, count: number, size: number): Record<string, number> {
  return { seconds, msgsPerSec: count / seconds, mbPerSec: (count * size) / seconds / 1e6, cpuUsPerOp: cpuUs / count };
}

/** One untimed round trip (the handshake), then `count` timed ones; the time they took. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function timeRequests(req: any, payload: Buffer, count: number): Promise<ClockReading> {
  await req.send(payload);
  await req.receive();
  const clock = startClock();
  for (let i = 0; i < count; i++) {
    await req.send(payload);
    await req.receive();
  }
  return clock();
}

/** Answers `n` requests with their own first frame. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function serveRequests(rep: any, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await rep.send((await rep.receive())[0]);
}

/**
 * Runs `zmtp bench ARGS` as the other end: its first line names where to connect ("endpoint X"), then
 * `use` runs against it; the child is ended afterwards whatever happened.
 */
async function withChild<T>(args: string[], use: (endpoint: string, nextLine: () => Promise<string>) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [benchBin(), 'bench', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the other process (bench ${args[0]}) ended early`);
    return r.value;
  };
  try {
    return await use((await nextLine()).replace(/^endpoint /, ''), nextLine);
  } finally {
    child.kill();
  }
}

/**
 * PUSH here, PULL in a child process (`zmtp bench --pull-side`), both of the same library. The child
 * times from the first to the last of `count` messages after a warm-up message and prints the seconds
 * and its CPU time (the receiving side's).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function pushToOtherProcess(zmq: any, lib: Lib, payload: Buffer, count: number): Promise<Record<string, number>> {
  return withChild(['--pull-side', lib, String(count)], async (endpoint, nextLine) => {
    const push = new zmq.Push({ sendHighWaterMark: 10000 });
    try {
      push.connect(endpoint);
      await push.send(payload);
      await nextLine(); // "warm"
      for (let i = 0; i < count; i++) await push.send(payload);
      const [, seconds, cpuUs] = (await nextLine()).split(' ').map(Number);
      return messages({ seconds, cpuUs }, count, payload.length);
    } finally {
      push.close();
    }
  });
}

/** The PULL side of push-pull-2proc. */
export async function pullSide(lib: Lib, count: number): Promise<never> {
  const zmq = await loadLib(lib);
  const pull = new zmq.Pull({ receiveHighWaterMark: 10000 });
  await pull.bind('tcp://127.0.0.1:*');
  process.stdout.write(`endpoint ${pull.lastEndpoint}\n`);
  await pull.receive();
  process.stdout.write('warm\n');
  await pull.receive();
  const clock = startClock();
  for (let i = 1; i < count; i++) await pull.receive();
  // count - 1 intervals timed; scaled to count so the rate compares with the one-process case.
  const { seconds, cpuUs } = clock();
  const scale = count / (count - 1);
  process.stdout.write(`seconds ${seconds * scale} ${cpuUs * scale}\n`);
  process.exit(0);
}

/** The REP side of req-rep-2proc: answers requests until the parent ends it (its pending receive keeps it alive). */
export async function repSide(lib: Lib): Promise<never> {
  const zmq = await loadLib(lib);
  const rep = new zmq.Reply();
  await rep.bind('tcp://127.0.0.1:*');
  process.stdout.write(`endpoint ${rep.lastEndpoint}\n`);
  for (;;) await rep.send((await rep.receive())[0]);
}

/** The echo side of tcp-pingpong-2proc: prints its port and echoes until the parent ends it. */
export async function echoSide(): Promise<void> {
  const server = await startEchoServer();
  process.stdout.write(`endpoint ${(server.address() as { port: number }).port}\n`);
}
