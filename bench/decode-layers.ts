// Where a packet's time goes in `zmtp decode --json`: the pipeline's stages (decode-layers-child.ts), each
// run in its own process, best CPU time (user + system) of BENCH_REPEATS runs taken in turns, and the
// differences between consecutive stages as µs of CPU per packet for each layer. CPU time rather than
// wall time because the machine is shared; the load average is printed with the numbers.
// The first two stages are the floor no decoder built on them can go below: Node reading the file, and
// pcap-parser (the project's pcap reader) handing out its packets to a listener that does nothing.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./decode-layers-child.ts', import.meta.url));
const STAGES = ['read', 'pcap', 'packets', 'link', 'reassembly', 'inspect', 'json', 'stdout'] as const;
type Stage = (typeof STAGES)[number];
const LAYER: Record<Stage, string> = {
  read: 'Node reading the file (readSync, 256 KiB)',
  pcap: 'pcap-parser (no-op packet listener)',
  packets: 'Packet objects, batches, async iteration',
  link: 'link/IP/TCP header decoding',
  reassembly: 'TCP reassembly',
  inspect: 'ZMTP inspector: frames, messages, records',
  json: 'JSON lines into the output buffer',
  stdout: 'writing them to stdout (/dev/null)',
};

interface Run {
  cpu: number;
  wall: number;
  packets: number;
}

function runStage(stage: Stage, path: string): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, stage, path], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('{"stage"'));
  if (r.status !== 0 || !line) throw new Error(`stage ${stage} failed (${r.status}): ${r.stderr.slice(0, 500)}`);
  return JSON.parse(line) as Run;
}

export interface LayerCosts {
  packets: number;
  /** Best CPU seconds of each stage. */
  cpu: Record<Stage, number>;
}

export function measureLayers(path: string, repeats: number, stages: readonly Stage[] = STAGES): LayerCosts {
  const cpu = {} as Record<Stage, number>;
  let packets = 0;
  for (let i = 0; i < repeats; i++) {
    for (const s of stages) {
      const r = runStage(s, path);
      if (r.packets) packets = r.packets;
      cpu[s] = Math.min(cpu[s] ?? Infinity, r.cpu);
    }
  }
  return { packets, cpu };
}

/** The pcap-parser floor alone: CPU seconds of Node's file reading, and of pcap-parser over it. */
export function pcapFloor(path: string, repeats: number): { packets: number; read: number; pcap: number } {
  const m = measureLayers(path, repeats, ['read', 'pcap']);
  return { packets: m.packets, read: m.cpu.read, pcap: m.cpu.pcap };
}

export async function benchLayers(path: string): Promise<void> {
  const repeats = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
  const before = loadavg()[0];
  const m = measureLayers(path, repeats);
  const us = (s: number) => ((s / m.packets) * 1e6).toFixed(2).padStart(6);
  console.log(
    `\ndecode layers: ${path}, ${m.packets} packets; best CPU (user+sys) of ${repeats}, work only (no start-up); ` +
      `load average ${before.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
  );
  console.log('  stage        CPU s   µs/packet   layer                                          layer µs/packet');
  let prev = 0;
  for (const s of STAGES) {
    const own = m.cpu[s] - prev; // each stage does the previous one's work and one layer more
    console.log(`  ${s.padEnd(11)} ${m.cpu[s].toFixed(2).padStart(6)}  ${us(m.cpu[s])}      ${LAYER[s].padEnd(46)} ${us(own)}`);
    prev = m.cpu[s];
  }
  const floor = m.cpu.pcap;
  console.log(
    `  pcap-parser alone: ${(m.packets / floor / 1e6).toFixed(2)} M packets/s at most on this machine now, ` +
      `before any decoding (the target is 1 M packets/s for the whole decode)`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ?? '/tmp/zmtp-bench-reqrep-1000000.pcap';
  await benchLayers(path);
}
