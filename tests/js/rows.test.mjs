import { test } from "node:test";
import assert from "node:assert/strict";
import { rowAt, rowOffsets, rowWindow, scrollToRow, spacers } from "../../audiolab/ui/static/editor/rows.js";

const heights = [40, 60, 50, 50, 100];
const off = rowOffsets(heights.length, (i) => heights[i]);

test("rowOffsets are the running sum of heights", () => {
  assert.deepEqual([...off], [0, 40, 100, 150, 200, 300]);
  assert.deepEqual([...rowOffsets(0, () => 1)], [0]);
});

test("rowAt finds the row covering a y", () => {
  assert.equal(rowAt(off, 0), 0);
  assert.equal(rowAt(off, 39.9), 0);
  assert.equal(rowAt(off, 40), 1);
  assert.equal(rowAt(off, 149), 2);
  assert.equal(rowAt(off, 299), 4);
  assert.equal(rowAt(off, 5000), 4);
  assert.equal(rowAt(off, -10), 0);
  assert.equal(rowAt(rowOffsets(0, () => 1), 10), 0);
});

test("rowWindow: the rows in view plus a margin, widened to the row being edited", () => {
  const n = 1000, big = rowOffsets(n, () => 50);
  assert.deepEqual(rowWindow(big, 0, 500, { margin: 30, pad: 4, keep: undefined }), [0, 40]);
  assert.deepEqual(rowWindow(big, 5004, 500, { margin: 30, pad: 4, keep: undefined }), [70, 140]);
  assert.deepEqual(rowWindow(big, 5004, 500, { margin: 30, pad: 4, keep: 900 }), [70, 900]);
  assert.deepEqual(rowWindow(big, 5004, 500, { margin: 30, pad: 4, keep: 3 }), [3, 140]);
  assert.deepEqual(rowWindow(big, 1e9, 500, { margin: 30, pad: 4, keep: undefined }), [969, 999]);
});

test("spacers stand for the rows outside the window", () => {
  assert.deepEqual(spacers(off, 1, 3), [40, 100]);
  assert.deepEqual(spacers(off, 0, 4), [0, 0]);
});

test("scrollToRow scrolls the least that shows the row", () => {
  assert.equal(scrollToRow(off, 2, 50, 0, 200, 4), null);  // in view
  assert.equal(scrollToRow(off, 0, 40, 100, 200, 4), 4);  // above: its top at the pane's top
  assert.equal(scrollToRow(off, 4, 100, 0, 200, 4), 104);  // below: its bottom at the pane's bottom
});
