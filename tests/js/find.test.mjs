import { test } from "node:test";
import assert from "node:assert/strict";
import { findPattern } from "../../audiolab/ui/static/editor/find.js";

const matches = (re, texts) => texts.filter((t) => re.test(t));

test("whole words, case-insensitive by default", () => {
  const re = findPattern("  new jersey ", false, true);
  assert.deepEqual(matches(re, ["Hello? New Jersey calling.", "not New Jerseyan", "new jersey", "renew jersey"]),
                   ["Hello? New Jersey calling.", "new jersey"]);
});

test("match case and part-word matching", () => {
  assert.deepEqual(matches(findPattern("Jersey", true, false), ["jersey", "Jerseyan", "JERSEY"]), ["Jerseyan"]);
});

test("the text is literal, word characters are Unicode letters and digits", () => {
  assert.deepEqual(matches(findPattern("a.b (c)", false, true), ["a.b (c)", "axb (c)"]), ["a.b (c)"]);
  assert.deepEqual(matches(findPattern("café", false, true), ["un café noir", "cafés", "x_café"]), ["un café noir"]);
  assert.deepEqual(matches(findPattern("2", false, true), ["in 2 days", "in 22 days", "route 2a"]), ["in 2 days"]);
});

test("empty text finds nothing", () => {
  assert.equal(findPattern("   ", false, true), null);
});
