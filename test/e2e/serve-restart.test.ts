// `zmtp serve` restarted under an open page, in Chromium with real pyzmq peers: serve keeps its token and
// port in the settings directory (serve.json, mode 0600), so the page reconnects by itself, says the back end
// restarted and which sockets it lost, makes them again with one click, and Send works again (a pyzmq PULL
// receives). The ZAP policy set up in the UI before the restart still decides after it (zap-policy.json,
// mode 0600): a pyzmq PLAIN client with the user's password gets in.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { freedPort } from '../helpers/port.js';
import { startPlainReq, startPython, type PythonChild } from '../helpers/python.js';
import { bindWildcard, connectTo, createSocket, launchBrowser, send, startServe, type Served } from './serve-harness.js';

const PULL = `
import zmq
s = zmq.Context().socket(zmq.PULL)
s.linger = 0
print(s.bind_to_random_port('tcp://127.0.0.1'), flush=True)
while True:
    print(s.recv().decode(), flush=True)
`;

const settings = mkdtempSync(join(tmpdir(), 'serve-restart-'));
const children: PythonChild[] = [];
let served: Served | undefined;
let browser: Browser | undefined;
after(async () => {
  for (const c of children) c.child.kill();
  await browser?.close();
  await served?.stop();
  rmSync(settings, { recursive: true, force: true });
});

test('serve restarted under an open page: the page reconnects, makes its sockets again, Send works and the ZAP policy still holds', async () => {
  const port = await freedPort();
  served = await startServe(settings, port);
  const firstUrl = served.url;
  assert.equal(statSync(join(settings, 'serve.json')).mode & 0o777, 0o600, 'the token is readable by its owner only');
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(firstUrl);
  await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();

  const pull = startPython(['-c', PULL], 'pyzmq PULL');
  children.push(pull);
  const pullEndpoint = `tcp://127.0.0.1:${(await pull.line()).trim()}`;
  await createSocket(page, 'PUSH', 'restart-push');
  await connectTo(page, 'restart-push', pullEndpoint);
  await send(page, 'restart-push', [['text', 'before the restart']]);
  assert.equal(await pull.line(), 'before the restart');

  // A PLAIN server with a user set up in its Security card: the policy is saved in the settings directory.
  await createSocket(page, 'REP', 'restart-plain', async (p) => {
    await p.getByLabel('Security').selectOption('plain-server');
  });
  const policy = page.getByTestId('socket-restart-plain').getByTestId('zap-policy');
  await policy.getByLabel('ZAP user name').fill('dave');
  await policy.getByLabel('ZAP user password').fill('survives restarts');
  await policy.getByRole('button', { name: 'Add user' }).click();
  await policy.getByTestId('zap-users').getByText('dave').waitFor();
  assert.equal(statSync(join(settings, 'zap-policy.json')).mode & 0o777, 0o600, 'PLAIN passwords are readable by their owner only');

  await served.stop();
  await page.getByTestId('connection-lost').waitFor();
  served = await startServe(settings, port);
  assert.equal(served.url, firstUrl, 'the same port and token as before the restart');

  // The page reconnects by itself and says what the restart cost.
  await page.getByTestId('connection-lost').waitFor({ state: 'detached', timeout: 60_000 });
  const notice = page.getByTestId('restart-notice');
  await notice.getByText(/sockets from before are gone: restart-push, restart-plain/).waitFor();
  assert.equal(await page.getByTestId('socket-item').count(), 0, 'the old sockets are not shown as if they still existed');
  await notice.getByRole('button', { name: 'Make them again' }).click();
  await notice.waitFor({ state: 'detached' });
  await page.getByTestId('socket-item').filter({ hasText: 'restart-push' }).click();
  const push = page.getByTestId('socket-restart-push');
  await push.locator('[data-testid=endpoint-status][data-phase=connected]').waitFor();
  await send(page, 'restart-push', [['text', 'after the restart']]);
  assert.equal(await pull.line(), 'after the restart');
  await push.locator('[data-testid=message][data-dir=out][data-state=written]').first().waitFor();

  // The PLAIN user set up before the restart is still known: a pyzmq client with its password gets in.
  await page.getByTestId('socket-item').filter({ hasText: 'restart-plain' }).click();
  const rep = page.getByTestId('socket-restart-plain');
  await rep.getByTestId('zap-policy').getByTestId('zap-users').getByText('dave').waitFor();
  const endpoint = await bindWildcard(page, 'restart-plain');
  const client = startPlainReq(endpoint, 'dave', 'survives restarts', 'hello after the restart');
  children.push(client);
  await rep.getByText("ZAP allowed PLAIN user 'dave'").first().waitFor();
  await rep.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hello after the restart' }).click();
  await rep.getByRole('button', { name: 'Reply' }).click();
  await send(page, 'restart-plain', [['text', 'welcome back']]);
  assert.equal(await client.line(), 'welcome back');
});
