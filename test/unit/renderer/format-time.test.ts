// The workbench's time format: one cached formatter, the second's text reused, milliseconds always right.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtTime } from '../../../src/renderer/src/format.js';

test('fmtTime gives local HH:MM:SS.mmm, 00 after midnight, and the right milliseconds within a cached second', () => {
  const midnight = new Date(2026, 0, 1, 0, 5, 3, 0).getTime() / 1000;
  assert.equal(fmtTime(midnight + 0.412), '00:05:03.412');
  assert.equal(fmtTime(midnight + 0.007), '00:05:03.007');
  assert.equal(fmtTime(midnight + 0.9996), '00:05:04.000');
  const afternoon = new Date(2026, 5, 30, 23, 59, 59, 0).getTime() / 1000;
  assert.equal(fmtTime(afternoon + 0.999), '23:59:59.999');
  assert.equal(fmtTime(afternoon + 1), '00:00:00.000');
});
