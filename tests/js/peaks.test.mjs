import { test } from "node:test";
import assert from "node:assert/strict";
import { b64int8, chunkKey, gainFor, levelFor, neededChunks, peakAt } from "../../audiolab/ui/static/editor/peaks.js";

// Three levels of a 100 s recording: 10, 100 and 1000 ms per bin, 64 bins per chunk.
const LEVELS = [{ ms_per_bin: 10, bins: 10000, chunk: 64 }, { ms_per_bin: 100, bins: 1000, chunk: 64 },
                { ms_per_bin: 1000, bins: 100, chunk: 64 }];
const b64 = (bytes) => Buffer.from(Uint8Array.from(bytes)).toString("base64");

test("levelFor picks the coarsest level not coarser than the zoom", () => {
  assert.equal(levelFor(LEVELS, 5), 0);  // finer than every level: the finest
  assert.equal(levelFor(LEVELS, 10), 0);
  assert.equal(levelFor(LEVELS, 99), 0);
  assert.equal(levelFor(LEVELS, 100), 1);
  assert.equal(levelFor(LEVELS, 5000), 2);
  assert.equal(levelFor([], 100), 0);
});

test("neededChunks covers the range, clipped to the level", () => {
  assert.deepEqual(neededChunks(LEVELS, 0, 0, 640), [0, 1]);  // bin 64 starts chunk 1
  assert.deepEqual(neededChunks(LEVELS, 0, 0, 630), [0]);  // 639 ms rounds up into bin 64
  assert.deepEqual(neededChunks(LEVELS, 0, 1000, 2000), [1, 2, 3]);
  assert.deepEqual(neededChunks(LEVELS, 1, -500, 1e9), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  assert.deepEqual(neededChunks(LEVELS, 2, 0, 100000), [0, 1]);
  assert.deepEqual(neededChunks(LEVELS, 7, 0, 10), []);
});

test("b64int8 decodes signed bytes", () => {
  assert.deepEqual([...b64int8(b64([0, 1, 127, 128, 200, 255]))], [0, 1, 127, -128, -56, -1]);
  assert.equal(b64int8("").length, 0);
});

test("peakAt takes min and max over bins across chunks, skipping missing ones", () => {
  const lv = [{ ms_per_bin: 10, bins: 6, chunk: 4 }];
  const chunks = new Map([[chunkKey(0, 0), Int8Array.from([-10, 20, -30, 5, 0, 0, -1, 1])],
                          [chunkKey(0, 1), Int8Array.from([-127, 127, -2, 64])]]);
  assert.deepEqual(peakAt(lv, chunks, 0, 0, 1, 1), [-30 / 127, 20 / 127]);
  assert.deepEqual(peakAt(lv, chunks, 0, 3, 4, 1), [-1, 1]);
  assert.deepEqual(peakAt(lv, chunks, 0, 5, 99, 1), [-2 / 127, 64 / 127]);  // stops at the last bin
  assert.deepEqual(peakAt(lv, chunks, 0, 0, 1, 8), [-1, 1]);  // gain, clipped to -1..1
  chunks.delete(chunkKey(0, 1));
  assert.equal(peakAt(lv, chunks, 0, 4, 5, 1), null);
});

test("gainFor lifts quiet recordings to 90 % of full scale, at most 8x", () => {
  const lv = [{ ms_per_bin: 1000, bins: 4, chunk: 2 }];
  const loud = new Map([[chunkKey(0, 0), Int8Array.from([-127, 127, 0, 0])]]);
  assert.ok(Math.abs(gainFor(lv, loud) - 0.9) < 1e-12);
  const quiet = new Map([[chunkKey(0, 0), Int8Array.from([-10, 5, 0, 0])], [chunkKey(0, 1), Int8Array.from([0, 30, -2, 2])]]);
  assert.equal(gainFor(lv, quiet), 0.9 * 127 / 30);
  assert.equal(gainFor(lv, new Map([[chunkKey(0, 0), Int8Array.from([1, 1, 1, 1])]])), 8);
  assert.equal(gainFor([], new Map()), 8);
});
