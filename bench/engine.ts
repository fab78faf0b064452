// Engine benchmarks: the same code against this engine and zeromq.js (libzmq 4.3.5), one process per
// run, printed side by side with the ratio. Targets (issue 2): PUSH->PULL 16 B >= 2x zeromq.js msgs/s,
// 64 KiB >= 0.7x its MB/s, REQ/REP round trips no slower.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const caseScript = fileURLToPath(new URL('./engine-case.ts', import.meta.url));

interface Case { kind: 'push-pull' | 'req-rep'; size: number; count: number; metric: string; unit: string; target: number }

const CASES: Case[] = [
  { kind: 'push-pull', size: 16, count: 300_000, metric: 'msgsPerSec', unit: 'msg/s', target: 2 },
  { kind: 'push-pull', size: 65536, count: 10_000, metric: 'mbPerSec', unit: 'MB/s', target: 0.7 },
  { kind: 'req-rep', size: 16, count: 20_000, metric: 'roundTripsPerSec', unit: 'rt/s', target: 1 },
];

function run(lib: string, c: Case): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', caseScript, lib, c.kind, String(c.size), String(c.count)], {
    encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function benchEngine(repeats = 3): Promise<boolean> {
  let allMet = true;
  console.log('\nengine: this engine vs zeromq.js (libzmq), tcp loopback, best of', repeats);
  for (const c of CASES) {
    const best = { ours: 0, zeromq: 0 };
    for (let i = 0; i < repeats; i++) {
      for (const lib of ['ours', 'zeromq'] as const) {
        try {
          best[lib] = Math.max(best[lib], run(lib, c)[c.metric]);
        } catch (err) {
          console.log(`  ${lib} ${c.kind} ${c.size} B failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    const ratio = best.zeromq > 0 ? best.ours / best.zeromq : 0;
    const met = ratio >= c.target;
    allMet &&= met;
    console.log(
      `  ${c.kind.padEnd(9)} ${String(c.size).padStart(6)} B  ours ${fmt(best.ours)} ${c.unit}  zeromq.js ${fmt(best.zeromq)} ${c.unit}` +
      `  ratio ${ratio.toFixed(2)}x (target >= ${c.target}x) ${met ? 'MET' : 'NOT MET'}`,
    );
  }
  return allMet;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}
