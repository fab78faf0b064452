// Draft socket types in the workbench UI in a real Chromium: SERVER/CLIENT replying by routing id,
// RADIO/DISH with groups over udp://, DISH join/leave, and the errors a user sees for an unknown
// routing id and a group over 255 bytes.
import assert from 'node:assert/strict';
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

async function newestFrames(name: string, dir: 'in' | 'out'): Promise<string[]> {
  const msg = page.getByTestId(`socket-${name}`).locator(`[data-testid=message][data-dir=${dir}]`).first();
  await msg.waitFor();
  return (await msg.getByTestId('frame').locator('pre').allTextContents()).map((t) => t.trim());
}

test('SERVER replies to a CLIENT by routing id; an unknown routing id is reported in plain words', async () => {
  await createSocket(page, 'SERVER', 'srv');
  const endpoint = await bindWildcard(page, 'srv');
  await createSocket(page, 'CLIENT', 'cli');
  await connectTo(page, 'cli', endpoint);
  await send(page, 'cli', [['text', 'hello server']]);

  await selectSocket(page, 'srv');
  const srv = page.getByTestId('socket-srv');
  assert.deepEqual(await newestFrames('srv', 'in'), ['hello server']);
  const envelope = (await srv.locator('[data-testid=message][data-dir=in]').first().getByTestId('envelope').textContent())!;
  const rid = /^routing id (\d+)$/.exec(envelope.trim())?.[1];
  assert.ok(rid, `the log shows the routing id: ${envelope}`);

  await srv.locator('[data-testid=message][data-dir=in]').first().click();
  await srv.getByRole('button', { name: 'Reply' }).click();
  assert.equal(await srv.getByLabel('Peer routing id').inputValue(), rid);
  await send(page, 'srv', [['text', 'hello client']]);
  assert.equal((await srv.locator('[data-testid=message][data-dir=out]').first().getByTestId('envelope').textContent())?.trim(), `routing id ${rid}`);
  await shot(page, 'workbench-server');

  await selectSocket(page, 'cli');
  assert.deepEqual(await newestFrames('cli', 'in'), ['hello client']);

  // Nobody has this routing id.
  await selectSocket(page, 'srv');
  const unknown = String(Number(rid) + 1000);
  await srv.getByLabel('Peer routing id').fill(unknown);
  await send(page, 'srv', [['text', 'to nobody']]);
  const err = await waitForText(srv.getByTestId('send-error'), /EHOSTUNREACH/);
  assert.match(err, new RegExp(`send to routing id ${unknown} failed: .*no peer with routing id ${unknown}`));
  // Multipart is refused before it reaches the engine.
  await srv.getByLabel('Peer routing id').fill(rid!);
  await send(page, 'srv', [['text', 'a'], ['text', 'b']]);
  await waitForText(srv.getByTestId('send-error'), /SERVER messages have exactly one frame \(this one has 2\)/);
});

test('RADIO publishes to a DISH over udp:// by group; DISH joins and leaves; a group over 255 bytes is refused', async () => {
  await createSocket(page, 'DISH', 'dish', async (p) => { await p.getByLabel('Groups').fill('weather'); });
  const dish = page.getByTestId('socket-dish');
  await dish.getByTestId('groups').getByText('weather').waitFor();
  await dish.getByLabel('Endpoint').fill('udp://127.0.0.1:*');
  await dish.getByRole('button', { name: 'Bind', exact: true }).click();
  const endpoint = (await dish.getByTestId('endpoint').first().textContent())!.trim();
  assert.match(endpoint, /^udp:\/\/127\.0\.0\.1:\d+$/);

  await createSocket(page, 'RADIO', 'radio');
  await connectTo(page, 'radio', endpoint);
  const radio = page.getByTestId('socket-radio');
  await radio.getByLabel('Group').fill('news');
  await send(page, 'radio', [['text', 'not for this dish']]);
  await radio.getByLabel('Group').fill('weather');
  await send(page, 'radio', [['text', 'rain']]);
  await radio.locator('[data-testid=message][data-dir=out]').filter({ hasText: 'rain' }).getByTestId('envelope').getByText('group weather').waitFor();

  await selectSocket(page, 'dish');
  assert.deepEqual(await newestFrames('dish', 'in'), ['rain']);
  assert.equal((await dish.locator('[data-testid=message][data-dir=in]').first().getByTestId('envelope').textContent())?.trim(), 'group weather');
  assert.equal(await dish.locator('[data-testid=message][data-dir=in]').count(), 1, 'the news message was not delivered');

  // Join news, leave weather: now news arrives and weather does not.
  await dish.getByLabel('Group to join').fill('news');
  await dish.getByRole('button', { name: 'Join' }).click();
  await dish.getByTestId('groups').getByText('news').waitFor();
  await dish.getByRole('button', { name: 'Leave weather' }).click();
  await waitForText(dish.getByTestId('groups'), /^news ✕$/);
  await shot(page, 'workbench-dish');

  await selectSocket(page, 'radio');
  await radio.getByLabel('Group').fill('weather');
  await send(page, 'radio', [['text', 'more rain']]);
  await radio.getByLabel('Group').fill('news');
  await send(page, 'radio', [['text', 'headline']]);
  await selectSocket(page, 'dish');
  await dish.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'headline' }).waitFor();
  assert.equal(await dish.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'more rain' }).count(), 0);

  // Groups are at most 255 bytes, on either side.
  await dish.getByLabel('Group to join').fill('g'.repeat(256));
  await dish.getByRole('button', { name: 'Join' }).click();
  await waitForText(dish.getByTestId('group-error'), /group is at most 255 bytes \(this one is 256 bytes\)/);
  await selectSocket(page, 'radio');
  await radio.getByLabel('Group').fill('é'.repeat(128));
  await send(page, 'radio', [['text', 'x']]);
  await waitForText(radio.getByTestId('send-error'), /group is at most 255 bytes \(this one is 256 bytes\)/);
});
