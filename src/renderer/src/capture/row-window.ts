// Which rows of a fixed-row-height list to draw for a scroll position, and where to put them. Browsers cap
// an element's height (Chromium at ~33.5 million px, Firefox at ~17.9 million), which a few hundred
// thousand rows reach: beyond MAX_SCROLL_HEIGHT the scrollable height stays capped and scroll positions
// map proportionally onto rows, so every row of any capture stays reachable by scrolling and keys.
// Pure functions (no DOM), so they are tested in plain Node.

export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface RowWindow {
  /** Height of the scrolled content, in px. */
  height: number;
  /** First and last row to draw (inclusive); last < first when there are none. */
  first: number;
  last: number;
  /** Offset of row `i` from the top of the content, in px. */
  top(i: number): number;
}

interface Geometry {
  /** Rows in the list. */
  total: number;
  rowHeight: number;
  /** Visible height of the scrolling element, in px. */
  viewport: number;
}

/** The scroll ranges: real (the element's) and virtual (all rows at full height). */
function ranges({ total, rowHeight, viewport }: Geometry) {
  const full = total * rowHeight;
  const height = Math.min(full, MAX_SCROLL_HEIGHT);
  return { height, scrollRange: Math.max(0, height - viewport), virtualRange: Math.max(0, full - viewport) };
}

export function rowWindow(g: Geometry, scrollTop: number, overscan: number): RowWindow {
  const { height, scrollRange, virtualRange } = ranges(g);
  const top = Math.min(Math.max(0, scrollTop), scrollRange);
  // The virtual pixel at the top of the viewport.
  const offset = scrollRange > 0 ? top * (virtualRange / scrollRange) : 0;
  const first = Math.max(0, Math.floor(offset / g.rowHeight) - overscan);
  const last = Math.min(g.total - 1, Math.ceil((offset + g.viewport) / g.rowHeight) + overscan);
  return { height, first, last, top: (i) => top + i * g.rowHeight - offset };
}

/**
 * The scrollTop that shows row `index`: at the top ('start'), at the bottom ('end'), or ('nearest') not
 * moving when it is fully visible already and otherwise scrolling the least.
 */
export function scrollTopFor(g: Geometry, index: number, align: 'start' | 'end' | 'nearest', currentTop: number): number {
  const { scrollRange, virtualRange } = ranges(g);
  if (scrollRange === 0) return 0;
  const scale = virtualRange / scrollRange;
  const rowTop = index * g.rowHeight;
  const rowBottom = rowTop + g.rowHeight;
  let offset: number;
  if (align === 'start') offset = rowTop;
  else if (align === 'end') offset = rowBottom - g.viewport;
  else {
    const now = Math.min(Math.max(0, currentTop), scrollRange) * scale;
    if (rowTop >= now && rowBottom <= now + g.viewport) return currentTop;
    offset = rowTop < now ? rowTop : rowBottom - g.viewport;
  }
  // Rounded towards showing the whole row: scaled positions fall between scroll pixels.
  const target = align === 'end' || (align === 'nearest' && offset !== rowTop) ? Math.ceil(offset / scale) : Math.floor(offset / scale);
  return Math.min(Math.max(0, target), scrollRange);
}
