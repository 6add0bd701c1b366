import { test } from "node:test";
import assert from "node:assert/strict";
import { EDGE_PX, GUTTER, LANE_H, WAVE_H, hexA, hit, laneAt, laneY, niceStep, t2x, x2t } from "../../audiolab/ui/static/editor/geometry.js";
import { LUT, specPixels } from "../../audiolab/ui/static/editor/spectrogram.js";

const view = { start: 10000, mpp: 20, width: 800, lanes: [{ kind: "speaker", id: "a" }, { kind: "sound_event" }, { kind: "emotion" }] };

test("time and x are inverse, the gutter is left of time", () => {
  assert.equal(t2x(view, 10000), GUTTER);
  assert.equal(x2t(view, GUTTER + 50), 11000);
  assert.equal(x2t(view, t2x(view, 12345)), 12345);
});

test("lanes and hits: an edge within EDGE_PX grabs it, inside selects, empty lane space creates", () => {
  const segs = [{ id: "s1", start: 11000, end: 12000, speaker_id: "a" }];
  const tags = [{ id: "t1", kind: "emotion", start: 10000, end: 20000 }];
  const y0 = laneY(0) + LANE_H / 2;
  assert.equal(laneAt(y0, 3), 0);
  assert.equal(laneAt(WAVE_H / 2, 3), -1);
  assert.equal(laneAt(laneY(3) + 1, 3), -1);
  assert.deepEqual(hit(view, segs, tags, t2x(view, 11000) + EDGE_PX, y0), { type: "segment", o: segs[0], row: 0, rows: 1, edge: "start", lane: 0 });
  assert.equal(hit(view, segs, tags, t2x(view, 12000) - 2, y0).edge, "end");
  assert.deepEqual(hit(view, segs, tags, t2x(view, 11500), y0), { type: "segment", o: segs[0], row: 0, rows: 1, edge: null, lane: 0 });
  assert.deepEqual(hit(view, segs, tags, t2x(view, 15000), y0), { type: null, lane: 0 });
  assert.equal(hit(view, segs, tags, t2x(view, 15000), laneY(2) + 3).o, tags[0]);
  assert.equal(hit(view, segs, tags, 300, 10), null);  // on the waveform
});

test("ruler steps and colours", () => {
  assert.equal(niceStep(1), 100);
  assert.equal(niceStep(20), 2000);
  assert.equal(niceStep(1e6), 3600000);
  assert.equal(hexA("#ff8000", 0.5), "rgba(255,128,0,0.5)");
  assert.equal(hexA("red", 1), "rgba(138,147,166,1)");
});

test("spectrogram pixels: the lowest band at the bottom, coloured through the LUT", () => {
  // 2 columns, 3 bands; the server sends band 0 (lowest) first
  const bin = String.fromCharCode(0, 1, 100, 101, 255, 254);
  const px = specPixels(bin, 2, 3);
  const at = (x, y) => [...px.slice((y * 2 + x) * 4, (y * 2 + x) * 4 + 4)];
  const lut = (v) => [LUT[v * 3], LUT[v * 3 + 1], LUT[v * 3 + 2], 255];
  assert.deepEqual(at(0, 0), lut(255));  // top row: the highest band
  assert.deepEqual(at(1, 2), lut(1));
  assert.deepEqual(at(0, 1), lut(100));
  assert.deepEqual(lut(0), [0, 0, 4, 255]);
  assert.deepEqual(lut(255), [252, 253, 191, 255]);
});
