// Machine proposals in the sound-event lane (audiolab/services/events.py): candidates (label "?",
// where the signal stands out) and suggestions (a label by likeness to the project's human tags,
// with its score). The pure helpers tell them from a person's tags, write them in the lane and
// pick the next one; createProposals adds the commands: step through them, accept one (as it is,
// or under the label of a sound-event hotkey), dismiss one, accept every suggestion scoring at
// least a threshold, and run Find sound events / Suggest labels. Each is one edit through the
// edit queue (client.js), so Ctrl+Z takes it back like any other.
import { count } from "../shared/format.js";
import { ref } from "./store.js";

export const CANDIDATE = "?";
export const DEFAULT_MIN_SCORE = 0.6;

// A tag the machine proposed (not a person's annotation yet).
export const isProposal = (t) => !!t && t.origin === "machine";
// A proposal with a suggested label (a candidate's label is "?").
export const isSuggestion = (t) => isProposal(t) && t.label !== CANDIDATE;

// How the lane writes a tag: a suggestion with its score ("dog 0.83"), anything else by its label.
export function tagText(t) {
  if (isSuggestion(t) && typeof t.confidence === "number") return t.label + " " + t.confidence.toFixed(2);
  return t.label;
}

// Where a proposal comes from, as the inspector says it: "machine suggestion, score 0.83" or
// "machine candidate, detection score 0.55"; null for a person's tag.
export function originText(t) {
  if (!isProposal(t)) return null;
  const score = typeof t.confidence === "number" ? t.confidence.toFixed(2) : null;
  if (isSuggestion(t)) return "machine suggestion" + (score ? ", score " + score : "");
  return "machine candidate" + (score ? ", detection score " + score : "");
}

// The sound-event proposals in time order.
export function proposals(tags) {
  return tags.filter((t) => t.kind === "sound_event" && isProposal(t))
    .sort((a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1));
}

// The proposal after (`dir` 1) or before (-1) the selected tag `selId`, else after / before time
// `t` (ms), wrapping around; null when there is none.
export function nextProposal(tags, selId, t, dir) {
  const list = proposals(tags);
  if (!list.length) return null;
  const i = list.findIndex((x) => x.id === selId);
  if (i >= 0) return list[(i + dir + list.length) % list.length];
  if (dir > 0) return list.find((x) => x.start >= t) || list[0];
  return [...list].reverse().find((x) => x.start < t) || list[list.length - 1];
}

// The suggestions scoring at least `min` (what "accept all" takes).
export function suggestionsAbove(tags, min) {
  return proposals(tags).filter((t) => isSuggestion(t) && typeof t.confidence === "number" && t.confidence >= min);
}

// The threshold the user typed: a score from 0 to 1 ("0.7", "0,7") or a percentage ("70%", "70");
// null when it is neither.
export function parseThreshold(text) {
  const s = String(text === undefined || text === null ? "" : text).trim().replace(",", ".");
  const m = /^(\d+(?:\.\d*)?|\.\d+)\s*(%?)$/.exec(s);
  if (!m) return null;
  let v = Number(m[1]);
  if (m[2] || v > 1) v /= 100;
  return v >= 0 && v <= 1 ? v : null;
}

// What a run's answer says, for the toast: new candidates / suggestions made.
export function runSummary(op, answer) {
  const tags = (answer && answer.tags) || [];
  if (op === "detect_events") {
    const n = tags.filter(isProposal).length;
    return n ? count(n, "sound-event candidate") + " found: E / Q step through them." : "No sound event found outside what is tagged.";
  }
  const labelled = tags.filter(isSuggestion).length, left = tags.filter((t) => isProposal(t) && !isSuggestion(t)).length;
  if (!tags.length) return "No candidate to label (Find sound events first, or they were labelled already).";
  return count(labelled, "suggestion") + (left ? ", " + count(left, "candidate") + " left “?” (nothing similar enough)" : "") + ".";
}

// `app` gives $, store, toast, edit, select, nowMs.
export function createProposals(app) {
  const { $, store } = app, S = store.state, V = store.view;
  const tagNow = (id) => S.tags.find((t) => t.id === id) || null;
  const selectedProposal = () => { const o = V.selKind === "tag" ? store.selected() : null; return isProposal(o) ? o : null; };

  function stepProposal(dir) {
    const p = nextProposal(S.tags, V.selKind === "tag" ? V.sel : null, app.nowMs(), dir);
    if (!p) { app.toast("No sound-event candidate: “Find sound events” proposes some.", "info", 3000); return; }
    app.select(p.id, "tag", true);
  }
  // Accept the selected proposal, under `label` when given (a sound-event hotkey). Returns false
  // when no proposal is selected (the hotkey then tags the selection as usual).
  function acceptProposal(label) {
    const p = selectedProposal();
    if (!p) {
      if (label === undefined) app.toast("Select a sound-event candidate first (E: the next one).", "info", 3000);
      return false;
    }
    if (label === undefined && !isSuggestion(p)) {
      app.toast("Name this candidate with its sound event's Alt+key to accept it.", "info", 4000);
      return true;
    }
    const id = p.id;
    app.edit(() => { const now = tagNow(id); return now ? { op: "accept_tag", tag: ref(now), ...(label !== undefined ? { label } : {}) } : null; });
    return true;
  }
  function rejectProposal() {
    const p = selectedProposal();
    if (!p) { app.toast("Select a sound-event candidate first (E: the next one)."); return; }
    const id = p.id;
    return app.edit(() => { const now = tagNow(id); return now ? { op: "reject_tag", tag: ref(now) } : null; })
      .then((r) => { if (r && r.ok) app.toast("Dismissed the " + (isSuggestion(p) ? "suggestion " + p.label : "candidate") + ". Ctrl+Z brings it back.", "info", 4000); return r; });
  }
  async function acceptAbove() {
    const min = parseThreshold($(".al-minscore").value);
    if (min === null) { app.toast("Type a score from 0 to 1 (or a percentage) to accept the suggestions above it.", "info", 4000); return; }
    const n = suggestionsAbove(S.tags, min).length;
    if (!n) { app.toast("No suggestion scores " + min.toFixed(2) + " or more.", "info", 3000); return; }
    const r = await app.edit({ op: "accept_suggestions", min_score: min });
    if (r && r.ok) app.toast("Accepted " + count((r.tags || []).length, "suggestion") + " scoring " + min.toFixed(2) + " or more (one Ctrl+Z).", "info", 5000);
    return r;
  }
  // A run on the server (it decodes the recording: seconds), said in a toast before and after.
  async function runProposals(op) {
    const button = $(op === "detect_events" ? ".al-detect" : ".al-suggest");
    button.disabled = true;
    app.toast(op === "detect_events" ? "Finding sound events…" : "Suggesting labels…", "info", 3000);
    try {
      const r = await app.edit({ op });
      if (r && r.ok) app.toast(runSummary(op, r), "info", 6000);
      return r;
    } finally { button.disabled = false; }
  }
  $(".al-minscore").value = String(DEFAULT_MIN_SCORE);
  $(".al-detect").addEventListener("click", () => runProposals("detect_events"));
  $(".al-suggest").addEventListener("click", () => runProposals("suggest_events"));
  $(".al-acceptabove").addEventListener("click", acceptAbove);
  return { stepProposal, acceptProposal, rejectProposal, acceptAbove, runProposals };
}
