// Times written digit by digit must be the very text JSON.stringify gives, or not written at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeMicroTime } from '../../../core/inspect/number-text.js';
import { prng } from '../../helpers/random.js';

function text(x: number): string | undefined {
  const b = Buffer.alloc(32);
  const end = writeMicroTime(b, 0, x);
  return end < 0 ? undefined : b.toString('latin1', 0, end);
}

test('capture times and latencies in microseconds are written as JSON.stringify writes them', () => {
  const random = prng(13);
  let written = 0;
  const samples: number[] = [0, -0, 0.000001, 1, 1048575.999999, 1048576, 1365746520.006999, 1796214121.502729, 4294967295.999999];
  for (let i = 0; i < 200000; i++) {
    const sec = Math.floor(random() * 2 ** 32);
    const usec = Math.floor(random() * 1e6);
    samples.push(sec + (usec * 1000) / 1e9); // how packet times are made
    samples.push(Math.round(random() * 0.5 * 1e6) / 1e6); // how latencies are rounded
    samples.push(usec / 1e6, sec / 1e6);
  }
  for (const x of samples) {
    const t = text(x);
    if (t === undefined) continue;
    written++;
    assert.equal(t, JSON.stringify(x), `for ${x}`);
  }
  assert.ok(written > samples.length * 0.9, `most samples take the digit path (${written} of ${samples.length})`);
});

test('values that are not whole microseconds, or out of range, are left to String()', () => {
  const random = prng(7);
  for (let i = 0; i < 100000; i++) {
    const x = 1796214121 + Math.floor(random() * 1e9) / 1e9; // nanosecond capture times
    const t = text(x);
    if (t !== undefined) assert.equal(t, JSON.stringify(x));
  }
  for (const x of [1e-7, 0.0000005, 4294967296, 2 ** 40 + 0.5, -1, NaN, Infinity, 1.1234567]) assert.equal(text(x), undefined, `for ${x}`);
});
