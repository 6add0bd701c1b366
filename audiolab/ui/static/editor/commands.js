// What the user asks the editor to do (keys, toolbar, inspector): select a region, step through
// segments or doubtful words, split, merge, set boundaries, tag, delete. Each turns into store
// actions and edits. An edit's action is built when its turn in the edit queue comes (client.js),
// from the state the edits before it left.
import { ref } from "./store.js";
import { LOW_P } from "./transcript.js";

// Where a segment's boundary moves: set to `at` (ms) or moved by `delta`, kept inside the
// recording and at least `minMs` from the other boundary. Returns [start, end], or a message
// saying why it cannot move there.
export function movedEdge(o, which, { at, delta }, duration, minMs = 10) {
  const t = Math.round(at !== undefined ? at : (which === "start" ? o.start : o.end) + delta);
  if (which === "start") {
    if (t > o.end - minMs) return "The start cannot go past the end (" + (o.end / 1000).toFixed(3) + " s).";
    return [Math.max(0, t), o.end];
  }
  if (t < o.start + minMs) return "The end cannot go before the start (" + (o.start / 1000).toFixed(3) + " s).";
  return [o.start, Math.min(duration, t)];
}

// The next segment after index `from` (wrapping around) that `want` accepts, or null.
export function nextMatching(segs, from, want) {
  const n = segs.length;
  for (let k = 1; k <= n; k++) { const s = segs[(from + k + n) % n]; if (want(s)) return s; }
  return null;
}

export const WANT = {
  unreviewed: (s) => s.status !== "reviewed",
  flagged: (s) => (s.flags && s.flags.length > 0) || (s.words || []).some((w) => w[3] !== null && w[3] !== undefined && w[3] < LOW_P),
};

// The speaker a new segment from a time range gets: the selected segment's, else the one of the
// segment just before the range, else the first speaker's, else none.
export function speakerAround(segs, speakers, selected, start) {
  if (selected && selected.speaker_id) return selected.speaker_id;
  let before = null;
  for (const s of segs) { if (s.start <= start) before = s; else break; }
  if (before && before.speaker_id) return before.speaker_id;
  return speakers.length ? speakers[0].id : null;
}

// `app` gives $, store, toast, edit, seek, nowMs, reveal, draw, markSelected, renderInspector,
// startEdit, fitAll, refresh, setSpec, spkName.
export function createCommands(app) {
  const { $, store } = app, S = store.state, V = store.view;
  const selectedSegment = () => (V.selKind === "segment" ? store.selected() : null);
  const segNow = (id) => S.byId.get(id) || null;

  // Select segment or tag `id` (kind "segment" / "tag"; null clears), show it, seek to it if asked.
  function select(id, kind, seekTo) {
    const prev = store.select(id, kind);
    const o = kind === "segment" ? S.byId.get(id) : S.tags.find((t) => t.id === id);
    app.markSelected(prev, id, kind === "segment");
    if (o && seekTo) app.seek(o.start);
    if (o) app.reveal(o.start); else app.draw();
    app.renderInspector();
  }
  // Select what an edit created (a new region, the part a split made), by kind; `except` is the
  // id the edit started from.
  function selectCreated(r, kind, except) {
    if (!r || !r.ok) return null;
    const list = kind === "tag" ? r.tags || [] : r.segments || [];
    const made = list.find((x) => x.id !== except && !(r.deleted || []).includes(x.id));
    if (made) select(made.id, kind, false);
    return made || null;
  }
  // The previous / next segment (from the playhead when none is selected).
  function step(dir) {
    if (!S.segs.length) return;
    let i = V.selKind === "segment" ? S.segs.findIndex((s) => s.id === V.sel) : -1;
    if (i < 0) { const t = app.nowMs(); i = S.segs.findIndex((s) => s.end > t); if (i < 0) i = S.segs.length; if (dir > 0) i -= 1; }
    const target = S.segs[Math.max(0, Math.min(S.segs.length - 1, i + dir))];
    if (target) select(target.id, "segment", true);
  }
  // The next segment not reviewed yet / flagged, after the selected one (or the playhead).
  function nextWhere(kind) {
    if (!S.segs.length) return;
    let from = V.selKind === "segment" ? S.segs.findIndex((s) => s.id === V.sel) : -1;
    if (from < 0) { const t = app.nowMs(); from = S.segs.findIndex((s) => s.end > t) - 1; if (from < -1) from = S.segs.length - 1; }
    const s = nextMatching(S.segs, from, WANT[kind]);
    if (!s) { app.toast(kind === "unreviewed" ? "Every segment is reviewed." : "No flagged segment.", "info", 2500); return; }
    select(s.id, "segment", true);
  }
  // The next / previous word under LOW_P after / before the playhead (its segment selected).
  function lowWord(dir) {
    const t = app.nowMs();
    let best = null;
    for (const s of S.segs) for (const w of s.words || []) {
      if (w[3] === null || w[3] === undefined || w[3] >= LOW_P) continue;
      if (dir > 0 ? w[0] > t + 1 && (!best || w[0] < best.w[0]) : w[0] < t - 1 && (!best || w[0] > best.w[0])) best = { s, w };
    }
    if (!best) { app.toast(dir > 0 ? "No low-confidence word after the playhead." : "No low-confidence word before the playhead.", "info", 2000); return; }
    select(best.s.id, "segment", false); app.seek(best.w[0]);
  }
  async function splitAtPlayhead() {
    const t = Math.round(app.nowMs()), cur = selectedSegment();
    const s = cur && cur.start < t && t < cur.end ? cur : S.segs.find((g) => g.start < t && t < g.end);
    if (!s) { app.toast("Put the playhead inside a segment to split it."); return; }
    const id = s.id;
    const r = await app.edit(() => { const now = segNow(id); return now ? { op: "split", segment: ref(now), at: t } : null; });
    if (r && r.ok && V.sel !== id) select(id, "segment", false);
    return r;
  }
  // Merge segment `a` with `b` (the next one when `b` is not given); the speaker is the one of the
  // two holding more speech (the server's rule), `speakerId` (when given) another.
  async function merge(a, b, speakerId) {
    if (!a) { app.toast("Select a segment to merge with the next one."); return; }
    const other = b || store.neighbour(a, 1);
    if (!other) { app.toast("This is the last segment."); return; }
    const [first, second] = a.start <= other.start ? [a, other] : [other, a];
    const ids = [first.id, second.id];
    const r = await app.edit(() => {
      const x = segNow(ids[0]), y = segNow(ids[1]);
      if (!x || !y) return null;
      return { op: "merge", segment: ref(x), other: ref(y), ...(speakerId !== undefined ? { speaker_id: speakerId } : {}) };
    });
    if (r && r.ok) {
      const merged = segNow(ids[0]);
      if (merged) {
        select(merged.id, "segment", false);
        if (S.speakers.length > 1) app.toast("Merged as " + app.spkName(merged.speaker_id) + " (1 – 9 gives it another speaker).", "info", 3000);
      }
    }
    return r;
  }
  const mergeNext = () => merge(selectedSegment());
  function setSpeakerN(n) {
    const s = selectedSegment(), p = S.speakers[n - 1];
    if (!s || !p) return;
    const id = s.id;
    return app.edit(() => { const now = segNow(id); return now ? { op: "set_speaker", segment: ref(now), speaker_id: p.id } : null; });
  }
  function toggleEmotion(label) {
    const s = selectedSegment();
    if (!s) { app.toast("Select a segment first."); return; }
    const id = s.id;
    return app.edit(() => {
      const now = segNow(id); if (!now) return null;
      const has = S.tags.find((t) => t.kind === "emotion" && t.segment_id === id && t.label === label);
      if (has) return { op: "delete_tag", tag: ref(has) };
      return { op: "add_tag", kind: "emotion", start: now.start, end: now.end, label, segment_id: id };
    });
  }
  // Tag the selected time range (else the selected region's span) with sound event `label`.
  function tagEvent(label) {
    const o = store.selected(), r = V.range || (o && [o.start, o.end]);
    if (!r) { app.toast("Select a time range (drag on the waveform) or a segment first."); return; }
    return app.edit({ op: "add_tag", kind: "sound_event", start: Math.round(r[0]), end: Math.round(r[1]), label });
  }
  function deleteSelected() {
    const o = store.selected(); if (!o) return;
    const kind = V.selKind, id = o.id, what = kind === "segment" ? "segment “" + (o.text || "").slice(0, 40) + "”" : o.label || "tag";
    return app.edit(() => {
      const now = kind === "segment" ? segNow(id) : S.tags.find((t) => t.id === id);
      if (!now) return null;
      return kind === "segment" ? { op: "delete_segment", segment: ref(now) } : { op: "delete_tag", tag: ref(now) };
    }).then((r) => { if (r && r.ok) app.toast("Deleted the " + what + ". Ctrl+Z brings it back.", "info", 5000); return r; });
  }
  // Set the selected region's start or end to the playhead (`at`), or move it by `delta` ms.
  function moveEdge(which, how) {
    const o = store.selected();
    if (!o) { app.toast("Select a segment (or tag) first."); return; }
    const kind = V.selKind, id = o.id;
    const check = movedEdge(o, which, how, S.rec.duration);
    if (typeof check === "string") { app.toast(check, "info", 3000); return; }
    return app.edit(() => {
      const now = kind === "segment" ? segNow(id) : S.tags.find((t) => t.id === id);
      if (!now) return null;
      const span = movedEdge(now, which, how, S.rec.duration);
      if (typeof span === "string") { app.toast(span, "info", 3000); return null; }
      if (span[0] === now.start && span[1] === now.end) return null;
      return kind === "segment" ? { op: "set_span", segment: ref(now), start: span[0], end: span[1] }
        : { op: "update_tag", tag: ref(now), start: span[0], end: span[1] };
    });
  }
  async function newSegmentFromRange() {
    if (!V.range) { app.toast("Drag on the waveform to select a time range first (or drag in a speaker's lane)."); return; }
    const [a, b] = V.range.map(Math.round);
    const speaker = speakerAround(S.segs, S.speakers, selectedSegment(), a);
    const r = await app.edit({ op: "create_segment", start: a, end: b, speaker_id: speaker });
    if (r && r.ok) { store.setRange(null); selectCreated(r, "segment"); }
    return r;
  }
  const help = (show) => { $(".al-help").hidden = !show; if (show) app.renderHelp(); };

  return {
    select, selectCreated, step, nextWhere, lowWord, splitAtPlayhead, merge, mergeNext, setSpeakerN, toggleEmotion, tagEvent,
    deleteSelected, help, newSegmentFromRange,
    edgeToPlayhead: (which) => moveEdge(which, { at: app.nowMs() }),
    nudge: (which, delta) => moveEdge(which, { delta }),
    backspaceHint() { if (store.selected()) app.toast("Delete removes the selected region (Backspace does not).", "info", 2500); },
    markReviewed() {
      const s = selectedSegment(); if (!s) return;
      const id = s.id;
      app.edit(() => { const now = segNow(id); return now ? { op: "set_status", segment: ref(now), status: "reviewed" } : null; });
    },
    editSelected() { if (V.selKind === "segment" && V.sel) app.startEdit(V.sel); },
    // A hotkey of the emotion / sound-event vocabulary; false when no entry has that key.
    emotionHotkey(key) { const v = S.vocab.emotion.find((x) => x.hotkey === key); if (!v) return false; toggleEmotion(v.label); return true; },
    // (a selected machine proposal is accepted under that label instead: proposals.js)
    eventHotkey(key) {
      const v = S.vocab.sound_event.find((x) => x.hotkey === key); if (!v) return false;
      if (!app.acceptProposal(v.label)) tagEvent(v.label);
      return true;
    },
    wholeFile() { app.fitAll(); app.refresh(); },
    toggleSpec() { app.setSpec(!store.spec.on); },
    toggleHelp() { help($(".al-help").hidden); },
    escape() { help(false); store.setRange(null); select(null, null, false); },
  };
}
