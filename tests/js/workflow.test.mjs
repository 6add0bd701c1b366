// The pure parts of the keyboard-first workflow (issue 15): boundaries, jumps, a new region's
// speaker, lanes with overlapping regions, the gutter, text tokens, turns, vocabulary hotkeys,
// and what the store says an edit created.
import { test } from "node:test";
import assert from "node:assert/strict";
import { movedEdge, nextMatching, speakerAround, WANT } from "../../audiolab/ui/static/editor/commands.js";
import { GUTTER, GUTTER_MAX, LANE_H, gutterFor, hit, laneLayout, laneY, packRows, rowBox, t2x, x2t } from "../../audiolab/ui/static/editor/geometry.js";
import { hotkeyClash } from "../../audiolab/ui/static/editor/panels.js";
import { createStore } from "../../audiolab/ui/static/editor/store.js";
import { startsTurn, tokenRanges } from "../../audiolab/ui/static/editor/transcript.js";

const seg = (id, start, end, o = {}) => ({ id, start, end, text: id, speaker_id: "a", version: 1, status: "draft", tier_id: "t", words: [], flags: [], ...o });

test("movedEdge sets or moves a boundary, inside the recording and never past the other one", () => {
  const o = { start: 1000, end: 2000 };
  assert.deepEqual(movedEdge(o, "start", { at: 1234.4 }, 60000), [1234, 2000]);
  assert.deepEqual(movedEdge(o, "end", { at: 1800 }, 60000), [1000, 1800]);
  assert.deepEqual(movedEdge(o, "start", { delta: -10 }, 60000), [990, 2000]);
  assert.deepEqual(movedEdge(o, "end", { delta: 100 }, 60000), [1000, 2100]);
  assert.deepEqual(movedEdge({ start: 5, end: 900 }, "start", { delta: -100 }, 60000), [0, 900]);
  assert.deepEqual(movedEdge({ start: 100, end: 59950 }, "end", { delta: 100 }, 60000), [100, 60000]);
  assert.match(movedEdge(o, "start", { at: 2500 }, 60000), /cannot go past the end/);
  assert.match(movedEdge(o, "end", { at: 1005 }, 60000), /cannot go before the start/);
});

test("nextMatching wraps around; unreviewed and flagged segments", () => {
  const segs = [seg("a", 0, 1, { status: "reviewed" }), seg("b", 1, 2), seg("c", 2, 3, { status: "reviewed" }),
                seg("d", 3, 4, { flags: ["overlap"] }), seg("e", 4, 5, { words: [[4, 5, "hm", 0.2]] })];
  assert.equal(nextMatching(segs, 0, WANT.unreviewed).id, "b");
  assert.equal(nextMatching(segs, 1, WANT.unreviewed).id, "d");
  assert.equal(nextMatching(segs, -1, WANT.flagged).id, "d");
  assert.equal(nextMatching(segs, 3, WANT.flagged).id, "e");
  assert.equal(nextMatching(segs, 4, WANT.flagged).id, "d");  // wraps
  assert.equal(nextMatching(segs.slice(0, 1), 0, WANT.unreviewed), null);
});

test("a new segment from a range gets the selected segment's speaker, else the one before it, else the first", () => {
  const speakers = [{ id: "a" }, { id: "b" }];
  const segs = [seg("x", 1000, 2000, { speaker_id: "b" }), seg("y", 5000, 6000, { speaker_id: "a" })];
  assert.equal(speakerAround(segs, speakers, segs[1], 3000), "a");
  assert.equal(speakerAround(segs, speakers, null, 3000), "b");
  assert.equal(speakerAround(segs, speakers, null, 500), "a");
  assert.equal(speakerAround([], [], null, 500), null);
});

test("packRows puts overlapping regions in rows of their own, touching ones in one row", () => {
  assert.deepEqual(packRows([{ start: 0, end: 10 }, { start: 0, end: 10 }, { start: 10, end: 20 }]), { row: [0, 1, 0], rows: [2, 2, 1], max: 2 });
  // 1 ms of overlap between a 6 and a 4 ms region is tolerated (boundaries set by hand); the third is inside the second
  assert.deepEqual(packRows([{ start: 5, end: 9 }, { start: 0, end: 6 }, { start: 7, end: 8 }]), { row: [0, 0, 1], rows: [2, 2, 2], max: 2 });
  // three emotions on one segment, and a lone one later: only the group is thinned
  const three = packRows([{ start: 0, end: 100 }, { start: 0, end: 100 }, { start: 0, end: 100 }, { start: 500, end: 600 }]);
  assert.deepEqual([three.row, three.rows, three.max], [[0, 1, 2, 0], [3, 3, 3, 1], 3]);
  assert.deepEqual(packRows([]), { row: [], rows: [], max: 1 });
});

test("of two touching regions, a press inside one takes its edge", () => {
  const view = { start: 0, mpp: 10, width: 1000, gutter: GUTTER, lanes: [{ kind: "speaker", id: "a" }] };
  const segs = [seg("l", 1000, 2000), seg("r", 2000, 3000)];
  const y = laneY(0) + LANE_H / 2, x = t2x(view, 2000);
  assert.deepEqual([hit(view, segs, [], x + 2, y).o.id, hit(view, segs, [], x + 2, y).edge], ["r", "start"]);
  assert.deepEqual([hit(view, segs, [], x - 2, y).o.id, hit(view, segs, [], x - 2, y).edge], ["l", "end"]);
  assert.deepEqual([hit(view, segs, [], x, y).o.id, hit(view, segs, [], x, y).edge], ["l", "end"]);  // exactly between: the earlier one's
  assert.equal(hit({ ...view, sel: "r" }, segs, [], x, y).o.id, "r");  // unless the other is selected
});

test("two emotions on one segment are drawn and hit in two rows of the lane", () => {
  const view = { start: 0, mpp: 10, width: 1000, gutter: GUTTER, lanes: [{ kind: "speaker", id: "a" }, { kind: "emotion" }] };
  const tags = [{ id: "h", kind: "emotion", start: 1000, end: 2000, label: "happy" }, { id: "s", kind: "emotion", start: 1000, end: 2000, label: "sad" }];
  const { regions } = laneLayout(view.lanes[1], [], tags);
  assert.deepEqual(regions.map((r) => [r.o.id, r.row, r.rows]), [["h", 0, 2], ["s", 1, 2]]);
  const [top0, h0] = rowBox(1, 0, 2), [top1] = rowBox(1, 1, 2);
  assert.equal(top1, top0 + h0);
  assert.ok(top0 >= laneY(1) && top1 + h0 <= laneY(1) + LANE_H);
  const x = t2x(view, 1500);
  assert.equal(hit(view, [], tags, x, top0 + 2).o.id, "h");
  assert.equal(hit(view, [], tags, x, top1 + 2).o.id, "s");
});

test("the gutter is as wide as the longest lane name needs, within bounds; times follow it", () => {
  const measure = (t) => t.length * 7;
  assert.equal(gutterFor(["1 Ann", "Emotions"], measure), GUTTER);
  assert.equal(gutterFor(["2 Sheila from Texas"], measure), 19 * 7 + 28);
  assert.equal(gutterFor(["x".repeat(200)], measure), GUTTER_MAX);
  const view = { start: 1000, mpp: 10, gutter: 150 };
  assert.equal(t2x(view, 1000), 150);
  assert.equal(x2t(view, 250), 2000);
  assert.equal(t2x({ start: 0, mpp: 10 }, 0), GUTTER);  // no gutter set: the least
});

test("tokenRanges and startsTurn", () => {
  assert.deepEqual(tokenRanges("  So I\nsaid"), [[2, 4], [5, 6], [7, 11]]);
  assert.deepEqual(tokenRanges(""), []);
  const segs = [seg("a", 0, 1), seg("b", 1, 2), seg("c", 2, 3, { speaker_id: "b" }), seg("d", 3, 4, { speaker_id: null }), seg("e", 4, 5, { speaker_id: undefined })];
  assert.deepEqual(segs.map((s, i) => startsTurn(segs, i)), [true, false, true, true, false]);
});

test("hotkeyClash names both labels and the key", () => {
  assert.equal(hotkeyClash([{ label: "happy", hotkey: "h" }, { label: "sad", hotkey: "d" }], "emotion"), null);
  assert.equal(hotkeyClash([{ label: "happy", hotkey: "h" }, { label: " hurt ", hotkey: "H" }], "emotion"),
               "the hotkey H (Shift+H) is taken by 'happy': choose another key for 'hurt'");
  assert.match(hotkeyClash([{ label: "music", hotkey: "m" }, { label: "moo", hotkey: "m" }], "sound_event"), /\(Alt\+M\)/);
  assert.equal(hotkeyClash([{ label: "a", hotkey: "" }, { label: "b", hotkey: "" }], "emotion"), null);
});

test("applyChanges says what an edit created; neighbour steps within the tier", () => {
  const store = createStore();
  store.load({ recording: { id: "r", duration: 60000 }, tier: { role: "work" }, user: "u", speakers: [], tags: [],
               vocab: { emotion: [], sound_event: [] }, peaks: [], can_undo: false, can_redo: false,
               segments: [seg("a", 0, 1000), seg("b", 2000, 3000), seg("o", 2500, 2600, { tier_id: "other" }), seg("c", 4000, 5000)] });
  const r = store.applyChanges({ segments: [seg("a", 0, 500, { version: 2 }), seg("n", 500, 1000)], tags: [{ id: "t1", kind: "emotion" }] });
  assert.deepEqual(r.created, ["n", "t1"]);
  const b = store.state.byId.get("b");
  assert.equal(store.neighbour(b, 1).id, "c");  // the other tier's segment is skipped
  assert.equal(store.neighbour(b, -1).id, "n");
  assert.equal(store.neighbour(store.state.byId.get("a"), -1), null);
  assert.equal(store.state.assignment, null);
});
