// The timeline fold: repeats of (type, endpoint, reason) become one row with a count and the last time;
// rows stay bounded; the UI's merge replaces rows by key and keeps the newest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventFold, mergeFolded } from '../../core/host/event-fold.js';

test('repeats of one event fold into one row with count, first and last time, latest detail', () => {
  const fold = new EventFold(100);
  for (let i = 0; i < 327; i++) {
    fold.add({ type: 'connect:delay', address: 'tcp://127.0.0.1:1', ts: 1000 + i });
    fold.add({
      type: 'connect:retry',
      address: 'tcp://127.0.0.1:1',
      reason: 'connect ECONNREFUSED 127.0.0.1:1',
      detail: `retry in ${100 + i} ms`,
      ts: 1000 + i + 0.5,
    });
  }
  const rows = fold.list();
  assert.equal(rows.length, 2);
  assert.equal(fold.total, 654);
  const retry = rows.find((r) => r.type === 'connect:retry')!;
  assert.equal(retry.count, 327);
  assert.equal(retry.firstTs, 1000.5);
  assert.equal(retry.ts, 1326.5);
  assert.equal(retry.detail, 'retry in 426 ms');
  // The latest occurrence is last.
  assert.equal(rows[rows.length - 1].type, 'connect:retry');
});

test('a different reason or endpoint is a different row', () => {
  const fold = new EventFold(100);
  fold.add({ type: 'connect:retry', address: 'tcp://a:1', reason: 'ECONNREFUSED', ts: 1 });
  fold.add({ type: 'connect:retry', address: 'tcp://a:1', reason: 'getaddrinfo ENOTFOUND a', ts: 2 });
  fold.add({ type: 'connect:retry', address: 'tcp://b:1', reason: 'ECONNREFUSED', ts: 3 });
  fold.add({ type: 'connect:retry', address: 'tcp://a:1', reason: 'ECONNREFUSED', ts: 4 });
  const rows = fold.list();
  assert.deepEqual(
    rows.map((r) => [r.address, r.reason, r.count]),
    [
      ['tcp://a:1', 'getaddrinfo ENOTFOUND a', 1],
      ['tcp://b:1', 'ECONNREFUSED', 1],
      ['tcp://a:1', 'ECONNREFUSED', 2],
    ],
  );
  // seq orders rows by their latest occurrence.
  assert.ok(rows[0].seq < rows[1].seq && rows[1].seq < rows[2].seq);
});

test('rows stay bounded: the row seen longest ago goes first', () => {
  const fold = new EventFold(3);
  for (let i = 0; i < 1000; i++) fold.add({ type: 'accept', address: 'tcp://x:1', reason: `peer ${i}`, ts: i });
  assert.equal(fold.size, 3);
  assert.equal(fold.total, 1000);
  assert.deepEqual(
    fold.list().map((r) => r.reason),
    ['peer 997', 'peer 998', 'peer 999'],
  );
  assert.throws(() => new EventFold(0), RangeError);
});

test('the UI merge replaces rows by key, orders by seq, keeps the newest and ignores stale copies', () => {
  const fold = new EventFold(10);
  const a1 = { ...fold.add({ type: 'connect:retry', address: 'tcp://a:1', ts: 1 }) };
  const b1 = { ...fold.add({ type: 'bind', address: 'tcp://b:1', ts: 2 }) };
  let ui = mergeFolded([], [a1, b1], 10);
  const a2 = { ...fold.add({ type: 'connect:retry', address: 'tcp://a:1', ts: 3 }) };
  ui = mergeFolded(ui, [a2], 10);
  assert.deepEqual(
    ui.map((r) => [r.type, r.count]),
    [
      ['bind', 1],
      ['connect:retry', 2],
    ],
  );
  // An older copy arriving late does not undo the newer count.
  ui = mergeFolded(ui, [a1], 10);
  assert.equal(ui.find((r) => r.key === a1.key)!.count, 2);
  for (let i = 0; i < 50; i++) ui = mergeFolded(ui, [{ ...fold.add({ type: 'accept', reason: String(i), ts: 10 + i }) }], 5);
  assert.equal(ui.length, 5);
  assert.equal(ui[4].reason, '49');
});
