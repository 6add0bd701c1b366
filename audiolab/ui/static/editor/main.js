// Mounts the waveform + transcript editor in its gr.HTML element (js_on_load gives `element`,
// `props`, `trigger`, `server`): builds the markup, then the store, the server client and the
// views, each adding its functions to one `app` object the others call through; wires the
// toolbar and the keys, and exposes window.audiolabEditor (used by the tests and bench/ui.py).
// Every piece of user text goes into the page through textContent / value / canvas fillText,
// never innerHTML. Times are integer milliseconds.
import { el, isTyping, onScreen, scoped, toaster } from "../shared/dom.js";
import { count, fmt } from "../shared/format.js";
import { createClient } from "./client.js";
import { createCommands } from "./commands.js";
import { createFind } from "./find.js";
import { GUTTER, LANE_H, WAVE_H, laneY } from "./geometry.js";
import { dispatch, helpRows } from "./keymap.js";
import { createPanels } from "./panels.js";
import { b64int8, chunkKey, gainFor } from "./peaks.js";
import { createPlayer } from "./player.js";
import { createSpectrogram } from "./spectrogram.js";
import { createStore } from "./store.js";
import { timecode } from "./timecode.js";
import { createTimeline } from "./timeline.js";
import { createTranscript } from "./transcript.js";

const MARKUP = `
  <div class="al-editor" tabindex="-1">
    <div class="al-toolbar">
      <select class="al-recsel" title="Recording"></select>
      <button class="al-btn al-play" title="Play / pause (Space)">▶</button>
      <button class="al-btn al-playseg" title="Play selected segment (P)">▶ seg</button>
      <button class="al-btn al-loop" title="Loop selected segment (L)">⟲</button>
      <span class="al-clock">0:00.000</span><span class="al-dur"></span>
      <span class="al-tc" title="SMPTE timecode of the current video frame"></span>
      <select class="al-speed" title="Speed ([ and ])"></select>
      <span class="al-sep"></span>
      <button class="al-btn al-zoomout" title="Zoom out (-)">−</button>
      <button class="al-btn al-zoomin" title="Zoom in (+)">+</button>
      <button class="al-btn al-fit" title="Whole file (0)">⤢</button>
      <button class="al-btn al-specbtn" title="Spectrogram of the visible window (G)">Spectrogram</button>
      <span class="al-sep"></span>
      <button class="al-btn al-split" title="Split at playhead (S)">Split</button>
      <button class="al-btn al-merge" title="Merge with next (M)">Merge</button>
      <button class="al-btn al-undo" title="Undo (Ctrl+Z)">↶</button>
      <button class="al-btn al-redo" title="Redo (Ctrl+Shift+Z)">↷</button>
      <span class="al-grow"></span>
      <span class="al-user"></span>
      <span class="al-saved" title="Every edit is saved at once"></span>
      <button class="al-btn al-helpbtn" title="Keyboard shortcuts (?)">?</button>
    </div>
    <div class="al-stage">
      <div class="al-videobox"></div>
      <div class="al-wavebox">
        <canvas class="al-overview"></canvas>
        <canvas class="al-ruler"></canvas>
        <canvas class="al-spec" hidden></canvas>
        <canvas class="al-main"></canvas>
      </div>
    </div>
    <div class="al-body">
      <div class="al-transcript"><div class="al-tx-head"><span>Transcript</span>
        <label class="al-follow"><input type="checkbox" class="al-followcb" checked> follow playback</label></div>
        <div class="al-find" hidden>
          <input class="al-find-q" placeholder="Find (Enter: next, Shift+Enter: previous)" maxlength="200">
          <input class="al-find-r" placeholder="Replace with" maxlength="200">
          <label title="Match case"><input type="checkbox" class="al-find-case"> Aa</label>
          <label title="Whole words only"><input type="checkbox" class="al-find-word" checked> words</label>
          <button class="al-btn al-small al-find-all" title="Replace in every segment (one undo)">Replace all</button>
          <span class="al-find-n al-muted"></span>
          <button class="al-btn al-small al-find-close" title="Close (Esc)">×</button>
        </div>
        <div class="al-rows"></div></div>
      <div class="al-side">
        <section class="al-panel al-inspector"><h4>Selection</h4><div class="al-insp"></div></section>
        <section class="al-panel"><h4>Speakers</h4><div class="al-speakers"></div>
          <div class="al-inline"><input class="al-newspk" placeholder="New speaker name" maxlength="80"><button class="al-btn al-addspk">Add</button></div>
          <div class="al-inline"><select class="al-mergefrom"></select><span>into</span><select class="al-mergeinto"></select><button class="al-btn al-mergespk">Merge</button></div>
        </section>
        <section class="al-panel"><h4>Tag with</h4>
          <div class="al-inline"><span class="al-lbl">Event</span><select class="al-eventsel"></select></div>
          <div class="al-inline"><span class="al-lbl">Emotion</span><select class="al-emosel"></select></div>
          <details class="al-vocabed"><summary>Edit vocabularies</summary><div class="al-vocab"></div></details>
        </section>
        <section class="al-panel"><details class="al-histdet"><summary>History</summary><ol class="al-history"></ol></details></section>
      </div>
    </div>
    <div class="al-toasts" aria-live="polite"></div>
    <div class="al-help" hidden><div class="al-help-card"><h3>Keyboard shortcuts</h3><table class="al-keys"></table>
      <p class="al-help-note">While you type a segment's text, Enter saves, Ctrl+Enter saves and marks it reviewed, Esc cancels, Tab plays / pauses (resuming 1 s back) and Shift+Tab jumps back 2 s; other keys are text.</p>
      <button class="al-btn al-helpclose">Close</button></div></div>
  </div>`;

const hashRec = () => { const m = /rec=([^&]+)/.exec(location.hash || ""); return m ? decodeURIComponent(m[1]) : null; };

export function mount(element, props, trigger, server) {
  const root = element;
  root.innerHTML = MARKUP;
  const $ = scoped(root);
  const store = createStore(), S = store.state, V = store.view;
  const app = { root, $, store, server, toast: toaster($(".al-toasts"), "al"), savedFlash, afterChanges };
  // Each part adds its functions to `app`; a name given twice is a wiring mistake.
  const provide = (part) => {
    for (const k of Object.keys(part)) { if (k in app) throw new Error("editor: " + k + " is provided twice"); app[k] = part[k]; }
  };
  for (const create of [createClient, createPlayer, createTimeline, createSpectrogram, createTranscript, createPanels, createFind, createCommands]) {
    provide(create(app));
  }
  let recsListed = Promise.resolve();

  function savedFlash(ok) {
    const s = $(".al-saved");
    s.textContent = ok ? "✓ saved" : "not saved";
    s.className = "al-saved " + (ok ? "ok" : "bad");
  }
  function updateUndo() { $(".al-undo").disabled = !S.canUndo; $(".al-redo").disabled = !S.canRedo; }
  // Redraw what a merge of server changes (store.applyChanges) touched.
  function afterChanges({ structural, touched }) {
    if (structural) { app.buildLanes(); app.renderRows(); app.renderSpeakers(); }
    else for (const id of touched) { const s = S.byId.get(id); if (s) app.updateRow(s); }
    app.renderInspector(); updateUndo(); app.draw(); app.loadHistory();
  }

  async function loadRecordings(selected) {
    const recs = await app.recordings();
    const sel = $(".al-recsel");
    sel.textContent = "";
    const opt0 = el("option", "", recs.length ? "Choose a recording…" : "No recordings yet: add one in the Library tab");
    opt0.value = ""; sel.appendChild(opt0);
    for (const r of recs) { const o = el("option", "", r.name + "  (" + fmt(r.duration_ms, false) + ")"); o.value = r.id; sel.appendChild(o); }
    if (selected) sel.value = selected;
    return recs;
  }
  // `#rec=ID&seg=SEG&t=MS` (from the review queue): select that segment, else go to that time.
  function hashAnchor() {
    const h = location.hash || "", m = /[#&]seg=([^&]+)/.exec(h), t = /[#&]t=(\d+)/.exec(h);
    const id = m ? decodeURIComponent(m[1]) : null;
    if (id && S.byId.get(id)) app.select(id, "segment", true);
    else if (t) { app.seek(Number(t[1])); const s = S.segs.find((x) => x.end > Number(t[1])); if (s) app.select(s.id, "segment", false); }
  }
  function applyState(st) {
    store.load(st);
    $(".al-user").textContent = "✎ " + S.user + (S.tier && S.tier.role === "annotation" ? " (own copy)" : "");
    $(".al-dur").textContent = " / " + fmt(S.rec.duration);
    app.buildLanes(); app.renderRows(); app.renderSpeakers(); app.renderVocabSelects(); app.renderVocabEditor(); app.renderInspector(); updateUndo();
  }
  async function open(recId) {
    if (!recId) return;
    store.setReady(false); root.dataset.ready = "";
    const t0 = performance.now();
    const pre = app.takePrefetch(recId);
    let st = pre ? await pre : null;
    root.dataset.prefetched = st ? "1" : "";
    // `width` lets the server send the peaks of the first (whole-file) view with the state.
    if (!st) st = await app.loadState(recId, Math.max(200, $(".al-wavebox").clientWidth || root.clientWidth - 20) - GUTTER);
    if (!st || !st.ok) { app.toast((st && st.message) || "The server did not answer; reload to try again.", "error", 8000); return; }
    applyState(st.state);
    for (const r of st.peaks || []) store.putChunk(chunkKey(r.level, r.chunk), b64int8(r.data));
    app.setupMedia(st.media);
    recsListed.then(() => {
      // A recording added (Library tab) after the list was read: read the list again.
      if (![...$(".al-recsel").options].some((o) => o.value === S.rec.id)) loadRecordings(S.rec.id);
      else $(".al-recsel").value = S.rec.id;
    });
    app.fitAll();
    store.setGain(1);
    await Promise.all([app.ensurePeaks(), ...app.coarsePeaks()]);
    store.setGain(gainFor(S.peaks, store.chunks));
    store.dropSpecImage();
    app.draw();
    if (store.spec.on) app.scheduleSpec(0);
    hashAnchor();
    const unsaved = app.unsavedSegments();
    if (unsaved.length) app.toast("Text you typed and did not save is kept for " + count(unsaved.length, "segment")
      + " (at " + unsaved.slice(0, 5).map((x) => fmt(x.start, false)).join(", ") + (unsaved.length > 5 ? ", …" : "") + "): edit it (Enter) to restore it.", "info", 12000);
    store.setReady(true); root.dataset.ready = "1"; root.dataset.recording = S.rec.id;
    root.dataset.loadMs = String(Math.round(performance.now() - t0));
  }

  // ---- toolbar, help, keys ----
  $(".al-zoomin").addEventListener("click", () => app.zoom(0.5));
  $(".al-zoomout").addEventListener("click", () => app.zoom(2));
  $(".al-fit").addEventListener("click", () => app.wholeFile());
  $(".al-split").addEventListener("click", app.splitAtPlayhead);
  $(".al-merge").addEventListener("click", app.mergeNext);
  $(".al-undo").addEventListener("click", () => app.edit({ op: "undo" }));
  $(".al-redo").addEventListener("click", () => app.edit({ op: "redo" }));
  $(".al-recsel").addEventListener("change", () => { const v = $(".al-recsel").value; if (v) location.hash = "rec=" + encodeURIComponent(v); });
  for (const [k, d] of helpRows()) { const tr = el("tr"); tr.append(el("td", "al-key", k), el("td", "", d)); $(".al-keys").appendChild(tr); }
  $(".al-helpbtn").addEventListener("click", () => app.help(true));
  $(".al-helpclose").addEventListener("click", () => app.help(false));
  document.addEventListener("keydown", (e) => {
    if (!onScreen(root) || !S.rec || isTyping(e.target)) return;
    if (dispatch("editor", e, app)) e.preventDefault();
  });

  // ---- start ----
  app.startPolling();
  window.addEventListener("hashchange", () => { const r = hashRec(); if (r && (!S.rec || r !== S.rec.id)) open(r); else if (r && V.ready) hashAnchor(); });
  const main = app.canvases.main;
  window.audiolabEditor = {
    state: S, view: V, open, seek: app.seek, media: app.media, edit: app.edit, poll: app.poll,
    timeToX: (t) => main.getBoundingClientRect().left + app.t2x(t),
    laneCenterY: (i) => main.getBoundingClientRect().top + laneY(i) + LANE_H / 2,
    laneOfSegment: (id) => { const s = S.byId.get(id); return V.lanes.findIndex((l) => l.kind === "speaker" && l.id === (s.speaker_id || null)); },
    laneOfKind: (k) => V.lanes.findIndex((l) => l.kind === k),
    waveY: () => main.getBoundingClientRect().top + WAVE_H / 2,
    spectrogram: store.spec, setSpectrogram: app.setSpec,
    timecode: (ms) => timecode(ms, S.rec.video),
  };
  // The recording named by the URL opens at once, while the list of recordings is read beside it.
  (async () => {
    const want = hashRec() || props.initial_recording || null;
    recsListed = loadRecordings(want);
    if (want) { await open(want); return; }
    const recs = await recsListed;
    if (recs[0]) await open(recs[0].id);
  })();
}
