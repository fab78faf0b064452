// The page itself: it loads without a failed request (the favicon is there), and when its WebSocket to
// `zmtp serve` drops, it says so, reconnects to the same serve process, and the workbench works again
// (Send is not left disabled). The drop is made with `ss -K` (iproute2, root), which resets TCP connections.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createSocket, send, useApp, waitForText } from './serve-harness.js';

const app = useApp();

test('a page load requests nothing that fails; the icon is served as SVG', async () => {
  const page = await app.browser.newPage();
  const failures: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => failures.push(`failed ${r.url()}`));
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  try {
    await page.goto(app.served.url);
    await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
    const href = await page.locator('link[rel=icon]').getAttribute('href');
    const icon = await page.request.get(new URL(href!, page.url()).href);
    assert.equal(icon.status(), 200);
    assert.match(icon.headers()['content-type'] ?? '', /image\/svg\+xml/);
    assert.match(await icon.text(), /<svg/);
    // Let the browser ask for its favicon, as it does after a load.
    await page.waitForLoadState('networkidle');
    assert.deepEqual(failures, []);
  } finally {
    await page.close();
  }
});

test('after the connection to zmtp serve drops and comes back, Send works again', async () => {
  const { page } = app;
  await createSocket(page, 'PUB', 'after-drop');
  // Reset the page's connections to the serve process (which goes on running), as a network drop would.
  const port = new URL(app.served.url).port;
  const ss = spawnSync('ss', ['-K', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  assert.equal(ss.status, 0, ss.stderr);
  await page.getByRole('alert').filter({ hasText: 'Lost the connection to zmtp serve' }).waitFor();
  await page.getByRole('alert').filter({ hasText: 'Lost the connection' }).waitFor({ state: 'detached' });
  const view = page.getByTestId('socket-after-drop');
  await send(page, 'after-drop', [['text', 'still here']]);
  const msg = view.locator('[data-testid=message][data-dir=out]').first();
  await waitForText(msg, /still here/);
  assert.equal(await msg.getAttribute('data-state'), 'dropped');
  assert.equal(await view.getByRole('button', { name: 'Send', exact: true }).isEnabled(), true);
});
