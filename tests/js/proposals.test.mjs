import { test } from "node:test";
import assert from "node:assert/strict";
import { CANDIDATE, isProposal, isSuggestion, nextProposal, originText, parseThreshold, proposals, runSummary, suggestionsAbove, tagText }
  from "../../audiolab/ui/static/editor/proposals.js";
import { dispatch } from "../../audiolab/ui/static/editor/keymap.js";

const tag = (id, start, end, o = {}) => ({ id, kind: "sound_event", start, end, label: CANDIDATE, origin: "machine", confidence: 0.5, version: 1, ...o });
const human = (id, start, end, label = "dog") => tag(id, start, end, { origin: "human", label, confidence: null });

test("proposals are the machine's tags; a suggestion is one with a label other than ?", () => {
  assert.equal(isProposal(tag("a", 0, 10)), true);
  assert.equal(isSuggestion(tag("a", 0, 10)), false);
  assert.equal(isSuggestion(tag("a", 0, 10, { label: "dog" })), true);
  assert.equal(isProposal(human("h", 0, 10)), false);
  assert.equal(isSuggestion(human("h", 0, 10)), false);
  assert.equal(isProposal(null), false);
  assert.equal(isProposal({ id: "old", label: "dog" }), false);  // a tag from before origins were sent: a person's
});

test("the lane writes a suggestion with its score, a candidate as ?, a person's tag by its label", () => {
  assert.equal(tagText(tag("a", 0, 10, { label: "dog", confidence: 0.8312 })), "dog 0.83");
  assert.equal(tagText(tag("a", 0, 10, { confidence: 0.4 })), "?");
  assert.equal(tagText(human("h", 0, 10, "car horn")), "car horn");
  assert.equal(tagText(tag("a", 0, 10, { label: "dog", confidence: null })), "dog");
});

test("next / previous proposal: from the selected one, else from the playhead, wrapping; people's tags and emotions are skipped", () => {
  const tags = [tag("c", 9000, 9500), human("h", 500, 800), tag("a", 1000, 1500), { ...tag("emo", 2000, 3000), kind: "emotion" }, tag("b", 4000, 4200)];
  assert.deepEqual(proposals(tags).map((t) => t.id), ["a", "b", "c"]);
  assert.equal(nextProposal(tags, null, 0, 1).id, "a");
  assert.equal(nextProposal(tags, null, 1000, 1).id, "a");  // one starting at the playhead is next
  assert.equal(nextProposal(tags, null, 1001, 1).id, "b");
  assert.equal(nextProposal(tags, null, 9999, 1).id, "a");  // wraps
  assert.equal(nextProposal(tags, null, 4100, -1).id, "b");
  assert.equal(nextProposal(tags, null, 500, -1).id, "c");  // wraps back
  assert.equal(nextProposal(tags, "a", 99999, 1).id, "b");  // the selection wins over the playhead
  assert.equal(nextProposal(tags, "c", 0, 1).id, "a");
  assert.equal(nextProposal(tags, "a", 0, -1).id, "c");
  assert.equal(nextProposal(tags, "h", 600, 1).id, "a");  // a person's tag selected: from the playhead
  assert.equal(nextProposal([human("h", 0, 10)], null, 0, 1), null);
});

test("accept all takes the suggestions scoring at least the threshold, never candidates or people's tags", () => {
  const tags = [tag("s1", 0, 10, { label: "dog", confidence: 0.9 }), tag("s2", 20, 30, { label: "bird", confidence: 0.6 }),
                tag("s3", 40, 50, { label: "horn", confidence: 0.59 }), tag("c", 60, 70, { confidence: 0.99 }), human("h", 80, 90)];
  assert.deepEqual(suggestionsAbove(tags, 0.6).map((t) => t.id), ["s1", "s2"]);
  assert.deepEqual(suggestionsAbove(tags, 0).map((t) => t.id), ["s1", "s2", "s3"]);
  assert.deepEqual(suggestionsAbove(tags, 0.95), []);
});

test("a threshold is a score from 0 to 1 or a percentage", () => {
  assert.equal(parseThreshold("0.7"), 0.7);
  assert.equal(parseThreshold(" 0,75 "), 0.75);
  assert.equal(parseThreshold(".5"), 0.5);
  assert.equal(parseThreshold("70%"), 0.7);
  assert.equal(parseThreshold("70"), 0.7);
  assert.equal(parseThreshold("1"), 1);
  assert.equal(parseThreshold("0"), 0);
  for (const bad of ["", "abc", "-0.2", "150", "0.5.5", null, undefined]) assert.equal(parseThreshold(bad), null, String(bad));
});

test("a run's toast counts what it proposed", () => {
  assert.equal(runSummary("detect_events", { tags: [tag("a", 0, 1), tag("b", 2, 3)], deleted: [] }),
               "2 sound-event candidates found: E / Q step through them.");
  assert.equal(runSummary("detect_events", { tags: [] }), "No sound event found outside what is tagged.");
  assert.equal(runSummary("suggest_events", { tags: [tag("a", 0, 1, { label: "dog" }), tag("b", 2, 3)] }),
               "1 suggestion, 1 candidate left “?” (nothing similar enough).");
  assert.match(runSummary("suggest_events", { tags: [] }), /^No candidate to label/);
});

test("the proposal keys dispatch: E / Q step, A accepts, D dismisses, Alt+letter goes to the sound-event hotkey", () => {
  const calls = [];
  const app = new Proxy({}, { get: (_, name) => (...args) => { calls.push([name, ...args]); return true; } });
  const key = (k, o = {}) => ({ key: k, code: "Key" + k.toUpperCase(), ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...o });
  for (const k of ["e", "q", "a", "d"]) assert.equal(dispatch("editor", key(k), app), true, k);
  dispatch("editor", key("ð", { code: "KeyD", altKey: true }), app);
  assert.deepEqual(calls, [["stepProposal", 1], ["stepProposal", -1], ["acceptProposal"], ["rejectProposal"], ["eventHotkey", "d"]]);
});

test("the inspector says where a proposal comes from, with its score; a person's tag has no such line", () => {
  assert.equal(originText(tag("s", 0, 10, { label: "dog", confidence: 0.8312 })), "machine suggestion, score 0.83");
  assert.equal(originText(tag("c", 0, 10, { confidence: 0.55 })), "machine candidate, detection score 0.55");
  assert.equal(originText(tag("c", 0, 10, { confidence: null })), "machine candidate");
  assert.equal(originText(human("h", 0, 10)), null);
});
