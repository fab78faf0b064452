// The record table's row window: exact below the browsers' height cap, proportional above it, and
// every row reachable (first, last, any in between) by the scroll positions scrollTopFor gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SCROLL_HEIGHT, rowWindow, scrollTopFor } from '../../../src/renderer/src/capture/row-window.js';

const RH = 26;
const VIEW = 900;

test('small lists: content height is rows x height, rows sit at index x height', () => {
  const g = { total: 1000, rowHeight: RH, viewport: VIEW };
  const w = rowWindow(g, 2600, 0);
  assert.equal(w.height, 26000);
  assert.equal(w.first, 100);
  assert.equal(w.top(100), 2600);
  assert.equal(w.last, 100 + Math.ceil(VIEW / RH));
  assert.equal(rowWindow(g, 0, 5).first, 0, 'overscan never goes below row 0');
  assert.equal(rowWindow(g, 1e9, 5).last, 999, 'nor past the last row; scrollTop beyond the range is clamped');
});

for (const total of [300_000, 1_300_000, 5_000_000, 40_000_000]) {
  test(`${total.toLocaleString('en-US')} rows: capped height, and every probed row is fully visible where scrollTopFor puts it`, () => {
    const g = { total, rowHeight: RH, viewport: VIEW };
    const w0 = rowWindow(g, 0, 0);
    assert.equal(w0.height, Math.min(total * RH, MAX_SCROLL_HEIGHT));
    const scale = Math.max(1, (total * RH - VIEW) / (w0.height - VIEW));
    const probes = [0, 1, Math.floor(total / 3), Math.floor(total / 2) + 7, total - 2, total - 1];
    for (const index of probes) {
      for (const align of ['start', 'end', 'nearest'] as const) {
        const top = scrollTopFor(g, index, align, 0);
        assert.ok(top >= 0 && top <= w0.height - VIEW, `${index} ${align}: scrollTop ${top} in range`);
        const w = rowWindow(g, top, 0);
        assert.ok(index >= w.first && index <= w.last, `${index} ${align}: drawn (${w.first}..${w.last})`);
        const y = w.top(index) - top; // position inside the viewport
        assert.ok(y >= -1e-6 && y + RH <= VIEW + 1e-6, `${index} ${align}: fully visible at ${y}`);
        // Rows within a screen of either end cannot move to the far edge (the scroll range ends), and one
        // scroll pixel moves `scale` virtual pixels, which beyond 8 million rows is more than a row.
        const slack = Math.max(RH, scale + 1);
        if (align === 'start' && (total - index) * RH >= VIEW) assert.ok(y < slack, `${index}: at the top (y ${y})`);
        if (align === 'end' && (index + 1) * RH >= VIEW) assert.ok(y + RH > VIEW - slack, `${index}: at the bottom (y ${y})`);
      }
    }
    // Rows are drawn one row-height apart, in order, covering the viewport.
    const mid = rowWindow(g, Math.floor((w0.height - VIEW) / 2), 0);
    for (let i = mid.first; i < mid.last; i++) assert.equal(mid.top(i + 1) - mid.top(i), RH);
    // Scrolling to the very bottom shows the last row.
    assert.equal(rowWindow(g, w0.height, 0).last, total - 1);
  });
}

test("'nearest' does not move when the row is already fully visible", () => {
  const g = { total: 2_000_000, rowHeight: RH, viewport: VIEW };
  const top = scrollTopFor(g, 1_000_000, 'start', 0);
  assert.equal(scrollTopFor(g, 1_000_005, 'nearest', top), top);
  assert.notEqual(scrollTopFor(g, 1_000_100, 'nearest', top), top);
});
