// IP fragment floods (issue 11): decode time of a capture holding one fragmented TCP segment whose
// last fragment comes first, followed by 80,000 copies of one 8-byte fragment, then the rest (the
// reproducer that took 207 s when every fragment re-sorted all parts). Next to tshark on the same file
// (its IP reassembly, no ZMTP dissector needed). Target: under 1 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildTcpPacket, fragmentIpPacket, PcapWriter } from '../core/capture/index.js';
import { decodeCapture } from '../core/inspect/index.js';

const COPIES = Number(process.env.BENCH_FRAGMENT_COPIES ?? 80_000);
const TSHARK_LIMIT_S = 60;

export function fragmentFloodCapture(copies: number): Buffer {
  const payload = Buffer.alloc(1400, 0x61);
  const frame = buildTcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 5555, seq: 1, ack: 1, payload });
  const frags = fragmentIpPacket(frame, 1, 8, 7);
  const order = [frags[frags.length - 1], ...Array<Buffer>(copies).fill(frags[1]), ...frags.slice(0, -1)];
  const w = new PcapWriter({ linkType: 1 });
  order.forEach((data, i) => w.write({ tsSec: 1_700_000_000, tsNsec: i * 1000, data }));
  return w.toBuffer();
}

export async function benchFragments(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'zmtp-bench-frag-'));
  try {
    const file = join(dir, 'fragments.pcap');
    writeFileSync(file, fragmentFloodCapture(COPIES));
    const t0 = performance.now();
    const summary = await decodeCapture(file, {});
    const ours = (performance.now() - t0) / 1000;
    let line = `fragments: last fragment first, ${COPIES.toLocaleString('en-US')} copies of one 8-byte fragment, then the rest (${summary.packets.toLocaleString('en-US')} packets)\n`;
    line += `  ours ${ours.toFixed(2)} s (target < 1 s) ${ours < 1 ? 'MET' : 'NOT MET'}`;
    const t1 = performance.now();
    // tshark's own reassembly is slow on this input: it gets TSHARK_LIMIT_S at most.
    const ts = spawnSync('tshark', ['-r', file, '-q', '-z', 'io,stat,0'], {
      stdio: ['ignore', 'ignore', 'ignore'],
      timeout: TSHARK_LIMIT_S * 1000,
    });
    const tshark = (performance.now() - t1) / 1000;
    if (ts.status === 0) line += `  tshark ${tshark.toFixed(2)} s  (ours ${(tshark / ours).toFixed(1)}x faster)`;
    else if (ts.error && (ts.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
      line += `  tshark > ${TSHARK_LIMIT_S} s (stopped)  (ours > ${(TSHARK_LIMIT_S / ours).toFixed(0)}x faster)`;
    else line += '  (tshark not available)';
    process.stdout.write(`${line}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchFragments();
