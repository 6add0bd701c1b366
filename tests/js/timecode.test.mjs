import { test } from "node:test";
import assert from "node:assert/strict";
import { tcToFrames, timecode } from "../../audiolab/ui/static/editor/timecode.js";

const video = (o) => ({ fps_num: 25, fps_den: 1, drop_frame: false, start_offset_ms: 0, start_timecode: null, ...o });
const ntsc = (o) => video({ fps_num: 30000, fps_den: 1001, drop_frame: true, ...o });
// media time (ms) at which frame f of a fps_num/fps_den video starts
const at = (f, num, den) => (f * den * 1000) / num;

test("25 fps non-drop", () => {
  assert.equal(timecode(0, video()), "00:00:00:00");
  assert.equal(timecode(39, video()), "00:00:00:00");
  assert.equal(timecode(40, video()), "00:00:00:01");
  assert.equal(timecode(1440, video()), "00:00:01:11");
  assert.equal(timecode(3723040, video()), "01:02:03:01");
});

test("29.97 drop-frame skips ;00 and ;01 each minute but every tenth", () => {
  assert.equal(timecode(at(1799, 30000, 1001), ntsc()), "00:00:59;29");
  assert.equal(timecode(at(1800, 30000, 1001), ntsc()), "00:01:00;02");
  assert.equal(timecode(at(17982, 30000, 1001), ntsc()), "00:10:00;00");  // minute 10 keeps ;00
  assert.equal(timecode(at(17982 + 1800, 30000, 1001), ntsc()), "00:11:00;02");
  assert.equal(timecode(at(107892, 30000, 1001), ntsc()), "01:00:00;00");  // an hour is 107892 frames
});

test("59.94 drop-frame drops four numbers", () => {
  assert.equal(timecode(at(3600, 60000, 1001), ntsc({ fps_num: 60000 })), "00:01:00;04");
});

test("a start timecode is added and the label wraps at 24 h", () => {
  assert.equal(timecode(1000, video({ start_timecode: "10:00:00:00" })), "10:00:01:00");
  assert.equal(timecode(2000, video({ start_timecode: "23:59:59:00" })), "00:00:01:00");
  assert.equal(timecode(at(1800, 30000, 1001), ntsc({ start_timecode: "01:00:00;00" })), "01:01:00;02");
});

test("the first frame's media time shifts the count; earlier times show frame 0", () => {
  assert.equal(timecode(540, video({ start_offset_ms: 500 })), "00:00:00:01");
  assert.equal(timecode(100, video({ start_offset_ms: 500 })), "00:00:00:00");
  assert.equal(timecode(700, video({ start_offset_ms: -500 })), "00:00:01:05");
});

test("tcToFrames reads timecodes and falls back to 0", () => {
  assert.equal(tcToFrames("00:01:00:00", 25, 0), 1500);
  assert.equal(tcToFrames("00:01:00;02", 30, 2), 1800);
  assert.equal(tcToFrames("01:00:00;00", 30, 2), 107892);
  assert.equal(tcToFrames("garbage", 25, 0), 0);
  assert.equal(tcToFrames(null, 25, 0), 0);
});
