// `npm run fuzz`: seeded mutation fuzzing, bounded in time, not part of `npm test`.
//   npm run fuzz -- [--seconds N] [--seed S] [--target decoder|engine|all] [--out DIR]
// (or FUZZ_SECONDS, FUZZ_SEED). Each target runs in a child process watched for crashes (an uncaught
// exception or a non-zero exit), hangs (no progress for HANG_SECONDS: the mutant being run is kept)
// and peak memory. The decoder target decodes mutated capture files; the engine target sends mutated
// ZMTP conversations from raw TCP peers to engine sockets while a libzmq peer's messages must all
// arrive. Findings are saved under --out with the seed and iteration that reproduce them.
// Exit status: 0 when nothing was found, 1 otherwise.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HANG_SECONDS = 20;

function flag(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : (process.env[env] ?? fallback);
}

const seconds = Number(flag('seconds', 'FUZZ_SECONDS', '60'));
const seed = Number(flag('seed', 'FUZZ_SEED', String(Date.now() % 1_000_000)));
const which = flag('target', 'FUZZ_TARGET', 'all');
const out = flag('out', 'FUZZ_OUT', 'fuzz-findings');
if (!(seconds > 0) || !Number.isInteger(seed) || !['decoder', 'engine', 'all'].includes(which)) {
  process.stderr.write('npm run fuzz -- [--seconds N>0] [--seed INTEGER] [--target decoder|engine|all] [--out DIR]\n');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));

interface Report {
  target: string;
  iterations: number;
  crashes: string[];
  hangs: string[];
  peakRssMiB: number;
  notes: string[];
}

function run(target: string, budget: number): Promise<Report> {
  const dir = join(out, `${target}-seed${seed}`);
  mkdirSync(dir, { recursive: true });
  const report: Report = { target, iterations: 0, crashes: [], hangs: [], peakRssMiB: 0, notes: [] };
  const child = spawn(process.execPath, ['--import', 'tsx', worker, target, String(seed), String(budget), dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  let lastProgress = Date.now();
  const keep = (kind: string, iter: number) => {
    const file = join(dir, `${kind}-iter${iter}.bin`);
    try {
      copyFileSync(join(dir, 'current.bin'), file);
    } catch {
      /* nothing written yet */
    }
    return file;
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    lastProgress = Date.now();
    const m = JSON.parse(line);
    if (m.iter !== undefined) report.iterations = m.iter;
    if (m.rss !== undefined) report.peakRssMiB = Math.max(report.peakRssMiB, Math.round(m.rss / 2 ** 20));
    if (m.crash) {
      const file = keep('crash', m.crash.iter);
      writeFileSync(`${file}.txt`, m.crash.error);
      report.crashes.push(`iteration ${m.crash.iter}: ${m.crash.error.split('\n')[0]} (${file})`);
    }
    if (m.healthy) {
      const h = m.healthy;
      report.notes.push(`libzmq peer: ${h.received} of ${h.sent} messages arrived, ${h.disorder} out of order`);
      if (h.received !== h.sent || h.disorder) report.crashes.push(`the healthy libzmq peer lost messages: ${JSON.stringify(h)}`);
    }
  });
  return new Promise((resolve) => {
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > HANG_SECONDS * 1000) {
        report.hangs.push(`no progress for ${HANG_SECONDS} s after iteration ${report.iterations} (${keep('hang', report.iterations)})`);
        child.kill('SIGKILL');
      }
    }, 1000);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (code !== 0 && report.hangs.length === 0 && report.crashes.length === 0)
        report.crashes.push(`worker exited (${code ?? signal}): ${stderr.split('\n').slice(-5).join(' ')}`);
      resolve(report);
    });
  });
}

const targets = which === 'all' ? ['decoder', 'engine'] : [which];
process.stdout.write(`fuzz: seed ${seed}, ${seconds} s per target, findings in ${out}/\n`);
let found = false;
for (const t of targets) {
  const r = await run(t, seconds);
  found ||= r.crashes.length > 0 || r.hangs.length > 0;
  process.stdout.write(
    `  ${t.padEnd(8)} ${r.iterations.toLocaleString('en-US')} mutants  crashes ${r.crashes.length}  hangs ${r.hangs.length}  peak RSS ${r.peakRssMiB} MiB\n`,
  );
  for (const line of [...r.crashes, ...r.hangs, ...r.notes]) process.stdout.write(`    ${line}\n`);
}
process.exit(found ? 1 : 0);
