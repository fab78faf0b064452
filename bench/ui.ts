// Workbench UI under load (issue 10): `zmtp serve` in Chromium, one REQ retrying a dead port (about 13
// monitor events a second with the default reconnect interval) and a SUB receiving 1,000 msg/s from a
// pyzmq PUB, for BENCH_UI_SECONDS (default 60). Every few seconds a real mouse click switches between the
// two sockets; printed: the time from the click's input event to the frame after its effect (the other
// socket's view shown), target < 100 ms; the page's JS heap (CDP), target < 300 MB; and what arrived.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { createSocket, launchBrowser, selectSocket, startServe } from '../test/e2e/serve-harness.js';
import { freePort } from '../test/e2e/traffic.js';
import { ProfileSum } from './cpu-profile.js';

const SECONDS = Math.max(5, Number(process.env.BENCH_UI_SECONDS ?? 60));
const RATE = Math.max(1, Number(process.env.BENCH_UI_RATE ?? 1000));
/** A click a second: enough clicks for a median and a p95 in a minute. */
const CLICK_EVERY_MS = 1000;
/** BENCH_UI_PROFILE=1: a CPU profile of each click window under load, summed and printed by self time. */
const PROFILE = !!process.env.BENCH_UI_PROFILE;

/** A pyzmq PUB that binds a free port and keeps `rate` messages a second (sent in small catch-up bursts). */
async function pyPublisher(rate: number): Promise<{ endpoint: string; stop: () => void }> {
  const py = spawn(
    '/usr/bin/python3',
    [
      '-c',
      `
import sys, time, zmq
s = zmq.Context().socket(zmq.PUB)
s.linger = 0
s.sndhwm = 100000
port = s.bind_to_random_port('tcp://127.0.0.1')
print(port, flush=True)
rate = float(sys.argv[1])
start = time.time()
i = 0
while True:
    due = int((time.time() - start) * rate)
    while i < due:
        s.send(b'tick %d' % i)
        i += 1
    time.sleep(0.005)
`,
      String(rate),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: py.stdout }).once('line', resolve);
    py.once('exit', (code) => reject(new Error(`pyzmq PUB exited (${code})`)));
  });
  return { endpoint: `tcp://127.0.0.1:${port.trim()}`, stop: () => py.kill() };
}

async function connect(page: Page, name: string, endpoint: string): Promise<void> {
  const view = page.getByTestId(`socket-${name}`);
  await view.getByLabel('Endpoint', { exact: true }).fill(endpoint);
  await view.getByRole('button', { name: 'Connect', exact: true }).click();
  await view.getByTestId('endpoint').filter({ hasText: endpoint }).waitFor();
}

/** Where a click's time went, in ms: waiting for the main thread (input event timestamp to pointerdown
 *  dispatched), pointerdown to the click handler (pointerup in between), the click to its effect in the DOM
 *  (React's render and commit), and the DOM to the next frame (style, layout, paint). */
interface ClickTime {
  total: number;
  queued: number;
  toClick: number;
  render: number;
  frame: number;
}

/**
 * Clicks the sidebar item of `name` with the mouse (no actionability waits) and returns the milliseconds from
 * the input event's own timestamp (so time queued behind a busy main thread counts) to the frame after the
 * socket's view is shown, split into where that time went.
 */
async function clickToEffect(page: Page, name: string, at: { x: number; y: number }): Promise<ClickTime> {
  await page.evaluate(`window.__t = {};
    document.addEventListener('pointerdown', (e) => { window.__t.input = e.timeStamp; window.__t.down = performance.now(); }, { capture: true, once: true });
    document.addEventListener('click', () => { window.__t.click = performance.now(); }, { capture: true, once: true });`);
  await page.mouse.click(at.x, at.y);
  // A string, not a function: tsx would wrap named arrows in a helper the page does not have.
  return page.evaluate<ClickTime>(`new Promise((resolve) => {
    const testId = ${JSON.stringify(`socket-${name}`)};
    const settle = () => {
      const t = window.__t;
      t.dom = performance.now();
      requestAnimationFrame(() => setTimeout(() => {
        const end = performance.now();
        const input = t.input ?? end;
        resolve({ total: end - input, queued: (t.down ?? end) - input, toClick: (t.click ?? t.down ?? end) - (t.down ?? end), render: t.dom - (t.click ?? t.dom), frame: end - t.dom });
      }, 0));
    };
    // Shown, not merely in the DOM: the workbench keeps recently shown socket views mounted but hidden.
    const shown = () => document.querySelector('[data-testid="' + testId + '"]')?.checkVisibility() === true;
    if (shown()) return settle();
    const seen = new MutationObserver(() => {
      if (!shown()) return;
      seen.disconnect();
      settle();
    });
    seen.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'hidden'] });
  })`);
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchUi(): Promise<void> {
  const served = await startServe();
  const browser = await launchBrowser();
  const pub = await pyPublisher(RATE);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(served.url);
    await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    };

    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    /** Seconds the page spent on each kind of work inside the profiled click windows. */
    const native: Record<string, number> = { ScriptDuration: 0, RecalcStyleDuration: 0, LayoutDuration: 0, TaskDuration: 0 };
    const metric = async (name: string) => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? NaN;

    await createSocket(page, 'REQ', 'retrying');
    await createSocket(page, 'SUB', 'flooded', async (p) => {
      await p.getByLabel('Subscriptions').fill('tick');
    });
    const where = async (name: string) => {
      const box = (await page.getByTestId('socket-item').filter({ hasText: name }).boundingBox())!;
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    };
    const items = { retrying: await where('retrying'), flooded: await where('flooded') };
    let next: 'retrying' | 'flooded' = 'retrying';
    let maxHeap = 0;
    const profile = PROFILE ? new ProfileSum() : undefined;
    /** Clicks every `everyMs` for `seconds`; returns the click->effect times and the page's main-thread share. */
    const clicking = async (seconds: number, everyMs: number, profiled?: ProfileSum) => {
      const clicks: ClickTime[] = [];
      const task0 = await metric('TaskDuration');
      const start = Date.now();
      if (profiled) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      }
      while (Date.now() - start < seconds * 1000) {
        await new Promise((r) => setTimeout(r, everyMs));
        // Profiled, the window is the click alone: what its input waited behind and what it cost.
        const before = profiled && (await metrics());
        if (profiled) await cdp.send('Profiler.start');
        clicks.push(await clickToEffect(page, next, items[next]));
        if (profiled) {
          profiled.add((await cdp.send('Profiler.stop')).profile);
          const now = await metrics();
          for (const k of Object.keys(native)) native[k] += (now[k] ?? 0) - ((before as Record<string, number>)[k] ?? 0);
        }
        next = next === 'retrying' ? 'flooded' : 'retrying';
        maxHeap = Math.max(maxHeap, await heap());
      }
      const elapsed = (Date.now() - start) / 1000;
      return { clicks, elapsed, busy: (await metric('TaskDuration')) - task0 };
    };

    // The same clicks on the same page with nothing arriving: the reference for this machine's load right now.
    const loadBefore = loadavg()[0];
    const idle = await clicking(Math.max(5, SECONDS / 6), CLICK_EVERY_MS);
    await selectSocket(page, 'retrying');
    await connect(page, 'retrying', `tcp://127.0.0.1:${await freePort()}`);
    await selectSocket(page, 'flooded');
    await connect(page, 'flooded', pub.endpoint);
    await page.getByTestId('socket-flooded').locator('[data-testid=message][data-dir=in]').first().waitFor();
    const loaded = await clicking(SECONDS, CLICK_EVERY_MS, profile);
    // Profiled: what the flood alone costs the page, with each socket shown, between clicks.
    const background: [string, ProfileSum, number][] = [];
    if (PROFILE) {
      for (const name of ['flooded', 'retrying'] as const) {
        await page.mouse.click(items[name].x, items[name].y);
        await page.waitForTimeout(1000);
        const sum = new ProfileSum();
        const task0 = await metric('TaskDuration');
        await cdp.send('Profiler.start');
        await page.waitForTimeout(10_000);
        sum.add((await cdp.send('Profiler.stop')).profile);
        background.push([name, sum, (await metric('TaskDuration')) - task0]);
      }
    }

    // What the page shows at the end, read from its own counters.
    const sidebar = async (name: string) => (await page.getByTestId('socket-item').filter({ hasText: name }).textContent()) ?? '';
    const received = Number(/([\d,]+) msg/.exec(await sidebar('flooded'))?.[1].replace(/,/g, '') ?? NaN);
    await page.mouse.click(items.retrying.x, items.retrying.y);
    const view = page.getByTestId('socket-retrying');
    await view.waitFor();
    const events = Number(/Monitor events \(([\d,]+)\)/.exec((await view.textContent()) ?? '')?.[1].replace(/,/g, '') ?? NaN);
    const rows = await view.getByTestId('event-row').count();
    await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
    const endHeap = await heap();

    const { elapsed } = loaded;
    const sorted = (c: ClickTime[], part: keyof ClickTime) => c.map((x) => x[part]).sort((a, b) => a - b);
    const line = (c: ClickTime[]) => {
      const t = sorted(c, 'total');
      return `median ${pct(t, 50).toFixed(0)} ms, p95 ${pct(t, 95).toFixed(0)} ms, max ${t[t.length - 1].toFixed(0)} ms over ${c.length} clicks`;
    };
    const parts = (c: ClickTime[]) =>
      (['queued', 'toClick', 'render', 'frame'] as const)
        .map((k) => `${k} ${pct(sorted(c, k), 50).toFixed(0)}/${pct(sorted(c, k), 95).toFixed(0)}`)
        .join(', ');
    const load = loadavg();
    console.log(
      `ui: ${elapsed.toFixed(0)} s in Chromium against zmtp serve; REQ retrying a dead port: ${events.toLocaleString('en')} monitor events (${(events / elapsed).toFixed(1)}/s) shown as ${rows} folded rows; SUB fed ${RATE.toLocaleString('en')} msg/s by pyzmq: ${received.toLocaleString('en')} received`,
    );
    console.log(
      `ui machine: load average ${loadBefore.toFixed(1)} at the start, ${load.map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) at the end, on ${cpus().length} CPUs`,
    );
    console.log(`ui click->effect under load: ${line(loaded.clicks)} (target < 100 ms)`);
    console.log(
      `ui   where it went under load, median/p95 ms: ${parts(loaded.clicks)} (queued: input waiting for the main thread; render: click handler to DOM; frame: DOM to the next frame)`,
    );
    console.log(
      `ui click->effect idle page, same run: ${line(idle.clicks)}; under load / idle = ${(pct(sorted(loaded.clicks, 'total'), 50) / pct(sorted(idle.clicks, 'total'), 50)).toFixed(2)}x at the median`,
    );
    console.log(`ui   where it went idle, median/p95 ms: ${parts(idle.clicks)}`);
    console.log(
      `ui page main thread busy: ${((100 * loaded.busy) / elapsed).toFixed(0)}% under load, ${((100 * idle.busy) / idle.elapsed).toFixed(0)}% idle`,
    );
    console.log(
      `ui page JS heap: max ${mib(maxHeap)} during the run, ${mib(endHeap)} at the end after GC (target < 300 MB); zmtp serve RSS ${rssMiB(served.child.pid).toFixed(0)} MB`,
    );
    if (profile) {
      console.log(
        `ui CPU profile of the ${loaded.clicks.length} click windows under load (${profile.totalMs.toFixed(0)} ms sampled), self time:`,
      );
      console.log(
        `ui   per click on average: ${Object.entries(native)
          .map(([k, v]) => `${k.replace('Duration', '')} ${((v * 1000) / loaded.clicks.length).toFixed(1)} ms`)
          .join(', ')}`,
      );
      for (const l of profile.top(25)) console.log(`ui   ${l}`);
      for (const [name, sum, busy] of background) {
        console.log(
          `ui CPU profile of 10 s of the flood alone with '${name}' shown (main thread busy ${(busy * 10).toFixed(0)}%), self time:`,
        );
        for (const l of sum.top(20)) console.log(`ui   ${l}`);
      }
    }
  } finally {
    pub.stop();
    await browser.close();
    await served.stop();
  }
}
