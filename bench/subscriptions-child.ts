// One PUB or XPUB (this engine or zeromq.js's libzmq) for bench/subscriptions.ts: binds, prints its
// endpoint and RSS, then takes subscription floods from the bench's raw peer. XPUB reads the
// subscription notices as an application would ('expect N' prints {all: N} once N have been read);
// PUB publishes on a topic when told, so the bench knows a subscription was applied. A peer's
// disconnect is printed ({disconnected}). 'measure' prints the RSS and the longest event-loop stall
// since 'start' or the last 'measure'; 'quit' ends.
import { createInterface } from 'node:readline';

const [lib, type] = process.argv.slice(2);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zmq: any = lib === 'ours' ? await import('../core/internal.js') : await import('zeromq');
const sock = type === 'PUB' ? new zmq.Publisher({ linger: 0 }) : new zmq.XPublisher({ linger: 0 });
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
void (async () => {
  for await (const e of sock.events) if ((e as { type: string }).type === 'disconnect') print({ disconnected: true });
})();
await sock.bind('tcp://127.0.0.1:*');
const gc = (globalThis as { gc?: () => void }).gc;
const settle = async () => {
  await new Promise((r) => setTimeout(r, 300));
  gc?.();
  await new Promise((r) => setTimeout(r, 200));
  return process.memoryUsage().rss;
};
print({ endpoint: sock.lastEndpoint, rss: await settle() });
// The longest gap between ticks of a 1 ms timer: how long the loop was blocked at once, as wall time
// and as this process's CPU time within that gap (on a loaded machine the wall time also counts the
// time other processes ran; the CPU time is the work that blocked the loop).
let maxGap = 0;
let maxGapCpu = 0;
let tick: NodeJS.Timeout | undefined;
const watchLoop = () => {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  tick = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (process.env.BENCH_DEBUG && now - last > 50)
      process.stderr.write(`gap ${(now - last).toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms) at ${now.toFixed(0)}\n`);
    maxGap = Math.max(maxGap, now - last);
    maxGapCpu = Math.max(maxGapCpu, cpuMs);
    last = now;
    lastCpu = process.cpuUsage();
  }, 1);
};
let received = 0;
let expected = Infinity;
let sending = false;
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, arg] = line.split(' ');
  if (process.env.BENCH_DEBUG) process.stderr.write(`${cmd} at ${performance.now().toFixed(0)}\n`);
  if (cmd === 'start') {
    watchLoop();
    if (type === 'XPUB') {
      for (;;) {
        await sock.receive();
        if (++received === expected) print({ all: received });
      }
    }
  } else if (cmd === 'expect') {
    expected = Number(arg);
    if (received === expected) print({ all: received });
  } else if (cmd === 'publish') {
    // One send at a time (zeromq.js refuses concurrent sends with EBUSY).
    if (sending) return;
    sending = true;
    await sock.send([arg, 'x']);
    sending = false;
  } else if (cmd === 'measure') {
    clearInterval(tick);
    print({ rss: await settle(), maxStallMs: maxGap, maxStallCpuMs: maxGapCpu });
    maxGap = 0;
    maxGapCpu = 0;
    watchLoop();
  } else if (cmd === 'quit') {
    clearInterval(tick);
    sock.close();
    process.exit(0);
  }
});
