// send() and receive() that complete at once must not starve the event loop (zeromq.js's 'should not
// starve event loop'): with thousands of messages queued, a loop of awaits lets a setImmediate run after
// at most MAX_SYNC_COMPLETIONS operations. Counted in operations and turns, never timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pull, Push, XPublisher } from '../../../core/index.js';
import { MAX_SYNC_COMPLETIONS } from '../../../core/engine/starve-guard.js';

/** Runs `op` `count` times in a loop of awaits; returns how many had completed when a setImmediate ran first. */
async function opsBeforeImmediate(count: number, op: () => Promise<unknown>): Promise<{ before: number | undefined; done: number }> {
  let done = 0;
  let before: number | undefined;
  setImmediate(() => {
    before = done;
  });
  for (let i = 0; i < count; i++) {
    await op();
    done++;
  }
  return { before, done };
}

test(`a receive loop over 5,000 queued messages lets the event loop turn within ${MAX_SYNC_COMPLETIONS + 1} receives`, async () => {
  const push = new Push({ linger: 0, sendHighWaterMark: 0 });
  const pull = new Pull({ linger: 0, receiveHighWaterMark: 0 });
  try {
    await pull.bind('inproc://starve-receive');
    push.connect('inproc://starve-receive');
    for (let i = 0; i < 5000; i++) await push.send(String(i));
    // Everything is queued on the PULL side before the loop starts.
    assert.equal(pull.readable, true);
    let n = 0;
    const r = await opsBeforeImmediate(5000, async () => {
      const [m] = await pull.receive();
      assert.equal(m.toString(), String(n++), 'in order');
    });
    assert.equal(r.done, 5000);
    assert.ok(r.before !== undefined && r.before <= MAX_SYNC_COMPLETIONS + 1, `a setImmediate ran after ${r.before} receives`);
  } finally {
    push.close();
    pull.close();
  }
});

test(`a send loop that never has to wait lets the event loop turn within ${MAX_SYNC_COMPLETIONS + 1} sends`, async () => {
  const push = new Push({ linger: 0, sendHighWaterMark: 0 });
  const pull = new Pull({ linger: 0, receiveHighWaterMark: 0 });
  try {
    await pull.bind('inproc://starve-send');
    push.connect('inproc://starve-send');
    const r = await opsBeforeImmediate(5000, () => push.send('x'));
    assert.equal(r.done, 5000);
    assert.ok(r.before !== undefined && r.before <= MAX_SYNC_COMPLETIONS + 1, `a setImmediate ran after ${r.before} sends`);
    let got = 0;
    while (got < 5000) {
      await pull.receive();
      got++;
    }
  } finally {
    push.close();
    pull.close();
  }
});

test('an XPUB handing over 3,000 queued subscription notices lets the event loop turn meanwhile', async () => {
  const xpub = new XPublisher({ linger: 0 });
  const { XSubscriber } = await import('../../../core/index.js');
  const xsub = new XSubscriber({ linger: 0 });
  try {
    await xpub.bind('inproc://starve-xpub');
    xsub.connect('inproc://starve-xpub');
    for (let i = 0; i < 3000; i++) await xsub.send(Buffer.from(`\x01topic${i}`, 'latin1'));
    let n = 0;
    const r = await opsBeforeImmediate(3000, async () => {
      const [m] = await xpub.receive();
      assert.equal(m.toString('latin1'), `\x01topic${n++}`);
    });
    assert.ok(r.before !== undefined && r.before <= MAX_SYNC_COMPLETIONS + 1, `a setImmediate ran after ${r.before} receives`);
  } finally {
    xpub.close();
    xsub.close();
  }
});
