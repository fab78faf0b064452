// The sockets workbench in a real Chromium against a real `zmtp serve`, with libzmq peers (the zeromq
// npm package) talking to the sockets created in the UI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import * as zmq from 'zeromq';
import { bindWildcard, connectTo, createSocket, launchBrowser, selectSocket, send, shot, startServe, type Served } from './serve-harness.js';

let served: Served;
let browser: Browser;
let page: Page;

before(async () => {
  served = await startServe();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(served.url);
  await page.getByRole('heading', { name: 'ZMQ Inspector' }).waitFor();
});

after(async () => {
  await browser?.close();
  await served?.stop();
});

/** Texts of the frames of the newest message with the given direction in a socket's log. */
async function newestFrames(name: string, dir: 'in' | 'out'): Promise<string[]> {
  const msg = page.getByTestId(`socket-${name}`).locator(`[data-testid=message][data-dir=${dir}]`).first();
  await msg.waitFor();
  return (await msg.getByTestId('frame').locator('pre').allTextContents()).map((t) => t.trim());
}

test('REQ sends a three-frame message to REP, REP answers it', async () => {
  await createSocket(page, 'REP', 'rep1');
  const endpoint = await bindWildcard(page, 'rep1');
  assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/, 'the wildcard port is shown resolved');
  assert.doesNotMatch(endpoint, /:\*$/);

  await createSocket(page, 'REQ', 'req1');
  await connectTo(page, 'req1', endpoint);
  await send(page, 'req1', [['text', 'hello'], ['hex', '01 02 ff'], ['json', '{"n": 1}']]);
  assert.deepEqual(await newestFrames('req1', 'out'), ['hello', '01 02 ff', '{"n":1}']);

  await selectSocket(page, 'rep1');
  assert.deepEqual(await newestFrames('rep1', 'in'), ['hello', '01 02 ff', '{"n":1}']);
  // Peers and monitor events came from the engine.
  await page.getByTestId('socket-rep1').getByTestId('events').getByText('accept').first().waitFor();
  await page.getByTestId('socket-rep1').getByTestId('peers').getByText('Socket-Type: REQ').waitFor();

  // Reply to the selected message.
  await page.getByTestId('socket-rep1').locator('[data-testid=message][data-dir=in]').first().click();
  await page.getByTestId('socket-rep1').getByRole('button', { name: 'Reply' }).click();
  await send(page, 'rep1', [['text', 'world']]);
  await shot(page, 'workbench-rep');

  await selectSocket(page, 'req1');
  assert.deepEqual(await newestFrames('req1', 'in'), ['world']);

  // The JSON view pretty-prints the JSON frame.
  await page.getByTestId('socket-req1').getByRole('button', { name: 'JSON' }).click();
  const out = page.getByTestId('socket-req1').locator('[data-testid=message][data-dir=out]').first();
  assert.equal((await out.getByTestId('frame').nth(2).locator('pre').textContent())?.trim(), '{\n  "n": 1\n}');
  await page.getByTestId('socket-req1').getByRole('button', { name: 'TEXT' }).click();
  await shot(page, 'workbench-req');
});

test('ROUTER replies by routing id to a UI DEALER and to a libzmq DEALER', async () => {
  await createSocket(page, 'ROUTER', 'router1');
  const endpoint = await bindWildcard(page, 'router1');
  await createSocket(page, 'DEALER', 'dealer-bob', async (p) => { await p.getByLabel('Routing id').fill('bob'); });
  await connectTo(page, 'dealer-bob', endpoint);
  await send(page, 'dealer-bob', [['text', 'hi from bob']]);

  const alice = new zmq.Dealer({ routingId: 'alice', linger: 0 });
  try {
    alice.connect(endpoint);
    await alice.send('hi from alice');

    await selectSocket(page, 'router1');
    const router = page.getByTestId('socket-router1');
    await router.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hi from alice' }).waitFor();
    await router.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hi from bob' }).waitFor();

    await router.getByLabel('Routing id').selectOption({ label: 'alice' });
    await send(page, 'router1', [['text', 'to alice'], ['text', 'second']]);
    const [first, second] = await alice.receive();
    assert.equal(first.toString(), 'to alice');
    assert.equal(second.toString(), 'second');

    await router.getByLabel('Routing id').selectOption({ label: 'bob' });
    await send(page, 'router1', [['text', 'to bob']]);
    await shot(page, 'workbench-router');
    await shot(page, 'workbench');
    await selectSocket(page, 'dealer-bob');
    assert.deepEqual(await newestFrames('dealer-bob', 'in'), ['to bob']);
  } finally {
    alice.close();
  }
});

test('SUB receives only the topics it subscribed to', async () => {
  await createSocket(page, 'PUB', 'pub1');
  const endpoint = await bindWildcard(page, 'pub1');
  await createSocket(page, 'SUB', 'sub1', async (p) => { await p.getByLabel('Subscriptions').fill('weather'); });
  await connectTo(page, 'sub1', endpoint);

  // PUB/SUB drops messages until the subscription has reached the publisher: publish until one arrives.
  const subInbox = page.getByTestId('socket-sub1').locator('[data-testid=message][data-dir=in]');
  for (let i = 0; (await subInbox.count()) === 0; i++) {
    await selectSocket(page, 'pub1');
    await send(page, 'pub1', [['text', 'weather'], ['text', `warmup ${i}`]]);
    await selectSocket(page, 'sub1');
    await page.waitForTimeout(200);
  }
  await selectSocket(page, 'pub1');
  await send(page, 'pub1', [['text', 'news'], ['text', 'not for sub1']]);
  await send(page, 'pub1', [['text', 'weather'], ['text', 'sunny']]);
  await selectSocket(page, 'sub1');
  await subInbox.filter({ hasText: 'sunny' }).waitFor();
  // Messages on one connection arrive in order: had 'news' passed the filter it would be here already.
  assert.equal(await subInbox.filter({ hasText: 'not for sub1' }).count(), 0);
  assert.deepEqual(await newestFrames('sub1', 'in'), ['weather', 'sunny']);
  await page.getByTestId('socket-sub1').getByText('weather', { exact: true }).first().waitFor();
  await shot(page, 'workbench-sub');
});

test('bad input shows a specific error and leaves the other sockets working', async () => {
  await createSocket(page, 'REP', 'rep-err');
  const endpoint = await bindWildcard(page, 'rep-err');
  const view = page.getByTestId('socket-rep-err');

  // Invalid endpoint.
  await view.getByLabel('Endpoint').fill('tcp://127.0.0.1');
  await view.getByRole('button', { name: 'Bind', exact: true }).click();
  await assert.doesNotReject(view.getByTestId('endpoint-error').getByText('missing port').waitFor());

  // Replying before any request: the engine's EFSM, in plain words.
  await send(page, 'rep-err', [['text', 'too early']]);
  assert.match((await view.getByTestId('send-error').textContent())!, /EFSM/);

  // Malformed hex.
  await send(page, 'rep-err', [['hex', '0x12 zz']]);
  assert.match((await view.getByTestId('send-error').textContent())!, /frame 1 \(hex\): 'z' at position 3 is not a hex digit/);
  await shot(page, 'workbench-send-error');

  // Unknown option value.
  await page.getByRole('button', { name: '+ New socket' }).click();
  await page.getByLabel('Socket type').selectOption('REQ');
  await page.getByLabel('Linger (ms)').fill('forever');
  await page.getByRole('button', { name: 'Create socket' }).click();
  assert.match((await page.getByTestId('create-error').textContent())!, /linger/);
  await page.getByLabel('Linger (ms)').fill('');
  await page.getByLabel('Send HWM').fill('-5');
  await page.getByRole('button', { name: 'Create socket' }).click();
  await page.getByTestId('create-error').getByText('sendHighWaterMark').waitFor();
  await shot(page, 'workbench-errors');

  // Everything still works: a libzmq REQ gets an answer from the same REP.
  const req = new zmq.Request({ linger: 0 });
  try {
    req.connect(endpoint);
    await req.send(['still', 'working']);
    await selectSocket(page, 'rep-err');
    assert.deepEqual(await newestFrames('rep-err', 'in'), ['still', 'working']);
    await send(page, 'rep-err', [['text', 'yes']]);
    const [answer] = await req.receive();
    assert.equal(answer.toString(), 'yes');
  } finally {
    req.close();
  }
});

test('the dark theme renders', async () => {
  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
  await selectSocket(page, 'router1');
  await shot(page, 'workbench-dark');
  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
});

test('a workspace (sockets + templates) saves to a file and reopens', async () => {
  await createSocket(page, 'PULL', 'ws-pull');
  const endpoint = await bindWildcard(page, 'ws-pull');
  await createSocket(page, 'PUSH', 'ws-push');
  await connectTo(page, 'ws-push', endpoint);
  const push = page.getByTestId('socket-ws-push');
  await push.getByLabel('Frame 1', { exact: true }).fill('templated');
  await push.getByLabel('Template name').fill('my template');
  await push.getByRole('button', { name: 'Save as template' }).click();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save workspace' }).click();
  const file = join(mkdtempSync(join(tmpdir(), 'ws-')), 'workspace.json');
  await (await download).saveAs(file);
  const ws = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(ws.format, 'zmq-inspector-workspace');
  const saved = ws.sockets.find((s: { name: string }) => s.name === 'ws-push');
  assert.deepEqual(saved.endpoints, [{ kind: 'connect', endpoint }]);
  const savedPull = ws.sockets.find((s: { name: string }) => s.name === 'ws-pull');
  assert.deepEqual(savedPull.endpoints, [{ kind: 'bind', endpoint: 'tcp://127.0.0.1:*', resolved: endpoint }]);
  assert.deepEqual(ws.templates.find((t: { name: string }) => t.name === 'my template').frames, [{ kind: 'text', data: 'templated' }]);

  // Close both, then reopen the workspace: they come back connected and the template sends.
  for (const name of ['ws-push', 'ws-pull']) {
    await selectSocket(page, name);
    await page.getByTestId(`socket-${name}`).getByRole('button', { name: 'Close socket' }).click();
    await page.getByTestId('socket-item').filter({ hasText: name }).waitFor({ state: 'detached' });
  }
  // Only the two workspace sockets: a file holding just them.
  writeFileSync(file, JSON.stringify({ ...ws, sockets: ws.sockets.filter((s: { name: string }) => s.name.startsWith('ws-')) }));
  await page.getByLabel('Workspace file').setInputFiles(file);
  await page.getByTestId('socket-item').filter({ hasText: 'ws-push' }).waitFor();
  await selectSocket(page, 'ws-push');
  await page.getByTestId('socket-ws-push').getByLabel('Load template').selectOption('my template');
  await page.getByTestId('socket-ws-push').getByRole('button', { name: 'Send', exact: true }).click();
  await selectSocket(page, 'ws-pull');
  assert.deepEqual(await newestFrames('ws-pull', 'in'), ['templated']);
  rmSync(dirname(file), { recursive: true, force: true });

  // A file that is not a workspace is refused with a specific error.
  const junk = join(mkdtempSync(join(tmpdir(), 'ws-')), 'junk.json');
  writeFileSync(junk, '{"hello": 1}');
  await page.getByLabel('Workspace file').setInputFiles(junk);
  await page.getByTestId('workspace-error').getByText('not a ZMQ Inspector workspace file').waitFor();
  rmSync(dirname(junk), { recursive: true, force: true });
});

test('CURVE sockets set up with the key-pair generator talk, and ROUTER mandatory reports EHOSTUNREACH', async () => {
  // Server: a ROUTER with CURVE keys from the generator.
  await page.getByRole('button', { name: '+ New socket' }).click();
  await page.getByLabel('Socket type').selectOption('ROUTER');
  await page.getByLabel('Socket name').fill('curve-router');
  await page.getByLabel('Mandatory routing').check();
  await page.getByLabel('Security').selectOption('curve-server');
  await page.getByRole('button', { name: 'Generate key pair' }).click();
  const serverPublic = page.getByLabel('CURVE public key');
  await page.waitForFunction(() => (document.querySelector('[aria-label="CURVE public key"]') as HTMLInputElement | null)?.value.length === 40);
  const serverKey = await serverPublic.inputValue();
  await page.getByRole('button', { name: 'Create socket' }).click();
  await page.getByTestId('socket-curve-router').waitFor();
  const endpoint = await bindWildcard(page, 'curve-router');

  // Client: a DEALER with its own generated pair and the server's public key.
  await createSocket(page, 'DEALER', 'curve-dealer', async (p) => {
    await p.getByLabel('Routing id').fill('carol');
    await p.getByLabel('Security').selectOption('curve-client');
    await p.getByRole('button', { name: 'Generate key pair' }).click();
    await p.waitForFunction(() => (document.querySelector('[aria-label="CURVE secret key"]') as HTMLInputElement | null)?.value.length === 40);
    assert.notEqual(await p.getByLabel('CURVE public key').inputValue(), serverKey);
    await p.getByLabel('CURVE server key').fill(serverKey);
  });
  await connectTo(page, 'curve-dealer', endpoint);
  await send(page, 'curve-dealer', [['text', 'encrypted hello']]);

  await selectSocket(page, 'curve-router');
  assert.deepEqual(await newestFrames('curve-router', 'in'), ['carol', 'encrypted hello']);
  // CURVE encrypts the peer's metadata (INITIATE), so the peer shows as ready without it.
  await page.getByTestId('socket-curve-router').getByTestId('peers').getByText('ready').waitFor();

  // Mandatory ROUTER: a routing id nobody has fails visibly with EHOSTUNREACH.
  await send(page, 'curve-router', [['text', 'nobody'], ['text', 'lost']]);
  assert.match((await page.getByTestId('socket-curve-router').getByTestId('send-error').textContent())!, /EHOSTUNREACH/);
  // ...and a known one still works.
  await page.getByTestId('socket-curve-router').getByLabel('Routing id').selectOption({ label: 'carol' });
  await send(page, 'curve-router', [['text', 'back to carol']]);
  await selectSocket(page, 'curve-dealer');
  assert.deepEqual(await newestFrames('curve-dealer', 'in'), ['back to carol']);
});

test('composer: base64 and file frames, reordering', async () => {
  await createSocket(page, 'PULL', 'comp-pull');
  const endpoint = await bindWildcard(page, 'comp-pull');
  await createSocket(page, 'PUSH', 'comp-push');
  await connectTo(page, 'comp-push', endpoint);
  const view = page.getByTestId('socket-comp-push');
  await view.getByLabel('Frame 1', { exact: true }).fill('first');
  await view.getByRole('button', { name: '+ Add frame' }).click();
  await view.getByLabel('Frame 2 format').selectOption('base64');
  await view.getByLabel('Frame 2', { exact: true }).fill('aGk=');
  await view.getByRole('button', { name: '+ Add frame' }).click();
  await view.getByLabel('Frame 3 format').selectOption('file');
  const dir = mkdtempSync(join(tmpdir(), 'frame-'));
  const file = join(dir, 'blob.bin');
  writeFileSync(file, Buffer.from([0, 1, 2, 0xfe]));
  await view.getByLabel('Frame 3 file').setInputFiles(file);
  await view.getByText('blob.bin (4 bytes)').waitFor();
  // Move the file frame to the front, then the base64 frame below "first".
  await view.getByRole('button', { name: 'Move frame 3 up' }).click();
  await view.getByRole('button', { name: 'Move frame 2 up' }).click();
  await view.getByRole('button', { name: 'Send', exact: true }).click();
  await selectSocket(page, 'comp-pull');
  await page.getByTestId('socket-comp-pull').getByRole('button', { name: 'HEX' }).click();
  assert.deepEqual(await newestFrames('comp-pull', 'in'), ['00 01 02 fe', '66 69 72 73 74', '68 69']);
  await page.getByTestId('socket-comp-pull').getByRole('button', { name: 'TEXT' }).click();
  rmSync(dir, { recursive: true, force: true });
});
