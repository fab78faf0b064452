// "Watch workbench sockets" in a real Chromium: the workbench's own REQ and REP decoded in the capture
// view from the engine's wire tap (no pcap): greetings, READY, the exact frames, and the REQ/REP pair.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { bindWildcard, connectTo, createSocket, selectSocket, send, shot, waitForText, useApp } from './serve-harness.js';

const app = useApp();

test('watching the workbench shows its REQ/REP exchange in the capture view without pcap', async () => {
  const needle = `needle-${randomBytes(4).toString('hex')}`;
  await createSocket(app.page, 'REP', 'wc-rep');
  const endpoint = await bindWildcard(app.page, 'wc-rep');
  await createSocket(app.page, 'REQ', 'wc-req');

  await app.page.getByRole('tab', { name: 'Capture' }).click();
  await app.page.getByRole('button', { name: '◉ Watch workbench sockets' }).click();
  await app.page.getByRole('heading', { name: 'workbench sockets' }).waitFor();
  await app.page.getByText('capturing', { exact: true }).waitFor();

  await app.page.getByRole('tab', { name: 'Sockets' }).click();
  await selectSocket(app.page, 'wc-req');
  await connectTo(app.page, 'wc-req', endpoint);
  await send(app.page, 'wc-req', [
    ['text', 'first'],
    ['text', needle],
    ['text', '{"k": 42}'],
  ]);
  await selectSocket(app.page, 'wc-rep');
  const rep = app.page.getByTestId('socket-wc-rep');
  await rep.locator('[data-testid=message][data-dir=in]').first().click();
  await rep.getByRole('button', { name: 'Reply' }).click();
  await send(app.page, 'wc-rep', [['text', 'answer']]);
  await app.page.getByTestId('socket-wc-rep').locator('[data-testid=message][data-dir=out]').first().waitFor();

  await app.page.getByRole('tab', { name: 'Capture' }).click();
  await waitForText(app.page.getByTestId('capture-stats'), /\b1 connections .* 2 messages/).catch(async (err) => {
    await app.page.screenshot({ path: '/tmp/wc-fail.png' });
    throw new Error(`${err.message}; alerts: ${JSON.stringify(await app.page.getByRole('alert').allTextContents())}`);
  });
  const conns = app.page.getByTestId('connections');
  await conns.getByText('REQ → REP').waitFor();
  const connText = (await conns.locator('tbody tr').first().textContent())!;
  assert.match(connText, /3\.1/);
  assert.match(connText, /NULL/);
  assert.ok(connText.includes(endpoint.replace('tcp://', '')), `the bound REP is the server: ${connText}`);

  // Both greetings and both READY commands were decoded.
  await app.page.getByLabel('Record kind').selectOption('greeting');
  await app.page
    .getByTestId('record-total')
    .filter({ hasText: /^2 records$/ })
    .waitFor();
  await app.page.getByLabel('Record kind').selectOption('command');
  await app.page
    .getByTestId('record-total')
    .filter({ hasText: /^2 records$/ })
    .waitFor();
  // The total updates before the virtualized rows render: wait for the second row, then count.
  const readyRows = app.page.getByTestId('record-row').filter({ hasText: 'READY' });
  await readyRows.nth(1).waitFor();
  assert.equal(await readyRows.count(), 2);
  await app.page.getByLabel('Record kind').selectOption('');

  // The request with its exact frames (REQ's empty delimiter first).
  await app.page.getByLabel('Search', { exact: true }).fill(needle);
  await app.page
    .getByTestId('record-total')
    .filter({ hasText: /^1 record$/ })
    .waitFor();
  await app.page.getByTestId('record-row').filter({ hasText: needle }).click();
  const detail = app.page.getByTestId('record-detail');
  await detail.waitFor();
  await app.page.getByRole('group', { name: 'Detail view' }).getByRole('button', { name: 'TEXT' }).click();
  const frames = (await detail.getByTestId('detail-frame').allTextContents()).map((t) => t.trim());
  assert.deepEqual(frames, ['(empty)', 'first', needle, '{"k": 42}']);
  await app.page.getByLabel('Search', { exact: true }).fill('');

  // The conversation pairs the reply with its request.
  await conns.locator('tbody tr').first().click();
  await app.page.getByRole('tab', { name: 'Conversation' }).click();
  const convo = app.page.getByTestId('conversation');
  await convo.getByTestId('conversation-item').filter({ hasText: 'READY' }).first().waitFor();
  await convo
    .getByTestId('conversation-item')
    .filter({ hasText: 'answer' })
    .getByText(/reply after [\d.]+ ms/)
    .waitFor();
  await shot(app.page, 'capture-workbench');

  await app.page.getByRole('button', { name: '■ Stop' }).click();
  await app.page.getByText('stopped', { exact: true }).waitFor();
  await app.page.getByRole('tab', { name: 'Detail' }).click();
  await app.page.getByRole('button', { name: 'Clear connection filter' }).click();
});
