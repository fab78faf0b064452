// "Watch workbench sockets" in a real Chromium: the workbench's own REQ and REP decoded in the capture
// view from the engine's wire tap (no pcap): greetings, READY, the exact frames, and the REQ/REP pair.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { bindWildcard, connectTo, createSocket, launchBrowser, selectSocket, send, shot, startServe, waitForText, type Served } from './serve-harness.js';

let served: Served;
let browser: Browser;
let page: Page;

before(async () => {
  served = await startServe();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(served.url);
  await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
});

after(async () => {
  await browser?.close();
  await served?.stop();
});

test('watching the workbench shows its REQ/REP exchange in the capture view without pcap', async () => {
  const needle = `needle-${randomBytes(4).toString('hex')}`;
  await createSocket(page, 'REP', 'wc-rep');
  const endpoint = await bindWildcard(page, 'wc-rep');
  await createSocket(page, 'REQ', 'wc-req');

  await page.getByRole('tab', { name: 'Capture' }).click();
  await page.getByRole('button', { name: '◉ Watch workbench sockets' }).click();
  await page.getByRole('heading', { name: 'workbench sockets' }).waitFor();
  await page.getByText('capturing', { exact: true }).waitFor();

  await page.getByRole('tab', { name: 'Sockets' }).click();
  await selectSocket(page, 'wc-req');
  await connectTo(page, 'wc-req', endpoint);
  await send(page, 'wc-req', [['text', 'first'], ['text', needle], ['text', '{"k": 42}']]);
  await selectSocket(page, 'wc-rep');
  const rep = page.getByTestId('socket-wc-rep');
  await rep.locator('[data-testid=message][data-dir=in]').first().click();
  await rep.getByRole('button', { name: 'Reply' }).click();
  await send(page, 'wc-rep', [['text', 'answer']]);
  await page.getByTestId('socket-wc-rep').locator('[data-testid=message][data-dir=out]').first().waitFor();

  await page.getByRole('tab', { name: 'Capture' }).click();
  await waitForText(page.getByTestId('capture-stats'), /\b1 connections .* 2 messages/).catch(async (err) => {
    await page.screenshot({ path: "/tmp/wc-fail.png" });
    throw new Error(`${err.message}; alerts: ${JSON.stringify(await page.getByRole("alert").allTextContents())}`);
  });
  const conns = page.getByTestId('connections');
  await conns.getByText('REQ → REP').waitFor();
  const connText = (await conns.locator('tbody tr').first().textContent())!;
  assert.match(connText, /3\.1/);
  assert.match(connText, /NULL/);
  assert.ok(connText.includes(endpoint.replace('tcp://', '')), `the bound REP is the server: ${connText}`);

  // Both greetings and both READY commands were decoded.
  await page.getByLabel('Record kind').selectOption('greeting');
  await page.getByTestId('record-total').filter({ hasText: /^2 records$/ }).waitFor();
  await page.getByLabel('Record kind').selectOption('command');
  await page.getByTestId('record-total').filter({ hasText: /^2 records$/ }).waitFor();
  assert.equal(await page.getByTestId('record-row').filter({ hasText: 'READY' }).count(), 2);
  await page.getByLabel('Record kind').selectOption('');

  // The request with its exact frames (REQ's empty delimiter first).
  await page.getByLabel('Search', { exact: true }).fill(needle);
  await page.getByTestId('record-total').filter({ hasText: /^1 record$/ }).waitFor();
  await page.getByTestId('record-row').filter({ hasText: needle }).click();
  const detail = page.getByTestId('record-detail');
  await detail.waitFor();
  await page.getByRole('group', { name: 'Detail view' }).getByRole('button', { name: 'TEXT' }).click();
  const frames = (await detail.getByTestId('detail-frame').allTextContents()).map((t) => t.trim());
  assert.deepEqual(frames, ['(empty)', 'first', needle, '{"k": 42}']);
  await page.getByLabel('Search', { exact: true }).fill('');

  // The conversation pairs the reply with its request.
  await conns.locator('tbody tr').first().click();
  await page.getByRole('tab', { name: 'Conversation' }).click();
  const convo = page.getByTestId('conversation');
  await convo.getByTestId('conversation-item').filter({ hasText: 'READY' }).first().waitFor();
  await convo.getByTestId('conversation-item').filter({ hasText: 'answer' }).getByText(/reply after [\d.]+ ms/).waitFor();
  await shot(page, 'capture-workbench');

  await page.getByRole('button', { name: '■ Stop' }).click();
  await page.getByText('stopped', { exact: true }).waitFor();
  await page.getByRole('tab', { name: 'Detail' }).click();
  await page.getByRole('button', { name: 'Clear connection filter' }).click();
});
