// audiolab waveform + transcript editor. Runs as gr.HTML js_on_load: `element`, `props`,
// `server` (Python functions: load, peaks, edit, changes, history, vocab, recordings, spectrogram) are given.
// Every piece of user text (transcripts, speaker names, tags, notes) goes into the page through
// textContent / value / canvas fillText, never innerHTML. Times are integer milliseconds.
(function () {
  "use strict";
  const root = element;
  const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const GUTTER = 104, WAVE_H = 112, LANE_H = 26, EDGE_PX = 5, LOW_P = 0.5, SPEC_H = 96, SPEC_MAX_MS = 60000;

  root.innerHTML = `
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

  const $ = (s) => root.querySelector(s);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const cv = { ov: $(".al-overview"), ruler: $(".al-ruler"), spec: $(".al-spec"), main: $(".al-main") };

  const S = { rec: null, segs: [], byId: new Map(), speakers: [], tags: [], vocab: { emotion: [], sound_event: [] },
              tier: null, canUndo: false, canRedo: false, peaks: [], user: "", seq: 0 };
  const POLL_MS = 3000;  // how often the editor asks for other people's edits
  const V = { start: 0, mpp: 100, width: 800, sel: null, selKind: null, range: null, loop: false, stopAt: null,
              lanes: [], drag: null, playing: false, ready: false, editing: null, gain: 1 };
  const chunks = new Map(), pending = new Set();
  // Spectrogram view: the image of the last window the server sent (an offscreen canvas).
  const SP = { on: false, img: null, start: 0, end: 0, seq: 0, timer: 0, msg: "" };
  const FIND = { re: null };  // the open find bar's pattern: matching rows are marked
  let media = null, raf = 0;

  // ---------- helpers ----------
  function fmt(ms, withMs = true) {
    ms = Math.max(0, Math.round(ms));
    const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
    const t = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return withMs ? t + "." + String(ms % 1000).padStart(3, "0") : t;
  }
  function toast(msg, kind = "info", ms = 5000) {
    const t = el("div", "al-toast al-" + kind, msg);
    $(".al-toasts").appendChild(t);
    setTimeout(() => t.remove(), ms);
  }
  function savedFlash(ok) {
    const s = $(".al-saved");
    s.textContent = ok ? "✓ saved" : "not saved";
    s.className = "al-saved " + (ok ? "ok" : "bad");
  }
  function spk(id) { return S.speakers.find((s) => s.id === id) || null; }
  function spkColor(id) { const s = spk(id); return (s && s.color) || "#8a93a6"; }
  function spkName(id) { const s = spk(id); return s ? s.display : "(no speaker)"; }
  // Media time (ms from the first audio sample) <-> the media element's clock (see ui/media.py).
  let shiftMs = 0;
  function nowMs() { return media ? Math.max(0, media.currentTime * 1000 - shiftMs) : 0; }
  function toClock(ms) { return (ms + shiftMs) / 1000; }
  function sortedSegs() { return S.segs; }
  function resort() { S.segs.sort((a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1)); }
  function vocabColor(kind, label) { const e = (S.vocab[kind] || []).find((v) => v.label === label); return (e && e.color) || "#777"; }

  // ---------- loading ----------
  async function loadRecordings(selected) {
    const recs = (await server.recordings({})) || [];
    const sel = $(".al-recsel");
    sel.textContent = "";
    const opt0 = el("option", "", recs.length ? "Choose a recording…" : "No recordings yet: add one in the Library tab");
    opt0.value = ""; sel.appendChild(opt0);
    for (const r of recs) { const o = el("option", "", r.name + "  (" + fmt(r.duration_ms, false) + ")"); o.value = r.id; sel.appendChild(o); }
    if (selected) sel.value = selected;
    return recs;
  }
  function hashRec() { const m = /rec=([^&]+)/.exec(location.hash || ""); return m ? decodeURIComponent(m[1]) : null; }
  // `#rec=ID&seg=SEG&t=MS` (from the review queue): select that segment, else go to that time.
  function hashAnchor() {
    const h = location.hash || "", m = /[#&]seg=([^&]+)/.exec(h), t = /[#&]t=(\d+)/.exec(h);
    const id = m ? decodeURIComponent(m[1]) : null;
    if (id && S.byId.get(id)) select(id, "segment", true);
    else if (t) { seek(Number(t[1])); const s = S.segs.find((x) => x.end > Number(t[1])); if (s) select(s.id, "segment", false); }
  }

  async function open(recId) {
    if (!recId) return;
    V.ready = false; root.dataset.ready = "";
    const t0 = performance.now();
    // `width` lets the server send the peaks of the first (whole-file) view with the state.
    // The page's head script may have asked for this recording's state before Gradio finished
    // booting (editor.prefetch_head); that answer is used once, else (or if it failed) ask now.
    const pre = window.audiolabPrefetch; window.audiolabPrefetch = null;
    let st = pre && pre.recording === recId ? await pre.answer : null;
    root.dataset.prefetched = st ? "1" : "";
    if (!st) st = await server.load({ recording: recId, width: Math.max(200, $(".al-wavebox").clientWidth || root.clientWidth - 20) - GUTTER });
    if (!st || !st.ok) { toast((st && st.message) || "The server did not answer; reload to try again.", "error", 8000); return; }
    applyState(st.state);
    for (const r of st.peaks || []) chunks.set(r.level + ":" + r.chunk, b64int8(r.data));
    setupMedia(st.media);
    recsListed.then(() => {
      // A recording added (Library tab) after the list was read: read the list again.
      if (![...$(".al-recsel").options].some((o) => o.value === S.rec.id)) loadRecordings(S.rec.id);
      else $(".al-recsel").value = S.rec.id;
    });
    fitAll();
    V.gain = 1;
    const top = S.peaks.length - 1;
    await Promise.all([ensurePeaks(), ...(top >= 0 ? neededChunks(top, 0, S.rec.duration).map((c) => fetchChunk(top, c)) : [])]);
    computeGain();
    SP.img = null;
    draw();
    if (SP.on) scheduleSpec(0);
    hashAnchor();
    const unsaved = unsavedSegments();
    if (unsaved.length) toast("Text you typed and did not save is kept for " + unsaved.length + (unsaved.length === 1 ? " segment" : " segments")
      + " (at " + unsaved.slice(0, 5).map((x) => fmt(x.start, false)).join(", ") + (unsaved.length > 5 ? ", …" : "") + "): edit it (Enter) to restore it.", "info", 12000);
    V.ready = true; root.dataset.ready = "1"; root.dataset.recording = S.rec.id;
    root.dataset.loadMs = String(Math.round(performance.now() - t0));
  }
  function applyState(st) {
    S.rec = st.recording; S.tier = st.tier; S.user = st.user; S.speakers = st.speakers; S.tags = st.tags;
    S.vocab = st.vocab; S.peaks = st.peaks; S.canUndo = st.can_undo; S.canRedo = st.can_redo; S.seq = st.seq || 0;
    S.segs = st.segments; S.byId = new Map(S.segs.map((s) => [s.id, s])); resort();
    chunks.clear();
    $(".al-user").textContent = "✎ " + S.user + (S.tier && S.tier.role === "annotation" ? " (own copy)" : "");
    $(".al-dur").textContent = " / " + fmt(S.rec.duration);
    renderAllPanels();
  }
  function renderAllPanels() {
    buildLanes(); renderRows(); renderSpeakers(); renderVocabSelects(); renderVocabEditor(); renderInspector(); updateUndo();
  }
  function setupMedia(m) {
    const box = $(".al-videobox");
    box.textContent = "";
    if (media) { media.pause(); media.removeAttribute("src"); media.load(); }
    media = document.createElement(m.is_video ? "video" : "audio");
    media.preload = "auto";
    media.className = "al-media";
    media.src = m.url;
    shiftMs = m.shift_ms || 0;
    if (m.is_video) { media.playsInline = true; box.appendChild(media); box.hidden = false; } else { box.hidden = true; root.appendChild(media); media.style.display = "none"; }
    media.addEventListener("play", () => { V.playing = true; $(".al-play").textContent = "⏸"; tick(); });
    media.addEventListener("pause", () => { V.playing = false; $(".al-play").textContent = "▶"; V.stopAt = null; updatePlayhead(); });
    media.addEventListener("seeked", () => updatePlayhead());
    media.addEventListener("error", () => toast("The browser cannot play this media file.", "error", 8000));
    media.playbackRate = Number($(".al-speed").value || 1);
    root.audiolabMedia = media;
  }

  // ---------- peaks ----------
  function levelFor(mpp) {
    let best = 0;
    S.peaks.forEach((lv, i) => { if (lv.ms_per_bin <= mpp) best = i; });
    return best;
  }
  async function fetchChunk(level, chunk) {
    const key = level + ":" + chunk;
    if (chunks.has(key) || pending.has(key)) return;
    pending.add(key);
    try {
      const r = await server.peaks({ recording: S.rec.id, level, chunk });
      if (r && r.ok) chunks.set(key, b64int8(r.data));
    } finally { pending.delete(key); }
  }
  function b64int8(data) {
    const bin = atob(data), arr = new Int8Array(bin.length);
    for (let i = 0; i < bin.length; i++) arr[i] = (bin.charCodeAt(i) << 24) >> 24;
    return arr;
  }
  function neededChunks(level, t0, t1) {
    const lv = S.peaks[level]; if (!lv) return [];
    const b0 = Math.max(0, Math.floor(t0 / lv.ms_per_bin)), b1 = Math.min(lv.bins - 1, Math.ceil(t1 / lv.ms_per_bin));
    const out = [];
    for (let c = Math.floor(b0 / lv.chunk); c <= Math.floor(b1 / lv.chunk); c++) out.push(c);
    return out;
  }
  async function ensurePeaks() {
    if (!S.peaks.length) return;
    const t1 = V.start + V.width * V.mpp;
    const lvl = levelFor(V.mpp), ovl = levelFor(S.rec.duration / Math.max(1, V.width));
    const jobs = neededChunks(lvl, V.start, t1).map((c) => fetchChunk(lvl, c));
    neededChunks(ovl, 0, S.rec.duration).forEach((c) => jobs.push(fetchChunk(ovl, c)));
    await Promise.all(jobs);
  }
  function peakAt(level, b0, b1) {
    const lv = S.peaks[level]; let lo = 0, hi = 0, any = false;
    for (let b = b0; b <= b1 && b < lv.bins; b++) {
      const arr = chunks.get(level + ":" + Math.floor(b / lv.chunk)); if (!arr) continue;
      const i = (b % lv.chunk) * 2;
      if (!any) { lo = arr[i]; hi = arr[i + 1]; any = true; } else { if (arr[i] < lo) lo = arr[i]; if (arr[i + 1] > hi) hi = arr[i + 1]; }
    }
    return any ? [Math.max(-1, lo / 127 * V.gain), Math.min(1, hi / 127 * V.gain)] : null;
  }
  function computeGain() {
    // Quiet recordings are drawn louder: the loudest coarse bin reaches 90 % of the height.
    const top = S.peaks.length - 1, lv = S.peaks[top]; let m = 1;
    for (let c = 0; lv && c * lv.chunk < lv.bins; c++) { const a = chunks.get(top + ":" + c); if (a) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); }
    V.gain = Math.min(8, 0.9 * 127 / m);
  }

  // ---------- geometry ----------
  function x2t(x) { return V.start + (x - GUTTER) * V.mpp; }
  function t2x(t) { return GUTTER + (t - V.start) / V.mpp; }
  function viewEnd() { return V.start + V.width * V.mpp; }
  function clampView() {
    const maxStart = Math.max(0, S.rec.duration - V.width * V.mpp);
    V.start = Math.min(Math.max(0, V.start), maxStart);
  }
  function fitAll() { resize(); V.mpp = Math.max(0.5, S.rec.duration / V.width); V.start = 0; }
  function zoom(factor, anchorT) {
    if (!S.rec) return;
    const at = anchorT === undefined ? (media && V.playing ? nowMs() : V.start + V.width * V.mpp / 2) : anchorT;
    const ax = t2x(at);
    V.mpp = Math.min(Math.max(V.mpp * factor, 5), Math.max(5, S.rec.duration / V.width));
    V.start = at - (ax - GUTTER) * V.mpp; clampView(); refresh();
  }
  function refresh() { draw(); ensurePeaks().then(draw); if (SP.on) scheduleSpec(); }
  function resize() {
    const box = $(".al-wavebox"), w = Math.max(200, box.clientWidth);
    const dpr = window.devicePixelRatio || 1;
    const h = { ov: 40, ruler: 24, spec: SPEC_H, main: WAVE_H + V.lanes.length * LANE_H + 6 };
    for (const k of ["ov", "ruler", "spec", "main"]) {
      cv[k].width = Math.round(w * dpr); cv[k].height = Math.round(h[k] * dpr);
      cv[k].style.width = w + "px"; cv[k].style.height = h[k] + "px";
      cv[k].getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    V.width = w - GUTTER; V.cssW = w;
  }
  function buildLanes() {
    const used = new Set(S.segs.map((s) => s.speaker_id));
    V.lanes = S.speakers.map((s) => ({ kind: "speaker", id: s.id }));
    if (used.has(null) || used.has(undefined)) V.lanes.push({ kind: "speaker", id: null });
    V.lanes.push({ kind: "sound_event" }, { kind: "emotion" });
    if (S.rec) { const keep = V.mpp, st = V.start; resize(); V.mpp = keep; V.start = st; clampView(); draw(); }
  }
  function laneY(i) { return WAVE_H + 3 + i * LANE_H; }
  function laneAt(y) { const i = Math.floor((y - WAVE_H - 3) / LANE_H); return i >= 0 && i < V.lanes.length ? i : -1; }
  function laneOfSeg(s) { return V.lanes.findIndex((l) => l.kind === "speaker" && l.id === (s.speaker_id || null)); }
  function laneOfTag(t) { return V.lanes.findIndex((l) => l.kind === t.kind); }
  function regionsInLane(i) {
    const lane = V.lanes[i]; if (!lane) return [];
    if (lane.kind === "speaker") return S.segs.filter((s) => (s.speaker_id || null) === lane.id).map((s) => ({ type: "segment", o: s }));
    return S.tags.filter((t) => t.kind === lane.kind).map((t) => ({ type: "tag", o: t }));
  }
  function hit(x, y) {
    const li = laneAt(y); if (li < 0) return null;
    let best = null;
    for (const r of regionsInLane(li)) {
      const x0 = t2x(r.o.start), x1 = t2x(r.o.end);
      if (Math.abs(x - x0) <= EDGE_PX) return { ...r, edge: "start", lane: li };
      if (Math.abs(x - x1) <= EDGE_PX) return { ...r, edge: "end", lane: li };
      if (x > x0 && x < x1) best = { ...r, edge: null, lane: li };
    }
    return best || { type: null, lane: li };
  }

  // ---------- drawing ----------
  function niceStep(msPerPx) {
    const want = msPerPx * 90;
    const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000];
    return steps.find((s) => s >= want) || 3600000;
  }
  function draw() {
    if (!S.rec || !V.width) return;
    drawOverview(); drawRuler(); if (SP.on) drawSpec(); drawMain(); updatePlayhead();
  }

  // ---------- spectrogram ----------
  // A perceptual colormap (dark violet -> orange -> pale yellow, after "magma"), 256 entries.
  const LUT = (() => {
    const stops = [[0, 0, 0, 4], [0.13, 28, 16, 68], [0.25, 79, 18, 123], [0.38, 129, 37, 129], [0.5, 181, 54, 122],
                   [0.63, 229, 80, 100], [0.75, 251, 135, 97], [0.88, 254, 194, 135], [1, 252, 253, 191]];
    const out = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const v = i / 255; let k = 0; while (k < stops.length - 2 && v > stops[k + 1][0]) k++;
      const a = stops[k], b = stops[k + 1], f = (v - a[0]) / (b[0] - a[0]);
      for (let c = 0; c < 3; c++) out[i * 3 + c] = a[c + 1] + (b[c + 1] - a[c + 1]) * f;
    }
    return out;
  })();
  function setSpec(on) {
    SP.on = on; cv.spec.hidden = !on; $(".al-specbtn").classList.toggle("on", on);
    root.dataset.spectrogram = on ? "1" : "";
    if (!S.rec) return;
    const keep = V.mpp, st = V.start; resize(); V.mpp = keep; V.start = st; clampView();
    if (on) { SP.msg = ""; scheduleSpec(0); }
    draw();
  }
  function scheduleSpec(delay = 150) {
    clearTimeout(SP.timer);
    SP.timer = setTimeout(fetchSpec, delay);
  }
  async function fetchSpec() {
    if (!SP.on || !S.rec) return;
    const start = Math.max(0, Math.floor(V.start)), end = Math.min(S.rec.duration, Math.ceil(viewEnd()));
    if (end - start > SPEC_MAX_MS) { SP.msg = "Zoom in for the spectrogram (at most " + SPEC_MAX_MS / 1000 + " s visible)"; drawSpec(); return; }
    if (SP.img && SP.start === start && SP.end === end) return;
    const seq = ++SP.seq, t0 = performance.now();
    const r = await server.spectrogram({ recording: S.rec.id, start, end, width: Math.round(V.width) });
    if (seq !== SP.seq || !SP.on) return;  // a newer view asked meanwhile
    if (!r || !r.ok) { SP.msg = (r && r.message) || "No spectrogram"; drawSpec(); return; }
    const bin = atob(r.data), img = new ImageData(r.cols, r.mels);
    for (let y = 0; y < r.mels; y++) {
      const row = (r.mels - 1 - y) * r.cols;  // lowest band at the bottom
      for (let x = 0; x < r.cols; x++) {
        const v = bin.charCodeAt(row + x), o = (y * r.cols + x) * 4;
        img.data[o] = LUT[v * 3]; img.data[o + 1] = LUT[v * 3 + 1]; img.data[o + 2] = LUT[v * 3 + 2]; img.data[o + 3] = 255;
      }
    }
    const off = document.createElement("canvas"); off.width = r.cols; off.height = r.mels;
    off.getContext("2d").putImageData(img, 0, 0);
    Object.assign(SP, { img: off, start: r.start, end: r.end, msg: "" });
    root.dataset.specMs = String(Math.round(performance.now() - t0));
    drawSpec();
  }
  function drawSpec() {
    const c = cv.spec.getContext("2d"), w = V.cssW, h = SPEC_H;
    c.clearRect(0, 0, w, h); c.fillStyle = "#05060a"; c.fillRect(0, 0, w, h);
    if (SP.img && !SP.msg) {
      c.imageSmoothingEnabled = true;
      c.save(); c.beginPath(); c.rect(GUTTER, 0, w - GUTTER, h); c.clip();
      c.drawImage(SP.img, t2x(SP.start), 0, (SP.end - SP.start) / V.mpp, h);
      c.restore();
    }
    c.fillStyle = "#161c27"; c.fillRect(0, 0, GUTTER - 2, h);
    c.font = "12px system-ui, sans-serif"; c.textBaseline = "middle"; c.fillStyle = "#7f8ba0";
    c.fillText("Spectrogram", 6, 14); c.fillText("mel, 0–8 kHz", 6, 30);
    if (SP.msg) { c.fillStyle = "#9aa6b8"; c.fillText(SP.msg, GUTTER + 12, h / 2); }
  }
  function drawOverview() {
    const c = cv.ov.getContext("2d"), w = V.cssW, h = 40, dur = S.rec.duration;
    c.clearRect(0, 0, w, h); c.fillStyle = "#141922"; c.fillRect(0, 0, w, h);
    const lvl = levelFor(dur / w), lv = S.peaks[lvl];
    if (lv) {
      c.fillStyle = "#4b5a73";
      for (let x = 0; x < w; x++) {
        const t0 = x * dur / w, t1 = (x + 1) * dur / w;
        const p = peakAt(lvl, Math.floor(t0 / lv.ms_per_bin), Math.max(Math.floor(t0 / lv.ms_per_bin), Math.ceil(t1 / lv.ms_per_bin) - 1));
        if (p) { const y0 = h / 2 - p[1] * (h / 2 - 2), y1 = h / 2 - p[0] * (h / 2 - 2); c.fillRect(x, y0, 1, Math.max(1, y1 - y0)); }
      }
    }
    for (const s of S.segs) { c.fillStyle = spkColor(s.speaker_id); c.fillRect(s.start / dur * w, h - 5, Math.max(1, (s.end - s.start) / dur * w), 4); }
    const vx = V.start / dur * w, vw = Math.max(3, V.width * V.mpp / dur * w);
    c.fillStyle = "rgba(120,170,255,0.18)"; c.fillRect(vx, 0, vw, h);
    c.strokeStyle = "#7aa7ff"; c.lineWidth = 1; c.strokeRect(vx + 0.5, 0.5, vw - 1, h - 1);
  }
  function drawRuler() {
    const c = cv.ruler.getContext("2d"), w = V.cssW, h = 24;
    c.clearRect(0, 0, w, h); c.fillStyle = "#10141b"; c.fillRect(0, 0, w, h);
    const step = niceStep(V.mpp), t1 = viewEnd();
    c.fillStyle = "#9aa6b8"; c.strokeStyle = "#3a4558"; c.font = "11px ui-monospace, SFMono-Regular, Menlo, monospace";
    for (let t = Math.floor(V.start / step) * step; t <= t1; t += step) {
      const x = Math.round(t2x(t)) + 0.5; if (x < GUTTER) continue;
      c.beginPath(); c.moveTo(x, 14); c.lineTo(x, h); c.stroke();
      c.fillText(step < 1000 ? fmt(t) : fmt(t, false), x + 3, 11);
      for (let k = 1; k < 5; k++) { const xx = Math.round(t2x(t + k * step / 5)) + 0.5; c.beginPath(); c.moveTo(xx, 19); c.lineTo(xx, h); c.stroke(); }
    }
    c.fillStyle = "#10141b"; c.fillRect(0, 0, GUTTER, h);
  }
  function drawMain() {
    const c = cv.main.getContext("2d"), w = V.cssW, h = WAVE_H + V.lanes.length * LANE_H + 6;
    c.clearRect(0, 0, w, h); c.fillStyle = "#0d1117"; c.fillRect(0, 0, w, h);
    // selection range
    if (V.range) { c.fillStyle = "rgba(255,214,102,0.16)"; c.fillRect(t2x(V.range[0]), 0, (V.range[1] - V.range[0]) / V.mpp, h); }
    // waveform
    const lvl = levelFor(V.mpp), lv = S.peaks[lvl], mid = WAVE_H / 2;
    c.strokeStyle = "#263041"; c.beginPath(); c.moveTo(GUTTER, mid + 0.5); c.lineTo(w, mid + 0.5); c.stroke();
    if (lv) {
      c.fillStyle = "#5fb3ff";
      for (let x = GUTTER; x < w; x++) {
        const t0 = x2t(x), t1 = x2t(x + 1); if (t0 > S.rec.duration) break;
        const b0 = Math.floor(t0 / lv.ms_per_bin), b1 = Math.max(b0, Math.ceil(t1 / lv.ms_per_bin) - 1);
        const p = peakAt(lvl, b0, b1);
        if (p) { const y0 = mid - p[1] * (mid - 4), y1 = mid - p[0] * (mid - 4); c.fillRect(x, y0, 1, Math.max(1, y1 - y0)); }
      }
    }
    // segment shading on the waveform
    for (const s of S.segs) {
      if (s.end < V.start || s.start > viewEnd()) continue;
      c.fillStyle = hexA(spkColor(s.speaker_id), s.id === V.sel ? 0.22 : 0.08);
      c.fillRect(t2x(s.start), 0, (s.end - s.start) / V.mpp, WAVE_H);
    }
    // lanes
    c.font = "12px system-ui, sans-serif"; c.textBaseline = "middle";
    V.lanes.forEach((lane, i) => {
      const y = laneY(i);
      c.fillStyle = i % 2 ? "#121822" : "#10151e"; c.fillRect(GUTTER, y, w - GUTTER, LANE_H - 2);
      for (const r of regionsInLane(i)) {
        const o = r.o; if (o.end < V.start || o.start > viewEnd()) continue;
        const x0 = Math.max(GUTTER, t2x(o.start)), x1 = Math.min(w, t2x(o.end));
        const color = r.type === "segment" ? spkColor(o.speaker_id) : vocabColor(o.kind, o.label);
        const selected = o.id === V.sel;
        c.fillStyle = hexA(color, selected ? 0.95 : 0.62); c.fillRect(x0, y + 2, Math.max(2, x1 - x0), LANE_H - 6);
        if (selected) { c.strokeStyle = "#fff"; c.lineWidth = 2; c.strokeRect(x0 + 1, y + 2, Math.max(2, x1 - x0) - 2, LANE_H - 6); c.lineWidth = 1; }
        if (r.type === "segment" && o.status === "reviewed") { c.fillStyle = "#fff"; c.fillRect(x0, y + LANE_H - 6, Math.max(2, x1 - x0), 2); }
        if (x1 - x0 > 24) {
          c.save(); c.beginPath(); c.rect(x0 + 3, y, x1 - x0 - 6, LANE_H); c.clip();
          c.fillStyle = "#0b0e14"; c.fillText(r.type === "segment" ? (o.text || "…") : o.label, x0 + 5, y + LANE_H / 2);
          c.restore();
        }
      }
      // gutter label
      c.fillStyle = "#161c27"; c.fillRect(0, y, GUTTER - 2, LANE_H - 2);
      const label = lane.kind === "speaker" ? (lane.id ? spkName(lane.id) : "(no speaker)") : lane.kind === "sound_event" ? "Sound events" : "Emotions";
      c.fillStyle = lane.kind === "speaker" ? spkColor(lane.id) : "#c7cfdb";
      if (lane.kind === "speaker") c.fillRect(4, y + 7, 8, 8);
      c.fillStyle = "#c7cfdb";
      c.save(); c.beginPath(); c.rect(0, y, GUTTER - 6, LANE_H); c.clip();
      const x0 = lane.kind === "speaker" ? 16 : 6;
      c.fillText(fitText(c, (lane.kind === "speaker" && i < 9 ? (i + 1) + " " : "") + label, GUTTER - 8 - x0), x0, y + LANE_H / 2); c.restore();
    });
    c.fillStyle = "#161c27"; c.fillRect(0, 0, GUTTER - 2, WAVE_H);
    c.fillStyle = "#7f8ba0"; c.fillText("Waveform", 6, 14);
    c.fillText(V.mpp >= 1000 ? (V.mpp / 1000).toFixed(1) + " s/px" : Math.round(V.mpp) + " ms/px", 6, 30);
    if (V.drag && V.drag.ghost) {
      const g = V.drag.ghost; c.fillStyle = "rgba(255,255,255,0.25)";
      c.fillRect(t2x(g[0]), V.drag.lane >= 0 ? laneY(V.drag.lane) + 2 : 0, (g[1] - g[0]) / V.mpp, V.drag.lane >= 0 ? LANE_H - 6 : WAVE_H);
    }
  }
  // `text` shortened with an ellipsis to fit `maxW` px in the canvas's current font.
  function fitText(c, text, maxW) {
    if (c.measureText(text).width <= maxW) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) { const m = (lo + hi + 1) >> 1; if (c.measureText(text.slice(0, m) + "…").width <= maxW) lo = m; else hi = m - 1; }
    return text.slice(0, lo) + "…";
  }
  function hexA(hex, a) {
    const m = /^#?([0-9a-f]{6})$/i.exec(hex || ""); if (!m) return "rgba(138,147,166," + a + ")";
    const n = parseInt(m[1], 16); return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }
  let phEl = null;
  function updatePlayhead() {
    if (!S.rec) return;
    const t = nowMs();
    if (!phEl) { phEl = el("div", "al-playhead"); $(".al-wavebox").appendChild(phEl); }
    const x = t2x(t);
    phEl.style.display = x < GUTTER || x > V.cssW ? "none" : "block";
    phEl.style.left = x + "px";
    $(".al-clock").textContent = fmt(t);
    if (S.rec.video) $(".al-tc").textContent = timecode(t);
    followTranscript(t);
  }
  function tick() {
    cancelAnimationFrame(raf);
    const step = () => {
      if (!media) return;
      const t = nowMs();
      if (V.stopAt !== null && t >= V.stopAt.end) {
        if (V.loop) media.currentTime = toClock(V.stopAt.start); else { media.pause(); media.currentTime = toClock(V.stopAt.end); }
      }
      if (V.playing && (t > viewEnd() || t < V.start)) { V.start = t - V.width * V.mpp * 0.1; clampView(); refresh(); }
      updatePlayhead();
      if (V.playing) raf = requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
  }

  // ---------- timecode (display) ----------
  function tcToFrames(tc, nominal, drop) {
    const p = String(tc || "00:00:00:00").split(/[:;.]/).map(Number);
    if (p.length !== 4 || p.some(isNaN)) return 0;
    const mins = p[0] * 60 + p[1];
    return (p[0] * 3600 + p[1] * 60 + p[2]) * nominal + p[3] - (drop ? drop * (mins - Math.floor(mins / 10)) : 0);
  }
  function timecode(ms) {
    const v = S.rec.video, nominal = Math.round(v.fps_num / v.fps_den), drop = v.drop_frame ? (nominal === 60 ? 4 : 2) : 0;
    let f = Math.floor(((ms - v.start_offset_ms) * v.fps_num) / (v.fps_den * 1000) + 1e-6);
    f = Math.max(0, f) + tcToFrames(v.start_timecode, nominal, drop);
    if (drop) {
      const per10 = nominal * 600 - drop * 9, perMin = nominal * 60 - drop;
      const d = Math.floor(f / per10), m = f % per10;
      f += drop * 9 * d + (m > drop ? drop * Math.floor((m - drop) / perMin) : 0);
    }
    const ff = f % nominal, ss = Math.floor(f / nominal) % 60, mm = Math.floor(f / (nominal * 60)) % 60, hh = Math.floor(f / (nominal * 3600)) % 24;
    const p2 = (n) => String(n).padStart(2, "0");
    return p2(hh) + ":" + p2(mm) + ":" + p2(ss) + (drop ? ";" : ":") + p2(ff);
  }

  // ---------- transcript pane ----------
  // Virtualized: only the rows near the view (VMARGIN rows either side) exist in the DOM, between two
  // spacers that keep the scroll height. Row heights are measured once a row is built; rows never
  // built count with the average measured height. A row being edited stays in the DOM.
  const VMARGIN = 30, VPAD = 4;
  const rowEls = new Map(), rowH = new Map();
  const VW = { a: -1, b: -1, idx: new Map(), off: null, est: 0, dirty: true };
  const rowsBox = $(".al-rows"), padTop = el("div", "al-vpad"), padBot = el("div", "al-vpad");
  function renderRows() {
    // The row whose text is being typed stays where it is (taking it out of the page would end
    // the typing); the others are rebuilt around it.
    const keep = V.editing && S.byId.has(V.editing.id) ? rowEls.get(V.editing.id) : null;
    for (const c of [...rowsBox.childNodes]) if (c !== keep) c.remove();
    rowEls.clear(); curRow = null; curWord = null;
    if (keep) rowEls.set(V.editing.id, keep);
    VW.a = VW.b = -1; VW.idx = new Map(S.segs.map((s, i) => [s.id, i])); VW.dirty = true;
    if (!S.segs.length) { rowsBox.appendChild(el("div", "al-empty", "No segments yet. Drag in a speaker lane to create one, or pre-label the recording in the Library tab.")); return; }
    padTop.style.height = padBot.style.height = "0px";
    rowsBox.prepend(padTop); rowsBox.append(padBot);
    renderWindow();
  }
  function rowHeight(i) { const h = rowH.get(S.segs[i].id); return h === undefined ? (VW.est || 56) : h; }
  function offsets() {
    if (VW.dirty) {
      const n = S.segs.length, off = new Float64Array(n + 1);
      for (let i = 0; i < n; i++) off[i + 1] = off[i] + rowHeight(i);
      VW.off = off; VW.dirty = false;
    }
    return VW.off;
  }
  function rowAt(y) {  // index of the row covering y (px from the top of the first row)
    const off = offsets(); let lo = 0, hi = S.segs.length - 1;
    while (lo < hi) { const m = (lo + hi + 1) >> 1; if (off[m] <= y) lo = m; else hi = m - 1; }
    return lo;
  }
  function renderWindow() {
    const n = S.segs.length; if (!n || !padTop.isConnected) return;
    const H = rowsBox.clientHeight || 460, top = Math.max(0, rowsBox.scrollTop - VPAD);
    let a = Math.max(0, rowAt(top) - VMARGIN), b = Math.min(n - 1, rowAt(top + H) + VMARGIN);
    const ed = V.editing ? VW.idx.get(V.editing.id) : undefined;
    if (ed !== undefined) { a = Math.min(a, ed); b = Math.max(b, ed); }
    if (a === VW.a && b === VW.b) return;
    for (const [id, r] of rowEls) { const i = VW.idx.get(id); if (i === undefined || i < a || i > b) { r.remove(); rowEls.delete(id); } }
    const fresh = [];
    let prev = padTop;
    for (let i = a; i <= b; i++) {
      const s = S.segs[i]; let r = rowEls.get(s.id);
      if (!r) { r = buildRow(s); rowEls.set(s.id, r); fresh.push(r); }
      if (prev.nextSibling !== r) prev.after(r);
      prev = r;
    }
    VW.a = a; VW.b = b;
    const off = offsets();
    padTop.style.height = off[a] + "px"; padBot.style.height = (off[n] - off[b + 1]) + "px";
    measure(fresh);
    syncMarks();
  }
  function measure(rows) {
    let sum = 0, cnt = 0;
    for (const r of rows) {
      const h = r.offsetHeight; if (!h) continue;  // hidden tab: nothing to measure yet
      sum += h; cnt++;
      if (rowH.get(r.dataset.id) !== h) { rowH.set(r.dataset.id, h); VW.dirty = true; }
    }
    if (!VW.est && cnt) { VW.est = sum / cnt; VW.dirty = true; }
    if (VW.dirty && VW.a >= 0) {  // the spacers stand for rows outside the window only: keep them exact
      const off = offsets(), n = S.segs.length;
      padTop.style.height = off[VW.a] + "px"; padBot.style.height = (off[n] - off[VW.b + 1]) + "px";
    }
  }
  // The row of segment `id`, scrolled into the pane's view (built first if it is outside the window).
  function revealRow(id) {
    let r = rowEls.get(id);
    if (!r) {
      const i = VW.idx.get(id); if (i === undefined) return null;
      const off = offsets(), H = rowsBox.clientHeight || 460, y = off[i] + VPAD, h = rowHeight(i);
      if (y < rowsBox.scrollTop) rowsBox.scrollTop = y; else if (y + h > rowsBox.scrollTop + H) rowsBox.scrollTop = y + h - H;
      renderWindow(); r = rowEls.get(id);
    }
    if (r) r.scrollIntoView({ block: "nearest" });
    return r || null;
  }
  rowsBox.addEventListener("scroll", renderWindow, { passive: true });
  let rowsW = 0;
  new ResizeObserver(() => {
    const w = rowsBox.clientWidth; if (!padTop.isConnected || w === rowsW) return;
    rowsW = w;
    // a new width changes the rows' heights: measure the built ones again
    rowH.clear(); VW.dirty = true; measure(rowEls.values()); VW.a = VW.b = -1; renderWindow();
  }).observe(rowsBox);
  function buildRow(s) {
    const row = el("div", "al-row"); row.dataset.id = s.id;
    fillRow(row, s);
    return row;
  }
  function fillRow(row, s) {
    row.textContent = "";
    row.classList.toggle("sel", s.id === V.sel);
    row.classList.toggle("hit", !!(FIND.re && FIND.re.test(s.text || "")));
    const meta = el("div", "al-row-meta");
    const dot = el("span", "al-dot st-" + s.status); dot.title = s.status; meta.appendChild(dot);
    meta.appendChild(el("span", "al-time", fmt(s.start) + " – " + fmt(s.end)));
    const chip = el("span", "al-spk", spkName(s.speaker_id)); chip.style.borderColor = spkColor(s.speaker_id); chip.style.color = spkColor(s.speaker_id);
    meta.appendChild(chip);
    for (const t of S.tags) if (t.segment_id === s.id) {
      const c = el("span", "al-chip", t.kind === "note" ? "✎ " + t.note : t.label);
      c.style.background = t.kind === "note" ? "#3a4558" : vocabColor(t.kind, t.label); meta.appendChild(c);
    }
    row.appendChild(meta);
    const tx = el("div", "al-text");
    const toks = (s.text || "").split(/\s+/).filter(Boolean);
    if (s.words && s.words.length && s.words.length === toks.length && s.words.every((w, i) => w[2] === toks[i])) {
      s.words.forEach((w, i) => {
        const sp = el("span", "al-word" + (w[3] !== null && w[3] !== undefined && w[3] < LOW_P ? " low" : ""), w[2]);
        sp.dataset.i = i; sp.dataset.start = w[0]; sp.title = fmt(w[0]) + (w[3] !== null && w[3] !== undefined ? "  p=" + Number(w[3]).toFixed(2) : "");
        tx.appendChild(sp); tx.appendChild(document.createTextNode(" "));
      });
    } else tx.textContent = s.text || "";
    if (!s.text) tx.classList.add("placeholder");
    row.appendChild(tx);
  }
  function updateRow(s) {
    const r = rowEls.get(s.id); if (!r || (V.editing && V.editing.id === s.id)) return;  // refreshed when the typing ends
    fillRow(r, s); if (r === curRow) { curRow = null; curWord = null; syncMarks(); }
    measure([r]);
  }
  // The segment under the playhead (`playing`) and its word (`now`), kept on whichever row element shows it.
  let curId = null, curWordI = -1, curRow = null, curWord = null;
  function syncMarks() {
    const r = curId ? rowEls.get(curId) || null : null;
    if (r !== curRow) { if (curRow) curRow.classList.remove("playing"); curRow = r; if (r) r.classList.add("playing"); }
    const w = r && curWordI >= 0 ? r.querySelector('.al-word[data-i="' + curWordI + '"]') : null;
    if (w !== curWord) { if (curWord) curWord.classList.remove("now"); curWord = w; if (w) w.classList.add("now"); }
  }
  function followTranscript(t) {
    let cur = null;
    for (const s of S.segs) { if (s.start <= t && t < s.end) { cur = s; break; } if (s.start > t) break; }
    const id = cur ? cur.id : null;
    curWordI = cur && cur.words ? cur.words.findIndex((w) => w[0] <= t && t < w[1]) : -1;
    if (id !== curId) {
      curId = id;
      if (cur && V.playing && $(".al-followcb").checked && !V.editing) revealRow(cur.id);
    }
    syncMarks();
  }
  $(".al-rows").addEventListener("click", (e) => {
    const row = e.target.closest(".al-row"); if (!row || V.editing) return;
    const s = S.byId.get(row.dataset.id); if (!s) return;
    if (e.target.classList.contains("al-word")) { select(s.id, "segment", false); seek(Number(e.target.dataset.start)); return; }
    select(s.id, "segment", true);
  });
  $(".al-rows").addEventListener("dblclick", (e) => { const row = e.target.closest(".al-row"); if (row) startEdit(row.dataset.id); });

  // Text being typed is also kept in the browser's storage until the server has it, so a closed
  // tab, a crash or a lost connection does not lose it: editing that segment again restores it.
  const draftPrefix = () => "audiolab.unsaved." + encodeURIComponent(S.user) + "." + S.rec.id + ".";  // per person: a shared browser keeps them apart
  const draftKey = (id) => draftPrefix() + id;
  function keepDraft(id, text) { try { localStorage.setItem(draftKey(id), JSON.stringify({ text, at: Date.now() })); } catch (e) { /* storage full or off */ } }
  function dropDraft(id) { try { localStorage.removeItem(draftKey(id)); } catch (e) { /* storage off */ } }
  function draftOf(id) { try { const v = localStorage.getItem(draftKey(id)); return v ? String(JSON.parse(v).text) : null; } catch (e) { return null; } }
  function unsavedSegments() {
    const out = [];
    try {
      const prefix = draftPrefix();
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith(prefix) && S.byId.has(k.slice(prefix.length))) out.push(S.byId.get(k.slice(prefix.length)));
      }
    } catch (e) { /* storage off */ }
    return out.sort((a, b) => a.start - b.start);
  }
  window.addEventListener("beforeunload", (e) => {
    const ed = V.editing, cur = ed && S.byId.get(ed.id);
    if (ed && cur && ed.ta.value.trim() !== cur.text) { e.preventDefault(); e.returnValue = ""; }
  });

  function startEdit(id) {
    const s = S.byId.get(id); if (!s) return;
    select(id, "segment", false);
    const row = revealRow(id); if (!row) return;
    const tx = row.querySelector(".al-text");
    const kept = draftOf(id);
    const ta = el("textarea", "al-edit"); ta.value = kept !== null ? kept : s.text;
    ta.rows = Math.max(2, Math.ceil((ta.value.length + 1) / 70));
    tx.replaceWith(ta); ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length);
    if (kept !== null && kept !== s.text) toast("Restored the text you typed here before, which was never saved. Enter saves it, Esc discards it.", "info", 8000);
    ta.addEventListener("input", () => keepDraft(id, ta.value));
    const seenVersion = s.version;
    V.editing = { id, ta, version: seenVersion };
    let done = false;
    const finish = async (save, review) => {
      if (done) return; done = true; V.editing = null;
      // Keys pressed while the save is in flight are shortcuts again, not text for the old box.
      ta.readOnly = true;
      root.querySelector(".al-editor").focus({ preventScroll: true });
      const cur = S.byId.get(id);
      if (save && cur && ta.value.trim() !== cur.text) {
        const r = await edit({ op: "set_text", segment: { id, version: seenVersion }, text: ta.value }, ta.value);
        if (r && r.ok) dropDraft(id);  // refused or unanswered: the text stays kept for the next try
      } else {
        if (!save || cur) dropDraft(id);  // Esc discards; nothing to save
        if (cur) updateRow(cur);
      }
      const now = S.byId.get(id);
      if (review && now) await edit({ op: "set_status", segment: ref(now), status: "reviewed" });
      root.querySelector(".al-editor").focus({ preventScroll: true });
    };
    ta.addEventListener("keydown", (e) => {
      e.stopPropagation();
      // Playback without leaving the text: Tab plays / pauses, Shift+Tab goes back 2 s.
      if (e.key === "Tab") { e.preventDefault(); if (e.shiftKey) seek(nowMs() - 2000); else playPauseWhileTyping(); return; }
      if (e.key === "Escape") { e.preventDefault(); finish(false, false); }
      else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); finish(true, true); }
      else if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); finish(true, false); }
    });
    ta.addEventListener("blur", () => finish(true, false));
  }

  // ---------- selection & inspector ----------
  function select(id, kind, seekTo) {
    const prev = V.sel; V.sel = id; V.selKind = kind;
    if (prev && rowEls.get(prev)) rowEls.get(prev).classList.remove("sel");
    const o = kind === "segment" ? S.byId.get(id) : S.tags.find((t) => t.id === id);
    if (kind === "segment") { const r = revealRow(id); if (r) r.classList.add("sel"); }
    if (o && seekTo) seek(o.start);
    if (o && (o.start < V.start || o.start > viewEnd())) { V.start = o.start - V.width * V.mpp * 0.2; clampView(); refresh(); } else draw();
    renderInspector();
  }
  function selected() { return V.selKind === "segment" ? S.byId.get(V.sel) : V.selKind === "tag" ? S.tags.find((t) => t.id === V.sel) : null; }
  function ref(o) { return { id: o.id, version: o.version }; }
  function renderInspector() {
    const box = $(".al-insp"); box.textContent = "";
    const o = selected();
    if (!o) { box.appendChild(el("p", "al-muted", "Click a region or a transcript line. Drag in a lane to create a region; drag on the waveform to select a time range.")); return; }
    box.appendChild(el("div", "al-insp-time", fmt(o.start) + " – " + fmt(o.end) + "  (" + ((o.end - o.start) / 1000).toFixed(2) + " s)"));
    if (V.selKind === "segment") {
      const row = el("div", "al-inline"); row.appendChild(el("span", "al-lbl", "Speaker"));
      const sel = el("select", "al-insp-spk");
      const none = el("option", "", "(no speaker)"); none.value = ""; sel.appendChild(none);
      for (const s of S.speakers) { const op = el("option", "", s.display); op.value = s.id; sel.appendChild(op); }
      sel.value = o.speaker_id || "";
      sel.addEventListener("change", () => edit({ op: "set_speaker", segment: ref(S.byId.get(o.id)), speaker_id: sel.value || null }));
      row.appendChild(sel); box.appendChild(row);
      const st = el("div", "al-inline"); st.appendChild(el("span", "al-lbl", "Status"));
      for (const name of ["draft", "corrected", "reviewed"]) {
        const b = el("button", "al-btn al-small" + (o.status === name ? " on" : ""), name);
        b.addEventListener("click", () => edit({ op: "set_status", segment: ref(S.byId.get(o.id)), status: name }));
        st.appendChild(b);
      }
      box.appendChild(st);
      const em = el("div", "al-inline al-wrap"); em.appendChild(el("span", "al-lbl", "Emotion"));
      for (const v of S.vocab.emotion) {
        const has = S.tags.find((t) => t.kind === "emotion" && t.segment_id === o.id && t.label === v.label);
        const b = el("button", "al-btn al-small al-tagbtn" + (has ? " on" : ""), v.label + (v.hotkey ? " ⇧" + v.hotkey.toUpperCase() : ""));
        b.style.borderColor = v.color || "#777";
        b.addEventListener("click", () => toggleEmotion(v.label));
        em.appendChild(b);
      }
      box.appendChild(em);
      const note = S.tags.find((t) => t.kind === "note" && t.segment_id === o.id);
      const nrow = el("div", "al-inline"); nrow.appendChild(el("span", "al-lbl", "Note"));
      const ni = el("input", "al-note"); ni.value = note ? note.note : ""; ni.placeholder = "free-text note"; ni.maxLength = 500;
      ni.addEventListener("change", () => {
        const cur = S.tags.find((t) => t.kind === "note" && t.segment_id === o.id), seg = S.byId.get(o.id);
        if (cur && !ni.value.trim()) edit({ op: "delete_tag", tag: ref(cur) });
        else if (cur) edit({ op: "update_tag", tag: ref(cur), note: ni.value });
        else if (ni.value.trim()) edit({ op: "add_tag", kind: "note", start: seg.start, end: seg.end, label: "note", note: ni.value, segment_id: seg.id });
      });
      nrow.appendChild(ni); box.appendChild(nrow);
      const acts = el("div", "al-inline");
      const eb = el("button", "al-btn al-small", "Edit text (Enter)"); eb.addEventListener("click", () => startEdit(o.id)); acts.appendChild(eb);
      const db = el("button", "al-btn al-small al-danger", "Delete"); db.addEventListener("click", () => deleteSelected()); acts.appendChild(db);
      box.appendChild(acts);
    } else {
      const row = el("div", "al-inline"); row.appendChild(el("span", "al-lbl", o.kind === "emotion" ? "Emotion" : "Event"));
      const sel = el("select", "");
      const labels = (S.vocab[o.kind] || []).map((v) => v.label); if (!labels.includes(o.label)) labels.unshift(o.label);
      for (const l of labels) { const op = el("option", "", l); op.value = l; sel.appendChild(op); }
      sel.value = o.label;
      sel.addEventListener("change", () => edit({ op: "update_tag", tag: ref(o), label: sel.value }));
      row.appendChild(sel); box.appendChild(row);
      const nrow = el("div", "al-inline"); nrow.appendChild(el("span", "al-lbl", "Note"));
      const ni = el("input", "al-note"); ni.value = o.note || ""; ni.maxLength = 500;
      ni.addEventListener("change", () => edit({ op: "update_tag", tag: ref(S.tags.find((t) => t.id === o.id)), note: ni.value }));
      nrow.appendChild(ni); box.appendChild(nrow);
      const db = el("button", "al-btn al-small al-danger", "Delete"); db.addEventListener("click", () => deleteSelected()); box.appendChild(db);
    }
  }
  function toggleEmotion(label) {
    const s = selected(); if (!s || V.selKind !== "segment") { toast("Select a segment first."); return; }
    const has = S.tags.find((t) => t.kind === "emotion" && t.segment_id === s.id && t.label === label);
    if (has) return edit({ op: "delete_tag", tag: ref(has) });
    return edit({ op: "add_tag", kind: "emotion", start: s.start, end: s.end, label, segment_id: s.id });
  }
  function tagEvent(label) {
    const r = V.range || (selected() && [selected().start, selected().end]);
    if (!r) { toast("Select a time range (drag on the waveform) or a segment first."); return; }
    return edit({ op: "add_tag", kind: "sound_event", start: Math.round(r[0]), end: Math.round(r[1]), label });
  }
  function deleteSelected() {
    const o = selected(); if (!o) return;
    if (V.selKind === "segment") edit({ op: "delete_segment", segment: ref(o) }); else edit({ op: "delete_tag", tag: ref(o) });
  }

  // ---------- speakers & vocab panels ----------
  function renderSpeakers() {
    const box = $(".al-speakers"); box.textContent = "";
    S.speakers.forEach((s, i) => {
      const row = el("div", "al-inline al-spkrow");
      const sw = el("span", "al-swatch", String(i + 1)); sw.style.background = s.color || "#8a93a6"; row.appendChild(sw);
      const inp = el("input", "al-spkname"); inp.value = s.name; inp.placeholder = s.label; inp.maxLength = 80; inp.dataset.id = s.id;
      inp.addEventListener("change", () => edit({ op: "rename_speaker", speaker: ref(S.speakers.find((x) => x.id === s.id)), name: inp.value }));
      row.appendChild(inp);
      row.appendChild(el("span", "al-muted", String(S.segs.filter((g) => g.speaker_id === s.id).length)));
      box.appendChild(row);
    });
    for (const cls of [".al-mergefrom", ".al-mergeinto"]) {
      const sel = $(cls); sel.textContent = "";
      for (const s of S.speakers) { const o = el("option", "", s.display); o.value = s.id; sel.appendChild(o); }
    }
    if (S.speakers.length > 1) $(".al-mergeinto").selectedIndex = 1;
  }
  function renderVocabSelects() {
    for (const [cls, kind] of [[".al-eventsel", "sound_event"], [".al-emosel", "emotion"]]) {
      const sel = $(cls), keep = sel.value; sel.textContent = "";
      for (const v of S.vocab[kind]) { const o = el("option", "", v.label + (v.hotkey ? "  (" + (kind === "emotion" ? "⇧" : "Alt+") + v.hotkey.toUpperCase() + ")" : "")); o.value = v.label; sel.appendChild(o); }
      if (keep) sel.value = keep;
    }
  }
  function renderVocabEditor() {
    const box = $(".al-vocab"); box.textContent = "";
    for (const kind of ["emotion", "sound_event"]) {
      const sec = el("div", "al-vocab-kind"); sec.appendChild(el("div", "al-lbl", kind === "emotion" ? "Emotions (Shift+key)" : "Sound events (Alt+key)"));
      const list = el("div", "al-vocab-list");
      const addRow = (v) => {
        const r = el("div", "al-inline al-vrow");
        const l = el("input", "al-vlabel"); l.value = v.label; l.placeholder = "label"; l.maxLength = 40;
        const k = el("input", "al-vkey"); k.value = v.hotkey; k.maxLength = 1; k.placeholder = "key";
        const c = el("input", "al-vcolor"); c.type = "color"; c.value = /^#[0-9a-f]{6}$/i.test(v.color) ? v.color : "#888888";
        const x = el("button", "al-btn al-small", "✕"); x.addEventListener("click", () => r.remove());
        r.append(l, k, c, x); list.appendChild(r);
      };
      S.vocab[kind].forEach(addRow);
      const add = el("button", "al-btn al-small", "+ label"); add.addEventListener("click", () => addRow({ label: "", hotkey: "", color: "#888888" }));
      const save = el("button", "al-btn al-small al-primary", "Save");
      save.addEventListener("click", async () => {
        const entries = [...list.querySelectorAll(".al-vrow")].map((r) => ({ label: r.querySelector(".al-vlabel").value, hotkey: r.querySelector(".al-vkey").value, color: r.querySelector(".al-vcolor").value })).filter((e) => e.label.trim());
        const res = await server.vocab({ recording: S.rec.id, kind, entries });
        if (!res || !res.ok) { toast((res && res.message) || "The server did not answer; the vocabulary was not saved.", "error"); return; }
        S.vocab[kind] = res.entries; renderVocabSelects(); renderVocabEditor(); renderInspector(); draw(); toast("Vocabulary saved.");
      });
      sec.append(list, el("div", "al-inline"));
      sec.lastChild.append(add, save);
      box.appendChild(sec);
    }
  }
  async function loadHistory() {
    if (!$(".al-histdet").open || !S.rec) return;
    const rows = await server.history({ recording: S.rec.id });
    const ol = $(".al-history"); ol.textContent = "";
    for (const h of (rows && rows.rows) || []) {
      const li = el("li", "");
      li.appendChild(el("span", "al-muted", h.at.replace("T", " ").slice(0, 19) + "  "));
      li.appendChild(el("b", "", h.author)); li.appendChild(document.createTextNode(" " + (h.action === "do" ? "" : h.action + ": ") + h.description + " (" + h.changes + ")"));
      ol.appendChild(li);
    }
  }
  $(".al-histdet").addEventListener("toggle", loadHistory);

  // ---------- edits ----------
  function applyChanges(r) {
    let structural = false;
    const touched = new Set();
    for (const s of r.segments || []) {
      const old = S.byId.get(s.id);
      if (!old || old.start !== s.start || old.speaker_id !== s.speaker_id) structural = true;
      if (old) Object.assign(old, s); else { S.segs.push(s); S.byId.set(s.id, s); }
      touched.add(s.id);
    }
    for (const id of r.deleted || []) {
      if (S.byId.has(id)) { S.segs = S.segs.filter((s) => s.id !== id); S.byId.delete(id); structural = true; }
      const gone = S.tags.find((t) => t.id === id); if (gone && gone.segment_id) touched.add(gone.segment_id);
      S.tags = S.tags.filter((t) => t.id !== id);
      if (S.speakers.some((s) => s.id === id)) { S.speakers = S.speakers.filter((s) => s.id !== id); structural = true; }
      if (V.sel === id) V.sel = null;
    }
    for (const t of r.tags || []) {
      const i = S.tags.findIndex((x) => x.id === t.id); if (i >= 0) S.tags[i] = t; else S.tags.push(t);
      if (t.segment_id) touched.add(t.segment_id);
    }
    for (const s of r.speakers || []) { const i = S.speakers.findIndex((x) => x.id === s.id); if (i >= 0) S.speakers[i] = s; else S.speakers.push(s); structural = true; }
    if ("can_undo" in r) { S.canUndo = r.can_undo; S.canRedo = r.can_redo; }
    resort();
    if (structural) { buildLanes(); renderRows(); renderSpeakers(); }
    else for (const id of touched) { const s = S.byId.get(id); if (s) updateRow(s); }
    renderInspector(); updateUndo(); draw(); loadHistory();
  }
  let inflight = Promise.resolve();
  function edit(action, refusedText) {
    // Edits go one after another so each names the version the previous one produced.
    const run = async () => {
      const t0 = performance.now();
      let r;
      try { r = await server.edit({ recording: S.rec.id, action }); } catch (e) { r = { ok: false, message: "The server did not answer: " + e }; }
      // Gradio's client logs a failed request and answers nothing: the edit was not stored.
      if (!r || typeof r !== "object") r = { ok: false, message: "The server did not answer; the change was not saved." + (refusedText ? " Your text is kept in this browser." : "") };
      root.dataset.lastEditMs = String(performance.now() - t0);
      if (r.ok) { applyChanges(r); savedFlash(true); root.dataset.edits = String(Number(root.dataset.edits || 0) + 1); return r; }
      savedFlash(false);
      if (r.conflict) {
        if (r.current) applyChanges({ segments: r.entity === "segment" ? [r.current] : [], tags: r.entity === "tag" ? [r.current] : [], speakers: r.entity === "speaker" ? [r.current] : [] });
        else applyChanges({ deleted: [r.id] });
        toast(r.message + (refusedText ? " Your text was: “" + refusedText + "”" : ""), "conflict", 12000);
        root.dataset.conflicts = String(Number(root.dataset.conflicts || 0) + 1);
      } else toast(r.message || "The edit was refused.", "error", 8000);
      return r;
    };
    inflight = inflight.then(run, run);
    return inflight;
  }
  function updateUndo() { $(".al-undo").disabled = !S.canUndo; $(".al-redo").disabled = !S.canRedo; }

  // ---------- other people's edits ----------
  // Every few seconds (while the editor is on screen) ask what changed since the last batch seen
  // and merge it. The poll queues behind this tab's own edits, so answers apply in order; an
  // entity this tab already holds in the same or a newer version is left alone, and so is the
  // segment whose text is being typed (saving it then meets the usual conflict, with the text).
  function newer(have, got) { return !have || (got.version || 0) > (have.version || 0); }
  let polling = false;  // one poll at a time: a slow server gets no pile of them
  function poll() {
    if (polling || !S.rec || !V.ready || document.hidden || root.offsetParent === null) return inflight;
    polling = true;
    const rec = S.rec.id;
    const run = async () => {
      try { return await pollOnce(rec); } finally { polling = false; }
    };
    inflight = inflight.then(run, run);
    return inflight;
  }
  async function pollOnce(rec) {
    if (!S.rec || S.rec.id !== rec) return null;
    const since = S.seq;
    let r;
    try { r = await server.changes({ recording: rec, since }); } catch (e) { return null; }
    if (!r || !r.ok || !S.rec || S.rec.id !== rec) return r;
    S.seq = r.seq || 0;  // the server's count is the truth (lower only if the database was restored)
    const editing = V.editing && V.editing.id;
    const segs = r.segments.filter((s) => s.id !== editing && newer(S.byId.get(s.id), s));
    const tags = r.tags.filter((t) => newer(S.tags.find((x) => x.id === t.id), t));
    const speakers = r.speakers.filter((s) => newer(S.speakers.find((x) => x.id === s.id), s));
    const deleted = r.deleted.filter((id) => id !== editing && (S.byId.has(id) || S.tags.some((t) => t.id === id) || S.speakers.some((s) => s.id === id)));
    const ids = [...segs, ...tags, ...speakers].map((x) => x.id).concat(deleted);
    if (ids.length) {
      applyChanges({ segments: segs, tags, speakers, deleted, can_undo: r.can_undo, can_redo: r.can_redo });
      const theirs = ids.filter((id) => r.by[id]), who = [...new Set(theirs.map((id) => r.by[id]))].sort();
      if (theirs.length) toast("Updated: " + theirs.length + (theirs.length === 1 ? " change" : " changes") + " by " + who.join(", "), "info", 4000);
      root.dataset.remoteChanges = String(Number(root.dataset.remoteChanges || 0) + ids.length);
    }
    return r;
  }
  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });

  function splitAtPlayhead() {
    const t = Math.round(nowMs());
    const s = (V.selKind === "segment" && S.byId.get(V.sel) && S.byId.get(V.sel).start < t && t < S.byId.get(V.sel).end) ? S.byId.get(V.sel) : S.segs.find((g) => g.start < t && t < g.end);
    if (!s) { toast("Put the playhead inside a segment to split it."); return; }
    return edit({ op: "split", segment: ref(s), at: t });
  }
  function mergeNext() {
    const s = selected(); if (!s || V.selKind !== "segment") { toast("Select a segment to merge with the next one."); return; }
    const i = S.segs.indexOf(s), n = S.segs.slice(i + 1).find((g) => g.tier_id === s.tier_id);
    if (!n) { toast("This is the last segment."); return; }
    return edit({ op: "merge", segment: ref(s), other: ref(n) });
  }
  function setSpeakerN(n) {
    const s = selected(), p = S.speakers[n - 1];
    if (!s || V.selKind !== "segment" || !p) return;
    return edit({ op: "set_speaker", segment: ref(s), speaker_id: p.id });
  }

  // ---------- playback ----------
  function seek(ms) { if (!media) return; media.currentTime = toClock(Math.max(0, Math.min(S.rec.duration, ms))); updatePlayhead(); }
  // Transcribers replay what they just heard: resuming from the text box starts 1 s back.
  function playPauseWhileTyping() {
    if (!media) return;
    if (!media.paused) { media.pause(); return; }
    V.stopAt = null; seek(nowMs() - 1000); media.play().catch(() => {});
  }
  function togglePlay() { if (!media) return; if (media.paused) { V.stopAt = null; media.play().catch(() => {}); } else media.pause(); }
  function playSelected() {
    const o = selected() || (V.range && { start: V.range[0], end: V.range[1] }); if (!o || !media) return;
    V.stopAt = { start: o.start, end: o.end }; media.currentTime = toClock(o.start); media.play().catch(() => {});
  }
  function setSpeed(delta) {
    const sel = $(".al-speed"); let i = SPEEDS.indexOf(Number(sel.value)); i = Math.max(0, Math.min(SPEEDS.length - 1, i + delta));
    sel.value = String(SPEEDS[i]); if (media) media.playbackRate = SPEEDS[i];
  }
  function step(dir) {
    if (!S.segs.length) return;
    let i = V.selKind === "segment" ? S.segs.findIndex((s) => s.id === V.sel) : -1;
    if (i < 0) { const t = nowMs(); i = S.segs.findIndex((s) => s.end > t); if (i < 0) i = S.segs.length; if (dir > 0) i -= 1; }
    const target = S.segs[Math.max(0, Math.min(S.segs.length - 1, i + dir))];
    if (target) select(target.id, "segment", true);
  }

  // ---------- mouse on the canvases ----------
  function pos(e, c) { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
  cv.main.addEventListener("mousedown", (e) => {
    if (!S.rec || e.button !== 0) return;
    const [x, y] = pos(e, cv.main); if (x < GUTTER) return;
    const h = hit(x, y), t = x2t(x);
    if (h && h.type && h.edge) { V.drag = { mode: "edge", h, orig: [h.o.start, h.o.end], moved: false }; select(h.o.id, h.type, false); }
    else if (h && h.type) { V.drag = { mode: "click", h, x }; }
    else { V.drag = { mode: "create", lane: h ? h.lane : -1, t0: t, x, ghost: null }; }
    e.preventDefault();
  });
  window.addEventListener("mousemove", (e) => {
    if (!V.drag) { if (S.rec && e.target === cv.main) { const [x, y] = pos(e, cv.main); const h = hit(x, y); cv.main.style.cursor = h && h.edge ? "ew-resize" : h && h.type ? "pointer" : "crosshair"; } return; }
    const [x] = pos(e, cv.main), t = Math.max(0, Math.min(S.rec.duration, x2t(x)));
    const d = V.drag;
    if (d.mode === "edge") {
      d.moved = true;
      if (d.h.edge === "start") d.h.o.start = Math.round(Math.min(t, d.h.o.end - 10)); else d.h.o.end = Math.round(Math.max(t, d.h.o.start + 10));
      draw();
    } else if (d.mode === "create" && Math.abs(x - d.x) > 3) { d.ghost = [Math.min(d.t0, t), Math.max(d.t0, t)]; draw(); }
  });
  window.addEventListener("mouseup", async (e) => {
    const d = V.drag; if (!d) return; V.drag = null;
    const [x] = pos(e, cv.main);
    if (d.mode === "edge") {
      const o = d.h.o;
      if (!d.moved || (o.start === d.orig[0] && o.end === d.orig[1])) return;
      const start = o.start, end = o.end; o.start = d.orig[0]; o.end = d.orig[1];
      if (d.h.type === "segment") await edit({ op: "set_span", segment: ref(o), start, end });
      else await edit({ op: "update_tag", tag: ref(o), start, end });
    } else if (d.mode === "click") { select(d.h.o.id, d.h.type, false); seek(x2t(x)); if (e.detail >= 2) playSelected(); }
    else if (d.mode === "create") {
      if (!d.ghost || d.ghost[1] - d.ghost[0] < 20) { V.range = null; seek(x2t(x)); draw(); return; }
      const [a, b] = d.ghost.map(Math.round), lane = V.lanes[d.lane];
      if (!lane) { V.range = [a, b]; draw(); return; }
      if (lane.kind === "speaker") await edit({ op: "create_segment", start: a, end: b, speaker_id: lane.id });
      else await edit({ op: "add_tag", kind: lane.kind, start: a, end: b, label: lane.kind === "emotion" ? $(".al-emosel").value : $(".al-eventsel").value });
      draw();
    }
  });
  cv.main.addEventListener("wheel", (e) => {
    if (!S.rec) return; e.preventDefault();
    const [x] = pos(e, cv.main);
    if (e.ctrlKey || e.metaKey) zoom(e.deltaY > 0 ? 1.25 : 0.8, x2t(Math.max(GUTTER, x)));
    else { V.start += (e.deltaX || e.deltaY) * V.mpp; clampView(); refresh(); }
  }, { passive: false });
  let ovDrag = false;
  const ovMove = (e) => { const [x] = pos(e, cv.ov); V.start = x / V.cssW * S.rec.duration - V.width * V.mpp / 2; clampView(); refresh(); };
  cv.ov.addEventListener("mousedown", (e) => { if (!S.rec) return; ovDrag = true; ovMove(e); });
  window.addEventListener("mousemove", (e) => { if (ovDrag) ovMove(e); });
  window.addEventListener("mouseup", () => { ovDrag = false; });
  cv.ruler.addEventListener("click", (e) => { if (!S.rec) return; const [x] = pos(e, cv.ruler); if (x >= GUTTER) seek(x2t(x)); });

  // ---------- toolbar ----------
  for (const s of SPEEDS) { const o = el("option", "", s + "×"); o.value = String(s); $(".al-speed").appendChild(o); }
  $(".al-speed").value = "1";
  $(".al-speed").addEventListener("change", () => { if (media) media.playbackRate = Number($(".al-speed").value); });
  $(".al-play").addEventListener("click", togglePlay);
  $(".al-playseg").addEventListener("click", playSelected);
  $(".al-loop").addEventListener("click", () => { V.loop = !V.loop; $(".al-loop").classList.toggle("on", V.loop); });
  $(".al-zoomin").addEventListener("click", () => zoom(0.5));
  $(".al-zoomout").addEventListener("click", () => zoom(2));
  $(".al-fit").addEventListener("click", () => { fitAll(); refresh(); });
  $(".al-specbtn").addEventListener("click", () => setSpec(!SP.on));
  $(".al-split").addEventListener("click", splitAtPlayhead);
  $(".al-merge").addEventListener("click", mergeNext);
  $(".al-undo").addEventListener("click", () => edit({ op: "undo" }));
  $(".al-redo").addEventListener("click", () => edit({ op: "redo" }));
  $(".al-recsel").addEventListener("change", () => { const v = $(".al-recsel").value; if (v) location.hash = "rec=" + encodeURIComponent(v); });
  $(".al-addspk").addEventListener("click", () => { const n = $(".al-newspk").value.trim(); edit({ op: "add_speaker", name: n }); $(".al-newspk").value = ""; });
  $(".al-mergespk").addEventListener("click", () => {
    const a = S.speakers.find((s) => s.id === $(".al-mergefrom").value), b = S.speakers.find((s) => s.id === $(".al-mergeinto").value);
    if (!a || !b || a === b) { toast("Choose two different speakers."); return; }
    edit({ op: "merge_speakers", keep: ref(b), drop: ref(a) });
  });
  const KEYS = [
    ["Space", "Play / pause"], ["P  or double-click", "Play the selected segment (or range)"], ["L", "Loop the selected segment on/off"],
    ["← / →", "Back / forward 2 s"], ["[ / ]", "Slower / faster (0.5×–2×)"], ["↑ / ↓", "Previous / next segment"],
    ["W / B", "Next / previous low-confidence word"],
    ["Enter", "Edit the selected segment's text (Enter saves, Esc cancels)"], ["Ctrl+Enter", "Save text and mark reviewed"],
    ["R", "Mark the selected segment reviewed"], ["S", "Split at the playhead"], ["M", "Merge with the next segment"],
    ["1 – 9", "Give the selected segment speaker N"], ["N", "New segment from the selected range"],
    ["Shift+letter", "Toggle the emotion with that hotkey"], ["Alt+letter", "Tag the range/segment with that sound event"],
    ["Delete", "Delete the selected region"], ["Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"], ["+ / − / 0", "Zoom in / out / whole file"], ["G", "Spectrogram of the visible window on/off (up to 60 s wide)"],
    ["Ctrl+F", "Find in the transcript (Enter: next); replace all as one undoable edit"],
    ["Ctrl+wheel, wheel", "Zoom / scroll the waveform"], ["?", "This help"], ["Esc", "Close help, clear the selection"],
  ];
  for (const [k, d] of KEYS) { const tr = el("tr"); tr.append(el("td", "al-key", k), el("td", "", d)); $(".al-keys").appendChild(tr); }
  const help = (show) => { $(".al-help").hidden = !show; };
  $(".al-helpbtn").addEventListener("click", () => help(true));
  $(".al-helpclose").addEventListener("click", () => help(false));

  // ---------- low-confidence words ----------
  // W / B: the next / previous word under LOW_P after / before the playhead (its segment selected).
  function lowWord(dir) {
    const t = nowMs();
    let best = null;
    for (const s of S.segs) for (const w of s.words || []) {
      if (w[3] === null || w[3] === undefined || w[3] >= LOW_P) continue;
      if (dir > 0 ? w[0] > t + 1 && (!best || w[0] < best.w[0]) : w[0] < t - 1 && (!best || w[0] > best.w[0])) best = { s, w };
    }
    if (!best) { toast(dir > 0 ? "No low-confidence word after the playhead." : "No low-confidence word before the playhead.", "info", 2000); return; }
    select(best.s.id, "segment", false); seek(best.w[0]);
  }

  // ---------- find / replace ----------
  // Matches as the server's replace does (audiolab.services.editing.text_pattern): literal text,
  // case-insensitive unless asked, whole words by default (a word character is a letter, digit or _).
  function findRegex() {
    const q = $(".al-find-q").value.trim(); if (!q) return null;
    let src = q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if ($(".al-find-word").checked) src = "(?<![\\p{L}\\p{N}_])" + src + "(?![\\p{L}\\p{N}_])";
    return new RegExp(src, $(".al-find-case").checked ? "u" : "iu");
  }
  function findHits() { const re = findRegex(); return re ? S.segs.filter((s) => re.test(s.text || "")) : []; }
  function updateFindCount() {
    const q = $(".al-find-q").value.trim();
    $(".al-find-n").textContent = q ? findHits().length + " segments" : "";
    FIND.re = $(".al-find").hidden ? null : findRegex();
    for (const [id, row] of rowEls) { const s = S.byId.get(id); if (s) row.classList.toggle("hit", !!(FIND.re && FIND.re.test(s.text || ""))); }
  }
  function openFind() {
    $(".al-find").hidden = false;
    const sel = window.getSelection ? String(window.getSelection()) : "";
    if (sel && sel.length < 200 && !sel.includes("\n")) $(".al-find-q").value = sel;
    $(".al-find-q").focus(); $(".al-find-q").select(); updateFindCount();
  }
  function closeFind() { $(".al-find").hidden = true; updateFindCount(); root.querySelector(".al-editor").focus({ preventScroll: true }); }
  function findNext(dir) {
    const hits = findHits();
    if (!hits.length) { updateFindCount(); toast("Not in the transcript.", "info", 2000); return; }
    const cur = V.selKind === "segment" ? S.segs.findIndex((s) => s.id === V.sel) : -1;
    const n = S.segs.length, hitIds = new Set(hits.map((h) => h.id)), from = cur < 0 ? (dir > 0 ? -1 : 0) : cur;
    let pick = null;
    for (let k = 1; k <= n; k++) {
      const i = (from + dir * k + n * 2) % n;
      if (hitIds.has(S.segs[i].id)) { pick = S.segs[i]; break; }
    }
    if (pick) { select(pick.id, "segment", true); $(".al-find-n").textContent = (hits.indexOf(pick) + 1) + " of " + hits.length + " segments"; }
  }
  async function replaceAll() {
    const find = $(".al-find-q").value.trim(); if (!find) return;
    const r = await edit({ op: "replace_text", find, replace: $(".al-find-r").value, match_case: $(".al-find-case").checked,
                           whole_words: $(".al-find-word").checked });
    if (r && r.ok) toast("Replaced in " + r.segments.length + (r.segments.length === 1 ? " segment" : " segments") + ". Ctrl+Z undoes it.", "info", 5000);
    updateFindCount();
  }
  $(".al-find-q").addEventListener("input", updateFindCount);
  for (const c of [".al-find-case", ".al-find-word"]) $(c).addEventListener("change", updateFindCount);
  for (const c of [".al-find-q", ".al-find-r"]) $(c).addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Escape") { e.preventDefault(); closeFind(); }
    else if (e.key === "Enter" && c === ".al-find-q") { e.preventDefault(); findNext(e.shiftKey ? -1 : 1); }
    else if (e.key === "Enter") { e.preventDefault(); replaceAll(); }
  });
  $(".al-find-all").addEventListener("click", replaceAll);
  $(".al-find-close").addEventListener("click", closeFind);

  // ---------- keyboard ----------
  function typing(e) {
    const t = e.target; if (!t) return false;
    const tag = (t.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }
  function editorVisible() { return root.offsetParent !== null && S.rec; }
  document.addEventListener("keydown", (e) => {
    if (!editorVisible() || typing(e)) return;
    const k = e.key, ctrl = e.ctrlKey || e.metaKey;
    let handled = true;
    if (ctrl && (k === "f" || k === "F")) openFind();
    else if (ctrl && (k === "z" || k === "Z")) edit({ op: e.shiftKey ? "redo" : "undo" });
    else if (ctrl && (k === "y" || k === "Y")) edit({ op: "redo" });
    else if (ctrl) handled = false;
    else if (k === "?") help($(".al-help").hidden);
    else if (k === "Escape") { help(false); V.range = null; select(null, null, false); }
    else if (k === " ") togglePlay();
    else if (e.altKey && /^[a-z]$/i.test(e.code.replace("Key", ""))) {
      const key = e.code.replace("Key", "").toLowerCase(), v = S.vocab.sound_event.find((x) => x.hotkey === key);
      if (v) tagEvent(v.label); else handled = false;
    } else if (e.shiftKey && /^[A-Z]$/.test(k)) {
      const v = S.vocab.emotion.find((x) => x.hotkey === k.toLowerCase());
      if (v) toggleEmotion(v.label); else handled = false;
    }
    else if (k === "w") lowWord(1);
    else if (k === "b") lowWord(-1);
    else if (k === "p") playSelected();
    else if (k === "l") { V.loop = !V.loop; $(".al-loop").classList.toggle("on", V.loop); toast(V.loop ? "Loop on" : "Loop off", "info", 1200); }
    else if (k === "ArrowLeft") seek(nowMs() - 2000);
    else if (k === "ArrowRight") seek(nowMs() + 2000);
    else if (k === "[") setSpeed(-1);
    else if (k === "]") setSpeed(1);
    else if (k === "ArrowUp") step(-1);
    else if (k === "ArrowDown") step(1);
    else if (k === "s") splitAtPlayhead();
    else if (k === "m") mergeNext();
    else if (k === "r") { const s = selected(); if (s && V.selKind === "segment") edit({ op: "set_status", segment: ref(s), status: "reviewed" }); }
    else if (k === "n") { if (V.range) edit({ op: "create_segment", start: Math.round(V.range[0]), end: Math.round(V.range[1]), speaker_id: null }); }
    else if (k === "Enter") { if (V.selKind === "segment" && V.sel) startEdit(V.sel); }
    else if (k === "Delete" || k === "Backspace") deleteSelected();
    else if (k === "+" || k === "=") zoom(0.5);
    else if (k === "-") zoom(2);
    else if (k === "0") { fitAll(); refresh(); }
    else if (k === "g") setSpec(!SP.on);
    else if (/^[1-9]$/.test(k)) setSpeakerN(Number(k));
    else handled = false;
    if (handled) e.preventDefault();
  });

  // ---------- start ----------
  new ResizeObserver(() => { if (S.rec) { const span = V.width * V.mpp; resize(); if (span) V.mpp = Math.max(0.5, Math.min(span / V.width, S.rec.duration / V.width)); clampView(); refresh(); } }).observe($(".al-wavebox"));
  window.addEventListener("hashchange", () => { const r = hashRec(); if (r && (!S.rec || r !== S.rec.id)) open(r); else if (r && V.ready) hashAnchor(); });
  window.audiolabEditor = {
    state: S, view: V, open, seek, media: () => media, edit, poll,
    timeToX: (t) => { const r = cv.main.getBoundingClientRect(); return r.left + t2x(t); },
    laneCenterY: (i) => { const r = cv.main.getBoundingClientRect(); return r.top + laneY(i) + LANE_H / 2; },
    laneOfSegment: (id) => laneOfSeg(S.byId.get(id)), laneOfKind: (k) => V.lanes.findIndex((l) => l.kind === k),
    waveY: () => { const r = cv.main.getBoundingClientRect(); return r.top + WAVE_H / 2; },
    spectrogram: SP, setSpectrogram: setSpec,
    timecode: (ms) => timecode(ms),
  };
  // The recording named by the URL opens at once, while the list of recordings is read beside it.
  let recsListed = Promise.resolve();
  (async () => {
    const want = hashRec() || props.initial_recording || null;
    recsListed = loadRecordings(want);
    if (want) { await open(want); return; }
    const recs = await recsListed;
    if (recs[0]) await open(recs[0].id);
  })();
})();
