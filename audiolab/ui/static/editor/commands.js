// What the user asks the editor to do (keys, toolbar, inspector): select a region, step through
// segments or doubtful words, split, merge, tag, delete. Each turns into store actions and edits.
import { ref } from "./store.js";
import { LOW_P } from "./transcript.js";

// `app` gives $, store, toast, edit, seek, nowMs, reveal, draw, markSelected, renderInspector,
// startEdit, fitAll, refresh, setSpec.
export function createCommands(app) {
  const { $, store } = app, S = store.state, V = store.view;
  const selectedSegment = () => (V.selKind === "segment" ? store.selected() : null);

  // Select segment or tag `id` (kind "segment" / "tag"; null clears), show it, seek to it if asked.
  function select(id, kind, seekTo) {
    const prev = store.select(id, kind);
    const o = kind === "segment" ? S.byId.get(id) : S.tags.find((t) => t.id === id);
    app.markSelected(prev, id, kind === "segment");
    if (o && seekTo) app.seek(o.start);
    if (o) app.reveal(o.start); else app.draw();
    app.renderInspector();
  }
  // The previous / next segment (from the playhead when none is selected).
  function step(dir) {
    if (!S.segs.length) return;
    let i = V.selKind === "segment" ? S.segs.findIndex((s) => s.id === V.sel) : -1;
    if (i < 0) { const t = app.nowMs(); i = S.segs.findIndex((s) => s.end > t); if (i < 0) i = S.segs.length; if (dir > 0) i -= 1; }
    const target = S.segs[Math.max(0, Math.min(S.segs.length - 1, i + dir))];
    if (target) select(target.id, "segment", true);
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
  function splitAtPlayhead() {
    const t = Math.round(app.nowMs()), cur = selectedSegment();
    const s = cur && cur.start < t && t < cur.end ? cur : S.segs.find((g) => g.start < t && t < g.end);
    if (!s) { app.toast("Put the playhead inside a segment to split it."); return; }
    return app.edit({ op: "split", segment: ref(s), at: t });
  }
  function mergeNext() {
    const s = store.selected();
    if (!s || V.selKind !== "segment") { app.toast("Select a segment to merge with the next one."); return; }
    const i = S.segs.indexOf(s), n = S.segs.slice(i + 1).find((g) => g.tier_id === s.tier_id);
    if (!n) { app.toast("This is the last segment."); return; }
    return app.edit({ op: "merge", segment: ref(s), other: ref(n) });
  }
  function setSpeakerN(n) {
    const s = store.selected(), p = S.speakers[n - 1];
    if (!s || V.selKind !== "segment" || !p) return;
    return app.edit({ op: "set_speaker", segment: ref(s), speaker_id: p.id });
  }
  function toggleEmotion(label) {
    const s = store.selected();
    if (!s || V.selKind !== "segment") { app.toast("Select a segment first."); return; }
    const has = S.tags.find((t) => t.kind === "emotion" && t.segment_id === s.id && t.label === label);
    if (has) return app.edit({ op: "delete_tag", tag: ref(has) });
    return app.edit({ op: "add_tag", kind: "emotion", start: s.start, end: s.end, label, segment_id: s.id });
  }
  // Tag the selected time range (else the selected region's span) with sound event `label`.
  function tagEvent(label) {
    const o = store.selected(), r = V.range || (o && [o.start, o.end]);
    if (!r) { app.toast("Select a time range (drag on the waveform) or a segment first."); return; }
    return app.edit({ op: "add_tag", kind: "sound_event", start: Math.round(r[0]), end: Math.round(r[1]), label });
  }
  function deleteSelected() {
    const o = store.selected(); if (!o) return;
    if (V.selKind === "segment") app.edit({ op: "delete_segment", segment: ref(o) }); else app.edit({ op: "delete_tag", tag: ref(o) });
  }
  const help = (show) => { $(".al-help").hidden = !show; };

  return {
    select, step, lowWord, splitAtPlayhead, mergeNext, setSpeakerN, toggleEmotion, tagEvent, deleteSelected, help,
    markReviewed() { const s = selectedSegment(); if (s) app.edit({ op: "set_status", segment: ref(s), status: "reviewed" }); },
    newSegmentFromRange() { if (V.range) app.edit({ op: "create_segment", start: Math.round(V.range[0]), end: Math.round(V.range[1]), speaker_id: null }); },
    editSelected() { if (V.selKind === "segment" && V.sel) app.startEdit(V.sel); },
    // A hotkey of the emotion / sound-event vocabulary; false when no entry has that key.
    emotionHotkey(key) { const v = S.vocab.emotion.find((x) => x.hotkey === key); if (!v) return false; toggleEmotion(v.label); return true; },
    eventHotkey(key) { const v = S.vocab.sound_event.find((x) => x.hotkey === key); if (!v) return false; tagEvent(v.label); return true; },
    wholeFile() { app.fitAll(); app.refresh(); },
    toggleSpec() { app.setSpec(!store.spec.on); },
    toggleHelp() { help($(".al-help").hidden); },
    escape() { help(false); store.setRange(null); select(null, null, false); },
  };
}
