// Authentication in the workbench, in Chromium against `zmtp serve`: a PLAIN server whose user is set up
// in the UI lets in a pyzmq client with the right password and refuses a wrong one, and both ZAP decisions
// show in its timeline; a CURVE server shows its public key (copied by its button); a UI CURVE client
// given the wrong server key shows the hint to check it; workspace files leave the secret key out unless asked.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { startPlainReq, startPython } from '../helpers/python.js';
import { bindWildcard, connectTo, createSocket, selectSocket, send, useApp, waitForText } from './serve-harness.js';

const app = useApp({ acceptDownloads: true });

/** Clicks Save workspace and returns the saved file's JSON. */
async function savedWorkspace(): Promise<{
  sockets: { name: string; options: Record<string, unknown> }[];
  zap?: { plainUsers: { username: string; password?: string }[] };
}> {
  const download = app.page.waitForEvent('download');
  await app.page.getByRole('button', { name: 'Save workspace' }).click();
  const file = join(mkdtempSync(join(tmpdir(), 'ws-secrets-')), 'workspace.json');
  await (await download).saveAs(file);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

test('PLAIN server with a user set up in the UI: pyzmq with the right password gets in, a wrong one is refused, both decisions shown', async () => {
  const page = app.page;
  await createSocket(page, 'REP', 'plain-rep', async (p) => {
    await p.getByLabel('Security').selectOption('plain-server');
  });
  const view = page.getByTestId('socket-plain-rep');
  const endpoint = await bindWildcard(page, 'plain-rep');
  const policy = view.getByTestId('zap-policy');
  await policy.getByText('No PLAIN users yet').waitFor();
  await policy.getByLabel('ZAP user name').fill('alice');
  await policy.getByLabel('ZAP user password').fill('s3cret');
  await policy.getByRole('button', { name: 'Add user' }).click();
  await policy.getByTestId('zap-users').getByText('alice').waitFor();

  const good = startPlainReq(endpoint, 'alice', 's3cret', 'hello from s3cret');
  const bad = startPlainReq(endpoint, 'alice', 'guess', 'hello from guess', 'pyzmq PLAIN client (wrong password)');
  try {
    await view.getByText("ZAP allowed PLAIN user 'alice'").first().waitFor();
    await view
      .getByText(/ZAP refused a PLAIN client \(status 400\): wrong password for PLAIN user 'alice'/)
      .first()
      .waitFor();
    // Only the accepted client's request arrives; the REP answers it.
    await view.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hello from s3cret' }).waitFor();
    assert.equal(await view.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'hello from guess' }).count(), 0);
    await view.locator('[data-testid=message][data-dir=in]').first().click();
    await view.getByRole('button', { name: 'Reply' }).click();
    await send(page, 'plain-rep', [['text', 'welcome alice']]);
    assert.equal(await good.line(), 'welcome alice');
    await view.getByTestId('peers').getByText('User-Id: alice').waitFor();
  } finally {
    good.child.kill();
    bad.child.kill();
  }
});

test('a CURVE server shows its public key with a copy button; a CURVE client with a wrong server key shows the hint', async () => {
  const page = app.page;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await createSocket(page, 'REP', 'curve-rep', async (p) => {
    await p.getByLabel('Security').selectOption('curve-server');
    await p.getByRole('button', { name: 'Generate key pair' }).click();
    await p.waitForFunction(() => document.querySelector<HTMLInputElement>('[aria-label="CURVE public key"]')?.value.length === 40);
  });
  const server = page.getByTestId('socket-curve-rep');
  const serverKey = (await server.getByTestId('own-public-key').textContent())!.trim();
  assert.equal(serverKey.length, 40);
  const copy = server.getByRole('button', { name: 'Copy public key' });
  await copy.click();
  await waitForText(copy, /^Copied$/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), serverKey);
  const endpoint = await bindWildcard(page, 'curve-rep');

  // The client is given its own public key as the server key: a plausible slip, and the wrong key.
  await createSocket(page, 'REQ', 'curve-req', async (p) => {
    await p.getByLabel('Security').selectOption('curve-client');
    await p.getByRole('button', { name: 'Generate key pair' }).click();
    await p.waitForFunction(() => document.querySelector<HTMLInputElement>('[aria-label="CURVE public key"]')?.value.length === 40);
    await p.getByLabel('CURVE server key').fill(await p.getByLabel('CURVE public key').inputValue());
    await p.getByLabel('Reconnect interval (ms)').fill('200');
  });
  const client = page.getByTestId('socket-curve-req');
  const wrongKey = (await client.getByTestId('server-key').textContent())!.trim();
  assert.notEqual(wrongKey, serverKey);
  await connectTo(page, 'curve-req', endpoint);
  const hint = client.getByText(/CURVE handshake failed: check the server public key/).first();
  await hint.waitFor();
  assert.match((await hint.textContent())!, new RegExp(`this socket uses ${wrongKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // The hint wraps inside the card instead of running past its edge.
  const box = await hint.boundingBox();
  const card = await client.getByTestId('events').boundingBox();
  assert.ok(box && card && box.x + box.width <= card.x + card.width + 1, `hint ${JSON.stringify(box)} inside ${JSON.stringify(card)}`);
  await selectSocket(page, 'curve-rep');
  await page
    .getByTestId('socket-curve-rep')
    .getByText(/A client used a server key other than this socket's public key/)
    .first()
    .waitFor();

  // A workspace file keeps the public key but leaves the secret key out, unless asked to include it.
  const saved = await savedWorkspace();
  const without = saved.sockets.find((s) => s.name === 'curve-rep')!;
  assert.equal(without.options.curvePublicKey, serverKey);
  assert.equal(without.options.curveSecretKey, undefined);
  assert.deepEqual(saved.zap?.plainUsers, [{ username: 'alice' }], 'the ZAP user set up earlier, without its password');
  await page.getByLabel('Include secrets in the workspace').check();
  const savedWithSecrets = await savedWorkspace();
  assert.match(String(savedWithSecrets.sockets.find((s) => s.name === 'curve-rep')!.options.curveSecretKey), /^.{40}$/);
  assert.deepEqual(savedWithSecrets.zap?.plainUsers, [{ username: 'alice', password: 's3cret' }]);
  await page.getByLabel('Include secrets in the workspace').uncheck();
});

test('a UI CURVE client against a pyzmq CURVE server: the wrong server key shows the hint, the right one talks', async () => {
  const page = app.page;
  const server = startPython(
    [
      '-c',
      `
import zmq
public, secret = zmq.curve_keypair()
s = zmq.Context().socket(zmq.REP)
s.linger = 0
s.curve_server = True
s.curve_secretkey = secret
port = s.bind_to_random_port('tcp://127.0.0.1')
print(port, public.decode(), flush=True)
while True:
    s.send(b'pyzmq got ' + s.recv())
`,
    ],
    'pyzmq CURVE REP',
  );
  try {
    const [port, serverKey] = (await server.line()).trim().split(' ');
    const endpoint = `tcp://127.0.0.1:${port}`;
    const makeClient = (name: string, key: string) =>
      createSocket(page, 'REQ', name, async (p) => {
        await p.getByLabel('Security').selectOption('curve-client');
        await p.getByRole('button', { name: 'Generate key pair' }).click();
        await p.waitForFunction(() => document.querySelector<HTMLInputElement>('[aria-label="CURVE public key"]')?.value.length === 40);
        await p.getByLabel('CURVE server key').fill(key);
        await p.getByLabel('Reconnect interval (ms)').fill('200');
      });
    // A key that is a valid Z85 key, but another server's.
    const otherKey = serverKey === '0'.repeat(40) ? '1'.repeat(40) : '0'.repeat(40);
    await makeClient('py-curve-wrong', otherKey);
    await connectTo(page, 'py-curve-wrong', endpoint);
    const wrong = page.getByTestId('socket-py-curve-wrong');
    const hint = wrong.getByText(/CURVE handshake failed: check the server public key/).first();
    await hint.waitFor();
    assert.ok((await hint.textContent())!.includes(`this socket uses ${otherKey}`));

    await makeClient('py-curve-right', serverKey);
    await connectTo(page, 'py-curve-right', endpoint);
    await send(page, 'py-curve-right', [['text', 'sealed']]);
    const right = page.getByTestId('socket-py-curve-right');
    await right.locator('[data-testid=message][data-dir=in]').filter({ hasText: 'pyzmq got sealed' }).waitFor();
    assert.equal(await right.getByText(/check the server public key/).count(), 0, 'no hint when the key is right');
  } finally {
    server.child.kill();
  }
});
