// Subscription flood (issue 11): a raw ZMTP peer sends 100,000 distinct subscriptions to a PUB and to
// an XPUB, ours and libzmq's (zeromq.js) in the same run. Printed: each side's RSS before and after,
// the RSS ratio against libzmq (target <= 2x), and the longest event-loop stall during the flood
// (target < 50 ms; libzmq handles subscriptions on its own I/O thread), as the CPU time this process
// spent in that one loop turn (judged) and its wall time (which on a loaded machine includes others' turns).
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encodeFrame, encodeGreetingV3, readyCommand } from '../core/zmtp/index.js';

const COUNT = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100_000);
const child = fileURLToPath(new URL('./subscriptions-child.ts', import.meta.url));

const topic = (i: number) => `sensor/${i % 1000}/reading/${i}`;

interface Result { before: number; after: number; maxStallMs: number; maxStallCpuMs: number }

async function flood(lib: 'ours' | 'zeromq', type: 'PUB' | 'XPUB'): Promise<Result> {
  const proc = spawn(process.execPath, [...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean), '--expose-gc', '--import', 'tsx', child, lib, type, String(COUNT)], {
    stdio: ['pipe', 'pipe', 'inherit'], cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  const lines: Array<Record<string, number | string>> = [];
  let wake = () => {};
  // Lines that are not JSON come from node flags given through BENCH_CHILD_FLAGS (--trace-gc): passed on.
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    if (!l.startsWith('{')) return void process.stderr.write(`${l}\n`);
    lines.push(JSON.parse(l));
    wake();
  });
  const next = async (key: string) => {
    for (;;) {
      const i = lines.findIndex((l) => key in l);
      if (i >= 0) return lines.splice(i, 1)[0];
      if (proc.exitCode !== null) throw new Error(`${lib} ${type} child exited`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
    }
  };
  try {
    const first = await next('endpoint');
    const port = Number(String(first.endpoint).split(':').pop());
    const peer = net.connect(port, '127.0.0.1');
    let peerError: Error | undefined;
    peer.on('error', (e) => { peerError = e; });
    await new Promise((r) => peer.once('connect', r));
    let got = '';
    peer.on('data', (d) => { got = (got + d.toString('latin1')).slice(-4096); });
    proc.stdin!.write('start\n');
    peer.write(encodeGreetingV3('NULL', false));
    peer.write(encodeFrame('v3', readyCommand({ 'Socket-Type': 'SUB' }), false, true));
    // Subscriptions as messages (\x01 + topic): what ZMTP 3.0 peers send, and 3.1 engines still take.
    for (let i = 0; i < COUNT; i += 1000) {
      const batch: Buffer[] = [];
      for (let j = i; j < Math.min(COUNT, i + 1000); j++) batch.push(encodeFrame('v3', Buffer.from(`\x01${topic(j)}`, 'latin1'), false, false));
      if (peerError) throw new Error(`${lib} ${type} closed the raw peer's connection: ${peerError.message}`);
      if (!peer.write(Buffer.concat(batch))) await new Promise((r) => { peer.once('drain', r); peer.once('close', r); });
    }
    if (type === 'XPUB') await next('all');
    else {
      const last = topic(COUNT - 1);
      const deadline = Date.now() + 120_000;
      while (!got.includes(last)) {
        if (proc.exitCode !== null) throw new Error(`${lib} ${type} child exited`);
        if (Date.now() > deadline) throw new Error(`${lib} ${type}: no message on the last topic within 120 s`);
        proc.stdin!.write(`publish ${last}\n`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    proc.stdin!.write('measure\n');
    const m = await next('maxStallMs');
    peer.destroy();
    return { before: Number(first.rss), after: Number(m.rss), maxStallMs: Number(m.maxStallMs), maxStallCpuMs: Number(m.maxStallCpuMs) };
  } finally {
    proc.kill();
  }
}

const mb = (n: number) => `${Math.round(n / 1e6)} MB`;

/** One retry: on a loaded machine a handshake can time out once (seen with libzmq's XPUB). */
async function floodRetry(lib: 'ours' | 'zeromq', type: 'PUB' | 'XPUB'): Promise<Result> {
  try {
    return await flood(lib, type);
  } catch (e) {
    process.stdout.write(`  (${lib} ${type}: ${(e as Error).message}; once more)\n`);
    return flood(lib, type);
  }
}

export async function benchSubscriptions(): Promise<void> {
  const haveZeromq = await import('zeromq').then(() => true, () => false);
  process.stdout.write(`subscriptions: ${COUNT.toLocaleString('en-US')} distinct SUBSCRIBE topics from one raw peer, RSS before -> after${haveZeromq ? ', next to zeromq.js (libzmq)' : ''}\n`);
  for (const type of ['PUB', 'XPUB'] as const) {
    const ours = await floodRetry('ours', type);
    let line = `  ${type.padEnd(5)} ours ${mb(ours.before)} -> ${mb(ours.after)}`;
    if (haveZeromq) {
      const ref = await floodRetry('zeromq', type).catch((e: Error) => e);
      if (ref instanceof Error) line += `  zeromq.js failed (${ref.message})`;
      else {
        const ratio = ours.after / ref.after;
        line += `  zeromq.js ${mb(ref.before)} -> ${mb(ref.after)}  RSS ratio ${ratio.toFixed(2)}x (target <= 2x) ${ratio <= 2 ? 'MET' : 'NOT MET'}`;
      }
    }
    line += `  longest loop stall ${ours.maxStallCpuMs.toFixed(0)} ms CPU, ${ours.maxStallMs.toFixed(0)} ms wall (target < 50 ms) ${ours.maxStallCpuMs < 50 ? 'MET' : 'NOT MET'}`;
    process.stdout.write(`${line}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchSubscriptions();
