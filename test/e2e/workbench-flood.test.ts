// Issue 10 in a real Chromium against `zmtp serve`, with a real pyzmq peer: a REQ retrying a dead port shows
// its retries as one folded row whose count grows while a SUB receives from pyzmq, the page draws a bounded
// number of rows and still answers clicks; a PUSH to a dead port shows its message as queued (not sent),
// then written once a pyzmq PULL binds there.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startPython, type PythonChild } from '../helpers/python.js';
import { createSocket, selectSocket, shot, useApp, waitForText } from './serve-harness.js';
import { freePort } from './traffic.js';

const app = useApp();
const children: PythonChild[] = [];
after(() => {
  for (const c of children) c.child.kill();
});

/** A pyzmq PUB bound to a free port, sending "tick N" `rate` times a second; resolves with its endpoint. */
async function pyPublisher(rate: number): Promise<string> {
  const py = startPython(
    [
      '-c',
      `
import sys, time, zmq
s = zmq.Context().socket(zmq.PUB)
s.linger = 0
port = s.bind_to_random_port('tcp://127.0.0.1')
print(port, flush=True)
i = 0
while True:
    s.send_string('tick %d' % i)
    i += 1
    time.sleep(1.0 / float(sys.argv[1]))
`,
      String(rate),
    ],
    'pyzmq PUB',
  );
  children.push(py);
  return `tcp://127.0.0.1:${(await py.line()).trim()}`;
}

async function connect(page: Page, name: string, endpoint: string): Promise<void> {
  const view = page.getByTestId(`socket-${name}`);
  await view.getByLabel('Endpoint', { exact: true }).fill(endpoint);
  await view.getByRole('button', { name: 'Connect', exact: true }).click();
  await view.getByTestId('endpoint').filter({ hasText: endpoint }).waitFor();
}

async function retryCount(page: Page): Promise<number> {
  const row = page.getByTestId('socket-retry-req').locator('[data-testid=event-row][data-type="connect:retry"]');
  return Number(await row.getAttribute('data-count'));
}

test('retries fold into one growing row while a SUB receives from pyzmq; rows stay bounded and clicks work', async () => {
  const { page } = app;
  const deadPort = await freePort();
  await createSocket(page, 'REQ', 'retry-req', async (p) => {
    await p.getByLabel('Reconnect interval (ms)').fill('20');
  });
  await connect(page, 'retry-req', `tcp://127.0.0.1:${deadPort}`);
  const req = page.getByTestId('socket-retry-req');

  const pub = await pyPublisher(10);
  await createSocket(page, 'SUB', 'tick-sub', async (p) => {
    await p.getByLabel('Subscriptions').fill('tick');
  });
  await connect(page, 'tick-sub', pub);
  const sub = page.getByTestId('socket-tick-sub');
  await sub.locator('[data-testid=message][data-dir=in]').first().waitFor();

  await selectSocket(page, 'retry-req');
  await req.locator('[data-testid=event-row][data-type="connect:retry"]').waitFor();
  const first = await retryCount(page);
  // The count of the one row grows; no new row per retry.
  for (;;) {
    const now = await retryCount(page);
    if (now >= first + 20) break;
    await page.waitForTimeout(100);
  }
  assert.equal(await req.locator('[data-testid=event-row][data-type="connect:retry"]').count(), 1);
  const rows = await req.getByTestId('event-row').count();
  assert.ok(rows <= 100, `${rows} event rows drawn`);
  assert.match(
    (await req.locator('[data-testid=event-row][data-type="connect:retry"]').textContent())!,
    /×\d[\d,.]*, last \d\d:\d\d:\d\d\.\d{3}/,
  );
  // The endpoint says what it is doing, in words.
  const status = req.getByTestId('endpoint-status');
  assert.equal(await status.getAttribute('data-phase'), 'retrying');
  assert.match((await status.textContent())!, /retrying: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(\d+ attempts\), next attempt/);
  await shot(page, 'workbench-retrying');

  // Clicks still take effect: switch sockets, pause, filter, clear.
  await selectSocket(page, 'tick-sub');
  await waitForText(sub.getByTestId('message-total'), /\b([2-9]\d|\d{3,}) messages/);
  await sub.getByRole('button', { name: 'Pause' }).click();
  await sub.getByRole('button', { name: 'Resume' }).waitFor();
  const frozen = await sub.getByTestId('message').first().textContent();
  await page.waitForTimeout(400);
  assert.equal(await sub.getByTestId('message').first().textContent(), frozen, 'a paused log does not move');
  await sub.getByRole('button', { name: 'Resume' }).click();
  await sub.getByLabel('Topic filter').fill('tick 1');
  await page.waitForTimeout(200);
  const texts = await sub.getByTestId('frame').locator('pre').allTextContents();
  assert.ok(texts.length > 0 && texts.every((t) => t.trim().startsWith('tick 1')), `filtered: ${texts.slice(0, 5).join(' | ')}`);
  await sub.getByLabel('Topic filter').fill('');
  await sub.getByRole('button', { name: 'Clear' }).click();
  const totalAfterClear = (await sub.getByTestId('message-total').textContent())!;
  assert.match(totalAfterClear, /\d+ messages/, 'the true total stays after clearing the page');
  assert.ok((await sub.getByTestId('message').count()) <= 100);
});

test('a PUSH to a dead port shows its message as queued, then written once a pyzmq PULL binds there', async () => {
  const { page } = app;
  const port = await freePort();
  await createSocket(page, 'PUSH', 'dead-push', async (p) => {
    await p.getByLabel('Reconnect interval (ms)').fill('50');
  });
  await connect(page, 'dead-push', `tcp://127.0.0.1:${port}`);
  const push = page.getByTestId('socket-dead-push');
  await push.getByLabel('Frame 1', { exact: true }).fill('anyone there?');
  await push.getByRole('button', { name: 'Send', exact: true }).click();
  const msg = push.locator('[data-testid=message][data-dir=out]').first();
  await msg.waitFor();
  assert.equal(await msg.getAttribute('data-state'), 'queued');
  assert.match((await msg.textContent())!, /→ queued.*queued: no peer connected yet/);
  assert.doesNotMatch((await msg.textContent())!, /→ sent/);

  const pull = startPython(
    [
      '-c',
      `
import sys, zmq
s = zmq.Context().socket(zmq.PULL)
s.linger = 0
s.bind(sys.argv[1])
print('bound', flush=True)
print(s.recv_string(), flush=True)
sys.stdin.read()  # stays connected until the test ends
`,
      `tcp://127.0.0.1:${port}`,
    ],
    'pyzmq PULL',
  );
  children.push(pull);
  assert.equal((await pull.line()).trim(), 'bound');
  assert.equal((await pull.line()).trim(), 'anyone there?');
  await push.locator('[data-testid=message][data-dir=out][data-state=written]').first().waitFor();
  assert.match((await msg.textContent())!, new RegExp(`→ written.*written to tcp://127\\.0\\.0\\.1:${port}`));
  await push.locator('[data-testid=endpoint-status][data-phase=connected]').waitFor();
});
