// `npm run bench export`: exporting a million-message capture (libzmq PUSH/PULL, taken by tcpdump here)
// as CSV and JSON lines through the host, as `zmtp serve` streams a download: time to the first byte,
// total time, and how much the process grows while it runs (the rows are made as the reader takes them).
// Beside it, tshark on the same file writing comparable CSV (time, addresses, ports, payload hex).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Host } from '../core/host/index.js';
import { captureWithTcpdump, freePort, pushPullBurst } from '../test/e2e/traffic.js';

const MESSAGES = Number(process.env.BENCH_EXPORT_MESSAGES ?? 1_000_000);

export async function benchExport(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const host = new Host({ settingsDir: dir });
  try {
    const file = join(dir, 'burst.pcap');
    console.log(`\nexport: capturing ${MESSAGES.toLocaleString('en-US')} libzmq PUSH/PULL messages with tcpdump ...`);
    const port = await freePort();
    await captureWithTcpdump(file, port, () => pushPullBurst(port, MESSAGES));
    const { id } = await host.request('capture.openFile', { path: file });
    let records = 0;
    for (;;) {
      const c = (await host.request('capture.list')).find((x) => x.id === id)!;
      if (c.state !== 'loading') {
        records = c.records;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    let tsharkSeconds: number | undefined;
    if (existsSync('/usr/bin/tshark')) {
      const start = performance.now();
      const r = spawnSync(
        'tshark',
        [
          '-n',
          '-r',
          file,
          '-T',
          'fields',
          '-E',
          'separator=,',
          '-E',
          'quote=d',
          '-e',
          'frame.time_epoch',
          '-e',
          'ip.src',
          '-e',
          'tcp.srcport',
          '-e',
          'ip.dst',
          '-e',
          'tcp.dstport',
          '-e',
          'tcp.payload',
        ],
        { stdio: ['ignore', 'ignore', 'ignore'] },
      );
      if (r.status === 0) tsharkSeconds = (performance.now() - start) / 1000;
    }
    for (const format of ['csv', 'jsonl'] as const) {
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const start = performance.now();
      let first = 0;
      let bytes = 0;
      const reader = new Writable({
        write(chunk: Buffer, _enc, done) {
          if (!first) first = performance.now() - start;
          bytes += chunk.length;
          done();
        },
      });
      const rows = await host.captures.beginExport(id, format, {}).into(reader);
      const seconds = (performance.now() - start) / 1000;
      clearInterval(sampler);
      const vsTshark = tsharkSeconds
        ? `; tshark -T fields (CSV of every packet, no ZMTP) ${tsharkSeconds.toFixed(2)} s, ours ${(tsharkSeconds / seconds).toFixed(2)}x its speed`
        : '';
      console.log(
        `  ${format.padEnd(5)} ${rows.toLocaleString('en-US')} of ${records.toLocaleString('en-US')} records, ${(bytes / 1e6).toFixed(0)} MB: ` +
          `first byte ${first.toFixed(0)} ms, all ${seconds.toFixed(2)} s, process grew ${((peak - base) / 1e6).toFixed(0)} MB while exporting${format === 'csv' ? vsTshark : ''}`,
      );
    }
  } finally {
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
