// Launches the built app in Electron (playwright-core's _electron) when the Electron binary is
// installed, and checks the sandboxed preload exposes the host API and a socket round trip works.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';
import { root, screenshots } from './serve-harness.js';

function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null; // node_modules/electron throws when its binary was never downloaded
  }
}

test('the Electron app opens its window with the host API over IPC', async (t) => {
  const executablePath = electronBinary();
  if (!executablePath) {
    t.skip('Electron binary not installed: its download needs internet');
    return;
  }
  const app = await electron.launch({
    executablePath,
    args: [join(root, 'out/main/index.js'), '--no-sandbox', '--disable-gpu'],
    cwd: root,
  });
  try {
    const page = await app.firstWindow();
    await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
    // The sandboxed page sees only the bridge, never Node.
    assert.equal(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require), 'undefined');
    assert.equal(await page.evaluate(() => typeof window.zmqInspector?.request), 'function');
    assert.match((await page.getByText('desktop').first().textContent()) ?? '', /desktop/);

    const info = await page.evaluate(() => window.zmqInspector!.request('host.info', {}));
    assert.equal((info as { ok: boolean }).ok, true);
    const bad = await page.evaluate(() => window.zmqInspector!.request('socket.bind', { id: 'nope', endpoint: 'tcp://x' }));
    assert.equal((bad as { ok: boolean }).ok, false);

    await page.getByLabel('Socket type').selectOption('PAIR');
    await page.getByLabel('Socket name').fill('pair-electron');
    await page.getByRole('button', { name: 'Create socket' }).click();
    await page.getByTestId('socket-pair-electron').waitFor();
    await page.screenshot({ path: join(screenshots, 'electron.png') });
  } finally {
    await app.close();
  }
});
