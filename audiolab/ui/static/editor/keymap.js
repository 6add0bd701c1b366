// Every key the editor answers, in one table: the editor's keydown handler, the segment text box
// and the find bar dispatch from it, and the help card lists its labelled rows in table order.
//   scope   "editor": anywhere in the editor while no text field has the focus; "text": the box
//           where a segment's text is typed; "find": the find bar's fields; "pointer": mouse
//           gestures, listed in the help only (the canvas binds them).
//   keys    chords as chordsOf() names them: "Ctrl+z", "Ctrl+Shift+z", "Space", "ArrowLeft", "w",
//           "Shift+letter" (an emotion hotkey), "Alt+letter" (a sound-event hotkey).
//   run     (app, event, context) -> false when the key turned out to mean nothing (the browser
//           then keeps its default), anything else when it was handled.
//   label, help   the help card's row (rows without a label are not listed).

const digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];

export const KEYMAP = [
  { scope: "editor", keys: ["Space"], label: "Space", help: "Play / pause", run: (a) => a.togglePlay() },
  { scope: "editor", keys: ["p"], label: "P  or double-click", help: "Play the selected segment (or range)", run: (a) => a.playSelected() },
  { scope: "editor", keys: ["l"], label: "L", help: "Loop the selected segment on/off", run: (a) => a.toggleLoop(true) },
  { scope: "editor", keys: ["ArrowLeft", "ArrowRight"], label: "← / →", help: "Back / forward 2 s",
    run: (a, e) => a.seek(a.nowMs() + (e.key === "ArrowLeft" ? -2000 : 2000)) },
  { scope: "editor", keys: ["[", "]"], label: "[ / ]", help: "Slower / faster (0.5×–2×)", run: (a, e) => a.setSpeed(e.key === "[" ? -1 : 1) },
  { scope: "editor", keys: ["ArrowUp", "ArrowDown"], label: "↑ / ↓", help: "Previous / next segment", run: (a, e) => a.step(e.key === "ArrowUp" ? -1 : 1) },
  { scope: "editor", keys: ["w", "b"], label: "W / B", help: "Next / previous low-confidence word", run: (a, e) => a.lowWord(e.key === "w" ? 1 : -1) },
  { scope: "editor", keys: ["Enter"], label: "Enter", help: "Edit the selected segment's text (Enter saves, Esc cancels)", run: (a) => a.editSelected() },
  { scope: "text", keys: ["Ctrl+Enter"], label: "Ctrl+Enter", help: "Save text and mark reviewed", run: (a, e, finish) => finish(true, true) },
  { scope: "editor", keys: ["r"], label: "R", help: "Mark the selected segment reviewed", run: (a) => a.markReviewed() },
  { scope: "editor", keys: ["s"], label: "S", help: "Split at the playhead", run: (a) => a.splitAtPlayhead() },
  { scope: "editor", keys: ["m"], label: "M", help: "Merge with the next segment", run: (a) => a.mergeNext() },
  { scope: "editor", keys: digits, label: "1 – 9", help: "Give the selected segment speaker N", run: (a, e) => a.setSpeakerN(Number(e.key)) },
  { scope: "editor", keys: ["n"], label: "N", help: "New segment from the selected range", run: (a) => a.newSegmentFromRange() },
  { scope: "editor", keys: ["Shift+letter"], label: "Shift+letter", help: "Toggle the emotion with that hotkey",
    run: (a, e) => a.emotionHotkey(e.key.toLowerCase()) },
  { scope: "editor", keys: ["Alt+letter"], label: "Alt+letter", help: "Tag the range/segment with that sound event",
    run: (a, e) => a.eventHotkey(e.code.replace("Key", "").toLowerCase()) },
  { scope: "editor", keys: ["Delete", "Backspace"], label: "Delete", help: "Delete the selected region", run: (a) => a.deleteSelected() },
  { scope: "editor", keys: ["Ctrl+z", "Ctrl+Shift+z"], label: "Ctrl+Z / Ctrl+Shift+Z", help: "Undo / redo",
    run: (a, e) => a.edit({ op: e.shiftKey ? "redo" : "undo" }) },
  { scope: "editor", keys: ["Ctrl+y"], run: (a) => a.edit({ op: "redo" }) },
  { scope: "editor", keys: ["+", "=", "-", "0"], label: "+ / − / 0", help: "Zoom in / out / whole file",
    run: (a, e) => (e.key === "0" ? a.wholeFile() : a.zoom(e.key === "-" ? 2 : 0.5)) },
  { scope: "editor", keys: ["g"], label: "G", help: "Spectrogram of the visible window on/off (up to 60 s wide)", run: (a) => a.toggleSpec() },
  { scope: "editor", keys: ["Ctrl+f"], label: "Ctrl+F", help: "Find in the transcript (Enter: next); replace all as one undoable edit",
    run: (a) => a.openFind() },
  { scope: "pointer", keys: [], label: "Ctrl+wheel, wheel", help: "Zoom / scroll the waveform" },
  { scope: "editor", keys: ["?"], label: "?", help: "This help", run: (a) => a.toggleHelp() },
  { scope: "editor", keys: ["Escape"], label: "Esc", help: "Close help, clear the selection", run: (a) => a.escape() },
  // The text box (the help card's note describes these); `context` is finish(save, markReviewed).
  { scope: "text", keys: ["Enter"], run: (a, e, finish) => finish(true, false) },
  { scope: "text", keys: ["Escape"], run: (a, e, finish) => finish(false, false) },
  // Playback without leaving the text: Tab plays / pauses, Shift+Tab goes back 2 s.
  { scope: "text", keys: ["Tab"], run: (a) => a.playPauseWhileTyping() },
  { scope: "text", keys: ["Shift+Tab"], run: (a) => a.seek(a.nowMs() - 2000) },
  // The find bar: Enter finds the next (Shift: previous) in the find field, replaces all in the other.
  { scope: "find", keys: ["Escape"], run: (a) => a.closeFind() },
  { scope: "find", keys: ["Enter"], run: (a, e) => (e.target.classList.contains("al-find-q") ? a.findNext(e.shiftKey ? -1 : 1) : a.replaceAll()) },
];

// The chords a key event may mean in `scope`, the most specific first.
export function chordsOf(scope, e) {
  const k = e.key, ctrl = e.ctrlKey || e.metaKey;
  if (scope === "text") {
    if (k === "Tab") return [e.shiftKey ? "Shift+Tab" : "Tab"];
    if (k === "Escape") return ["Escape"];
    if (k === "Enter") return ctrl ? ["Ctrl+Enter"] : e.shiftKey ? [] : ["Enter"];
    return [];
  }
  if (scope === "find") return k === "Escape" || k === "Enter" ? [k] : [];
  const name = k.length === 1 ? k.toLowerCase() : k;
  if (ctrl) return e.shiftKey ? ["Ctrl+Shift+" + name, "Ctrl+" + name] : ["Ctrl+" + name];
  if (k === " ") return ["Space"];
  if (k === "?" || k === "Escape") return [k];
  if (e.altKey && /^[a-z]$/i.test((e.code || "").replace("Key", ""))) return ["Alt+letter"];
  if (e.shiftKey && /^[A-Z]$/.test(k)) return ["Shift+letter"];
  return [k];
}

// scope -> (chord -> table row), checked once: a chord bound twice in one scope is an error.
export function bindings(table = KEYMAP) {
  const out = {};
  for (const row of table) {
    const map = out[row.scope] || (out[row.scope] = new Map());
    for (const chord of row.keys) {
      if (map.has(chord)) throw new Error("keymap: " + chord + " is bound twice in scope " + row.scope);
      map.set(chord, row);
    }
  }
  return out;
}
const BOUND = bindings();

// Run the table row a key event means in `scope`; true when it handled the key.
export function dispatch(scope, e, app, context) {
  const map = BOUND[scope];
  if (!map) return false;
  for (const chord of chordsOf(scope, e)) {
    const row = map.get(chord);
    if (row) return row.run(app, e, context) !== false;
  }
  return false;
}

// The help card's rows: [keys, what they do], in table order.
export function helpRows(table = KEYMAP) {
  return table.filter((row) => row.label).map((row) => [row.label, row.help]);
}
