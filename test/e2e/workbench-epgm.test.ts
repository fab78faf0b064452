// epgm:// in the workbench, in a real Chromium: PUB/SUB sockets explain the multicast endpoint form and
// offer one; a SUB bound to it and a PUB connected to it exchange a multipart message over loopback
// multicast through the engine; a malformed epgm endpoint and pgm:// are refused with their reasons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectTo, createSocket, newestFrames, selectSocket, send, shot, waitForText, useApp } from './serve-harness.js';

const app = useApp();

test('epgm: the hint offers an endpoint; a SUB binds it, a PUB connects, a multipart message arrives; bad endpoints are explained', async () => {
  await createSocket(app.page, 'SUB', 'msub', async (p) => {
    await p.getByLabel('Subscriptions').fill('multicast');
  });
  const sub = app.page.getByTestId('socket-msub');
  await waitForText(sub.getByTestId('epgm-hint'), /epgm:\/\/INTERFACE;GROUP:PORT/);
  await sub.getByRole('button', { name: /^Use epgm:\/\// }).click();
  const endpoint = await sub.getByLabel('Endpoint').inputValue();
  assert.match(endpoint, /^epgm:\/\/127\.0\.0\.1;239\.\d+\.\d+\.\d+:\d+$/);
  await sub.getByRole('button', { name: 'Bind', exact: true }).click();
  await sub.getByTestId('endpoint').filter({ hasText: endpoint }).waitFor();
  await waitForText(sub.getByTestId('endpoint-status'), /multicast: no connections/);

  await createSocket(app.page, 'PUB', 'mpub');
  await connectTo(app.page, 'mpub', endpoint);
  // No connection is ever made on epgm: neither end may read "connecting" or "0 peers" as if one were missing.
  await waitForText(app.page.getByTestId('socket-mpub').locator('[data-testid=endpoint-status][data-phase=multicast]'), /^multicast/);
  await send(app.page, 'mpub', [
    ['text', 'multicast'],
    ['text', 'hello'],
  ]);
  await selectSocket(app.page, 'msub');
  await waitForText(sub.locator('[data-testid=message][data-dir=in]').first(), /hello/);
  assert.deepEqual(await newestFrames(app.page, 'msub', 'in'), ['multicast', 'hello']);
  // The sender's log says where the message went: to the group, not "queued".
  await selectSocket(app.page, 'mpub');
  await waitForText(app.page.getByTestId('socket-mpub').locator('[data-testid=message][data-dir=out]').first(), /239\.192\.1\.1:5555/);
  await selectSocket(app.page, 'msub');
  await shot(app.page, 'workbench-epgm');

  // Not offered to other types; a group that is not multicast and pgm:// are refused with the reason.
  await createSocket(app.page, 'PUSH', 'mpush');
  assert.equal(await app.page.getByTestId('socket-mpush').getByTestId('epgm-hint').count(), 0);
  await selectSocket(app.page, 'mpub');
  const pub = app.page.getByTestId('socket-mpub');
  await pub.getByLabel('Endpoint').fill('epgm://127.0.0.1;10.1.1.1:5555');
  await pub.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(pub.getByTestId('endpoint-error'), /not an IPv4 multicast group/);
  await pub.getByLabel('Endpoint').fill('pgm://127.0.0.1;239.192.1.1:5555');
  await pub.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(pub.getByTestId('endpoint-error'), /raw socket/);
});
