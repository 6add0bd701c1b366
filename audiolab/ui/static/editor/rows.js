// Geometry of the virtualized transcript list (pure): where each row starts, which rows cover a
// scroll position, which rows to build around the visible part, and the spacers' heights.

// Row tops as a Float64Array of n + 1 values (the last is the total height).
export function rowOffsets(n, heightOf) {
  const off = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) off[i + 1] = off[i] + heightOf(i);
  return off;
}

// Index of the row covering y (px from the top of the first row); 0 for an empty list.
export function rowAt(off, y) {
  let lo = 0, hi = off.length - 2;
  while (lo < hi) { const m = (lo + hi + 1) >> 1; if (off[m] <= y) lo = m; else hi = m - 1; }
  return lo;
}

// First and last row to build for a pane scrolled to `scrollTop` and `height` px high: the rows in
// view (the pane's top padding `pad` aside) and `margin` more either side, widened to row `keep`.
export function rowWindow(off, scrollTop, height, { margin, pad, keep }) {
  const n = off.length - 1, top = Math.max(0, scrollTop - pad);
  let a = Math.max(0, rowAt(off, top) - margin), b = Math.min(n - 1, rowAt(off, top + height) + margin);
  if (keep !== undefined) { a = Math.min(a, keep); b = Math.max(b, keep); }
  return [a, b];
}

// Heights of the spacers above row a and below row b.
export function spacers(off, a, b) {
  return [off[a], off[off.length - 1] - off[b + 1]];
}

// The scrollTop that brings row i (h px high) into a pane `height` px high, or null if it is in view.
export function scrollToRow(off, i, h, scrollTop, height, pad) {
  const y = off[i] + pad;
  if (y < scrollTop) return y;
  if (y + h > scrollTop + height) return y + h - height;
  return null;
}
