// The sockets workbench in a real Chromium against a real `zmtp serve`, with libzmq peers (the zeromq
// npm package) talking to the sockets created in the UI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { bindWildcard, connectTo, createSocket, selectSocket, send, shot, useApp, newestFrames } from './serve-harness.js';

const app = useApp({ acceptDownloads: true });

test('REQ sends a three-frame message to REP, REP answers it', async () => {
  await createSocket(app.page, 'REP', 'rep1');
  const endpoint = await bindWildcard(app.page, 'rep1');
  assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/, 'the wildcard port is shown resolved');
  assert.doesNotMatch(endpoint, /:\*$/);

  await createSocket(app.page, 'REQ', 'req1');
  await connectTo(app.page, 'req1', endpoint);
  await send(app.page, 'req1', [
    ['text', 'hello'],
    ['hex', '01 02 ff'],
    ['json', '{"n": 1}'],
  ]);
  assert.deepEqual(await newestFrames(app.page, 'req1', 'out'), ['hello', '01 02 ff', '{"n":1}']);

  await selectSocket(app.page, 'rep1');
  assert.deepEqual(await newestFrames(app.page, 'rep1', 'in'), ['hello', '01 02 ff', '{"n":1}']);
  // Peers and monitor events came from the engine.
  await app.page.getByTestId('socket-rep1').getByTestId('events').getByText('accept').first().waitFor();
  await app.page.getByTestId('socket-rep1').getByTestId('peers').getByText('Socket-Type: REQ').waitFor();

  // Reply to the selected message.
  await app.page.getByTestId('socket-rep1').locator('[data-testid=message][data-dir=in]').first().click();
  await app.page.getByTestId('socket-rep1').getByRole('button', { name: 'Reply' }).click();
  await send(app.page, 'rep1', [['text', 'world']]);
  await shot(app.page, 'workbench-rep');

  await selectSocket(app.page, 'req1');
  assert.deepEqual(await newestFrames(app.page, 'req1', 'in'), ['world']);

  // The JSON view pretty-prints the JSON frame.
  await app.page.getByTestId('socket-req1').getByRole('button', { name: 'JSON' }).click();
  const out = app.page.getByTestId('socket-req1').locator('[data-testid=message][data-dir=out]').first();
  assert.equal((await out.getByTestId('frame').nth(2).locator('pre').textContent())?.trim(), '{\n  "n": 1\n}');
  await app.page.getByTestId('socket-req1').getByRole('button', { name: 'TEXT' }).click();
  await shot(app.page, 'workbench-req');
});

test('ROUTER replies by routing id to a UI DEALER and to a libzmq DEALER', async () => {
  await createSocket(app.page, 'ROUTER', 'router1');
  const endpoint = await bindWildcard(app.page, 'router1');
  await createSocket(app.page, 'DEALER', 'dealer-bob', async (p) => {
    await p.getByLabel('Routing id').fill('bob');
  });
  await connectTo(app.page, 'dealer-bob', endpoint);
  await send(app.page, 'dealer-bob', [['text', 'hi from bob']]);

  const alice = new zmq.Dealer({ routingId: 'alice', linger: 0 });
  try {
    alice.connect(endpoint);
    await alice.send('hi from alice');

    await selectSocket(app.page, 'router1');
    const router = app.page.getByTestId('socket-router1');
    await router.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hi from alice' }).waitFor();
    await router.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hi from bob' }).waitFor();

    await router.getByLabel('Routing id').selectOption({ label: 'alice' });
    await send(app.page, 'router1', [
      ['text', 'to alice'],
      ['text', 'second'],
    ]);
    const [first, second] = await alice.receive();
    assert.equal(first.toString(), 'to alice');
    assert.equal(second.toString(), 'second');

    await router.getByLabel('Routing id').selectOption({ label: 'bob' });
    await send(app.page, 'router1', [['text', 'to bob']]);
    await shot(app.page, 'workbench-router');
    await shot(app.page, 'workbench');
    await selectSocket(app.page, 'dealer-bob');
    assert.deepEqual(await newestFrames(app.page, 'dealer-bob', 'in'), ['to bob']);
  } finally {
    alice.close();
  }
});

test('SUB receives only the topics it subscribed to', async () => {
  await createSocket(app.page, 'PUB', 'pub1');
  const endpoint = await bindWildcard(app.page, 'pub1');
  await createSocket(app.page, 'SUB', 'sub1', async (p) => {
    await p.getByLabel('Subscriptions').fill('weather');
  });
  await connectTo(app.page, 'sub1', endpoint);

  // PUB/SUB drops messages until the subscription has reached the publisher: publish until one arrives.
  const subInbox = app.page.getByTestId('socket-sub1').locator('[data-testid=message][data-dir=in]');
  for (let i = 0; (await subInbox.count()) === 0; i++) {
    await selectSocket(app.page, 'pub1');
    await send(app.page, 'pub1', [
      ['text', 'weather'],
      ['text', `warmup ${i}`],
    ]);
    await selectSocket(app.page, 'sub1');
    await app.page.waitForTimeout(200);
  }
  await selectSocket(app.page, 'pub1');
  await send(app.page, 'pub1', [
    ['text', 'news'],
    ['text', 'not for sub1'],
  ]);
  await send(app.page, 'pub1', [
    ['text', 'weather'],
    ['text', 'sunny'],
  ]);
  await selectSocket(app.page, 'sub1');
  await subInbox.filter({ hasText: 'sunny' }).waitFor();
  // Messages on one connection arrive in order: had 'news' passed the filter it would be here already.
  assert.equal(await subInbox.filter({ hasText: 'not for sub1' }).count(), 0);
  assert.deepEqual(await newestFrames(app.page, 'sub1', 'in'), ['weather', 'sunny']);
  await app.page.getByTestId('socket-sub1').getByText('weather', { exact: true }).first().waitFor();
  await shot(app.page, 'workbench-sub');
});

test('bad input shows a specific error and leaves the other sockets working', async () => {
  await createSocket(app.page, 'REP', 'rep-err');
  const endpoint = await bindWildcard(app.page, 'rep-err');
  const view = app.page.getByTestId('socket-rep-err');

  // Invalid endpoint.
  await view.getByLabel('Endpoint').fill('tcp://127.0.0.1');
  await view.getByRole('button', { name: 'Bind', exact: true }).click();
  await assert.doesNotReject(view.getByTestId('endpoint-error').getByText('missing port').waitFor());

  // Replying before any request: the engine's EFSM, in plain words.
  await send(app.page, 'rep-err', [['text', 'too early']]);
  assert.match((await view.getByTestId('send-error').textContent())!, /EFSM/);

  // Malformed hex.
  await send(app.page, 'rep-err', [['hex', '0x12 zz']]);
  assert.match((await view.getByTestId('send-error').textContent())!, /frame 1 \(hex\): 'z' at position 3 is not a hex digit/);
  await shot(app.page, 'workbench-send-error');

  // Unknown option value.
  await app.page.getByRole('button', { name: '+ New socket' }).click();
  await app.page.getByLabel('Socket type').selectOption('REQ');
  await app.page.getByLabel('Linger (ms)').fill('forever');
  await app.page.getByRole('button', { name: 'Create socket' }).click();
  assert.match((await app.page.getByTestId('create-error').textContent())!, /linger/);
  await app.page.getByLabel('Linger (ms)').fill('');
  await app.page.getByLabel('Send HWM').fill('-5');
  await app.page.getByRole('button', { name: 'Create socket' }).click();
  await app.page.getByTestId('create-error').getByText('sendHighWaterMark').waitFor();
  await shot(app.page, 'workbench-errors');

  // Everything still works: a libzmq REQ gets an answer from the same REP.
  const req = new zmq.Request({ linger: 0 });
  try {
    req.connect(endpoint);
    await req.send(['still', 'working']);
    await selectSocket(app.page, 'rep-err');
    assert.deepEqual(await newestFrames(app.page, 'rep-err', 'in'), ['still', 'working']);
    await send(app.page, 'rep-err', [['text', 'yes']]);
    const [answer] = await req.receive();
    assert.equal(answer.toString(), 'yes');
  } finally {
    req.close();
  }
});

test('the dark theme renders', async () => {
  await app.page.getByRole('button', { name: 'Toggle dark mode' }).click();
  assert.equal(await app.page.evaluate(() => document.documentElement.classList.contains('dark')), true);
  await selectSocket(app.page, 'router1');
  await shot(app.page, 'workbench-dark');
  await app.page.getByRole('button', { name: 'Toggle dark mode' }).click();
});

test('a workspace (sockets + templates) saves to a file and reopens', async () => {
  await createSocket(app.page, 'PULL', 'ws-pull');
  const endpoint = await bindWildcard(app.page, 'ws-pull');
  await createSocket(app.page, 'PUSH', 'ws-push');
  await connectTo(app.page, 'ws-push', endpoint);
  const push = app.page.getByTestId('socket-ws-push');
  await push.getByLabel('Frame 1', { exact: true }).fill('templated');
  await push.getByLabel('Template name').fill('my template');
  await push.getByRole('button', { name: 'Save as template' }).click();

  const download = app.page.waitForEvent('download');
  await app.page.getByRole('button', { name: 'Save workspace' }).click();
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
    await selectSocket(app.page, name);
    await app.page.getByTestId(`socket-${name}`).getByRole('button', { name: 'Close socket' }).click();
    await app.page.getByTestId('socket-item').filter({ hasText: name }).waitFor({ state: 'detached' });
  }
  // Only the two workspace sockets: a file holding just them.
  writeFileSync(file, JSON.stringify({ ...ws, sockets: ws.sockets.filter((s: { name: string }) => s.name.startsWith('ws-')) }));
  await app.page.getByLabel('Workspace file').setInputFiles(file);
  await app.page.getByTestId('socket-item').filter({ hasText: 'ws-push' }).waitFor();
  await selectSocket(app.page, 'ws-push');
  await app.page.getByTestId('socket-ws-push').getByLabel('Load template').selectOption('my template');
  await app.page.getByTestId('socket-ws-push').getByRole('button', { name: 'Send', exact: true }).click();
  await selectSocket(app.page, 'ws-pull');
  assert.deepEqual(await newestFrames(app.page, 'ws-pull', 'in'), ['templated']);
  rmSync(dirname(file), { recursive: true, force: true });

  // A file that is not a workspace is refused with a specific error.
  const junk = join(mkdtempSync(join(tmpdir(), 'ws-')), 'junk.json');
  writeFileSync(junk, '{"hello": 1}');
  await app.page.getByLabel('Workspace file').setInputFiles(junk);
  await app.page.getByTestId('workspace-error').getByText('not a ZMQ Inspector workspace file').waitFor();
  rmSync(dirname(junk), { recursive: true, force: true });
});

test('CURVE sockets set up with the key-pair generator talk, and ROUTER mandatory reports EHOSTUNREACH', async () => {
  // Server: a ROUTER with CURVE keys from the generator.
  await app.page.getByRole('button', { name: '+ New socket' }).click();
  await app.page.getByLabel('Socket type').selectOption('ROUTER');
  await app.page.getByLabel('Socket name').fill('curve-router');
  await app.page.getByLabel('Mandatory routing').check();
  await app.page.getByLabel('Security').selectOption('curve-server');
  await app.page.getByRole('button', { name: 'Generate key pair' }).click();
  const serverPublic = app.page.getByLabel('CURVE public key');
  await app.page.waitForFunction(() => document.querySelector<HTMLInputElement>('[aria-label="CURVE public key"]')?.value.length === 40);
  const serverKey = await serverPublic.inputValue();
  await app.page.getByRole('button', { name: 'Create socket' }).click();
  await app.page.getByTestId('socket-curve-router').waitFor();
  const endpoint = await bindWildcard(app.page, 'curve-router');

  // Client: a DEALER with its own generated pair and the server's public key.
  await createSocket(app.page, 'DEALER', 'curve-dealer', async (p) => {
    await p.getByLabel('Routing id').fill('carol');
    await p.getByLabel('Security').selectOption('curve-client');
    await p.getByRole('button', { name: 'Generate key pair' }).click();
    await p.waitForFunction(() => document.querySelector<HTMLInputElement>('[aria-label="CURVE secret key"]')?.value.length === 40);
    assert.notEqual(await p.getByLabel('CURVE public key').inputValue(), serverKey);
    await p.getByLabel('CURVE server key').fill(serverKey);
  });
  await connectTo(app.page, 'curve-dealer', endpoint);
  await send(app.page, 'curve-dealer', [['text', 'encrypted hello']]);

  await selectSocket(app.page, 'curve-router');
  assert.deepEqual(await newestFrames(app.page, 'curve-router', 'in'), ['carol', 'encrypted hello']);
  // CURVE encrypts the peer's metadata (INITIATE); the engine decrypted it, so the peer still shows it.
  const curvePeers = app.page.getByTestId('socket-curve-router').getByTestId('peers');
  await curvePeers.getByText('ready').waitFor();
  await curvePeers.getByText('Socket-Type: DEALER').waitFor();
  await curvePeers.getByText('Identity: carol').waitFor();

  // Mandatory ROUTER: a routing id nobody has fails visibly with EHOSTUNREACH.
  await send(app.page, 'curve-router', [
    ['text', 'nobody'],
    ['text', 'lost'],
  ]);
  assert.match((await app.page.getByTestId('socket-curve-router').getByTestId('send-error').textContent())!, /EHOSTUNREACH/);
  // ...and a known one still works.
  await app.page.getByTestId('socket-curve-router').getByLabel('Routing id').selectOption({ label: 'carol' });
  await send(app.page, 'curve-router', [['text', 'back to carol']]);
  await selectSocket(app.page, 'curve-dealer');
  assert.deepEqual(await newestFrames(app.page, 'curve-dealer', 'in'), ['back to carol']);
});

test('composer: base64 and file frames, reordering', async () => {
  await createSocket(app.page, 'PULL', 'comp-pull');
  const endpoint = await bindWildcard(app.page, 'comp-pull');
  await createSocket(app.page, 'PUSH', 'comp-push');
  await connectTo(app.page, 'comp-push', endpoint);
  const view = app.page.getByTestId('socket-comp-push');
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
  await selectSocket(app.page, 'comp-pull');
  await app.page.getByTestId('socket-comp-pull').getByRole('button', { name: 'HEX' }).click();
  assert.deepEqual(await newestFrames(app.page, 'comp-pull', 'in'), ['00 01 02 fe', '66 69 72 73 74', '68 69']);
  await app.page.getByTestId('socket-comp-pull').getByRole('button', { name: 'TEXT' }).click();
  rmSync(dir, { recursive: true, force: true });
});
