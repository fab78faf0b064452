// Shared by the e2e tests: starts `zmtp serve --port 0` from the built out/ and a headless Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const root = fileURLToPath(new URL('../..', import.meta.url));
/** Screenshots refresh the README's pictures only when asked (UPDATE_SCREENSHOTS=1); otherwise they go to
 *  test-results/ so a test run leaves the work tree as it was. */
export const screenshots = process.env.UPDATE_SCREENSHOTS ? join(root, 'resources/screenshots') : join(root, 'test-results/screenshots');

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `zmtp serve` on `port` (a free one by default); settings (templates, ZAP policy, token) in `settingsDir`,
 * a fresh temp directory by default; `extraArgs` go on its command line (e.g. `--captures DIR`).
 */
export async function startServe(
  settingsDir = mkdtempSync(join(tmpdir(), 'zmtp-settings-')),
  port = 0,
  extraArgs: string[] = [],
): Promise<Served> {
  // ZMTP_SERVE_NODE_ARGS: node flags for the served host (e.g. --cpu-prof to profile it under a bench).
  const nodeArgs = process.env.ZMTP_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(root, 'bin/zmtp.js'), 'serve', '--port', String(port), '--settings', settingsDir, ...extraArgs],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`zmtp serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface ServedBrowser {
  served: Served;
  browser: Browser;
}

async function startServedBrowser(app: ServedBrowser): Promise<void> {
  app.served = await startServe();
  app.browser = await launchBrowser();
}

async function stopServedBrowser(app: Partial<ServedBrowser>): Promise<void> {
  await app.browser?.close();
  await app.served?.stop();
}

/**
 * For a test file: a `zmtp serve` and a Chromium, started before the file's tests and closed after them.
 * The fields are filled in by the time tests run.
 */
export function useServedBrowser(): ServedBrowser {
  const app = {} as ServedBrowser;
  before(() => startServedBrowser(app));
  after(() => stopServedBrowser(app));
  return app;
}

export interface App extends ServedBrowser {
  page: Page;
}

/**
 * useServedBrowser with one light-themed page on the app. `prepare` runs in the same before hook, once the
 * page is open: Node 20 runs a file's top-level before hooks concurrently, so a second hook could not
 * count on the page.
 */
export function useApp(options: { acceptDownloads?: boolean; prepare?: (page: Page) => Promise<void> } = {}): App {
  const app = {} as App;
  before(async () => {
    await startServedBrowser(app);
    app.page = await app.browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: options.acceptDownloads ?? false });
    await app.page.emulateMedia({ colorScheme: 'light' });
    await app.page.goto(app.served.url);
    await app.page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
    await options.prepare?.(app.page);
  });
  after(() => stopServedBrowser(app));
  return app;
}

/** Texts of the frames of the newest message with the given direction in a socket's log. */
export async function newestFrames(page: Page, name: string, dir: 'in' | 'out'): Promise<string[]> {
  const msg = page.getByTestId(`socket-${name}`).locator(`[data-testid=message][data-dir=${dir}]`).first();
  await msg.waitFor();
  return (await msg.getByTestId('frame').locator('pre').allTextContents()).map((t) => t.trim());
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

/** Creates a socket through the UI's "New socket" form and waits for its view. */
export async function createSocket(page: Page, type: string, name: string, extra?: (page: Page) => Promise<void>): Promise<void> {
  await page.getByRole('button', { name: '+ New socket' }).click();
  await page.getByLabel('Socket type').selectOption(type);
  await page.getByLabel('Socket name').fill(name);
  if (extra) await extra(page);
  await page.getByRole('button', { name: 'Create socket' }).click();
  await page.getByTestId(`socket-${name}`).waitFor();
}

export async function selectSocket(page: Page, name: string): Promise<void> {
  await page.getByTestId('socket-item').filter({ hasText: name }).click();
  await page.getByTestId(`socket-${name}`).waitFor();
}

/** Binds the current socket to a wildcard port and returns the real endpoint the UI shows. */
export async function bindWildcard(page: Page, name: string): Promise<string> {
  const view = page.getByTestId(`socket-${name}`);
  await view.getByLabel('Endpoint').fill('tcp://127.0.0.1:*');
  await view.getByRole('button', { name: 'Bind', exact: true }).click();
  const ep = view.getByTestId('endpoint').first();
  await ep.waitFor();
  return (await ep.textContent())!.trim();
}

export async function connectTo(page: Page, name: string, endpoint: string): Promise<void> {
  const view = page.getByTestId(`socket-${name}`);
  await view.getByLabel('Endpoint').fill(endpoint);
  await view.getByRole('button', { name: 'Connect', exact: true }).click();
  await view.getByTestId('endpoint').filter({ hasText: endpoint }).waitFor();
}

/** Fills the composer with frames given as [kind, data] and sends. */
export async function send(page: Page, name: string, frames: [string, string][]): Promise<void> {
  const view = page.getByTestId(`socket-${name}`);
  const editors = view.getByTestId('frame-editor');
  while ((await editors.count()) < frames.length) await view.getByRole('button', { name: '+ Add frame' }).click();
  while ((await editors.count()) > frames.length) await view.getByRole('button', { name: `Remove frame ${await editors.count()}` }).click();
  for (let i = 0; i < frames.length; i++) {
    await view.getByLabel(`Frame ${i + 1} format`).selectOption(frames[i][0]);
    await view.getByLabel(`Frame ${i + 1}`, { exact: true }).fill(frames[i][1]);
  }
  await view.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Waits until the locator's text matches; on timeout the error says what the text was. */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = (await locator.textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? '';
    if (pattern.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; the text was: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What a rate chart's Y axis shows (ui/RateChart.tsx keeps the labels it drew in data-y-labels) and
 * whether each label fits: its width, measured here in the axis font, plus uPlot's tick and gap (15 px)
 * within the axis width the chart gave uPlot. A clipped label ("0,000" for 10,000) fails this.
 */
export async function chartAxis(chart: Locator): Promise<{ labels: string[]; size: number; widest: number }> {
  return chart.evaluate((el) => {
    const labels = (el.getAttribute('data-y-labels') ?? '').split(' ').filter(Boolean);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = el.getAttribute('data-font')!;
    return { labels, size: Number(el.getAttribute('data-y-axis-size')), widest: Math.max(...labels.map((l) => ctx.measureText(l).width)) };
  });
}

/** How many pixels of the chart's canvas have this colour (a series' line): 0 when nothing was drawn. */
export async function chartInk(chart: Locator, rgb: [number, number, number]): Promise<number> {
  return chart.locator('canvas').evaluate((canvas: HTMLCanvasElement, [r, g, b]) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      if (Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24 && data[i + 3] > 200) n++;
    return n;
  }, rgb);
}
