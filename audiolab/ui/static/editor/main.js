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
import { activeKeymap, chordName, chordsOf, dispatch, helpSections, holderOf, prettyChord, useOverrides } from "./keymap.js";
import { createPanels } from "./panels.js";
import { b64int8, chunkKey, gainFor } from "./peaks.js";
import { createPlayer } from "./player.js";
import { createProposals } from "./proposals.js";
import { createVoices } from "./speakers.js";
import { createSpectrogram } from "./spectrogram.js";
import { createStore } from "./store.js";
import { timecode } from "./timecode.js";
import { createTimeline } from "./timeline.js";
import { createTranscript } from "./transcript.js";

const MARKUP = `
  <div class="al-editor" tabindex="-1">
    <div class="al-toolbar">
      <select class="al-recsel" title="Recording"></select>
      <button class="al-btn al-play" title="Play / pause (Space)"><span class="al-ico"></span></button>
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
      <button class="al-btn al-primary al-submit" hidden title="Hand in your version for review">Submit…</button>
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
        <span class="al-tx-opts"><label class="al-follow" title="One row per turn with the speaker's name, like a chat (C)"><input type="checkbox" class="al-convocb"> conversation</label>
        <label class="al-follow"><input type="checkbox" class="al-followcb" checked> follow playback</label></span></div>
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
          <div class="al-inline"><button class="al-btn al-small al-detect" title="Propose where sounds are in this recording: “?” candidates (E / Q step through them)">Find sound events</button>
            <button class="al-btn al-small al-suggest" title="Label the candidates by likeness to the sound events people tagged in this project">Suggest labels</button></div>
          <div class="al-inline"><button class="al-btn al-small al-acceptabove" title="Accept every suggestion scoring at least this much (one undo)">Accept suggestions ≥</button>
            <input class="al-minscore" size="4" maxlength="5" title="A score from 0 to 1 (or a percentage)"></div>
          <details class="al-vocabed"><summary>Edit vocabularies</summary><div class="al-vocab"></div></details>
        </section>
        <section class="al-panel"><details class="al-histdet"><summary>History</summary><ol class="al-history"></ol></details></section>
      </div>
    </div>
    <div class="al-toasts" aria-live="polite"></div>
    <div class="al-help" hidden><div class="al-help-card"><h3>Keyboard shortcuts</h3>
      <div class="al-inline"><button class="al-btn al-helpclose">Close</button><button class="al-btn al-small al-keyreset">Default keys</button>
        <span class="al-help-note">Click a key to choose another one for that action (kept in this browser). While you type a segment's text, other keys are text.</span></div>
      <div class="al-keymsg"></div><div class="al-keys"></div></div></div>
    <div class="al-confirm" hidden><div class="al-help-card">
      <h3>Submit your version for review?</h3>
      <p class="al-muted">A reviewer then accepts it or sends it back with a comment; until then it is not yours to change.</p>
      <div class="al-inline"><input class="al-submit-comment" placeholder="Comment for the reviewer (optional)" maxlength="500"></div>
      <div class="al-inline"><button class="al-btn al-primary al-submit-yes">Submit</button><button class="al-btn al-submit-no">Cancel</button></div>
    </div></div>
  </div>`;

const hashRec = () => { const m = /rec=([^&]+)/.exec(location.hash || ""); return m ? decodeURIComponent(m[1]) : null; };

export function mount(element, props, trigger, server) {
  const root = element;
  root.innerHTML = MARKUP;
  const $ = scoped(root);
  const store = createStore(), S = store.state, V = store.view;
  const app = { root, $, store, server, toast: toaster($(".al-toasts"), "al"), savedFlash, afterChanges, renderHelp,
                toggleConversation, showSubmit };
  // Each part adds its functions to `app`; a name given twice is a wiring mistake.
  const provide = (part) => {
    for (const k of Object.keys(part)) { if (k in app) throw new Error("editor: " + k + " is provided twice"); app[k] = part[k]; }
  };
  for (const create of [createClient, createPlayer, createTimeline, createSpectrogram, createTranscript, createPanels, createFind, createCommands, createProposals, createVoices]) {
    provide(create(app));
  }
  let recsListed = Promise.resolve();

  function savedFlash(ok) {
    const s = $(".al-saved");
    s.textContent = ok ? "✓ saved" : "not saved";
    s.className = "al-saved " + (ok ? "ok" : "bad");
  }
  function updateUndo() { $(".al-undo").disabled = !S.canUndo; $(".al-redo").disabled = !S.canRedo; }
  // Redraw what a merge of server changes (store.applyChanges) touched; the selection, the
  // transcript's scroll position and the focus stay (transcript.js keeps the user's place).
  function afterChanges({ structural, touched }) {
    const focus = document.activeElement;
    if (structural) { app.buildLanes(); app.renderRows(); app.renderSpeakers(); }
    else for (const id of touched) { const s = S.byId.get(id); if (s) app.updateRow(s); }
    app.renderInspector(); updateUndo(); app.draw(); app.loadHistory();
    if (V.sel && V.selKind === "segment" && !S.byId.has(V.sel)) store.select(null, null);
    // a rebuilt panel took the focused field away: the editor keeps the keys
    if (focus && !focus.isConnected && !V.editing) root.querySelector(".al-editor").focus({ preventScroll: true });
  }
  // ---- conversation view ----
  function toggleConversation(on) {
    store.setConvo(on === undefined ? !V.convo : on);
    $(".al-convocb").checked = V.convo;
    try { localStorage.setItem("audiolab.conversation", V.convo ? "1" : ""); } catch (e) { /* storage off */ }
    app.renderRows();
  }
  // ---- an annotator hands in their version ----
  function showSubmit() {
    const can = S.tier && S.tier.role === "annotation" && ["assigned", "in_progress", "rejected"].includes(S.assignment || "");
    const b = $(".al-submit");
    b.hidden = !(S.tier && S.tier.role === "annotation" && S.assignment);
    b.disabled = !can;
    b.textContent = can ? "Submit…" : S.assignment === "submitted" ? "Submitted ✓" : S.assignment === "reviewed" ? "Accepted ✓" : "Submit…";
  }
  $(".al-submit").addEventListener("click", () => { $(".al-confirm").hidden = false; $(".al-submit-comment").focus(); });
  $(".al-submit-no").addEventListener("click", () => { $(".al-confirm").hidden = true; root.querySelector(".al-editor").focus(); });
  $(".al-submit-yes").addEventListener("click", async () => {
    await app.idle();
    const r = await app.submitWork($(".al-submit-comment").value);
    $(".al-confirm").hidden = true;
    if (!r || !r.ok) { app.toast((r && r.message) || "The server did not answer; nothing was submitted.", "error", 8000); return; }
    store.setAssignment(r.assignment); showSubmit(); app.toast(r.message, "info", 6000);
  });
  // ---- the help card: the keys in force, each one changeable (kept in this browser) ----
  const KEYS_STORE = "audiolab.keys";
  const loadOverrides = () => { try { return JSON.parse(localStorage.getItem(KEYS_STORE) || "{}") || {}; } catch (e) { return {}; } };
  let overrides = loadOverrides(), capturing = null;
  { const res = useOverrides(overrides); if (res.refused.length) console.warn("audiolab keys:", res.refused.join("; ")); }
  function renderHelp(msg) {
    const box = $(".al-keys"); box.textContent = "";
    for (const [section, rows] of helpSections()) {
      const sec = el("section", "al-keysec"); sec.appendChild(el("h4", "", section));
      const table = el("table", ""); sec.appendChild(table);
      for (const [keys, help, row] of rows) {
        const tr = el("tr"), td = el("td", "al-key");
        if (!row.fixed && row.scope !== "pointer") {
          const b = el("button", "al-keybtn" + (row.custom ? " custom" : ""), capturing === row.id ? "press a key…" : keys);
          b.title = "Click, then press the key(s) for: " + help; b.dataset.id = row.id;
          b.addEventListener("click", () => { capturing = row.id; renderHelp(); });
          td.appendChild(b);
        } else td.textContent = keys;
        tr.append(td, el("td", "", help)); table.appendChild(tr);
      }
      box.appendChild(sec);
    }
    $(".al-keymsg").textContent = msg || "";
  }
  function setKeys(id, chords) {
    if (chords) overrides[id] = chords; else delete overrides[id];
    try { localStorage.setItem(KEYS_STORE, JSON.stringify(overrides)); } catch (e) { /* storage off */ }
    const res = useOverrides(overrides);
    return res.refused;
  }
  // The next key pressed while a key of the help card is being chosen.
  document.addEventListener("keydown", (e) => {
    if (!capturing) return;
    if (["Shift", "Control", "Alt", "Meta"].includes(e.key)) return;
    e.preventDefault(); e.stopPropagation();
    const id = capturing, row = activeKeymap().find((r) => r.id === id);
    capturing = null;
    if (e.key === "Escape" || !row) { renderHelp(); return; }
    const chord = chordName(e), pattern = chordsOf(row.scope, e)[1];
    const holder = holderOf(activeKeymap(), row.scope, pattern || chord, id);
    if (holder) { renderHelp(prettyChord(chord) + " is taken by “" + (holder.help || holder.id) + "”: choose another key."); return; }
    const refused = setKeys(id, [chord]);
    renderHelp(refused.length ? refused.join("; ") : prettyChord(chord) + ": " + row.help);
  }, true);
  $(".al-keyreset").addEventListener("click", () => {
    overrides = {}; setKeys("none", null); capturing = null; renderHelp("Every key is back to its default.");
  });

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
    showSubmit(); app.loadVoices();
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
  renderHelp();
  $(".al-convocb").addEventListener("change", () => toggleConversation($(".al-convocb").checked));
  try { if (localStorage.getItem("audiolab.conversation") === "1") { store.setConvo(true); $(".al-convocb").checked = true; } } catch (e) { /* storage off */ }
  $(".al-helpbtn").addEventListener("click", () => app.help(true));
  $(".al-helpclose").addEventListener("click", () => app.help(false));
  document.addEventListener("keydown", (e) => {
    if (!onScreen(root) || !S.rec || isTyping(e.target) || !$(".al-confirm").hidden) return;
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
