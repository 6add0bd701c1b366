import { test } from "node:test";
import assert from "node:assert/strict";
import { KEYMAP, SECTIONS, activeKeymap, applyOverrides, bindings, chordName, chordsOf, dispatch, helpRows, helpSections, holderOf,
         keysLabel, prettyChord, useOverrides } from "../../audiolab/ui/static/editor/keymap.js";

const key = (k, o = {}) => ({ key: k, code: o.code || (/^[a-z]$/i.test(k) ? "Key" + k.toUpperCase() : /^[0-9]$/.test(k) ? "Digit" + k : ""),
                              ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, target: null, ...o });
// An app that records which of its functions a key called.
function spy(returns = {}) {
  const calls = [];
  const app = new Proxy({}, { get: (_, name) => (...args) => { calls.push([name, ...args]); return returns[name]; } });
  return { app, calls };
}
const run = (scope, e, returns, context) => { const { app, calls } = spy(returns); const handled = dispatch(scope, e, app, context); return { handled, calls }; };

test("every row has an id, a scope and a section; ids are unique; the help lists every row with help, in table order", () => {
  const ids = KEYMAP.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(KEYMAP.every((r) => r.id && ["editor", "text", "find", "pointer"].includes(r.scope) && SECTIONS.includes(r.section)));
  const rows = helpRows();
  assert.equal(rows.length, KEYMAP.filter((r) => r.help).length);
  assert.deepEqual(rows.slice(0, 3).map((r) => r.slice(0, 2)), [["Space", "Play / pause"], ["P or double-click", "Play the selected segment (or range)"],
                                                                ["L", "Loop the selected segment on/off"]]);
  const sections = helpSections();
  assert.deepEqual(sections.map(([s]) => s), SECTIONS);
  assert.deepEqual(sections.flatMap(([, r]) => r).map((r) => r[2].id).sort(), rows.map((r) => r[2].id).sort());
  // the new keys are in the help, written as the user presses them
  const text = rows.map((r) => r[0] + " " + r[1]).join("\n");
  for (const want of ["I Set the start to the playhead", "O Set the end to the playhead", ", Start 10 ms earlier", "> Start 100 ms later",
                      "; End 10 ms earlier", "\" End 100 ms later", "Alt+Enter Split at the text cursor", "Alt+↓ Move the words after the cursor",
                      "Ctrl+Shift+1 – 9 Give the words after the cursor", "U Next segment not reviewed", "F Next flagged",
                      "C Conversation view", "Ctrl+Enter Save, mark reviewed and go on", "[ Slower", "] Faster"]) {
    assert.ok(text.includes(want), want);
  }
  // a row added to the table is a row of the help
  assert.deepEqual(helpRows([...KEYMAP, { id: "x", scope: "editor", section: "Edit", keys: ["x"], help: "Something new", run() {} }]).at(-1).slice(0, 2),
                   ["X", "Something new"]);
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
    [key("u"), ["nextWhere", "unreviewed"]], [key("f"), ["nextWhere", "flagged"]],
    [key("Enter"), ["editSelected"]], [key("r"), ["markReviewed"]], [key("s"), ["splitAtPlayhead"]], [key("m"), ["mergeNext"]],
    [key("3"), ["setSpeakerN", 3]], [key("n"), ["newSegmentFromRange"]], [key("Delete"), ["deleteSelected"]],
    [key("Backspace"), ["backspaceHint"]], [key("+", { shiftKey: true }), ["zoom", 0.5]], [key("="), ["zoom", 0.5]], [key("-"), ["zoom", 2]],
    [key("0"), ["wholeFile"]], [key("g"), ["toggleSpec"]], [key("c"), ["toggleConversation"]], [key("?", { shiftKey: true }), ["toggleHelp"]],
    [key("Escape"), ["escape"]],
    [key("i"), ["edgeToPlayhead", "start"]], [key("o"), ["edgeToPlayhead", "end"]],
    [key(","), ["nudge", "start", -10]], [key("."), ["nudge", "start", 10]], [key("<", { shiftKey: true }), ["nudge", "start", -100]],
    [key(">", { shiftKey: true }), ["nudge", "start", 100]], [key(";"), ["nudge", "end", -10]], [key("'"), ["nudge", "end", 10]],
    [key(":", { shiftKey: true }), ["nudge", "end", -100]], [key('"', { shiftKey: true }), ["nudge", "end", 100]],
    [key("z", { ctrlKey: true }), ["edit", { op: "undo" }]], [key("Z", { ctrlKey: true, shiftKey: true }), ["edit", { op: "redo" }]],
    [key("y", { metaKey: true }), ["edit", { op: "redo" }]], [key("f", { ctrlKey: true }), ["openFind"]],
  ];
  for (const [e, ...want] of cases) {
    const { handled, calls } = run("editor", e);
    assert.equal(handled, true, e.key);
    assert.deepEqual(calls, want, e.key);
  }
});

test("seek keys move 2 s (Shift: 100 ms) from the playhead", () => {
  const { handled, calls } = run("editor", key("ArrowLeft"), { nowMs: 5000 });
  assert.equal(handled, true);
  assert.deepEqual(calls, [["nowMs"], ["seek", 3000]]);
  assert.deepEqual(run("editor", key("ArrowRight"), { nowMs: 5000 }).calls, [["nowMs"], ["seek", 7000]]);
  assert.deepEqual(run("editor", key("ArrowLeft", { shiftKey: true }), { nowMs: 5000 }).calls, [["nowMs"], ["seek", 4900]]);
  assert.deepEqual(run("editor", key("ArrowRight", { shiftKey: true }), { nowMs: 5000 }).calls, [["nowMs"], ["seek", 5100]]);
});

test("hotkeys: Shift+letter an emotion, Alt+letter a sound event; unknown letters are not handled", () => {
  assert.deepEqual(run("editor", key("H", { shiftKey: true }), { emotionHotkey: true }).calls, [["emotionHotkey", "h"]]);
  assert.equal(run("editor", key("H", { shiftKey: true }), { emotionHotkey: false }).handled, false);
  // Alt+letter reads the physical key (macOS types another character with Alt)
  const alt = run("editor", key("∂", { altKey: true, code: "KeyD" }), { eventHotkey: true });
  assert.deepEqual([alt.handled, alt.calls], [true, [["eventHotkey", "d"]]]);
  assert.equal(run("editor", key("d", { altKey: true }), { eventHotkey: false }).handled, false);
  // Shift+S / Shift+I are emotion hotkeys, never a split or a boundary
  assert.deepEqual(run("editor", key("S", { shiftKey: true }), { emotionHotkey: false }).calls, [["emotionHotkey", "s"]]);
  assert.deepEqual(run("editor", key("I", { shiftKey: true }), { emotionHotkey: false }).calls, [["emotionHotkey", "i"]]);
});

test("keys the editor leaves to the browser", () => {
  for (const e of [key("c", { ctrlKey: true }), key("Enter", { ctrlKey: true }), key("x"), key("!", { shiftKey: true, code: "Digit1" }),
                   key("F5"), key("Tab"), key("ArrowLeft", { altKey: true }), key("F", { ctrlKey: true, shiftKey: true })]) {
    const { handled, calls } = run("editor", e);
    assert.equal(handled, false, e.key);
    assert.deepEqual(calls, [], e.key);
  }
});

test("the text box: Enter saves, Ctrl+Enter saves reviewed and goes on, Esc cancels, Tab plays, edits at the cursor", () => {
  const calls = [];
  const box = { finish: (o) => calls.push(["finish", o]), cancel: () => calls.push(["cancel"]), op: (k, n) => calls.push(["op", k, n]),
                atStart: () => true, atEnd: () => false };
  for (const e of [key("Enter"), key("Enter", { metaKey: true }), key("Escape"), key("Enter", { altKey: true }),
                   key("ArrowDown", { altKey: true }), key("ArrowUp", { altKey: true }), key("@", { ctrlKey: true, shiftKey: true, code: "Digit2" }),
                   key("Backspace")]) {
    assert.equal(dispatch("text", e, spy().app, box), true, e.key);
  }
  assert.deepEqual(calls, [["finish", { save: true }], ["finish", { save: true, review: true, advance: true }], ["cancel"],
                           ["op", "split", undefined], ["op", "next", undefined], ["op", "previous", undefined], ["op", "speaker", 2],
                           ["op", "joinPrevious", undefined]]);
  // Delete merges only at the end of the text; Backspace only at its start: else they edit text
  assert.equal(dispatch("text", key("Delete"), spy().app, box), false);
  assert.equal(dispatch("text", key("Backspace"), spy().app, { ...box, atStart: () => false }), false);
  assert.equal(run("text", key("Enter", { shiftKey: true }), {}, box).handled, false);  // a new line
  assert.equal(run("text", key("a"), {}, box).handled, false);
  assert.equal(run("text", key("a", { ctrlKey: true }), {}, box).handled, false);  // select all stays the browser's
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

test("chordName and chordsOf name events", () => {
  assert.equal(chordName(key("Z", { ctrlKey: true, shiftKey: true })), "Ctrl+Shift+z");
  assert.equal(chordName(key("<", { shiftKey: true })), "<");  // the character, not Shift+,
  assert.equal(chordName(key("?", { shiftKey: true })), "?");
  assert.equal(chordName(key(" ")), "Space");
  assert.equal(chordName(key("ArrowDown", { altKey: true })), "Alt+ArrowDown");
  assert.equal(chordName(key("ArrowLeft", { shiftKey: true })), "Shift+ArrowLeft");
  assert.equal(chordName(key("Enter", { shiftKey: true })), "Shift+Enter");
  assert.deepEqual(chordsOf("editor", key("A", { shiftKey: true, altKey: true })), ["Alt+Shift+a"]);
  assert.deepEqual(chordsOf("editor", key("a", { altKey: true })), ["Alt+a", "Alt+letter"]);
  assert.deepEqual(chordsOf("editor", key("7")), ["7", "digit"]);
  assert.deepEqual(chordsOf("text", key("#", { ctrlKey: true, shiftKey: true, code: "Digit3" })), ["Ctrl+Shift+3", "Ctrl+Shift+digit"]);
});

test("prettyChord and keysLabel write keys as the help shows them", () => {
  assert.equal(prettyChord("Ctrl+Shift+z"), "Ctrl+Shift+Z");
  assert.equal(prettyChord("ArrowLeft"), "←");
  assert.equal(prettyChord("Alt+ArrowDown"), "Alt+↓");
  assert.equal(prettyChord("+"), "+");
  assert.equal(prettyChord("-"), "−");
  assert.equal(prettyChord("Escape"), "Esc");
  assert.equal(keysLabel({ keys: ["Ctrl+Shift+z", "Ctrl+y"] }), "Ctrl+Shift+Z / Ctrl+Y");
  assert.equal(keysLabel({ keys: ["x"], label: "X or drag" }), "X or drag");
});

test("the user's keys replace the defaults; a taken chord, a fixed row or an unknown action is refused, saying why", () => {
  const { table, refused } = applyOverrides(KEYMAP, { split: ["x"], merge: ["j", "Ctrl+m"], speaker: ["q"], nope: ["k"], help: ["h"] });
  const row = (id) => table.find((r) => r.id === id);
  assert.deepEqual(row("split").keys, ["x"]);
  assert.equal(keysLabel(row("split")), "X");
  assert.deepEqual(row("merge").keys, ["j", "Ctrl+m"]);
  assert.deepEqual(row("speaker").keys, ["digit"]);  // fixed
  assert.deepEqual(refused, ["speaker's keys cannot be changed", "no action nope", "help's keys cannot be changed"]);
  // a chord another row holds: that override is refused and the row keeps its keys
  const taken = applyOverrides(KEYMAP, { split: ["r"] });
  assert.deepEqual(taken.table.find((r) => r.id === "split").keys, ["s"]);
  assert.deepEqual(taken.refused, ["R is taken by 'Mark the selected segment reviewed'"]);
  // two rows swapping keys is fine; a key taken back by a restored row is refused in turn
  const swap = applyOverrides(KEYMAP, { split: ["m"], merge: ["s"] });
  assert.deepEqual([swap.table.find((r) => r.id === "split").keys, swap.table.find((r) => r.id === "merge").keys], [["m"], ["s"]]);
  const chain = applyOverrides(KEYMAP, { split: ["r"], merge: ["s"] });
  assert.deepEqual([chain.table.find((r) => r.id === "split").keys, chain.table.find((r) => r.id === "merge").keys], [["s"], ["m"]]);
  assert.equal(chain.refused.length, 2);
  // patterns are not keys a user can take
  assert.equal(applyOverrides(KEYMAP, { split: ["digit"] }).refused.length, 1);
  assert.equal(holderOf(KEYMAP, "editor", "r", "split").id, "reviewed");
  assert.equal(holderOf(KEYMAP, "editor", "x", "split"), null);
});

test("useOverrides changes what the keys do, and what the help says", () => {
  try {
    useOverrides({ split: ["x"] });
    assert.deepEqual(run("editor", key("x")).calls, [["splitAtPlayhead"]]);
    assert.equal(run("editor", key("s")).handled, false);
    assert.ok(helpRows().some(([k, h]) => k === "X" && h === "Split at the playhead"));
    assert.equal(activeKeymap().find((r) => r.id === "split").custom, true);
  } finally {
    useOverrides({});
  }
  assert.deepEqual(run("editor", key("s")).calls, [["splitAtPlayhead"]]);
});
