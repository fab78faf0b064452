// `npm run bench open` (issue 13): the packet-heavy capture of `bench decode` (libzmq REQ/REP round trips
// on loopback under tcpdump, one message per segment, about 1 M packets) opened in the UI: `zmtp serve` in
// Chromium, the file given to the Capture tab's file input (streamed to the host, which decodes it as it
// arrives). Printed, all in the same run:
//   - the decoder's own time for the file (decodeCapture in this process, nothing kept), wall and CPU, on one
//     thread (the reference) and with the capture thread (ZMTP_CAPTURE_THREAD, as the UI runs it);
//   - the decoder as the UI runs it (the capture thread, messages taken as the inspector's views) dropping
//     every message, then feeding the host's CaptureStore (as `zmtp serve` keeps a capture): the main
//     thread's CPU beyond the first is what the store costs; and which of the two threads is the longer;
//   - file chosen -> the first rows in the table; file chosen -> the whole capture shown (the table's
//     record count equals every record of the capture and the capture says ready), target <= 2 s, and its
//     ratio to the decoder's time: what the UI adds;
//   - the CPU seconds each side spent meanwhile (zmtp serve: decode, store, transport; Chromium: page,
//     renderer, browser processes), which on a loaded machine say more than the wall time does;
//   - the host's peak RSS (sampled every 50 ms) against the file's size, target <= 3x;
//   - the same file opened from the server's folder instead (`zmtp serve --captures` its folder, chosen in
//     "Open from server…": decoded where it lies, as the desktop app opens a path, no upload): file chosen
//     -> first rows, -> whole capture shown (the same check), and zmtp serve's CPU meanwhile.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, startServe } from '../test/e2e/serve-harness.js';
import { convertedCapture, OTHER_FORMATS, packetCapture } from './decode.js';
import type { InspectRecord } from '../core/inspect/records.js';
import type { MessageView } from '../core/inspect/message-view.js';

const TICK = 100; // USER_HZ: /proc/PID/stat counts CPU time in these

function rss(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Every live process as pid -> [parent pid, CPU seconds used (user + system)]. */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), [Number(fields[1]), (Number(fields[11]) + Number(fields[12])) / TICK]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Chromium's role for a process: its --type (renderer, gpu-process, utility...), 'browser' for the main one. */
function chromiumRole(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = args.find((a) => a.startsWith('--type='))?.slice(7);
    const sub = args
      .find((a) => a.startsWith('--utility-sub-type='))
      ?.slice(19)
      .replace(/\.mojom\.\w+$/, '');
    return type ? (sub ? `${type} ${sub}` : type) : 'browser';
  } catch {
    return 'gone';
  }
}

/** CPU seconds of `servePid` alone, and of every other descendant of this process (Chromium's processes) by role. */
/** CPU seconds (user + system) of one thread of a process. */
function threadCpu(pid: number, tid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of `servePid` alone (and of its main thread, where the capture store and the transport run;
 * the rest is the capture thread's and libuv's), and of every other descendant of this process (Chromium's
 * processes) by role.
 */
function cpuSplit(servePid: number): { serve: number; serveMain: number; browser: Map<string, number> } {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, [ppid]] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const browser = new Map<string, number>();
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      if (child === servePid) continue;
      const role = chromiumRole(child);
      browser.set(role, (browser.get(role) ?? 0) + table.get(child)![1]);
      walk(child);
    }
  };
  walk(process.pid);
  return { serve: table.get(servePid)?.[1] ?? NaN, serveMain: threadCpu(servePid, servePid), browser };
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Seconds from `start` (performance.now()) to the first row in the table, and to the whole capture shown:
 * the table's own count, commas removed, is every record of the capture, and the capture says ready.
 */
async function timeShown(page: Page, records: number, start: number): Promise<{ firstSeconds: number; seconds: number }> {
  const firstRow = page
    .locator('[data-testid=record-row][data-record="0"]')
    .waitFor({ timeout: 300_000 })
    .then(() => performance.now() - start);
  // A function, not a string (the page's CSP forbids eval); anonymous, so tsx adds no helper to it.
  await page.waitForFunction(
    (want: string) =>
      (document.querySelector('[data-testid="record-total"]')?.textContent ?? '').replace(/,/g, '') === want &&
      document.querySelector('[data-testid="capture-state"]')?.textContent === 'ready',
    `${records} records`,
    { timeout: 300_000, polling: 20 },
  );
  const seconds = (performance.now() - start) / 1000;
  return { firstSeconds: (await firstRow) / 1000, seconds };
}

export async function benchCaptureOpen(): Promise<boolean> {
  const capture = await packetCapture();
  // BENCH_OPEN_FORMAT=nsecpcap|pcapng: the same packets in another format (read by our readers, not pcap-parser).
  const format = process.env.BENCH_OPEN_FORMAT;
  if (format) {
    const f = OTHER_FORMATS.find((o) => o.editcap === format);
    if (!f) throw new Error(`BENCH_OPEN_FORMAT: ${format} is not one of ${OTHER_FORMATS.map((o) => o.editcap).join(', ')}`);
    const converted = convertedCapture(capture.path, f);
    if (!converted) return false;
    capture.path = converted;
  }
  const size = statSync(capture.path).size;
  // @ts-ignore: the built library (npm run build:core); the bench measures what users run
  const { decodeCapture } = await import('../out/core/inspect/decode-capture.js');
  // The decoder's own time: reading and decoding every packet, every record made and dropped; on one
  // thread (the reference the UI's time is compared with), and with the capture thread as the UI has it.
  // @ts-ignore: the built library, as above
  const { CaptureStore } = await import('../out/core/host/capture-store.js');
  const decodeAlone = async (captureThread: 'off' | 'on', consumer: 'records' | 'views' | 'store' = 'records') => {
    // 'records': every record made and dropped; 'views': messages taken as the inspector's views and
    // dropped (the UI's way, nothing kept); 'store': kept as the host keeps them (messages as views,
    // other records as records).
    const store = new CaptureStore();
    const into =
      consumer === 'store'
        ? { onRecord: (r: InspectRecord) => store.add(r), onMessage: (m: MessageView) => store.addMessage(m) }
        : consumer === 'views'
          ? { onRecord: () => undefined, onMessage: () => undefined }
          : {};
    const cpu0 = process.cpuUsage();
    const main0 = threadCpu(process.pid, process.pid);
    const t0 = performance.now();
    const summary = await decodeCapture(capture.path, { syncReads: true, captureThread, ...into });
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const mainCpu = threadCpu(process.pid, process.pid) - main0;
    // The store is returned, kept until the bench ends: its memory is not freed during a later run.
    return { summary, seconds, cpu: (used.user + used.system) / 1e6, mainCpu, store };
  };
  const { summary, seconds: decodeSeconds, cpu: decodeCpu } = await decodeAlone('off');
  const threaded = await decodeAlone('on');
  // The UI's decoder (the capture thread, messages as views) with and without the store, alternating:
  // the store's cost is the main thread's CPU beyond the no-op consumer's.
  const viewRuns = [
    await decodeAlone('on', 'views'),
    await decodeAlone('on', 'store'),
    await decodeAlone('on', 'views'),
    await decodeAlone('on', 'store'),
  ];
  const best = (runs: typeof viewRuns) => runs.reduce((a, b) => (a.mainCpu <= b.mainCpu ? a : b));
  const views = best([viewRuns[0], viewRuns[2]]);
  const stored = best([viewRuns[1], viewRuns[3]]);
  const records: number = summary.records;
  const loadBefore = loadavg()[0];
  const served = await startServe();
  const browser = await launchBrowser();
  let met: boolean;
  let uploadSeconds: number;
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Capture' }).click();
    const pid = served.child.pid!;
    const before = rss(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 50);
    const cpuBefore = cpuSplit(pid);
    const start = performance.now();
    // The upload's reply comes once every byte is in zmtp serve's file (the decode may still be going on).
    const received = page
      .waitForResponse((r) => r.url().includes('/api/upload'), { timeout: 300_000 })
      .then(() => (performance.now() - start) / 1000);
    await page.getByLabel('Capture file').setInputFiles(capture.path);
    const { firstSeconds, seconds } = await timeShown(page, records, start);
    const receivedSeconds = await received;
    const cpuAfter = cpuSplit(pid);
    clearInterval(sampler);
    peak = Math.max(peak, rss(pid));
    const after = rss(pid);
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    const timeOk = seconds <= 2;
    const memOk = peak <= 3 * size;
    const serveCpu = cpuAfter.serve - cpuBefore.serve;
    const serveMainCpu = cpuAfter.serveMain - cpuBefore.serveMain;
    const browserCpu = sum(cpuAfter.browser) - sum(cpuBefore.browser);
    const roles = [...cpuAfter.browser]
      .map(([role, s]) => [role, s - (cpuBefore.browser.get(role) ?? 0)] as const)
      .filter(([, s]) => s >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([role, s]) => `${role} ${s.toFixed(2)}`)
      .join(', ');
    console.log(
      `\nopen in the UI: ${capture.path} (${mb(size)}, ${summary.packets} packets, ${records} records) through zmtp serve in Chromium; ` +
        `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after, on ${cpus().length} cores`,
    );
    console.log(`  the decoder alone (decodeCapture, records dropped)   ${decodeSeconds.toFixed(2)} s  [${decodeCpu.toFixed(2)} s CPU]`);
    console.log(
      `  the same with the capture thread                     ${threaded.seconds.toFixed(2)} s  [${threaded.cpu.toFixed(2)} s CPU, ` +
        `${threaded.summary.captureThreadCpuSeconds?.toFixed(2) ?? '?'} s of it the capture thread's]`,
    );
    const threadLine = (r: typeof views) =>
      `${r.seconds.toFixed(2)} s  [main thread ${r.mainCpu.toFixed(2)} s CPU, capture thread ${r.summary.captureThreadCpuSeconds?.toFixed(2) ?? '?'} s]`;
    console.log(`  the UI's decoder (capture thread, messages as views, dropped)  ${threadLine(views)}`);
    console.log(
      `  the same into the host's store (CaptureStore)                ${threadLine(stored)}: the store ` +
        `${(stored.mainCpu - views.mainCpu).toFixed(2)} s of main-thread CPU (best of two runs each, alternating)`,
    );
    console.log(`  file chosen -> first rows shown                      ${firstSeconds.toFixed(2)} s`);
    console.log(`  file chosen -> upload all in zmtp serve's file       ${receivedSeconds.toFixed(2)} s (decoded as it arrives)`);
    console.log(
      `  file chosen -> whole capture shown (${records} records, ready)  ${seconds.toFixed(2)} s = ${(seconds / decodeSeconds).toFixed(2)}x the decoder ` +
        `(target <= 2 s) ${timeOk ? 'MET' : 'NOT MET'}`,
    );
    console.log(
      `  CPU meanwhile: zmtp serve ${serveCpu.toFixed(2)} s (${(serveCpu / decodeCpu).toFixed(2)}x the decoder's; ` +
        `main thread ${serveMainCpu.toFixed(2)} s, other threads ${(serveCpu - serveMainCpu).toFixed(2)} s), Chromium ${browserCpu.toFixed(2)} s (${roles})`,
    );
    console.log(
      `  zmtp serve RSS: ${mb(before)} before, peak ${mb(peak)} (${(peak / size).toFixed(2)}x the file; target <= 3x) ${memOk ? 'MET' : 'NOT MET'}, ${mb(after)} once shown`,
    );
    met = timeOk && memOk;
    uploadSeconds = seconds;
  } finally {
    await browser.close();
    await served.stop();
  }
  // On its own: the upload's serve (holding its capture) and Chromium are gone, so they do not compete.
  await openFromServerFolder(capture.path, records, decodeSeconds, decodeCpu, uploadSeconds);
  return met;
}

/**
 * The same file opened from the server's folder (`zmtp serve --captures` its folder; the file chosen in
 * "Open from server…"): decoded in place, as the desktop app opens a path. Printed next to the upload's
 * numbers, with the upload's whole-capture time for the ratio.
 */
async function openFromServerFolder(
  path: string,
  records: number,
  decodeSeconds: number,
  decodeCpu: number,
  uploadSeconds: number,
): Promise<void> {
  const served = await startServe(undefined, 0, ['--captures', dirname(path)]);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(served.url);
    await page.getByRole('tab', { name: 'Capture' }).click();
    await page.getByRole('button', { name: 'Open from server…' }).click();
    // The entry's name is the file name, then its size and time: the space keeps x.pcap from matching x.pcapng.
    const entry = page.getByRole('dialog').getByRole('button', { name: new RegExp(`^${basename(path).replace(/[.]/g, '\\.')} `) });
    await entry.waitFor();
    const pid = served.child.pid!;
    const cpuBefore = cpuSplit(pid);
    const start = performance.now();
    await entry.click();
    const { firstSeconds, seconds } = await timeShown(page, records, start);
    const serveCpu = cpuSplit(pid).serve - cpuBefore.serve;
    console.log(`  opened from the server folder (zmtp serve --captures ${dirname(path)}, as the desktop app opens a path):`);
    console.log(`    file chosen -> first rows shown                    ${firstSeconds.toFixed(2)} s`);
    console.log(
      `    file chosen -> whole capture shown (${records} records, ready)  ${seconds.toFixed(2)} s = ${(seconds / decodeSeconds).toFixed(2)}x the decoder, ` +
        `${(seconds / uploadSeconds).toFixed(2)}x the upload's; zmtp serve CPU ${serveCpu.toFixed(2)} s (${(serveCpu / decodeCpu).toFixed(2)}x the decoder's)`,
    );
  } finally {
    await browser.close();
    await served.stop();
  }
}
