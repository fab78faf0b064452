// A socket with a SOCKS5 proxy made in the workbench, in Chromium against `zmtp serve`: the New socket
// form offers the proxy and its credentials (the password as a password field), the REQ connects through
// a real Dante with username authentication to a zeromq.js REP and a request and its reply go through.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as zmq from 'zeromq';
import { danteMissing, startDante, SOCKS_PASSWORD, SOCKS_USER, type Dante } from '../helpers/dante.js';
import { connectTo, createSocket, newestFrames, send, useApp } from './serve-harness.js';

const missing = danteMissing();
const app = useApp();
let dante: Dante | undefined;
before(async () => {
  if (!missing) dante = await startDante('username');
});
after(async () => {
  await dante?.stop();
});

test('a REQ made with a SOCKS5 proxy, user and password reaches a zeromq.js REP through Dante', { skip: missing ?? false }, async () => {
  const page = app.page;
  const rep = new zmq.Reply({ linger: 0 });
  await rep.bind('tcp://127.0.0.1:*');
  try {
    await createSocket(page, 'REQ', 'socks-req', async (p) => {
      const form = p.getByRole('form', { name: 'New socket' });
      await form.getByLabel('SOCKS5 proxy (host:port)').fill(dante!.address);
      await form.getByLabel('SOCKS username').fill(SOCKS_USER);
      const password = form.getByLabel('SOCKS password');
      assert.equal(await password.getAttribute('type'), 'password');
      await password.fill(SOCKS_PASSWORD);
    });
    await connectTo(page, 'socks-req', rep.lastEndpoint!);
    await send(page, 'socks-req', [['text', 'hello through socks']]);
    const [request] = await rep.receive();
    assert.equal(String(request), 'hello through socks');
    await rep.send('world');
    assert.deepEqual(await newestFrames(page, 'socks-req', 'in'), ['world']);
    // Dante checked the user name and password.
    assert.match(dante!.log(), new RegExp(`username%${SOCKS_USER}@`));
  } finally {
    rep.close();
  }
});
