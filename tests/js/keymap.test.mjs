import { test } from "node:test";
import assert from "node:assert/strict";
import { KEYMAP, bindings, chordsOf, dispatch, helpRows } from "../../audiolab/ui/static/editor/keymap.js";

const key = (k, o = {}) => ({ key: k, code: o.code || (/^[a-z]$/i.test(k) ? "Key" + k.toUpperCase() : ""), ctrlKey: false,
                              metaKey: false, shiftKey: false, altKey: false, target: null, ...o });
// An app that records which of its functions a key called.
function spy(returns = {}) {
  const calls = [];
  const app = new Proxy({}, { get: (_, name) => (...args) => { calls.push([name, ...args]); return returns[name]; } });
  return { app, calls };
}
const run = (scope, e, returns, context) => { const { app, calls } = spy(returns); const handled = dispatch(scope, e, app, context); return { handled, calls }; };

test("the help card lists the table's labelled rows, in order", () => {
  const rows = helpRows();
  assert.equal(rows.length, KEYMAP.filter((r) => r.label).length);
  assert.deepEqual(rows.slice(0, 3), [["Space", "Play / pause"], ["P  or double-click", "Play the selected segment (or range)"],
                                      ["L", "Loop the selected segment on/off"]]);
  assert.deepEqual(rows.map((r) => r[0]), ["Space", "P  or double-click", "L", "← / →", "[ / ]", "↑ / ↓", "W / B", "Enter", "Ctrl+Enter",
    "R", "S", "M", "1 – 9", "N", "Shift+letter", "Alt+letter", "Delete", "Ctrl+Z / Ctrl+Shift+Z", "+ / − / 0", "G", "Ctrl+F",
    "Ctrl+wheel, wheel", "?", "Esc"]);
  assert.ok(rows.every(([k, d]) => typeof k === "string" && typeof d === "string" && d.length > 3));
  // a row added to the table is a row of the help
  assert.deepEqual(helpRows([...KEYMAP, { scope: "editor", keys: ["x"], label: "X", help: "Something new", run() {} }]).at(-1), ["X", "Something new"]);
});

test("no chord is bound twice in a scope, and every bound row can run", () => {
  const b = bindings();
  for (const scope of ["editor", "text", "find"]) {
    const rows = KEYMAP.filter((r) => r.scope === scope);
    assert.equal(b[scope].size, rows.reduce((n, r) => n + r.keys.length, 0), scope);
    assert.ok(rows.every((r) => typeof r.run === "function"));
  }
  assert.ok(KEYMAP.filter((r) => r.scope === "pointer").every((r) => r.keys.length === 0 && r.label));
  assert.throws(() => bindings([...KEYMAP, { scope: "editor", keys: ["s"], run() {} }]), /s is bound twice in scope editor/);
});

test("every key of the editor scope dispatches to its action", () => {
  const cases = [
    [key(" "), ["togglePlay"]], [key("p"), ["playSelected"]], [key("l"), ["toggleLoop", true]],
    [key("["), ["setSpeed", -1]], [key("]"), ["setSpeed", 1]],
    [key("ArrowUp"), ["step", -1]], [key("ArrowDown"), ["step", 1]], [key("w"), ["lowWord", 1]], [key("b"), ["lowWord", -1]],
    [key("Enter"), ["editSelected"]], [key("r"), ["markReviewed"]], [key("s"), ["splitAtPlayhead"]], [key("m"), ["mergeNext"]],
    [key("3"), ["setSpeakerN", 3]], [key("n"), ["newSegmentFromRange"]], [key("Delete"), ["deleteSelected"]],
    [key("Backspace"), ["deleteSelected"]], [key("+"), ["zoom", 0.5]], [key("="), ["zoom", 0.5]], [key("-"), ["zoom", 2]],
    [key("0"), ["wholeFile"]], [key("g"), ["toggleSpec"]], [key("?", { shiftKey: true }), ["toggleHelp"]], [key("Escape"), ["escape"]],
    [key("z", { ctrlKey: true }), ["edit", { op: "undo" }]], [key("Z", { ctrlKey: true, shiftKey: true }), ["edit", { op: "redo" }]],
    [key("y", { metaKey: true }), ["edit", { op: "redo" }]], [key("F", { ctrlKey: true, shiftKey: true }), ["openFind"]],
  ];
  for (const [e, ...want] of cases) {
    const { handled, calls } = run("editor", e);
    assert.equal(handled, true, e.key);
    assert.deepEqual(calls, want, e.key);
  }
});

test("seek keys move 2 s from the playhead", () => {
  const { handled, calls } = run("editor", key("ArrowLeft"), { nowMs: 5000 });
  assert.equal(handled, true);
  assert.deepEqual(calls, [["nowMs"], ["seek", 3000]]);
  assert.deepEqual(run("editor", key("ArrowRight"), { nowMs: 5000 }).calls, [["nowMs"], ["seek", 7000]]);
});

test("hotkeys: Shift+letter an emotion, Alt+letter a sound event; unknown letters are not handled", () => {
  assert.deepEqual(run("editor", key("H", { shiftKey: true }), { emotionHotkey: true }).calls, [["emotionHotkey", "h"]]);
  assert.equal(run("editor", key("H", { shiftKey: true }), { emotionHotkey: false }).handled, false);
  // Alt+letter reads the physical key (macOS types another character with Alt)
  const alt = run("editor", key("∂", { altKey: true, code: "KeyD" }), { eventHotkey: true });
  assert.deepEqual([alt.handled, alt.calls], [true, [["eventHotkey", "d"]]]);
  assert.equal(run("editor", key("d", { altKey: true }), { eventHotkey: false }).handled, false);
  // Shift+S is an emotion hotkey, never a split; Alt+Arrow is still a seek
  assert.deepEqual(run("editor", key("S", { shiftKey: true }), { emotionHotkey: false }).calls, [["emotionHotkey", "s"]]);
  assert.deepEqual(run("editor", key("ArrowLeft", { altKey: true }), { nowMs: 0 }).calls, [["nowMs"], ["seek", -2000]]);
});

test("keys the editor leaves to the browser", () => {
  for (const e of [key("c", { ctrlKey: true }), key("Enter", { ctrlKey: true }), key("x"), key("W"), key("!", { shiftKey: true }),
                   key("F5"), key("Tab")]) {
    const { handled, calls } = run("editor", e);
    assert.equal(handled, false, e.key);
    assert.deepEqual(calls, [], e.key);
  }
});

test("the text box: Enter saves, Ctrl+Enter saves as reviewed, Esc cancels, Tab plays", () => {
  const finishes = [];
  const finish = (...a) => finishes.push(a);
  assert.equal(run("text", key("Enter"), {}, finish).handled, true);
  assert.equal(run("text", key("Enter", { metaKey: true }), {}, finish).handled, true);
  assert.equal(run("text", key("Escape"), {}, finish).handled, true);
  assert.deepEqual(finishes, [[true, false], [true, true], [false, false]]);
  assert.equal(run("text", key("Enter", { shiftKey: true }), {}, finish).handled, false);  // a new line
  assert.equal(run("text", key("a"), {}, finish).handled, false);
  assert.deepEqual(run("text", key("Tab")).calls, [["playPauseWhileTyping"]]);
  assert.deepEqual(run("text", key("Tab", { shiftKey: true }), { nowMs: 7000 }).calls, [["nowMs"], ["seek", 5000]]);
});

test("the find bar: Enter steps (Shift: back) in the find field, replaces all in the other", () => {
  const field = (cls) => ({ classList: { contains: (c) => c === cls } });
  assert.deepEqual(run("find", key("Enter", { target: field("al-find-q") })).calls, [["findNext", 1]]);
  assert.deepEqual(run("find", key("Enter", { shiftKey: true, target: field("al-find-q") })).calls, [["findNext", -1]]);
  assert.deepEqual(run("find", key("Enter", { target: field("al-find-r") })).calls, [["replaceAll"]]);
  assert.deepEqual(run("find", key("Escape")).calls, [["closeFind"]]);
  assert.equal(run("find", key("x")).handled, false);
});

test("chordsOf names events", () => {
  assert.deepEqual(chordsOf("editor", key("Z", { ctrlKey: true, shiftKey: true })), ["Ctrl+Shift+z", "Ctrl+z"]);
  assert.deepEqual(chordsOf("editor", key(" ", { altKey: true })), ["Space"]);
  assert.deepEqual(chordsOf("editor", key("A", { shiftKey: true, altKey: true })), ["Alt+letter"]);
  assert.deepEqual(chordsOf("text", key("Enter", { ctrlKey: true, shiftKey: true })), ["Ctrl+Enter"]);
});
