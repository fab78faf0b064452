// First-session frictions, in Chromium against `zmtp serve`: composer and endpoint drafts survive switching
// sockets, a connect is offered other workbench sockets' bound endpoints (never the unusable wildcard),
// templates can be deleted, pattern pairs come up connected and exchange a message, and a REQ's
// "copy as code" runs under pyzmq against a workbench REP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPython } from '../helpers/python.js';
import { bindWildcard, createSocket, newestFrames, selectSocket, send, useApp, waitForText } from './serve-harness.js';

const app = useApp();

/** Selects a socket by its exact name (selectSocket matches a substring, and every PULL item says "PULL"). */
async function selectExact(name: string): Promise<void> {
  await app.page
    .getByTestId('socket-item')
    .filter({ has: app.page.locator('span', { hasText: new RegExp(`^${name}$`) }) })
    .click();
  await app.page.getByTestId(`socket-${name}`).waitFor();
}

test('composer frames and the endpoint box survive switching to another socket and back', async () => {
  const page = app.page;
  await createSocket(page, 'DEALER', 'drafty');
  const view = page.getByTestId('socket-drafty');
  await view.getByLabel('Endpoint').fill('tcp://127.0.0.1:5999');
  await view.getByLabel('Frame 1', { exact: true }).fill('first draft');
  await view.getByRole('button', { name: '+ Add frame' }).click();
  await view.getByLabel('Frame 2 format').selectOption('hex');
  await view.getByLabel('Frame 2', { exact: true }).fill('de ad');

  await createSocket(page, 'PULL', 'elsewhere');
  const elsewhere = page.getByTestId('socket-elsewhere');
  assert.equal(await elsewhere.getByLabel('Endpoint').inputValue(), 'tcp://127.0.0.1:*', 'drafts are per socket');
  // Nothing to connect to yet: Connect on the wildcard says what to do instead.
  await elsewhere.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(
    elsewhere.getByTestId('endpoint-error'),
    /Connect needs a real port: a wildcard \(\*\) port only works for Bind\. Bind another socket first/,
  );
  await selectSocket(page, 'drafty');
  assert.equal(await view.getByLabel('Endpoint').inputValue(), 'tcp://127.0.0.1:5999');
  assert.equal(await view.getByLabel('Frame 1', { exact: true }).inputValue(), 'first draft');
  assert.equal(await view.getByLabel('Frame 2 format').inputValue(), 'hex');
  assert.equal(await view.getByLabel('Frame 2', { exact: true }).inputValue(), 'de ad');
});

test("connect offers other workbench sockets' bound endpoints, and starts with a compatible one", async () => {
  const page = app.page;
  await createSocket(page, 'REP', 'target-rep');
  const endpoint = await bindWildcard(page, 'target-rep');
  await createSocket(page, 'REQ', 'picker-req');
  const view = page.getByTestId('socket-picker-req');
  assert.equal(await view.getByLabel('Endpoint').inputValue(), endpoint, 'the REQ starts with the REP it can talk to');
  await view.getByLabel('Endpoint').fill('tcp://127.0.0.1:*');
  await view.getByLabel('Connect to a workbench socket').selectOption({ label: `target-rep (REP) ${endpoint}` });
  assert.equal(await view.getByLabel('Endpoint').inputValue(), endpoint);
  await view.getByRole('button', { name: 'Connect', exact: true }).click();
  await view.getByTestId('endpoint').filter({ hasText: endpoint }).waitFor();
  await send(page, 'picker-req', [['text', 'picked']]);
  await selectSocket(page, 'target-rep');
  assert.deepEqual(await newestFrames(page, 'target-rep', 'in'), ['picked']);
});

test('a template can be deleted', async () => {
  const page = app.page;
  await createSocket(page, 'PUSH', 'tpl-push');
  const view = page.getByTestId('socket-tpl-push');
  await view.getByLabel('Frame 1', { exact: true }).fill('kept in a template');
  await view.getByLabel('Template name').fill('doomed');
  await view.getByRole('button', { name: 'Save as template' }).click();
  await view.getByLabel('Load template').locator('option', { hasText: 'doomed' }).waitFor({ state: 'attached' });
  await view.getByLabel('Load template').selectOption('doomed');
  await view.getByRole('button', { name: 'Delete template doomed' }).click();
  await view.getByLabel('Load template').locator('option', { hasText: 'doomed' }).waitFor({ state: 'detached' });
  // Deleted on the host too: a reload does not bring it back.
  await page.reload();
  await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
  await selectSocket(page, 'tpl-push');
  await page
    .getByTestId('socket-tpl-push')
    .getByLabel('Load template')
    .locator('option', { hasText: 'Templates…' })
    .waitFor({ state: 'attached' });
  assert.equal(await page.getByTestId('socket-tpl-push').getByLabel('Load template').locator('option', { hasText: 'doomed' }).count(), 0);
});

test('one-click pattern pairs come up connected: PUSH/PULL and RADIO/DISH exchange a message', async () => {
  const page = app.page;
  await page.getByRole('button', { name: '+ New socket' }).click();
  await page.getByTestId('pattern-pairs').getByRole('button', { name: 'PUSH / PULL' }).click();
  await page.getByTestId('socket-push').waitFor();
  await send(page, 'push', [['text', 'through the pair']]);
  await selectExact('pull');
  assert.deepEqual(await newestFrames(page, 'pull', 'in'), ['through the pair']);

  await page.getByRole('button', { name: '+ New socket' }).click();
  await page.getByTestId('pattern-pairs').getByRole('button', { name: 'RADIO / DISH' }).click();
  const radio = page.getByTestId('socket-radio');
  await radio.waitFor();
  await radio.getByLabel('Group', { exact: true }).fill('news');
  await send(page, 'radio', [['text', 'over udp']]);
  await selectExact('dish');
  assert.deepEqual(await newestFrames(page, 'dish', 'in'), ['over udp']);
});

test("a REQ's copy-as-code output runs under pyzmq against a workbench REP", async () => {
  const page = app.page;
  await createSocket(page, 'REP', 'code-rep');
  const endpoint = await bindWildcard(page, 'code-rep');
  await createSocket(page, 'REQ', 'code-req', async (p) => {
    await p.getByLabel('Reconnect interval (ms)').fill('250');
  });
  const req = page.getByTestId('socket-code-req');
  await req.getByLabel('Endpoint').fill(endpoint);
  await req.getByRole('button', { name: 'Connect', exact: true }).click();
  await req.getByTestId('endpoint').filter({ hasText: endpoint }).waitFor();
  await req.getByRole('button', { name: 'Show code' }).click();
  await req.getByLabel('Code language').selectOption('pyzmq');
  const code = (await req.getByTestId('socket-code').textContent())!;
  assert.match(code, /sock = ctx\.socket\(zmq\.REQ\)/);
  assert.match(code, /sock\.reconnect_ivl = 250/);
  assert.ok(code.includes(`sock.connect("${endpoint}")`), code);

  const py = startPython(['-c', code], 'copied pyzmq REQ');
  try {
    await selectSocket(page, 'code-rep');
    const rep = page.getByTestId('socket-code-rep');
    await rep.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hello' }).waitFor();
    await rep.locator('[data-testid=message][data-dir=in]').first().click();
    await rep.getByRole('button', { name: 'Reply' }).click();
    await send(page, 'code-rep', [['text', 'answer to the copy']]);
    assert.equal(await py.line(), "[b'answer to the copy']");
    assert.equal(await py.exited, 0, py.stderr);
  } finally {
    py.child.kill();
  }
  // The other languages name the same socket.
  await selectSocket(page, 'code-req');
  await req.getByLabel('Code language').selectOption('zeromq.js');
  await waitForText(req.getByTestId('socket-code'), /import \{ Request \} from "zeromq";[\s\S]*reconnectInterval: 250/);
  await req.getByLabel('Code language').selectOption('engine');
  await waitForText(req.getByTestId('socket-code'), /from "zmq-inspector"/);
});
