// Draft socket types in the workbench UI in a real Chromium: SERVER/CLIENT replying by routing id,
// RADIO/DISH with groups over udp://, DISH join/leave, and the errors a user sees for an unknown
// routing id and a group over 255 bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindWildcard, connectTo, createSocket, selectSocket, send, shot, waitForText, useApp, newestFrames } from './serve-harness.js';

const app = useApp();

test('SERVER replies to a CLIENT by routing id; an unknown routing id is reported in plain words', async () => {
  await createSocket(app.page, 'SERVER', 'srv');
  const endpoint = await bindWildcard(app.page, 'srv');
  await createSocket(app.page, 'CLIENT', 'cli');
  await connectTo(app.page, 'cli', endpoint);
  await send(app.page, 'cli', [['text', 'hello server']]);

  await selectSocket(app.page, 'srv');
  const srv = app.page.getByTestId('socket-srv');
  assert.deepEqual(await newestFrames(app.page, 'srv', 'in'), ['hello server']);
  const envelope = (await srv.locator('[data-testid=message][data-dir=in]').first().getByTestId('envelope').textContent())!;
  const rid = /^routing id (\d+)$/.exec(envelope.trim())?.[1];
  assert.ok(rid, `the log shows the routing id: ${envelope}`);

  await srv.locator('[data-testid=message][data-dir=in]').first().click();
  await srv.getByRole('button', { name: 'Reply' }).click();
  assert.equal(await srv.getByLabel('Peer routing id').inputValue(), rid);
  await send(app.page, 'srv', [['text', 'hello client']]);
  assert.equal(
    (await srv.locator('[data-testid=message][data-dir=out]').first().getByTestId('envelope').textContent())?.trim(),
    `routing id ${rid}`,
  );
  await shot(app.page, 'workbench-server');

  await selectSocket(app.page, 'cli');
  assert.deepEqual(await newestFrames(app.page, 'cli', 'in'), ['hello client']);

  // Nobody has this routing id.
  await selectSocket(app.page, 'srv');
  const unknown = String(Number(rid) + 1000);
  await srv.getByLabel('Peer routing id').fill(unknown);
  await send(app.page, 'srv', [['text', 'to nobody']]);
  const err = await waitForText(srv.getByTestId('send-error'), /EHOSTUNREACH/);
  assert.match(err, new RegExp(`send to routing id ${unknown} failed: .*no peer with routing id ${unknown}`));
  // Multipart is refused before it reaches the engine.
  await srv.getByLabel('Peer routing id').fill(rid);
  await send(app.page, 'srv', [
    ['text', 'a'],
    ['text', 'b'],
  ]);
  await waitForText(srv.getByTestId('send-error'), /SERVER messages have exactly one frame \(this one has 2\)/);
});

test('RADIO publishes to a DISH over udp:// by group; DISH joins and leaves; a group over 255 bytes is refused', async () => {
  await createSocket(app.page, 'DISH', 'dish', async (p) => {
    await p.getByLabel('Groups').fill('weather');
  });
  const dish = app.page.getByTestId('socket-dish');
  await dish.getByTestId('groups').getByText('weather').waitFor();
  await dish.getByLabel('Endpoint').fill('udp://127.0.0.1:*');
  await dish.getByRole('button', { name: 'Bind', exact: true }).click();
  const endpoint = (await dish.getByTestId('endpoint').first().textContent())!.trim();
  assert.match(endpoint, /^udp:\/\/127\.0\.0\.1:\d+$/);

  await createSocket(app.page, 'RADIO', 'radio');
  await connectTo(app.page, 'radio', endpoint);
  const radio = app.page.getByTestId('socket-radio');
  await radio.getByLabel('Group').fill('news');
  await send(app.page, 'radio', [['text', 'not for this dish']]);
  await radio.getByLabel('Group').fill('weather');
  await send(app.page, 'radio', [['text', 'rain']]);
  await radio
    .locator('[data-testid=message][data-dir=out]')
    .filter({ hasText: 'rain' })
    .getByTestId('envelope')
    .getByText('group weather')
    .waitFor();

  await selectSocket(app.page, 'dish');
  assert.deepEqual(await newestFrames(app.page, 'dish', 'in'), ['rain']);
  assert.equal(
    (await dish.locator('[data-testid=message][data-dir=in]').first().getByTestId('envelope').textContent())?.trim(),
    'group weather',
  );
  assert.equal(await dish.locator('[data-testid=message][data-dir=in]').count(), 1, 'the news message was not delivered');

  // Join news, leave weather: now news arrives and weather does not.
  await dish.getByLabel('Group to join').fill('news');
  await dish.getByRole('button', { name: 'Join' }).click();
  await dish.getByTestId('groups').getByText('news').waitFor();
  await dish.getByRole('button', { name: 'Leave weather' }).click();
  await waitForText(dish.getByTestId('groups'), /^news ✕$/);
  await shot(app.page, 'workbench-dish');

  await selectSocket(app.page, 'radio');
  await radio.getByLabel('Group').fill('weather');
  await send(app.page, 'radio', [['text', 'more rain']]);
  await radio.getByLabel('Group').fill('news');
  await send(app.page, 'radio', [['text', 'headline']]);
  await selectSocket(app.page, 'dish');
  await dish.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'headline' }).waitFor();
  assert.equal(await dish.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'more rain' }).count(), 0);

  // Groups are at most 255 bytes, on either side.
  await dish.getByLabel('Group to join').fill('g'.repeat(256));
  await dish.getByRole('button', { name: 'Join' }).click();
  await waitForText(dish.getByTestId('group-error'), /group is at most 255 bytes \(this one is 256 bytes\)/);
  await selectSocket(app.page, 'radio');
  await radio.getByLabel('Group').fill('é'.repeat(128));
  await send(app.page, 'radio', [['text', 'x']]);
  await waitForText(radio.getByTestId('send-error'), /group is at most 255 bytes \(this one is 256 bytes\)/);
});
