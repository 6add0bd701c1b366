// Every key the editor answers, in one table: the editor's keydown handler, the segment text box
// and the find bar dispatch from it, and the help card lists its rows (section by section, in
// table order) with the keys in force, so what the help says is what the keys do.
//   id      the action's stable name (user overrides are stored by id).
//   scope   "editor": anywhere in the editor while no text field has the focus; "text": the box
//           where a segment's text is typed; "find": the find bar's fields; "pointer": mouse
//           gestures, listed in the help only (the canvas binds them).
//   keys    chords as chordName() names them: "Ctrl+z", "Ctrl+Shift+z", "Space", "ArrowLeft",
//           "Alt+ArrowDown", "w", "<" (a character typed with Shift is named by the character),
//           or a pattern: "digit" (1-9), "Shift+letter" (an emotion hotkey), "Alt+letter" (a
//           sound-event hotkey), "Ctrl+Shift+digit".
//   run     (app, event, context) -> false when the key turned out to mean nothing (the browser
//           then keeps its default), anything else when it was handled.
//   section, help   the help card's row; `label` overrides how the keys are written there.
//   fixed   the keys cannot be changed by the user (patterns, and what the help card itself uses).
// The user's own keys (overrides: id -> [chord, ...], kept in the browser by main.js) replace a
// row's keys through useOverrides(); a chord another row of the scope holds is refused.

const n = (e) => Number(e.key);  // a digit key's number
const digitOf = (e) => Number((e.code || "").replace("Digit", "")) || Number(e.key) || 0;

export const SECTIONS = ["Playback", "Move around", "Edit", "Sound-event proposals", "Boundaries", "View", "While typing a segment's text",
                         "Find bar", "Mouse"];

export const KEYMAP = [
  // -- playback
  { id: "play", scope: "editor", section: "Playback", keys: ["Space"], help: "Play / pause", run: (a) => a.togglePlay() },
  { id: "playSelected", scope: "editor", section: "Playback", keys: ["p"], label: "P or double-click", help: "Play the selected segment (or range)",
    run: (a) => a.playSelected() },
  { id: "loop", scope: "editor", section: "Playback", keys: ["l"], help: "Loop the selected segment on/off", run: (a) => a.toggleLoop(true) },
  { id: "back", scope: "editor", section: "Playback", keys: ["ArrowLeft"], help: "Back 2 s", run: (a) => a.seek(a.nowMs() - 2000) },
  { id: "forward", scope: "editor", section: "Playback", keys: ["ArrowRight"], help: "Forward 2 s", run: (a) => a.seek(a.nowMs() + 2000) },
  { id: "backFine", scope: "editor", section: "Playback", keys: ["Shift+ArrowLeft"], help: "Back 100 ms", run: (a) => a.seek(a.nowMs() - 100) },
  { id: "forwardFine", scope: "editor", section: "Playback", keys: ["Shift+ArrowRight"], help: "Forward 100 ms", run: (a) => a.seek(a.nowMs() + 100) },
  { id: "slower", scope: "editor", section: "Playback", keys: ["["], help: "Slower (down to 0.5×)", run: (a) => a.setSpeed(-1) },
  { id: "faster", scope: "editor", section: "Playback", keys: ["]"], help: "Faster (up to 2×)", run: (a) => a.setSpeed(1) },
  // -- moving around
  { id: "previous", scope: "editor", section: "Move around", keys: ["ArrowUp"], help: "Previous segment", run: (a) => a.step(-1) },
  { id: "next", scope: "editor", section: "Move around", keys: ["ArrowDown"], help: "Next segment", run: (a) => a.step(1) },
  { id: "nextUnreviewed", scope: "editor", section: "Move around", keys: ["u"], help: "Next segment not reviewed yet",
    run: (a) => a.nextWhere("unreviewed") },
  { id: "nextFlagged", scope: "editor", section: "Move around", keys: ["f"], help: "Next flagged segment (low confidence, overlap, speaker change…)",
    run: (a) => a.nextWhere("flagged") },
  { id: "lowNext", scope: "editor", section: "Move around", keys: ["w"], help: "Next low-confidence word", run: (a) => a.lowWord(1) },
  { id: "lowPrevious", scope: "editor", section: "Move around", keys: ["b"], help: "Previous low-confidence word", run: (a) => a.lowWord(-1) },
  // -- editing
  { id: "editText", scope: "editor", section: "Edit", keys: ["Enter"], label: "Enter or double-click",
    help: "Type the selected segment's text (it opens selected: type to replace it, ← / → to move in it; double-click a word to select that word)",
    run: (a) => a.editSelected() },
  { id: "reviewed", scope: "editor", section: "Edit", keys: ["r"], help: "Mark the selected segment reviewed", run: (a) => a.markReviewed() },
  { id: "split", scope: "editor", section: "Edit", keys: ["s"], help: "Split at the playhead", run: (a) => a.splitAtPlayhead() },
  { id: "merge", scope: "editor", section: "Edit", keys: ["m"],
    help: "Merge with the next segment (the speaker of the two with more speech; 1 – 9 then changes it)", run: (a) => a.mergeNext() },
  { id: "speaker", scope: "editor", section: "Edit", keys: ["digit"], label: "1 – 9", help: "Give the selected segment speaker N",
    fixed: true, run: (a, e) => a.setSpeakerN(n(e)) },
  { id: "newSegment", scope: "editor", section: "Edit", keys: ["n"], help: "New segment from the selected range (selected, with the speaker around it)",
    run: (a) => a.newSegmentFromRange() },
  { id: "emotion", scope: "editor", section: "Edit", keys: ["Shift+letter"], help: "Toggle the emotion with that hotkey", fixed: true,
    run: (a, e) => a.emotionHotkey(e.key.toLowerCase()) },
  { id: "soundEvent", scope: "editor", section: "Edit", keys: ["Alt+letter"], fixed: true,
    help: "Tag the range/segment with that sound event (a selected candidate or suggestion: accept it under that label)",
    run: (a, e) => a.eventHotkey(e.code.replace("Key", "").toLowerCase()) },
  { id: "delete", scope: "editor", section: "Edit", keys: ["Delete"], help: "Delete the selected region (Ctrl+Z brings it back)",
    run: (a) => a.deleteSelected() },
  { id: "backspace", scope: "editor", section: "Edit", keys: ["Backspace"], fixed: true, run: (a) => a.backspaceHint() },
  { id: "undo", scope: "editor", section: "Edit", keys: ["Ctrl+z"], help: "Undo", run: (a) => a.edit({ op: "undo" }) },
  { id: "redo", scope: "editor", section: "Edit", keys: ["Ctrl+Shift+z", "Ctrl+y"], help: "Redo", run: (a) => a.edit({ op: "redo" }) },
  // -- machine proposals in the sound-event lane (proposals.js; Alt+letter above names one)
  { id: "nextProposal", scope: "editor", section: "Sound-event proposals", keys: ["e"],
    help: "Next sound-event candidate or suggestion (selected, the playhead on it)", run: (a) => a.stepProposal(1) },
  { id: "previousProposal", scope: "editor", section: "Sound-event proposals", keys: ["q"],
    help: "Previous sound-event candidate or suggestion", run: (a) => a.stepProposal(-1) },
  { id: "acceptProposal", scope: "editor", section: "Sound-event proposals", keys: ["a"],
    help: "Accept the selected suggestion as it is (a “?” candidate: name it with its Alt+key)", run: (a) => a.acceptProposal() },
  { id: "rejectProposal", scope: "editor", section: "Sound-event proposals", keys: ["d"],
    help: "Dismiss the selected candidate or suggestion (Ctrl+Z brings it back)", run: (a) => a.rejectProposal() },
  // -- boundaries of the selected segment (or tag)
  { id: "startHere", scope: "editor", section: "Boundaries", keys: ["i"], help: "Set the start to the playhead", run: (a) => a.edgeToPlayhead("start") },
  { id: "endHere", scope: "editor", section: "Boundaries", keys: ["o"], help: "Set the end to the playhead", run: (a) => a.edgeToPlayhead("end") },
  { id: "startEarlier", scope: "editor", section: "Boundaries", keys: [","], help: "Start 10 ms earlier", run: (a) => a.nudge("start", -10) },
  { id: "startLater", scope: "editor", section: "Boundaries", keys: ["."], help: "Start 10 ms later", run: (a) => a.nudge("start", 10) },
  { id: "startEarlier100", scope: "editor", section: "Boundaries", keys: ["<"], help: "Start 100 ms earlier", run: (a) => a.nudge("start", -100) },
  { id: "startLater100", scope: "editor", section: "Boundaries", keys: [">"], help: "Start 100 ms later", run: (a) => a.nudge("start", 100) },
  { id: "endEarlier", scope: "editor", section: "Boundaries", keys: [";"], help: "End 10 ms earlier", run: (a) => a.nudge("end", -10) },
  { id: "endLater", scope: "editor", section: "Boundaries", keys: ["'"], help: "End 10 ms later", run: (a) => a.nudge("end", 10) },
  { id: "endEarlier100", scope: "editor", section: "Boundaries", keys: [":"], help: "End 100 ms earlier", run: (a) => a.nudge("end", -100) },
  { id: "endLater100", scope: "editor", section: "Boundaries", keys: ['"'], help: "End 100 ms later", run: (a) => a.nudge("end", 100) },
  // -- the view
  { id: "zoomIn", scope: "editor", section: "View", keys: ["+", "="], help: "Zoom in (around the selection, else the playhead)",
    run: (a) => a.zoom(0.5) },
  { id: "zoomOut", scope: "editor", section: "View", keys: ["-"], help: "Zoom out (around the selection, else the playhead)",
    run: (a) => a.zoom(2) },
  { id: "wholeFile", scope: "editor", section: "View", keys: ["0"], help: "Whole file", run: (a) => a.wholeFile() },
  { id: "conversation", scope: "editor", section: "View", keys: ["c"], help: "Conversation view on/off (turns with the speaker's name, like a chat)",
    run: (a) => a.toggleConversation() },
  { id: "spectrogram", scope: "editor", section: "View", keys: ["g"], help: "Spectrogram of the visible window on/off (up to 60 s wide)",
    run: (a) => a.toggleSpec() },
  { id: "find", scope: "editor", section: "View", keys: ["Ctrl+f"], help: "Find in the transcript (Enter: next); replace all as one undoable edit",
    run: (a) => a.openFind() },
  { id: "help", scope: "editor", section: "View", keys: ["?"], help: "This help (change keys here)", fixed: true, run: (a) => a.toggleHelp() },
  { id: "escape", scope: "editor", section: "View", keys: ["Escape"], help: "Close help, clear the selection", fixed: true, run: (a) => a.escape() },
  // -- the text box; `context` is the box (see transcript.js: finish, cancel, op)
  { id: "save", scope: "text", section: "While typing a segment's text", keys: ["Enter"], help: "Save the text (Shift+Enter: a new line)",
    run: (a, e, box) => box.finish({ save: true }) },
  { id: "saveNext", scope: "text", section: "While typing a segment's text", keys: ["Ctrl+Enter"],
    help: "Save, mark reviewed and go on to the next segment's text", run: (a, e, box) => box.finish({ save: true, review: true, advance: true }) },
  { id: "cancel", scope: "text", section: "While typing a segment's text", keys: ["Escape"], help: "Cancel (asks first when you changed the text)",
    run: (a, e, box) => box.cancel() },
  { id: "playTyping", scope: "text", section: "While typing a segment's text", keys: ["Tab"], help: "Play / pause (resuming 1 s back)",
    run: (a) => a.playPauseWhileTyping() },
  { id: "backTyping", scope: "text", section: "While typing a segment's text", keys: ["Shift+Tab"], help: "Back 2 s",
    run: (a) => a.seek(a.nowMs() - 2000) },
  { id: "splitCursor", scope: "text", section: "While typing a segment's text", keys: ["Alt+Enter"],
    help: "Split at the text cursor (the text after it becomes a new segment)", run: (a, e, box) => box.op("split") },
  { id: "wordsNext", scope: "text", section: "While typing a segment's text", keys: ["Alt+ArrowDown"],
    help: "Move the words after the cursor to the next segment", run: (a, e, box) => box.op("next") },
  { id: "wordsPrevious", scope: "text", section: "While typing a segment's text", keys: ["Alt+ArrowUp"],
    help: "Move the words before the cursor to the previous segment", run: (a, e, box) => box.op("previous") },
  { id: "wordsSpeaker", scope: "text", section: "While typing a segment's text", keys: ["Ctrl+Shift+digit"], label: "Ctrl+Shift+1 – 9",
    help: "Give the words after the cursor to speaker N (a new segment)", fixed: true, run: (a, e, box) => box.op("speaker", digitOf(e)) },
  { id: "joinPrevious", scope: "text", section: "While typing a segment's text", keys: ["Backspace"], label: "Backspace at the start",
    help: "Merge with the previous segment", fixed: true, run: (a, e, box) => box.atStart() && box.op("joinPrevious") },
  { id: "joinNext", scope: "text", section: "While typing a segment's text", keys: ["Delete"], label: "Delete at the end",
    help: "Merge with the next segment", fixed: true, run: (a, e, box) => box.atEnd() && box.op("joinNext") },
  // -- the find bar: Enter finds the next (Shift: previous) in the find field, replaces all in the other
  { id: "findClose", scope: "find", section: "Find bar", keys: ["Escape"], help: "Close the find bar", fixed: true, run: (a) => a.closeFind() },
  { id: "findNext", scope: "find", section: "Find bar", keys: ["Enter"], help: "Next match (in the Replace field: replace all)", fixed: true,
    run: (a, e) => (e.target.classList.contains("al-find-q") ? a.findNext(1) : a.replaceAll()) },
  { id: "findPrevious", scope: "find", section: "Find bar", keys: ["Shift+Enter"], help: "Previous match", fixed: true,
    run: (a, e) => (e.target.classList.contains("al-find-q") ? a.findNext(-1) : false) },
  { id: "wheel", scope: "pointer", section: "Mouse", keys: [], label: "Ctrl+wheel, wheel", help: "Zoom / scroll the waveform" },
  { id: "drag", scope: "pointer", section: "Mouse", keys: [], label: "drag in a lane / on the waveform",
    help: "New region (selected) / select a time range; drag an edge to move it" },
];

const PATTERNS = ["digit", "Shift+letter", "Alt+letter", "Ctrl+Shift+digit"];

// The name of the chord a key event is: modifiers (Ctrl, Alt, Shift) then the key. Letters are
// lower case; a printable character typed with Shift is named by that character ("<", "?"), and
// Alt+letter by the physical key (macOS types another character with Alt).
export function chordName(e) {
  const ctrl = e.ctrlKey || e.metaKey, alt = e.altKey;
  let k = e.key;
  if (k === " ") k = "Space";
  const code = e.code || "";
  if ((alt || ctrl) && /^Key[A-Z]$/.test(code)) k = code.slice(3).toLowerCase();
  else if (ctrl && e.shiftKey && /^Digit[0-9]$/.test(code)) k = code.slice(5);
  else if (k && k.length === 1 && /[a-z]/i.test(k)) k = k.toLowerCase();
  const printable = k && k.length === 1 && !/[a-z0-9]/.test(k);
  const shift = e.shiftKey && !(printable && !ctrl && !alt);
  return (ctrl ? "Ctrl+" : "") + (alt ? "Alt+" : "") + (shift ? "Shift+" : "") + k;
}

// The chords a key event may mean in `scope`: its name, then the pattern it fits.
export function chordsOf(scope, e) {
  const name = chordName(e);
  const out = [name];
  if (/^[1-9]$/.test(name)) out.push("digit");
  else if (/^Shift\+[a-z]$/.test(name)) out.push("Shift+letter");
  else if (/^Alt\+[a-z]$/.test(name)) out.push("Alt+letter");
  else if (/^Ctrl\+Shift\+[1-9]$/.test(name)) out.push("Ctrl+Shift+digit");
  return out;
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

const ARROWS = { ArrowLeft: "←", ArrowRight: "→", ArrowUp: "↑", ArrowDown: "↓", Escape: "Esc", "-": "−" };

// A chord as the help card writes it: "Ctrl+Shift+Z", "←", "Alt+↓", "Esc", "W".
export function prettyChord(chord) {
  const parts = chord === "+" ? ["+"] : chord.split(/\+(?=.)/);
  const key = parts.pop();
  const k = ARROWS[key] || (key.length === 1 ? key.toUpperCase() : key);
  return [...parts, k].join("+");
}

// How the help card writes a row's keys.
export function keysLabel(row) {
  return row.label || row.keys.map(prettyChord).join(" / ");
}

// A copy of `table` with the user's keys (`overrides`: id -> [chord, ...]) in place of the
// defaults. Unknown ids, fixed rows, chords that are not strings and chords already held by
// another row of the scope (after the change) are refused. Returns {table, refused: [why, ...]}.
export function applyOverrides(table, overrides) {
  const refused = [];
  const wanted = new Map();
  for (const [id, keys] of Object.entries(overrides || {})) {
    const row = table.find((r) => r.id === id);
    if (!row) { refused.push("no action " + id); continue; }
    if (row.fixed || row.scope === "pointer") { refused.push(id + "'s keys cannot be changed"); continue; }
    if (!Array.isArray(keys) || !keys.length || !keys.every((k) => typeof k === "string" && k && !PATTERNS.includes(k))) {
      refused.push(id + ": not a list of keys"); continue;
    }
    wanted.set(id, [...new Set(keys)]);
  }
  const out = table.map((r) => (wanted.has(r.id) ? { ...r, keys: wanted.get(r.id), label: undefined, custom: true } : r));
  // a chord an overridden row asks for and another row of its scope holds: the override loses
  // (and the check starts again, since the row's own keys are back)
  for (let again = true; again;) {
    again = false;
    for (const row of out.filter((r) => r.custom)) {
      const clash = row.keys.map((k) => [k, out.find((o) => o !== row && o.scope === row.scope && o.keys.includes(k))]).find(([, o]) => o);
      if (!clash) continue;
      refused.push(prettyChord(clash[0]) + " is taken by '" + (clash[1].help || clash[1].id) + "'");
      out[out.indexOf(row)] = table.find((r) => r.id === row.id);
      again = true;
      break;
    }
  }
  bindings(out);  // cannot fail now: kept as the check
  return { table: out, refused };
}

// Which row of `table` holds `chord` in `scope` (other than row `id`), or null.
export function holderOf(table, scope, chord, id) {
  return table.find((r) => r.scope === scope && r.id !== id && r.keys.includes(chord)) || null;
}

let ACTIVE = KEYMAP;
let BOUND = bindings(KEYMAP);

// Use the user's keys from now on; returns applyOverrides' answer.
export function useOverrides(overrides) {
  const res = applyOverrides(KEYMAP, overrides);
  ACTIVE = res.table;
  BOUND = bindings(ACTIVE);
  return res;
}

// The table in force (the defaults with the user's keys).
export function activeKeymap() {
  return ACTIVE;
}

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

// The help card's rows: [keys, what they do, row], in table order (rows with help only).
export function helpRows(table = ACTIVE) {
  return table.filter((row) => row.help).map((row) => [keysLabel(row), row.help, row]);
}

// The help card's sections: [[section, rows], ...] in SECTIONS order.
export function helpSections(table = ACTIVE) {
  const rows = helpRows(table);
  return SECTIONS.map((s) => [s, rows.filter((r) => r[2].section === s)]).filter(([, r]) => r.length);
}
