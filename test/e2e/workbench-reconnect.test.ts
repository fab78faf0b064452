// Reconnect in the workbench, in Chromium against `zmtp serve`: a UI PLAIN client refused by a zeromq.js
// server's ZAP handler shows that it is not dialing again (as libzmq after a refusal) with a Reconnect
// button; once the server's policy lets it in, Reconnect dials anew and the message goes through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zmq from 'zeromq';
import { startZapHandler } from '../interop/engine/security-raw-peer.js';
import { connectTo, createSocket, send, useApp, waitForText } from './serve-harness.js';

const app = useApp();

test('a PLAIN client refused by a zeromq.js ZAP handler: not dialing again, Reconnect after the policy changed, the message arrives', async () => {
  const page = app.page;
  let letIn = false;
  const context = new zmq.Context();
  const zap = await startZapHandler(context, () =>
    letIn ? { statusCode: '200', statusText: 'OK' } : { statusCode: '400', statusText: 'not on the list' },
  );
  const server = new zmq.Pull({ context, linger: 0, plainServer: true, zapDomain: 'test' });
  await server.bind('tcp://127.0.0.1:*');
  const endpoint = server.lastEndpoint!;
  try {
    await createSocket(page, 'PUSH', 'refused-push', async (p) => {
      await p.getByLabel('Security').selectOption('plain-client');
      await p.getByLabel('PLAIN username').fill('alice');
      await p.getByLabel('PLAIN password').fill('s3cret');
      await p.getByLabel('Reconnect interval (ms)').fill('200');
    });
    const view = page.getByTestId('socket-refused-push');
    await connectTo(page, 'refused-push', endpoint);
    const status = view.getByTestId('endpoint-status');
    await waitForText(status, /handshake failed: .*400.*not dialing again/);
    assert.equal(await status.getAttribute('data-phase'), 'handshake-failed');
    const reconnect = view.getByRole('button', { name: 'Reconnect', exact: true });
    await reconnect.waitFor();

    letIn = true;
    await reconnect.click();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=socket-refused-push] [data-testid=endpoint-status]')?.getAttribute('data-phase') ===
        'connected',
    );
    assert.equal(await reconnect.count(), 0, 'no Reconnect for a connected endpoint');
    await send(page, 'refused-push', [['text', 'let in at last']]);
    const [body] = (await server.receive()) as Buffer[];
    assert.equal(body.toString(), 'let in at last');
  } finally {
    server.close();
    await zap.close();
  }
});
