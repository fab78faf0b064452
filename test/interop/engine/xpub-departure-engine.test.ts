// xpub-departure.ts against the engine, with the same code as xpub-departure-zeromq.test.ts; and
// closing an XPUB while a departed peer's topics are still being removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as zeromq from 'zeromq';
import * as engine from '../../../core/index.js';
import { REMOVALS_PER_TURN } from '../../../core/engine/strategies/trie.js';
import { freedPort } from '../../helpers/port.js';
import { departureSuite } from './xpub-departure.js';

departureSuite('engine', engine as unknown as typeof zeromq);

test("engine: closing an XPUB during a departed peer's removal is clean", async () => {
  const xpub = new engine.XPublisher({ linger: 0, receiveTimeout: 30_000 });
  const sub = new engine.Subscriber({ linger: 0 });
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('uncaughtException', onError);
  try {
    const address = `tcp://127.0.0.1:${await freedPort()}`;
    await xpub.bind(address);
    sub.connect(address);
    const n = 4 * REMOVALS_PER_TURN;
    sub.subscribe(...Array.from({ length: n }, (_, i) => `c/${i}/`));
    for (let i = 0; i < n; i++) await xpub.receive();
    sub.close();
    // The first unsubscription: the removal has begun, and at this size takes more turns.
    assert.equal((await xpub.receive())[0][0], 0);
    xpub.close();
    assert.equal(xpub.closed, true);
    await assert.rejects(async () => xpub.receive(), /closed/);
    for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(errors, []);
  } finally {
    process.off('uncaughtException', onError);
    if (!xpub.closed) xpub.close();
    if (!sub.closed) sub.close();
  }
});
