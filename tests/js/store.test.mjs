import { test } from "node:test";
import assert from "node:assert/strict";
import { bySpan, createStore, lanesFor, newer, ref } from "../../audiolab/ui/static/editor/store.js";

const seg = (id, start, end, o = {}) => ({ id, start, end, text: id, speaker_id: "a", version: 1, status: "draft", tier_id: "t", ...o });

function opened(segments, o = {}) {
  const store = createStore();
  store.load({ recording: { id: "r1", duration: 60000 }, tier: { role: "transcript" }, user: "ann", seq: 7,
               speakers: [{ id: "a", version: 1 }, { id: "b", version: 1 }], tags: [], vocab: { emotion: [], sound_event: [] },
               peaks: [], can_undo: false, can_redo: false, segments, ...o });
  return store;
}
const ids = (store) => store.state.segs.map((s) => s.id);
const inSync = (store) => {
  assert.equal(store.state.byId.size, store.state.segs.length);
  for (const s of store.state.segs) assert.equal(store.state.byId.get(s.id), s);
};

test("load sorts the segments and indexes them by id", () => {
  const store = opened([seg("c", 5000, 6000), seg("a", 1000, 2000), seg("b", 1000, 1500)]);
  assert.deepEqual(ids(store), ["b", "a", "c"]);
  assert.equal(store.state.seq, 7);
  inSync(store);
});

test("applyChanges creates, updates, deletes and re-sorts, keeping byId in sync", () => {
  const store = opened([seg("s1", 0, 1000), seg("s2", 2000, 3000), seg("s3", 4000, 5000)]);
  const s2 = store.state.byId.get("s2");
  let r = store.applyChanges({ segments: [seg("s2", 2000, 3000, { text: "new words", version: 2 })] });
  assert.equal(r.structural, false);  // same start and speaker: the row is refreshed, nothing rebuilt
  assert.deepEqual([...r.touched], ["s2"]);
  assert.equal(store.state.byId.get("s2"), s2);  // updated in place
  assert.equal(s2.text, "new words");
  r = store.applyChanges({ segments: [seg("s4", 500, 800), seg("s3", 100, 400, { version: 2 })], can_undo: true, can_redo: false });
  assert.equal(r.structural, true);
  assert.deepEqual(ids(store), ["s1", "s3", "s4", "s2"]);
  assert.equal(store.state.canUndo, true);
  inSync(store);
  r = store.applyChanges({ deleted: ["s1", "nothing"] });
  assert.equal(r.structural, true);
  assert.deepEqual(ids(store), ["s3", "s4", "s2"]);
  assert.equal(store.state.byId.has("s1"), false);
  inSync(store);
  r = store.applyChanges({ segments: [seg("s4", 500, 800, { speaker_id: "b", version: 2 })] });
  assert.equal(r.structural, true);  // another speaker: another lane
});

test("tags and speakers: replaced by id, the tagged segment's row touched", () => {
  const store = opened([seg("s1", 0, 1000)]);
  let r = store.applyChanges({ tags: [{ id: "t1", kind: "emotion", label: "happy", segment_id: "s1", version: 1 }] });
  assert.equal(r.structural, false);
  assert.deepEqual([...r.touched], ["s1"]);
  store.applyChanges({ tags: [{ id: "t1", kind: "emotion", label: "sad", segment_id: "s1", version: 2 }] });
  assert.deepEqual(store.state.tags.map((t) => t.label), ["sad"]);
  r = store.applyChanges({ deleted: ["t1"] });
  assert.deepEqual([...r.touched], ["s1"]);
  assert.equal(store.state.tags.length, 0);
  r = store.applyChanges({ speakers: [{ id: "c", version: 1 }] });
  assert.equal(r.structural, true);
  assert.deepEqual(store.state.speakers.map((s) => s.id), ["a", "b", "c"]);
  store.applyChanges({ deleted: ["a"] });
  assert.deepEqual(store.state.speakers.map((s) => s.id), ["b", "c"]);
});

test("deleting the selected region clears the selection", () => {
  const store = opened([seg("s1", 0, 1000), seg("s2", 1000, 2000)]);
  store.select("s2", "segment");
  assert.equal(store.selected().id, "s2");
  store.applyChanges({ deleted: ["s2"] });
  assert.equal(store.view.sel, null);
});

test("applyRemote merges only newer versions and leaves the segment being typed alone", () => {
  const store = opened([seg("s1", 0, 1000, { version: 3 }), seg("s2", 2000, 3000), seg("s3", 4000, 5000)]);
  store.setEditing({ id: "s3", version: 1 });
  const { ids: merged, changes } = store.applyRemote({
    seq: 12, can_undo: true, can_redo: false,
    segments: [seg("s1", 0, 1000, { version: 3, text: "same version" }), seg("s2", 2000, 3000, { version: 2, text: "theirs" }),
               seg("s3", 4000, 5000, { version: 2, text: "would overwrite the typing" }), seg("s5", 9000, 9500)],
    tags: [], speakers: [{ id: "a", version: 1 }, { id: "b", version: 4 }], deleted: ["s3", "gone-already"],
  });
  assert.deepEqual(merged, ["s2", "s5", "b"]);
  assert.equal(changes.structural, true);
  assert.equal(store.state.seq, 12);
  assert.equal(store.state.byId.get("s1").text, "s1");
  assert.equal(store.state.byId.get("s2").text, "theirs");
  assert.equal(store.state.byId.get("s3").text, "s3");  // neither changed nor deleted while typed
  assert.deepEqual(ids(store), ["s1", "s2", "s3", "s5"]);
  inSync(store);
  const again = store.applyRemote({ seq: 13, segments: [seg("s2", 2000, 3000, { version: 2 })], tags: [], speakers: [], deleted: [] });
  assert.deepEqual(again, { ids: [], changes: null });
  assert.equal(store.state.seq, 13);
});

test("newer, ref, bySpan", () => {
  assert.equal(newer(undefined, { version: 1 }), true);
  assert.equal(newer({ version: 2 }, { version: 2 }), false);
  assert.equal(newer({ version: 2 }, { version: 3 }), true);
  assert.equal(newer({ version: 2 }, {}), false);
  assert.deepEqual(ref({ id: "x", version: 4, text: "t" }), { id: "x", version: 4 });
  const sorted = [seg("b", 10, 30), seg("c", 10, 20), seg("a", 10, 20), seg("d", 0, 99)].sort(bySpan).map((s) => s.id);
  assert.deepEqual(sorted, ["d", "a", "c", "b"]);
});

test("lanes: one per speaker, one for segments without one, then events and emotions", () => {
  const sp = [{ id: "a" }, { id: "b" }];
  assert.deepEqual(lanesFor(sp, [seg("s", 0, 1)]).map((l) => l.kind + ":" + (l.id ?? "")),
                   ["speaker:a", "speaker:b", "sound_event:", "emotion:"]);
  assert.deepEqual(lanesFor(sp, [seg("s", 0, 1, { speaker_id: null })]).map((l) => l.kind + ":" + (l.id ?? "")),
                   ["speaker:a", "speaker:b", "speaker:", "sound_event:", "emotion:"]);
  const store = opened([seg("s", 0, 1)]);
  store.rebuildLanes();
  assert.equal(store.view.lanes.length, 4);
});

test("setView keeps the window inside the recording", () => {
  const store = opened([]);
  store.setSize(600, 704);
  store.setView(-500, 10);
  assert.deepEqual([store.view.start, store.view.mpp], [0, 10]);
  store.setView(59000);
  assert.equal(store.view.start, 54000);  // 600 px at 10 ms/px end at the recording's end
  store.setView(undefined, 200);  // the whole 60 s fit: back to the start
  assert.equal(store.view.start, 0);
});
