// Opening a packet-heavy capture in the browser (issue 13): libzmq REQ/REP round trips in lock-step under
// tcpdump, one message per TCP segment. zmtp serve decodes the upload as it arrives, so the capture shows
// its connections, first rows and a progress bar that tells the truth (bytes read of the file's size,
// packets so far) while the rest is still on its way, and answers clicks meanwhile; in the end it shows
// what `zmtp decode --json` finds in the same file. The upload is held at a crawl by Chromium's own
// network throttling (DevTools protocol) until those checks are done, so "before the decode ends" does
// not depend on how fast this machine is; then it runs at full speed to the end.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fmtBytes } from '../../src/renderer/src/format.js';
import { useServedBrowser } from './serve-harness.js';
import { cliCounts } from '../helpers/cli-decode.js';
import { captureWithTcpdump, freePort, reqRepRoundTrips } from './traffic.js';

const ROUND_TRIPS = 60_000;
/** Bytes a second the page may upload while the checks during decoding run: the file takes minutes at this pace. */
const CRAWL = 64 * 1024;

const app = useServedBrowser();
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zmq-inspector-streaming-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Progress {
  read: string;
  of: string;
  percent: number;
  packets: number;
}

async function progress(page: Page): Promise<Progress> {
  const text = (await page.getByTestId('decode-progress').textContent())!;
  const m = /Decoding (\S+ \S+) of (\S+ \S+) \((\d+)%\) · ([\d,]+) packets/.exec(text);
  assert.ok(m, `progress text: ${text}`);
  return { read: m[1], of: m[2], percent: Number(m[3]), packets: Number(m[4].replace(/,/g, '')) };
}

const count = (stats: string, what: string) => Number(new RegExp(`([\\d,]+) ${what}`).exec(stats)![1].replace(/,/g, ''));

test(
  'a packet-heavy capture shows progress, connections and first rows while it decodes, answers clicks, and ends as zmtp decode does',
  { timeout: 900_000 },
  async () => {
    const file = join(dir, 'reqrep.pcap');
    const port = await freePort();
    await captureWithTcpdump(file, port, () => reqRepRoundTrips(port, 8, ROUND_TRIPS));
    const size = statSync(file).size;
    const cli = await cliCounts(file);
    assert.ok(cli.messages > ROUND_TRIPS, `the capture holds the round trips' messages: ${cli.messages}`);

    const page = await app.browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await page.goto(app.served.url);
    await page.getByRole('tab', { name: 'Capture' }).click();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const throttle = (uploadThroughput: number) =>
      cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput });
    await throttle(CRAWL);
    await page.getByLabel('Capture file').setInputFiles(file);

    // While decoding: the first rows, the connections, and progress against the file's real size.
    const state = page.getByTestId('capture-state');
    await page.locator('[data-testid=record-row][data-record="0"]').waitFor({ timeout: 120_000 });
    assert.equal(await state.textContent(), 'loading');
    await page.locator('[data-testid=connections] tbody tr').first().waitFor();
    const first = await progress(page);
    assert.equal(first.of, fmtBytes(size), 'the bar counts against the file size');
    assert.ok(first.percent < 100);
    // It moves: more bytes read and more packets, still before the end.
    // (Functions, not strings: the page's CSP forbids eval.)
    await page.waitForFunction(
      (seen: number) => {
        const m = /· ([\d,]+) packets/.exec(document.querySelector('[data-testid="decode-progress"]')?.textContent ?? '');
        return m !== null && Number(m[1].replace(/,/g, '')) > seen;
      },
      first.packets,
      { timeout: 120_000, polling: 200 },
    );
    const later = await progress(page);
    assert.ok(later.packets > first.packets && later.packets < cli.records * 2);
    assert.ok(Number(await page.getByRole('progressbar', { name: 'Decoding' }).getAttribute('aria-valuenow')) < 100);

    // A click lands while decoding: the row's record opens in the detail pane.
    const row = page.locator('[data-testid=record-row][data-record="3"]');
    await row.click();
    const detail = page.getByTestId('record-detail');
    await detail.getByText('#3', { exact: true }).waitFor({ timeout: 60_000 });
    // And a filter: client-to-server records only, counted by the host while it decodes.
    await page.getByLabel('Direction').selectOption('c2s');
    await page.locator('[data-testid=record-row]').first().waitFor();
    assert.equal(await state.textContent(), 'loading', 'all of this happened before the decode ended');
    await page.getByLabel('Direction').selectOption('');

    // Full speed to the end: the counts are those of zmtp decode on the same file.
    await throttle(-1);
    await page.locator('[data-testid="capture-state"]', { hasText: 'ready' }).waitFor({ timeout: 600_000 });
    const stats = (await page.getByTestId('capture-stats').textContent())!;
    assert.equal(count(stats, 'records'), cli.records, stats);
    assert.equal(count(stats, 'messages'), cli.messages, stats);
    assert.equal(count(stats, 'connections'), cli.connections, stats);
    await page.waitForFunction(
      (want: string) => (document.querySelector('[data-testid="record-total"]')?.textContent ?? '').replace(/,/g, '') === want,
      `${cli.records} records`,
      { timeout: 60_000, polling: 200 },
    );
    assert.equal(await page.locator('[data-testid=connections] tbody tr').count(), cli.connections);
    assert.equal(await page.getByTestId('decode-progress').count(), 0, 'the progress bar is gone once ready');
    await page.close();
  },
);
