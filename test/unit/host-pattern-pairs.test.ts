// The workbench's one-click pattern pairs (src/renderer/src/workbench/patterns.ts) made through the host API
// as the UI makes them: each pair comes up bound and connected, and a message from the sending side arrives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Host } from '../../core/host/index.js';
import { PATTERN_PAIRS } from '../../src/renderer/src/workbench/patterns.js';

let host: Host;
before(() => {
  host = new Host();
});
after(async () => {
  await host.close();
});

/** Which side speaks first in each pair. */
const SENDER: Record<string, 'binder' | 'connecter'> = {
  'REQ / REP': 'connecter',
  'PUB / SUB': 'binder',
  'PUSH / PULL': 'connecter',
  'ROUTER / DEALER': 'connecter',
  'RADIO / DISH': 'connecter',
};

for (const pair of PATTERN_PAIRS) {
  test(`${pair.label}: bound, connected, and a message gets through`, async () => {
    const binder = await host.request('socket.create', {
      type: pair.binder.type,
      name: pair.binder.name,
      options: pair.binder.options ?? {},
    });
    const bound = await host.request('socket.bind', { id: binder.id, endpoint: pair.bindEndpoint });
    const endpoint = bound.endpoints[0].endpoint;
    assert.doesNotMatch(endpoint, /\*/);
    const connecter = await host.request('socket.create', {
      type: pair.connecter.type,
      name: pair.connecter.name,
      options: pair.connecter.options ?? {},
    });
    await host.request('socket.connect', { id: connecter.id, endpoint });
    const [from, to] = SENDER[pair.label] === 'binder' ? [binder, connecter] : [connecter, binder];
    try {
      // PUB/SUB and RADIO/DISH drop what is sent before the subscription or join arrives: send until one
      // lands. A REQ sends once (then it must wait for the reply) and its request is queued until connected.
      for (let i = 0; ; i++) {
        if (i === 600) assert.fail(`nothing arrived at ${to.type} after ${i} tries`);
        if (i === 0 || from.type !== 'REQ') {
          await host.request('socket.send', {
            id: from.id,
            frames: [{ kind: 'text', data: `pair ${i}` }],
            ...(from.type === 'RADIO' ? { group: 'news' } : {}),
          });
        }
        await new Promise((r) => setTimeout(r, 50));
        const got = await host.request('socket.messages', { id: to.id });
        if (
          got.items.some(
            (m) =>
              m.dir === 'in' &&
              Buffer.from(m.frames[m.frames.length - 1], 'hex')
                .toString()
                .startsWith('pair '),
          )
        )
          break;
      }
    } finally {
      await host.request('socket.close', { id: connecter.id });
      await host.request('socket.close', { id: binder.id });
    }
  });
}
