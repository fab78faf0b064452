// Exports and times in the capture view, in Chromium against `zmtp serve`: the table's microsecond times
// with since-start and delta columns, the detail pane in words, an export that shows its progress and
// can be cancelled while it streams, a complete export named after the capture, and no Export for a
// capture that failed to open.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chartAxis, chartInk, shot, useApp, waitForText } from './serve-harness.js';
import { captureWithTcpdump, freePort, pushPullBurst } from './traffic.js';

/** Enough 1 KiB messages that their JSON lines (~44 MB) are far more than loopback socket buffers hold. */
const COUNT = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'zmq-inspector-export-'));
const file = join(dir, 'burst.pcap');
let page: Page;
const app = useApp({
  acceptDownloads: true,
  prepare: async (p) => {
    page = p;
    const port = await freePort();
    // Each message a 1-byte frame and a 1 KiB frame.
    await captureWithTcpdump(file, port, () => pushPullBurst(port, COUNT, (i) => ['k', `msg-${i}-`.padEnd(1024, 'x')]));
    await page.getByRole('tab', { name: 'Capture' }).click();
    await page.getByLabel('Capture file').setInputFiles(file);
    await page.getByText('ready', { exact: true }).waitFor({ timeout: 120_000 });
  },
});
after(() => rmSync(dir, { recursive: true, force: true }));

const num = (s: string | null) => Number((s ?? '').replace(/^\+/, ''));

test('the table shows microsecond times, time since start and the delta to the row above', async () => {
  const header = (await page.getByTestId('record-header').textContent())!;
  assert.match(header, /since start/);
  assert.match(header, /Δ previous/);
  await page.getByLabel('Record kind').selectOption('message');
  const rows = page.getByTestId('record-row');
  await rows.nth(3).getByTestId('row-time').waitFor();
  const times = await rows.getByTestId('row-time').allTextContents();
  assert.ok(
    times.every((t) => /^\d\d:\d\d:\d\d\.\d{6}$/.test(t)),
    JSON.stringify(times.slice(0, 3)),
  );
  const since = (await rows.getByTestId('row-since-start').allTextContents()).map(num);
  const deltas = await rows.getByTestId('row-delta').allTextContents();
  assert.equal(deltas[0], '', 'the first row has no row above');
  assert.ok(since.every((s) => s >= 0));
  for (let i = 1; i < 4; i++) {
    // Each delta is the difference of the since-start times (to the microsecond both were rounded to).
    assert.ok(Math.abs(num(deltas[i]) - (since[i] - since[i - 1])) <= 1.01e-6, `row ${i}: ${deltas[i]} vs ${since[i]} - ${since[i - 1]}`);
  }
  // Tens of thousands of messages a second: the rate chart's Y axis labels them short (e.g. 100k).
  await page.getByRole('tab', { name: 'Rate' }).click();
  await page.getByTestId('rate-chart').locator('canvas').waitFor();
  const axis = await chartAxis(page.getByTestId('rate-chart'));
  assert.ok(
    axis.labels.some((l) => /^\d+(\.\d)?k$/.test(l)),
    `thousands labelled short: ${axis.labels}`,
  );
  for (const l of axis.labels) assert.match(l, /^\d+(\.\d+)?[kM]?$/, `no digit groups to clip: ${axis.labels}`);
  assert.ok(axis.widest + 15 <= axis.size, `labels fit the axis: widest ${axis.widest} px + 15 in ${axis.size} px`);
  assert.ok((await chartInk(page.getByTestId('rate-chart'), [2, 132, 199])) > 50, 'the client → server line is drawn');
  await shot(page, 'capture-rate-burst');
  await page.getByRole('tab', { name: 'Detail' }).click();
});

test('the detail pane shows fields in words, readable times and "1 byte"', async () => {
  await page.getByTestId('record-row').nth(1).click();
  const detail = page.getByTestId('record-detail');
  const fields = (await detail.getByTestId('detail-fields').textContent())!;
  assert.match(fields, /\d\d:\d\d:\d\d\.\d{6} \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC\)/);
  assert.match(fields, /client → server/);
  assert.doesNotMatch(await detail.innerText(), /"ts":|"conn":/, 'no raw JSON dump');
  assert.deepEqual(await detail.getByTestId('detail-frame-size').allTextContents(), ['Frame 1 · 1 byte', 'Frame 2 · 1,024 bytes']);
  await shot(page, 'capture-detail');
});

test('an export streams with progress and can be cancelled while it runs', async () => {
  const id = (await page.locator('[data-testid^="capture-c"]').first().getAttribute('data-testid'))!.slice('capture-'.length);
  const url = new URL(app.served.url);
  const token = url.searchParams.get('token')!;
  // A reader that takes the headers and then nothing: the server can only get as far as the socket buffers.
  let ended = false;
  const reader = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `/api/captures/${id}/export?token=${token}&format=jsonl&filter=${encodeURIComponent('{"kind":"message"}')}`,
      },
      (res) => {
        res.pause();
        resolve(res);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(reader.statusCode, 200);
  assert.match(String(reader.headers['content-disposition']), /filename="burst\.jsonl"/);
  const closed = new Promise<void>((resolve) => {
    reader.on('close', resolve);
    reader.on('error', () => resolve());
    reader.on('end', () => {
      ended = true;
    });
  });

  const status = page.getByTestId('export-status');
  const text = await waitForText(status, /Exporting burst\.jsonl: [\d,]+ of [\d,]+ rows/);
  const [, done, total] = /: ([\d,]+) of ([\d,]+)/.exec(text)!.map((s) => Number(s.replace(/,/g, '')));
  assert.ok(done < total, `the paused reader holds the export back: ${text}`);
  assert.equal(total, num((await page.getByTestId('record-total').textContent())!.replace(/,/g, '').replace(/ records?/, '')));
  await page.getByRole('progressbar', { name: 'Export' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Export CSV' }).isDisabled(), true, 'no second export while one runs');
  await shot(page, 'capture-export-progress');

  await page.getByRole('button', { name: 'Cancel export' }).click();
  await waitForText(status, /Export of burst\.jsonl cancelled after [\d,]+ of [\d,]+ rows/);
  assert.equal(await status.getAttribute('data-state'), 'cancelled');
  reader.resume();
  await closed;
  assert.equal(ended, false, 'the cancelled download is cut off, not ended as if complete');
  assert.equal(await page.getByRole('button', { name: 'Export CSV' }).isDisabled(), false);
});

test("a complete export downloads under the capture's name with readable times", async () => {
  const total = num((await page.getByTestId('record-total').textContent())!.replace(/,/g, '').replace(/ records?/, ''));
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const d = await download;
  assert.equal(d.suggestedFilename(), 'burst.csv');
  const saved = join(dir, 'burst.csv');
  await d.saveAs(saved);
  await waitForText(page.getByTestId('export-status'), new RegExp(`Exported ${total.toLocaleString('en-US')} rows to burst\\.csv`));
  const lines = readFileSync(saved, 'utf8').trim().split('\n');
  assert.equal(lines.length, total + 1);
  assert.match(lines[0], /^index,time_utc,ts,since_start,delta,/);
  assert.match(lines[1], /^\d+,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6},/);
});

test('a capture that failed to open has Export disabled', async () => {
  const bad = join(dir, 'not-a-capture.pcap');
  writeFileSync(bad, 'definitely not a capture file, just text');
  await page.getByLabel('Capture file').setInputFiles(bad);
  await page.getByTestId('capture-error').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Export JSONL' }).isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Export CSV' }).isDisabled(), true);
});

test('a live-capture error sits under the toolbar, which stays one row, and can be dismissed', async () => {
  await page.getByLabel('Capture filter').fill('tcp port not-a-port');
  await page.getByRole('button', { name: '● Start live capture' }).click();
  const error = page.getByTestId('live-error');
  await error.waitFor();
  assert.match((await error.textContent())!, /Cannot start the live capture/);
  const open = (await page.getByRole('button', { name: 'Open capture…' }).boundingBox())!;
  const start = (await page.getByRole('button', { name: '● Start live capture' }).boundingBox())!;
  const watch = (await page.getByRole('button', { name: '◉ Watch workbench sockets' }).boundingBox())!;
  assert.ok(Math.abs(open.y - start.y) < 4 && Math.abs(start.y - watch.y) < 4, `toolbar rows: ${open.y} ${start.y} ${watch.y}`);
  await page.getByRole('button', { name: 'Dismiss error' }).click();
  await error.waitFor({ state: 'detached' });
});
