// A million-message capture (libzmq PUSH/PULL burst taken by tcpdump) in the browser: the host keeps it
// compact and serves pages; the virtualized table reaches the last row and search finds one message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { shot, useServedBrowser } from './serve-harness.js';
import { captureWithTcpdump, freePort, pushPullBurst } from './traffic.js';

const COUNT = 1_000_000;
const app = useServedBrowser();
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'zmq-inspector-big-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a million-message capture: table reaches the last row, search finds one message', async () => {
  const file = join(dir, 'burst.pcap');
  const port = await freePort();
  await captureWithTcpdump(file, port, () => pushPullBurst(port, COUNT));

  const page = await app.browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(app.served.url);
  await page.getByRole('tab', { name: 'Capture' }).click();
  await page.getByLabel('Capture file').setInputFiles(file);
  await page.getByText('ready', { exact: true }).waitFor({ timeout: 170_000 });

  const stats = (await page.getByTestId('capture-stats').textContent())!;
  const records = Number(/([\d,]+) records/.exec(stats)![1].replace(/,/g, ''));
  const messages = Number(/([\d,]+) messages/.exec(stats)![1].replace(/,/g, ''));
  // tcpdump may drop packets under load; the decoded count is what the capture holds, at most COUNT.
  assert.ok(messages > COUNT / 2 && messages <= COUNT, `messages decoded: ${messages}`);
  const total = (await page.getByTestId('record-total').textContent())!.replace(/,/g, '');
  assert.equal(total, `${records} records`);

  // Only a screenful of rows exists in the DOM.
  const rows = page.getByTestId('record-row');
  assert.ok((await rows.count()) < 200);

  // A million rows are taller than a browser lets an element be (Chromium ~33.5M px): the table caps its
  // height and maps scroll positions onto rows proportionally.
  const table = page.getByTestId('record-table');
  const scrollHeight = await table.evaluate((el) => el.scrollHeight);
  assert.ok(scrollHeight <= 8_000_000 && scrollHeight < records * 26, `scroll height ${scrollHeight}`);
  // Scrolled to the middle: rows from the middle of the capture are drawn.
  await table.evaluate((el) => {
    el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
  });
  const middle = Math.floor(records / 2);
  await page.locator(`[data-testid=record-row][data-record="${middle}"]`).waitFor();
  // Scrolled to the bottom with the scrollbar: the last record's row appears.
  await table.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await page.locator(`[data-testid=record-row][data-record="${records - 1}"]`).waitFor();
  // Keyboard to the very start and back to the very end.
  await table.focus();
  await page.keyboard.press('Home');
  await page.locator('[data-testid=record-row][data-record="0"]').waitFor();
  await page.keyboard.press('End');
  await page.locator(`[data-testid=record-row][data-record="${records - 1}"]`).waitFor();
  assert.ok((await rows.count()) < 200);
  await shot(page, 'capture-million');

  // Host-side search over every record.
  const needle = `msg-${Math.floor(COUNT / 3)}`;
  await page.getByLabel('Search', { exact: true }).fill(needle);
  await page.getByLabel('Record kind').selectOption('message');
  const found = page.getByTestId('record-total');
  await found.filter({ hasText: /^(0|1) records?$/ }).waitFor();
  if ((await found.textContent()) === '1 record') {
    await rows.filter({ hasText: `"${needle}"` }).waitFor();
  } else {
    // Only possible if tcpdump dropped exactly that message's packet: then it must show as a gap.
    assert.ok(records - messages > 2, 'a missing message is only acceptable when packets were lost');
  }
  await page.close();
});
