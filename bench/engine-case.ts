// One engine benchmark case in its own process, so runs do not disturb each other.
// Usage: engine-case.ts ours|zeromq push-pull|req-rep SIZE COUNT   -> prints one JSON line.
// The same code drives both libraries: the engine's API is shaped like zeromq.js v6.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const [libName, kind, sizeArg, countArg] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
if (!['ours', 'zeromq'].includes(libName) || !['push-pull', 'req-rep'].includes(kind) || !(size >= 0) || !(count > 0)) {
  console.error('usage: engine-case.ts ours|zeromq push-pull|req-rep SIZE COUNT');
  process.exit(2);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lib: any = libName === 'ours'
  ? await import(fileURLToPath(new URL('../out/core/index.js', import.meta.url)))
  : await import('zeromq');

async function pushPull(): Promise<Record<string, number>> {
  const pull = new lib.Pull({ receiveHighWaterMark: 10000 });
  await pull.bind('tcp://127.0.0.1:*');
  const push = new lib.Push({ sendHighWaterMark: 10000 });
  push.connect(pull.lastEndpoint);
  const payload = Buffer.alloc(size, 0x61);
  // Warm up the connection so the handshake is not timed.
  await push.send(payload);
  await pull.receive();
  const start = performance.now();
  const receiving = (async () => {
    for (let i = 0; i < count; i++) await pull.receive();
  })();
  for (let i = 0; i < count; i++) await push.send(payload);
  await receiving;
  const seconds = (performance.now() - start) / 1000;
  push.close();
  pull.close();
  return { seconds, msgsPerSec: count / seconds, mbPerSec: (count * size) / seconds / 1e6 };
}

async function reqRep(): Promise<Record<string, number>> {
  const rep = new lib.Reply();
  await rep.bind('tcp://127.0.0.1:*');
  const req = new lib.Request();
  req.connect(rep.lastEndpoint);
  const payload = Buffer.alloc(size, 0x61);
  const serving = (async () => {
    for (let i = 0; i < count + 1; i++) {
      const [msg] = await rep.receive();
      await rep.send(msg);
    }
  })();
  await req.send(payload);
  await req.receive();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await req.send(payload);
    await req.receive();
  }
  const seconds = (performance.now() - start) / 1000;
  await serving;
  req.close();
  rep.close();
  return { seconds, roundTripsPerSec: count / seconds, latencyUs: (seconds / count) * 1e6 };
}

const result = kind === 'push-pull' ? await pushPull() : await reqRep();
console.log(JSON.stringify({ lib: libName, kind, size, count, ...result }));
process.exit(0);
