import { test } from "node:test";
import assert from "node:assert/strict";
import { CLIP_MAX_MS, TURNS_PLAYED, enrolledText, longestTurns, turnsOf, voiceChoices } from "../../audiolab/ui/static/editor/speakers.js";

const seg = (id, start, end, speaker_id) => ({ id, start, end, speaker_id });

test("a turn is a run of one speaker's segments that nobody else interrupts and no long pause splits", () => {
  const segs = [
    seg("a1", 0, 1000, "A"), seg("a2", 1500, 3000, "A"),  // 500 ms apart: one turn
    seg("b1", 3100, 4000, "B"),                          // B speaks: A's next segment starts a new turn
    seg("a3", 4100, 5000, "A"), seg("a4", 6000, 7000, "A"),  // 1000 ms apart: two turns
    seg("n", 7100, 7500, null),
  ];
  assert.deepEqual(turnsOf(segs, "A"), [{ start: 0, end: 3000 }, { start: 4100, end: 5000 }, { start: 6000, end: 7000 }]);
  assert.deepEqual(turnsOf(segs, "B"), [{ start: 3100, end: 4000 }]);
  assert.deepEqual(turnsOf(segs, "C"), []);
  // unsorted input and an overlapping segment inside the turn
  assert.deepEqual(turnsOf([seg("x", 2000, 2500, "A"), seg("y", 0, 3000, "A")], "A"), [{ start: 0, end: 3000 }]);
});

test("the play button plays the longest turns, longest first, each cut to the clip length", () => {
  const segs = [seg("a", 0, 2000, "A"), seg("b", 2100, 2300, "B"), seg("c", 3000, 12000, "A"), seg("d", 12100, 12200, "B"),
                seg("e", 13000, 16000, "A"), seg("f", 16100, 16200, "B"), seg("g", 17000, 17500, "A"), seg("h", 18000, 19000, "B"),
                seg("i", 20000, 22000, "A")];
  const got = longestTurns(segs, "A");
  assert.equal(TURNS_PLAYED, 3);
  assert.deepEqual(got, [{ start: 3000, end: 3000 + CLIP_MAX_MS }, { start: 13000, end: 16000 }, { start: 0, end: 2000 }]);
  // ties: the earlier one; n and the clip length are parameters
  assert.deepEqual(longestTurns(segs, "A", 2, 1000), [{ start: 3000, end: 4000 }, { start: 13000, end: 14000 }]);
  assert.deepEqual(longestTurns(segs, "Z"), []);
  assert.deepEqual(longestTurns([seg("p", 0, 500, "A"), seg("q", 900, 1000, "B"), seg("r", 2000, 2500, "A")], "A", 1), [{ start: 0, end: 500 }]);
});

test("'this is…' offers every enrolled name but the one the speaker carries", () => {
  const names = ["Alice", "Bob"];
  assert.deepEqual(voiceChoices(names, { name: "" }), ["Alice", "Bob"]);
  assert.deepEqual(voiceChoices(names, { name: "Alice " }), ["Bob"]);
  assert.deepEqual(voiceChoices([], { name: "" }), []);
  assert.deepEqual(voiceChoices(names, null), ["Alice", "Bob"]);
});

test("the toast after enrolling says how much speech of what kind", () => {
  assert.equal(enrolledText({ name: "Alice", project: "default", speech_ms: 11234, segments: 5, source: "all" }),
               "Enrolled Alice’s voice for project default: 11.2 s of speech from 5 segments (none or too few checked).");
  assert.equal(enrolledText({ name: "Bo", project: "p", speech_ms: 4000, segments: 1, source: "checked" }),
               "Enrolled Bo’s voice for project p: 4.0 s of speech from 1 segment a person checked.");
});
