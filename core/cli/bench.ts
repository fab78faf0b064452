// `zmtp bench`: speed of this engine next to zeromq.js (when it is installed) and of the decoder on a
// capture file. Each engine run is a separate process so runs do not disturb each other.
//   zmtp bench [engine] [--repeats N]        PUSH/PULL 16 B and 64 KiB, REQ/REP round trips (in one process
//                                          and in two, each beside a plain Node TCP ping-pong), and
//                                          PUSH/PULL 64 KiB with the two ends in two processes
//   zmtp bench decode FILE                   decode a capture, report MB/s and messages/s
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { echoSide, KINDS, libsFor, pullSide, repSide, runCase, type Kind, type Lib } from './bench-cases.js';

const USAGE = `usage: zmtp bench [engine] [--repeats N]
       zmtp bench decode FILE
`;

/** target: the ratio to zeromq.js to reach; undefined = printed for information only. */
interface BenchCase {
  kind: Kind;
  size: number;
  count: number;
  metric: string;
  unit: string;
  target?: number;
  floor?: BenchCase;
}

/** A round trip in at most this share of zeromq.js's time (issue 15): its rate at least the inverse. */
const ROUND_TRIP_TIME_SHARE = 0.6;
const ROUND_TRIPS = 20_000;
const roundTripCase = (kind: Kind, floorKind: Kind): BenchCase => ({
  kind,
  size: 16,
  count: ROUND_TRIPS,
  metric: 'roundTripsPerSec',
  unit: 'rt/s',
  target: 1 / ROUND_TRIP_TIME_SHARE,
  floor: { kind: floorKind, size: 16, count: ROUND_TRIPS, metric: 'roundTripsPerSec', unit: 'rt/s' },
});

/** Issue 15's targets: 16 B >= 5x zeromq.js msgs/s, 64 KiB >= 1.0x its MB/s, round trips in <= 0.6x its time. */
export const ENGINE_CASES: BenchCase[] = [
  { kind: 'push-pull', size: 16, count: 300_000, metric: 'msgsPerSec', unit: 'msg/s', target: 5 },
  { kind: 'push-pull', size: 65536, count: 10_000, metric: 'mbPerSec', unit: 'MB/s', target: 1 },
  // Each beside the floor under it: a plain Node TCP ping-pong of the same payload, in the same setup.
  roundTripCase('req-rep', 'tcp-pingpong'),
  // REP in a child process: each side has a thread of its own, as deployed.
  roundTripCase('req-rep-2proc', 'tcp-pingpong-2proc'),
  // PUSH and PULL in two processes, as ZeroMQ is mostly deployed: each side gets its own thread, which
  // libzmq always has (its I/O thread) and this engine, running on Node's one thread, otherwise lacks.
  { kind: 'push-pull-2proc', size: 65536, count: 10_000, metric: 'mbPerSec', unit: 'MB/s' },
];

const benchBin = (): string => fileURLToPath(new URL('../../../bin/zmtp.js', import.meta.url));

/** The measured rate (`c.metric`) and the CPU microseconds per operation of one run in a child process. */
interface Run {
  rate: number;
  cpuUsPerOp: number;
}

function runCaseInChild(lib: Lib, c: BenchCase): Run | undefined {
  try {
    const out = execFileSync(process.execPath, [benchBin(), 'bench', '--case', lib, c.kind, String(c.size), String(c.count)], {
      encoding: 'utf8',
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    return { rate: result[c.metric], cpuUsPerOp: result.cpuUsPerOp };
  } catch (err) {
    process.stdout.write(`  ${lib} ${c.kind} ${c.size} B failed: ${(err as Error).message.split('\n')[0]}\n`);
    return undefined;
  }
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

/** A rate, for round trips the time of one, and the CPU time per operation. */
function rate(r: Run, c: BenchCase): string {
  const wall = c.unit === 'rt/s' && r.rate > 0 ? `${(1e6 / r.rate).toFixed(1)} us, ` : '';
  const cpu = Number.isFinite(r.cpuUsPerOp) ? `cpu ${r.cpuUsPerOp.toFixed(1)} us/op` : 'cpu ?';
  return `${fmt(r.rate)} ${c.unit} (${wall}${cpu})`;
}

/** Floored: 0.699 must not read as 0.70. */
const ratioText = (r: number): string => `${(Math.floor(r * 100) / 100).toFixed(2)}x`;

function loadLine(when: string): string {
  return `  load average ${when}: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${cpus().length} cores)\n`;
}

/**
 * The best of `repeats` runs of each library, the libraries taking turns: the highest rate and,
 * separately, the least CPU per operation (the run the load disturbed least in each respect).
 */
function best(c: BenchCase, libs: readonly Lib[], repeats: number): Map<Lib, Run> {
  const result = new Map<Lib, Run>(libs.map((lib) => [lib, { rate: 0, cpuUsPerOp: Infinity }]));
  for (let i = 0; i < repeats; i++) {
    for (const lib of libs) {
      const run = runCaseInChild(lib, c);
      const sofar = result.get(lib)!;
      if (run) result.set(lib, { rate: Math.max(sofar.rate, run.rate), cpuUsPerOp: Math.min(sofar.cpuUsPerOp, run.cpuUsPerOp) });
    }
  }
  return result;
}

/** Prints the engine table; returns whether every target was met (undefined without zeromq.js). */
export async function benchEngine(repeats: number): Promise<boolean | undefined> {
  const haveZeromq = await import('zeromq').then(
    () => true,
    () => false,
  );
  process.stdout.write(
    `engine: this engine${haveZeromq ? ' vs zeromq.js (libzmq)' : ' (zeromq.js not installed: no comparison)'}, tcp loopback, best of ${repeats}\n`,
  );
  process.stdout.write(
    '  cpu: CPU time per operation of the measuring process (all its threads; the least of the runs); "cpu Nx": zeromq.js\'s over ours\n',
  );
  process.stdout.write(loadLine('before'));
  let allMet = true;
  for (const c of ENGINE_CASES) {
    const runs = best(c, haveZeromq ? ['ours', 'zeromq'] : ['ours'], repeats);
    const ours = runs.get('ours')!;
    let line = `  ${c.kind.padEnd(18)} ${String(c.size).padStart(6)} B  ours ${rate(ours, c)}`;
    if (haveZeromq) {
      const zeromq = runs.get('zeromq')!;
      const ratio = zeromq.rate > 0 ? ours.rate / zeromq.rate : 0;
      line += `  zeromq.js ${rate(zeromq, c)}  ratio ${ratioText(ratio)}`;
      if (ours.cpuUsPerOp > 0) line += `, cpu ${ratioText(zeromq.cpuUsPerOp / ours.cpuUsPerOp)}`;
      if (c.target === undefined) line += ' (for information: no target)';
      else {
        const met = ratio >= c.target - 1e-9;
        allMet &&= met;
        const goal = c.unit === 'rt/s' ? `time <= ${ROUND_TRIP_TIME_SHARE}x, rate >= ${c.target.toFixed(2)}x` : `>= ${c.target}x`;
        line += ` (target ${goal}) ${met ? 'MET' : 'NOT MET'}`;
      }
    }
    process.stdout.write(`${line}\n`);
    if (c.floor) {
      const floor = best(c.floor, libsFor(c.floor.kind), repeats).get('node')!;
      const share = floor.rate > 0 ? ours.rate / floor.rate : 0;
      process.stdout.write(
        `    floor ${c.floor.kind.padEnd(18)} ${String(c.size).padStart(3)} B  Node net ${rate(floor, c.floor)}  ours at ${ratioText(share)} of the floor's rate\n`,
      );
    }
  }
  process.stdout.write(loadLine('after'));
  return haveZeromq ? allMet : undefined;
}

/** Decodes a capture in this process and reports throughput. */
export async function benchDecodeFile(file: string): Promise<{ seconds: number; mbPerSec: number; messagesPerSec: number }> {
  const { decodeCapture } = await import('../inspect/decode-capture.js');
  const bytes = statSync(file).size;
  let messages = 0;
  const start = performance.now();
  await decodeCapture(file, {
    onRecord: (r) => {
      if (r.type === 'message') messages++;
    },
  });
  const seconds = (performance.now() - start) / 1000;
  return { seconds, mbPerSec: bytes / 1e6 / seconds, messagesPerSec: messages / seconds };
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === '--pull-side' || argv[0] === '--rep-side') {
    const [side, lib, count] = argv;
    const pulling = side === '--pull-side';
    if (!['ours', 'zeromq'].includes(lib) || (pulling && !(Number(count) > 1))) {
      process.stderr.write(pulling ? 'zmtp bench: --pull-side ours|zeromq COUNT\n' : 'zmtp bench: --rep-side ours|zeromq\n');
      return 2;
    }
    if (pulling) await pullSide(lib as Lib, Number(count));
    else await repSide(lib as Lib);
  }
  if (argv[0] === '--echo-side') {
    await echoSide();
    return new Promise(() => {}); // echoes until the parent ends this process
  }
  if (argv[0] === '--case') {
    const [, lib, kind, size, count] = argv;
    const known = (KINDS as readonly string[]).includes(kind);
    if (!known || !libsFor(kind as Kind).includes(lib as Lib) || !(Number(size) >= 0) || !(Number(count) > 0)) {
      process.stderr.write(
        `zmtp bench: --case ours|zeromq ${KINDS.filter((k) => !k.startsWith('tcp-')).join('|')} SIZE COUNT, or --case node tcp-pingpong|tcp-pingpong-2proc SIZE COUNT\n`,
      );
      return 2;
    }
    const result = await runCase(lib as Lib, kind as Kind, Number(size), Number(count));
    process.stdout.write(`${JSON.stringify({ lib, kind, size: Number(size), count: Number(count), ...result })}\n`);
    process.exit(0); // sockets of the other library may keep the loop alive; the numbers are out
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { repeats: { type: 'string', default: '3' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    process.stderr.write(`zmtp bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [what = 'engine', file, ...extra] = parsed.positionals;
  const repeats = Number(parsed.values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > 20) {
    process.stderr.write(`zmtp bench: --repeats must be a whole number from 1 to 20, got '${parsed.values.repeats}'\n`);
    return 2;
  }
  if (what === 'engine' && file === undefined) {
    await benchEngine(repeats);
    return 0;
  }
  if (what === 'decode' && file !== undefined && extra.length === 0) {
    try {
      statSync(file);
    } catch {
      process.stderr.write(`zmtp bench: cannot read capture file '${file}'\n`);
      return 1;
    }
    const r = await benchDecodeFile(file);
    process.stdout.write(
      `decode: ${file}  ${r.seconds.toFixed(2)} s  ${r.mbPerSec.toFixed(1)} MB/s  ${fmt(r.messagesPerSec)} messages/s\n`,
    );
    return 0;
  }
  process.stderr.write(`zmtp bench: unexpected arguments '${parsed.positionals.join(' ')}'\n${USAGE}`);
  return 2;
}
