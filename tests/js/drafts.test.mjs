import { test } from "node:test";
import assert from "node:assert/strict";
import { DRAFT_PREFIX, createDrafts } from "../../audiolab/ui/static/editor/drafts.js";

// An in-memory Web Storage.
function memoryStorage() {
  const m = new Map();
  return {
    get length() { return m.size; },
    key: (i) => [...m.keys()][i] ?? null,
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => { m.set(k, String(v)); },
    removeItem: (k) => { m.delete(k); },
    keys: () => [...m.keys()],
  };
}

test("kept text is per user and recording, and listed in time order", () => {
  const storage = memoryStorage();
  const who = { user: "ann lee", recording: "r1" };
  const drafts = createDrafts(storage, () => who);
  drafts.keep("s2", "second");
  drafts.keep("s1", "first");
  assert.deepEqual(storage.keys().sort(), [DRAFT_PREFIX + "ann%20lee.r1.s1", DRAFT_PREFIX + "ann%20lee.r1.s2"]);
  assert.equal(drafts.get("s1"), "first");
  const byId = new Map([["s1", { id: "s1", start: 900 }], ["s2", { id: "s2", start: 100 }]]);
  assert.deepEqual(drafts.unsaved(byId).map((s) => s.id), ["s2", "s1"]);
  assert.deepEqual(drafts.unsaved(new Map([["s1", byId.get("s1")]])).map((s) => s.id), ["s1"]);  // a deleted segment is not listed
  who.user = "bob";
  assert.equal(drafts.get("s1"), null);
  assert.deepEqual(drafts.unsaved(byId), []);
  who.user = "ann lee";
  drafts.drop("s1");
  assert.equal(drafts.get("s1"), null);
  assert.deepEqual(drafts.unsaved(byId).map((s) => s.id), ["s2"]);
});

test("storage that refuses is ignored", () => {
  const broken = { get length() { throw new Error("off"); }, key() { throw new Error("off"); }, getItem() { throw new Error("off"); },
                   setItem() { throw new Error("full"); }, removeItem() { throw new Error("off"); } };
  const drafts = createDrafts(broken, () => ({ user: "u", recording: "r" }));
  drafts.keep("s", "x");
  drafts.drop("s");
  assert.equal(drafts.get("s"), null);
  assert.deepEqual(drafts.unsaved(new Map()), []);
});
