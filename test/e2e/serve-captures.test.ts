// `zmtp serve --captures DIR` in a real Chromium (issue 13): the Capture tab's "Open from server…" lists the
// folder's capture files with their sizes; choosing one opens it in place (no upload) and shows what
// `zmtp decode --json` finds in the same file; closing the capture leaves the file where it is; a file gone
// meanwhile gives an error like any other open; a serve without the flag shows no such button.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, root, startServe, waitForText, type Served } from './serve-harness.js';
import { captureWithTcpdump, freePort, reqRepRounds } from './traffic.js';
import { cliCounts } from '../helpers/cli-decode.js';

let dir: string;
let captures: string;
let served: Served;
let plain: Served;
let browser: Browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zmq-inspector-served-captures-'));
  captures = join(dir, 'captures');
  mkdirSync(captures);
  const port = await freePort();
  await captureWithTcpdump(join(captures, 'reqrep.pcap'), port, () => reqRepRounds(['one', 'two', 'three', 'four'], port));
  copyFileSync(join(root, 'resources/captures/pub-sub.pcap'), join(captures, 'gone-soon.pcap'));
  served = await startServe(undefined, 0, ['--captures', captures]);
  plain = await startServe();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await served?.stop();
  await plain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function capturePage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/server-captures');
  await page.goto(url);
  await page.getByRole('tab', { name: 'Capture' }).click();
  await page.getByText('No capture open').waitFor();
  await listed;
  return page;
}

test('a capture in the server folder is listed with its size, opens in place as zmtp decode reads it, and stays when closed', async () => {
  const file = join(captures, 'reqrep.pcap');
  const bytes = readFileSync(file);
  const cli = await cliCounts(file);
  assert.ok(cli.messages >= 8, `the capture holds the exchange: ${JSON.stringify(cli)}`);
  const page = await capturePage(served.url);
  await page.getByRole('button', { name: 'Open from server…' }).click();
  const list = page.getByRole('dialog', { name: 'Captures in captures on the server' });
  const entry = list.getByRole('button', { name: /^reqrep\.pcap/ });
  assert.equal(await entry.getByTestId('server-capture-size').getAttribute('title'), `${statSync(file).size} bytes`);
  assert.deepEqual(await list.getByTestId('server-capture').locator('span.font-mono').allTextContents(), ['gone-soon.pcap', 'reqrep.pcap']);
  await entry.click();
  await list.waitFor({ state: 'hidden' });
  // The capture is the one shown (its tab is selected) and ends as the CLI's decode of the same file.
  await page.getByRole('navigation', { name: 'Captures' }).getByRole('button', { name: 'reqrep.pcap' }).waitFor();
  await waitForText(page.getByTestId('capture-state'), /^ready$/);
  const total = await waitForText(page.getByTestId('record-total'), /\d+ records?$/);
  assert.equal(Number(total.replace(/,/g, '').split(' ')[0]), cli.records, total);
  await waitForText(page.getByTestId('capture-stats'), new RegExp(`\\b${cli.connections} connections? .* ${cli.messages} messages`));
  assert.equal(await page.getByTestId('upload-progress').count(), 0, 'nothing was uploaded');

  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await page.getByText('No capture open').waitFor();
  assert.deepEqual(readFileSync(file), bytes, 'the file is still in the folder, unchanged');
  await page.close();
});

test('a listed file removed before it is chosen gives an error in the page; a serve without --captures has no button', async () => {
  const page = await capturePage(served.url);
  await page.getByRole('button', { name: 'Open from server…' }).click();
  const entry = page.getByRole('button', { name: /^gone-soon\.pcap/ });
  await entry.waitFor();
  rmSync(join(captures, 'gone-soon.pcap'));
  await entry.click();
  const error = await waitForText(page.getByTestId('open-error'), /Cannot open gone-soon\.pcap/);
  assert.match(error, /not in the captures folder/);
  assert.equal(error.includes(dir), false, error);
  await page.close();

  const without = await capturePage(plain.url);
  assert.equal(await without.getByRole('button', { name: 'Open from server…' }).count(), 0);
  await without.close();
});
