// Composer templates outlive the page: saved in one `zmtp serve` run, they are there in the next run
// (a new port, so a new browser origin with empty storage), because the host keeps them in its
// settings directory. Templates an older version left in browser storage are moved to the host once.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createSocket, launchBrowser, startServe } from './serve-harness.js';

let browser: Browser;
let settings: string;
before(async () => {
  browser = await launchBrowser();
  settings = mkdtempSync(join(tmpdir(), 'zmtp-e2e-settings-'));
});
after(async () => {
  await browser?.close();
  rmSync(settings, { recursive: true, force: true });
});

async function withServe(fn: (page: Page, url: string) => Promise<void>): Promise<void> {
  const served = await startServe(settings);
  const page = await browser.newPage();
  try {
    await page.goto(served.url);
    await fn(page, served.url);
  } finally {
    await page.close();
    await served.stop();
  }
}

const templateNames = (page: Page, socket: string) =>
  page.getByTestId(`socket-${socket}`).getByLabel('Load template').locator('option').allTextContents();

test('a template saved in one serve run is offered in the next one', async () => {
  let firstUrl = '';
  await withServe(async (page, url) => {
    firstUrl = url;
    // An older version's template, left in this origin's storage: moved to the host on load.
    await page.evaluate(() =>
      localStorage.setItem('zmq-inspector.templates', JSON.stringify([{ name: 'from storage', frames: [{ kind: 'text', data: 'old' }] }])),
    );
    await page.reload();
    await createSocket(page, 'PUSH', 'tpl-push');
    const push = page.getByTestId('socket-tpl-push');
    await push.getByLabel('Frame 1', { exact: true }).fill('kept across runs');
    await push.getByLabel('Template name').fill('kept');
    await push.getByRole('button', { name: 'Save as template' }).click();
    await push.getByLabel('Load template').locator('option', { hasText: 'kept' }).waitFor({ state: 'attached' });
    assert.equal(await page.evaluate(() => localStorage.getItem('zmq-inspector.templates')), null, 'moved out of browser storage');
  });
  const file = JSON.parse(readFileSync(join(settings, 'templates.json'), 'utf8'));
  assert.deepEqual(file.templates.map((t: { name: string }) => t.name).sort(), ['from storage', 'kept']);

  await withServe(async (page, url) => {
    assert.notEqual(new URL(url).port, new URL(firstUrl).port, 'a new run, a new origin');
    await createSocket(page, 'PUSH', 'tpl-push-2');
    const push = page.getByTestId('socket-tpl-push-2');
    await push.getByLabel('Load template').locator('option', { hasText: 'kept' }).waitFor({ state: 'attached' });
    await push.getByLabel('Load template').selectOption('kept');
    assert.equal(await push.getByLabel('Frame 1', { exact: true }).inputValue(), 'kept across runs');
    assert.ok((await templateNames(page, 'tpl-push-2')).includes('from storage'));
  });
});
