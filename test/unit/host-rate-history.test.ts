// The workbench's per-second message counts (core/host/rate-history.ts): one entry per second of the last
// minute, the current one last; seconds without messages are zeros; counts older than a minute are gone
// even where their ring slot was not written again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RATE_HISTORY_SECONDS, RateHistory } from '../../core/host/rate-history.js';

test('counts per second and direction over the last minute, stale slots read as zero', () => {
  let now = 1_700_000_000_000;
  const h = new RateHistory(() => now);
  for (let i = 0; i < 10; i++) h.add('in');
  h.add('out');
  now += 1000;
  for (let i = 0; i < 3; i++) h.add('in');
  now += 2000; // a quiet second in between
  h.add('in');
  const s = h.series();
  assert.equal(s.t.length, RATE_HISTORY_SECONDS);
  assert.equal(s.t[s.t.length - 1], Math.floor(now / 1000));
  assert.deepEqual(s.in.slice(-4), [10, 3, 0, 1]);
  assert.deepEqual(s.out.slice(-4), [1, 0, 0, 0]);
  assert.equal(
    s.in.slice(0, -4).every((x) => x === 0),
    true,
  );

  // 59 seconds on, the first second is the oldest entry; one more and it has left the window.
  now += (RATE_HISTORY_SECONDS - 4) * 1000;
  assert.equal(h.series().in[0], 10);
  now += 1000;
  assert.deepEqual(h.series().in.slice(0, 3), [3, 0, 1]);
  // A minute later with nothing written: every slot is stale.
  now += RATE_HISTORY_SECONDS * 1000;
  assert.equal(
    h.series().in.every((x) => x === 0),
    true,
  );
});
