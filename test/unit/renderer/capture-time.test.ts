// The capture view's time formats: microseconds that carry into the next second, durations, plurals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockTime, count, fullTime, seconds } from '../../../src/renderer/src/capture/time.js';

test('wall-clock times keep six digits of microseconds and carry a rounded-up second', () => {
  const base = Date.UTC(2026, 11, 2, 11, 22, 41) / 1000;
  assert.match(clockTime(base + 0.000123), /^\d\d:\d\d:41\.000123$/);
  assert.match(clockTime(base + 0.9999996), /^\d\d:\d\d:42\.000000$/);
  assert.match(clockTime(base + 0.5), /^\d\d:\d\d:41\.500000$/);
  assert.match(fullTime(base + 0.000007), /\(2026-12-02 11:22:41\.000007 UTC\)$/);
});

test('durations to the microsecond and counted units', () => {
  assert.equal(seconds(0), '0.000000');
  assert.equal(seconds(0.0000125), '0.000013');
  assert.equal(seconds(12.5), '12.500000');
  assert.equal(count(1, 'byte'), '1 byte');
  assert.equal(count(0, 'byte'), '0 bytes');
  assert.equal(count(1500, 'frame'), '1,500 frames');
});
