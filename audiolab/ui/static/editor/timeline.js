// The canvases above the transcript: the whole-file overview, the time ruler, the waveform with
// its speaker / event / emotion lanes, and the playhead; zooming and scrolling the window; the
// mouse on them (select, seek, drag a region's edge, drag out a new region or a time range).
import { el } from "../shared/dom.js";
import { fmt } from "../shared/format.js";
import { timecode } from "./timecode.js";
import { levelFor, peakAt } from "./peaks.js";
import { CANDIDATE, isProposal, tagText } from "./proposals.js";
import { LANE_H, OVERVIEW_H, RULER_H, SPEC_H, WAVE_H, fitText, gutterFor, hexA, hit, laneLayout, laneY, mainHeight, niceStep,
         rowBox, t2x as t2xOf, viewEnd as viewEndOf, x2t as x2tOf } from "./geometry.js";

const LANE_FONT = "12px system-ui, sans-serif";

// `app` gives root, $, store, seek, nowMs, select, playSelected, edit, ensurePeaks, drawSpec,
// scheduleSpec, followTranscript.
export function createTimeline(app) {
  const { $, store } = app, S = store.state, V = store.view;
  const G = () => V.gutter;  // the lane names' width (px left of the time axis)
  const cv = { ov: $(".al-overview"), ruler: $(".al-ruler"), spec: $(".al-spec"), main: $(".al-main") };
  const x2t = (x) => x2tOf(V, x), t2x = (t) => t2xOf(V, t), viewEnd = () => viewEndOf(V);
  const spk = (id) => S.speakers.find((s) => s.id === id) || null;
  const spkColor = (id) => { const s = spk(id); return (s && s.color) || "#8a93a6"; };
  const spkName = (id) => { const s = spk(id); return s ? s.display : "(no speaker)"; };
  const vocabColor = (kind, label) => { const e = (S.vocab[kind] || []).find((v) => v.label === label); return (e && e.color) || "#777"; };
  const peak = (lvl, b0, b1) => peakAt(S.peaks, store.chunks, lvl, b0, b1, V.gain);
  let drag = null;  // the mouse gesture in progress on the waveform
  let phEl = null;

  // Canvas sizes follow the box's width (and the number of lanes), sharp on high-DPI screens.
  function resize() {
    const w = Math.max(200, $(".al-wavebox").clientWidth), dpr = window.devicePixelRatio || 1;
    const h = { ov: OVERVIEW_H, ruler: RULER_H, spec: SPEC_H, main: mainHeight(V.lanes.length) };
    for (const k of ["ov", "ruler", "spec", "main"]) {
      cv[k].width = Math.round(w * dpr); cv[k].height = Math.round(h[k] * dpr);
      cv[k].style.width = w + "px"; cv[k].style.height = h[k] + "px";
      cv[k].getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    store.setSize(w - G(), w);
  }
  // The same window of time after the canvases changed size.
  function relayout() { resize(); store.setView(); }
  // The lane names as the gutter writes them ("1 Sheila"), and the gutter width they need.
  function laneLabel(lane, i) {
    const label = lane.kind === "speaker" ? (lane.id ? spkName(lane.id) : "(no speaker)") : lane.kind === "sound_event" ? "Sound events" : "Emotions";
    return (lane.kind === "speaker" && i < 9 ? (i + 1) + " " : "") + label;
  }
  // The gutter grows to show a longer name whole, and does not shrink again while the recording
  // is open (renaming SPEAKER_01 to "Sheila" does not shift the time axis under the pointer).
  let gutterRec = null;
  function fitGutter() {
    const c = cv.main.getContext("2d"); c.save(); c.font = LANE_FONT;
    let px = gutterFor(V.lanes.map(laneLabel), (t) => c.measureText(t).width);
    c.restore();
    if (S.rec && gutterRec === S.rec.id) px = Math.max(px, V.gutter);
    gutterRec = S.rec ? S.rec.id : null;
    if (px === V.gutter) return false;
    store.setGutter(px);  // the canvases' next resize() narrows the time axis by the change
    return true;
  }
  function buildLanes() { store.rebuildLanes(); fitGutter(); if (S.rec) { relayout(); draw(); } }
  function fitAll() { resize(); store.setView(0, Math.max(0.5, S.rec.duration / V.width)); }
  // The time zooming keeps in place: the playhead while playing; else the selected region (or
  // the selected time range); else the playhead; the middle of the view when none is in view.
  function zoomAnchor() {
    const t0 = V.start, t1 = viewEnd(), inView = (t) => t >= t0 && t <= t1;
    if (app.media() && V.playing) return app.nowMs();
    const o = store.selected();
    if (o) return (o.start + o.end) / 2;
    if (V.range) return (V.range[0] + V.range[1]) / 2;
    const ph = app.nowMs();
    return inView(ph) ? ph : (t0 + t1) / 2;
  }
  function zoom(factor, anchorT) {
    if (!S.rec) return;
    const at = anchorT === undefined ? zoomAnchor() : anchorT;
    const inView = at >= V.start && at <= viewEnd();
    const ax = inView ? t2x(at) : G() + V.width / 2;  // in view: stays where it is; else comes to the middle
    const mpp = Math.min(Math.max(V.mpp * factor, 5), Math.max(5, S.rec.duration / V.width));
    store.setView(at - (ax - G()) * mpp, mpp);
    refresh();
  }
  function refresh() { draw(); app.ensurePeaks().then(draw); if (store.spec.on) app.scheduleSpec(); }
  // Scroll the window so that time `t` is in view (at a fifth of its width) if it is not.
  function reveal(t) {
    if (t < V.start || t > viewEnd()) { store.setView(t - V.width * V.mpp * 0.2); refresh(); } else draw();
  }

  function draw() {
    if (!S.rec || !V.width) return;
    drawOverview(); drawRuler(); if (store.spec.on) app.drawSpec(); drawMain(); updatePlayhead();
  }
  function drawOverview() {
    const c = cv.ov.getContext("2d"), w = V.cssW, h = OVERVIEW_H, dur = S.rec.duration;
    c.clearRect(0, 0, w, h); c.fillStyle = "#141922"; c.fillRect(0, 0, w, h);
    const lvl = levelFor(S.peaks, dur / w), lv = S.peaks[lvl];
    if (lv) {
      c.fillStyle = "#4b5a73";
      for (let x = 0; x < w; x++) {
        const t0 = x * dur / w, t1 = (x + 1) * dur / w;
        const p = peak(lvl, Math.floor(t0 / lv.ms_per_bin), Math.max(Math.floor(t0 / lv.ms_per_bin), Math.ceil(t1 / lv.ms_per_bin) - 1));
        if (p) { const y0 = h / 2 - p[1] * (h / 2 - 2), y1 = h / 2 - p[0] * (h / 2 - 2); c.fillRect(x, y0, 1, Math.max(1, y1 - y0)); }
      }
    }
    for (const s of S.segs) { c.fillStyle = spkColor(s.speaker_id); c.fillRect(s.start / dur * w, h - 5, Math.max(1, (s.end - s.start) / dur * w), 4); }
    const vx = V.start / dur * w, vw = Math.max(3, V.width * V.mpp / dur * w);
    c.fillStyle = "rgba(120,170,255,0.18)"; c.fillRect(vx, 0, vw, h);
    c.strokeStyle = "#7aa7ff"; c.lineWidth = 1; c.strokeRect(vx + 0.5, 0.5, vw - 1, h - 1);
  }
  function drawRuler() {
    const c = cv.ruler.getContext("2d"), w = V.cssW, h = RULER_H;
    c.clearRect(0, 0, w, h); c.fillStyle = "#10141b"; c.fillRect(0, 0, w, h);
    const step = niceStep(V.mpp), t1 = viewEnd();
    c.fillStyle = "#9aa6b8"; c.strokeStyle = "#3a4558"; c.font = "11px ui-monospace, SFMono-Regular, Menlo, monospace";
    for (let t = Math.floor(V.start / step) * step; t <= t1; t += step) {
      const x = Math.round(t2x(t)) + 0.5; if (x < G()) continue;
      c.beginPath(); c.moveTo(x, 14); c.lineTo(x, h); c.stroke();
      c.fillText(step < 1000 ? fmt(t) : fmt(t, false), x + 3, 11);
      for (let k = 1; k < 5; k++) { const xx = Math.round(t2x(t + k * step / 5)) + 0.5; c.beginPath(); c.moveTo(xx, 19); c.lineTo(xx, h); c.stroke(); }
    }
    c.fillStyle = "#10141b"; c.fillRect(0, 0, G(), h);
  }
  function drawMain() {
    const c = cv.main.getContext("2d"), w = V.cssW, h = mainHeight(V.lanes.length);
    c.clearRect(0, 0, w, h); c.fillStyle = "#0d1117"; c.fillRect(0, 0, w, h);
    // selection range
    if (V.range) { c.fillStyle = "rgba(255,214,102,0.16)"; c.fillRect(t2x(V.range[0]), 0, (V.range[1] - V.range[0]) / V.mpp, h); }
    // waveform
    const lvl = levelFor(S.peaks, V.mpp), lv = S.peaks[lvl], mid = WAVE_H / 2;
    c.strokeStyle = "#263041"; c.beginPath(); c.moveTo(G(), mid + 0.5); c.lineTo(w, mid + 0.5); c.stroke();
    if (lv) {
      c.fillStyle = "#5fb3ff";
      for (let x = G(); x < w; x++) {
        const t0 = x2t(x), t1 = x2t(x + 1); if (t0 > S.rec.duration) break;
        const b0 = Math.floor(t0 / lv.ms_per_bin), b1 = Math.max(b0, Math.ceil(t1 / lv.ms_per_bin) - 1);
        const p = peak(lvl, b0, b1);
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
    c.font = LANE_FONT; c.textBaseline = "middle";
    V.lanes.forEach((lane, i) => drawLane(c, w, lane, i));
    c.fillStyle = "#161c27"; c.fillRect(0, 0, G() - 2, WAVE_H);
    c.fillStyle = "#7f8ba0"; c.fillText("Waveform", 6, 14);
    c.fillText(V.mpp >= 1000 ? (V.mpp / 1000).toFixed(1) + " s/px" : Math.round(V.mpp) + " ms/px", 6, 30);
    if (drag && drag.ghost) {
      const g = drag.ghost; c.fillStyle = "rgba(255,255,255,0.25)";
      c.fillRect(t2x(g[0]), drag.lane >= 0 ? laneY(drag.lane) + 2 : 0, (g[1] - g[0]) / V.mpp, drag.lane >= 0 ? LANE_H - 6 : WAVE_H);
    }
  }
  function drawLane(c, w, lane, i) {
    const y = laneY(i), g = G();
    c.fillStyle = i % 2 ? "#121822" : "#10151e"; c.fillRect(g, y, w - g, LANE_H - 2);
    const { regions } = laneLayout(lane, S.segs, S.tags);
    for (const r of regions) {
      const o = r.o; if (o.end < V.start || o.start > viewEnd()) continue;
      const rows = r.rows, x0 = Math.max(g, t2x(o.start)), x1 = Math.min(w, t2x(o.end)), [top, h] = rowBox(i, r.row, rows);
      // a machine proposal (proposals.js): faint, in a dashed outline, "?" or "label 0.83"
      const machine = r.type === "tag" && isProposal(o);
      const color = r.type === "segment" ? spkColor(o.speaker_id) : machine && o.label === CANDIDATE ? "#d9a526" : vocabColor(o.kind, o.label);
      const selected = o.id === V.sel;
      c.fillStyle = hexA(color, selected ? (machine ? 0.6 : 0.95) : machine ? 0.25 : 0.62); c.fillRect(x0, top, Math.max(2, x1 - x0), h - (rows > 1 ? 1 : 0));
      if (machine) c.setLineDash([4, 3]);
      if (selected || machine) {
        c.strokeStyle = selected ? "#fff" : hexA(color, 1); c.lineWidth = selected ? 2 : 1.5;
        c.strokeRect(x0 + 1, top + (selected ? 0 : 0.75), Math.max(2, x1 - x0) - 2, h - (rows > 1 ? 1 : 0) - (selected ? 0 : 1.5)); c.lineWidth = 1;
      }
      c.setLineDash([]);
      if (r.type === "segment" && o.status === "reviewed") { c.fillStyle = "#fff"; c.fillRect(x0, top + h - 2, Math.max(2, x1 - x0), 2); }
      if (x1 - x0 > 24 && h >= 9) {
        c.save(); c.beginPath(); c.rect(x0 + 3, top, x1 - x0 - 6, h); c.clip();
        if (rows > 1) c.font = Math.max(8, Math.min(12, Math.floor(h - 1))) + "px system-ui, sans-serif";
        // a suggestion's score stays whole: its label gives way when the region is narrow
        const score = machine ? tagText(o).slice(o.label.length) : "";
        const text = r.type === "segment" ? (o.text || "…") : fitText(c, o.label, x1 - x0 - 6 - c.measureText(score).width) + score;
        c.fillStyle = machine ? "#eef1f6" : "#0b0e14"; c.fillText(text, x0 + 5, top + h / 2);
        c.restore();
      }
    }
    // gutter label (the gutter is as wide as the longest name needs, up to GUTTER_MAX)
    c.fillStyle = "#161c27"; c.fillRect(0, y, g - 2, LANE_H - 2);
    c.fillStyle = lane.kind === "speaker" ? spkColor(lane.id) : "#c7cfdb";
    if (lane.kind === "speaker") c.fillRect(4, y + 7, 8, 8);
    c.fillStyle = "#c7cfdb";
    c.save(); c.beginPath(); c.rect(0, y, g - 4, LANE_H); c.clip();
    const x0 = lane.kind === "speaker" ? 16 : 6;
    c.fillText(fitText(c, laneLabel(lane, i), g - 6 - x0), x0, y + LANE_H / 2); c.restore();
  }
  function updatePlayhead() {
    if (!S.rec) return;
    const t = app.nowMs();
    if (!phEl) { phEl = el("div", "al-playhead"); $(".al-wavebox").appendChild(phEl); }
    const x = t2x(t);
    phEl.style.display = x < G() || x > V.cssW ? "none" : "block";
    phEl.style.left = x + "px";
    $(".al-clock").textContent = fmt(t);
    if (S.rec.video) $(".al-tc").textContent = timecode(t, S.rec.video);
    app.followTranscript(t);
  }

  // ---- the mouse ----
  // Pointer events: their coordinates keep the fractions of a pixel (a mouse event's are whole
  // pixels), so a boundary dragged at a whole-file zoom lands within a few ms of where it is let go.
  const pos = (e, c) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  // A press on the canvas takes the keys from a field of the panels (a speaker's name, a note):
  // the field is left (which saves it, as a click anywhere else would) and the keys go to the
  // editor. (The press itself is kept from selecting text, which would also keep the focus.)
  function takeFocus() {
    const ed = app.root.querySelector(".al-editor"), a = document.activeElement;
    if (a && a !== ed && ed.contains(a) && a.blur) a.blur();
    if (!V.editing) ed.focus({ preventScroll: true });
  }
  cv.main.addEventListener("pointerdown", (e) => {
    if (!S.rec || e.button !== 0) return;
    const [x, y] = pos(e, cv.main); if (x < G()) return;
    takeFocus();
    const h = hit(V, S.segs, S.tags, x, y), t = x2t(x);
    if (h && h.type && h.edge) { drag = { mode: "edge", h, orig: [h.o.start, h.o.end], moved: false }; app.select(h.o.id, h.type, false); }
    else if (h && h.type) drag = { mode: "click", h, x };
    else drag = { mode: "create", lane: h ? h.lane : -1, t0: t, x, ghost: null };
    e.preventDefault();
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) {
      if (S.rec && e.target === cv.main) {
        const [x, y] = pos(e, cv.main), h = hit(V, S.segs, S.tags, x, y);
        cv.main.style.cursor = h && h.edge ? "ew-resize" : h && h.type ? "pointer" : "crosshair";
      }
      return;
    }
    const [x] = pos(e, cv.main), t = Math.max(0, Math.min(S.rec.duration, x2t(x))), d = drag, o = d.h && d.h.o;
    if (d.mode === "edge") {
      d.moved = true;
      if (d.h.edge === "start") store.previewSpan(o, Math.round(Math.min(t, o.end - 10)), o.end);
      else store.previewSpan(o, o.start, Math.round(Math.max(t, o.start + 10)));
      draw();
    } else if (d.mode === "create" && Math.abs(x - d.x) > 3) { d.ghost = [Math.min(d.t0, t), Math.max(d.t0, t)]; draw(); }
  });
  window.addEventListener("pointerup", async (e) => {
    const d = drag; if (!d) return; drag = null;
    const [x] = pos(e, cv.main);
    if (d.mode === "edge") {
      const o = d.h.o;
      if (!d.moved || (o.start === d.orig[0] && o.end === d.orig[1])) return;
      const start = o.start, end = o.end;
      store.previewSpan(o, d.orig[0], d.orig[1]);
      if (d.h.type === "segment") await app.edit({ op: "set_span", segment: { id: o.id, version: o.version }, start, end });
      else await app.edit({ op: "update_tag", tag: { id: o.id, version: o.version }, start, end });
    } else if (d.mode === "click") { app.select(d.h.o.id, d.h.type, false); app.seek(x2t(x)); }
    else if (d.mode === "create") {
      if (!d.ghost || d.ghost[1] - d.ghost[0] < 20) { store.setRange(null); app.seek(x2t(x)); draw(); return; }
      const [a, b] = d.ghost.map(Math.round), lane = V.lanes[d.lane];
      if (!lane) { store.setRange([a, b]); draw(); return; }
      store.setRange(null);
      // the new region is selected (a segment has the lane's speaker; the "(no speaker)" lane none)
      const r = lane.kind === "speaker" ? await app.edit({ op: "create_segment", start: a, end: b, speaker_id: lane.id })
        : await app.edit({ op: "add_tag", kind: lane.kind, start: a, end: b, label: lane.kind === "emotion" ? $(".al-emosel").value : $(".al-eventsel").value });
      app.selectCreated(r, lane.kind === "speaker" ? "segment" : "tag");
      draw();
    }
  });
  // double-click a region: play it
  cv.main.addEventListener("dblclick", (e) => {
    const [x, y] = pos(e, cv.main), h = S.rec && x >= G() ? hit(V, S.segs, S.tags, x, y) : null;
    if (h && h.type) app.playSelected();
  });
  cv.main.addEventListener("wheel", (e) => {
    if (!S.rec) return;
    e.preventDefault();
    const [x] = pos(e, cv.main);
    if (e.ctrlKey || e.metaKey) zoom(e.deltaY > 0 ? 1.25 : 0.8, x2t(Math.max(G(), x)));
    else { store.setView(V.start + (e.deltaX || e.deltaY) * V.mpp); refresh(); }
  }, { passive: false });
  let ovDrag = false;
  const ovMove = (e) => { const [x] = pos(e, cv.ov); store.setView(x / V.cssW * S.rec.duration - V.width * V.mpp / 2); refresh(); };
  cv.ov.addEventListener("mousedown", (e) => { if (!S.rec) return; ovDrag = true; ovMove(e); });
  window.addEventListener("mousemove", (e) => { if (ovDrag) ovMove(e); });
  window.addEventListener("mouseup", () => { ovDrag = false; });
  cv.ruler.addEventListener("click", (e) => { if (!S.rec) return; const [x] = pos(e, cv.ruler); if (x >= G()) app.seek(x2t(x)); });
  // A new box width keeps the same span of time in view.
  new ResizeObserver(() => {
    if (!S.rec) return;
    const span = V.width * V.mpp;
    resize();
    store.setView(undefined, span ? Math.max(0.5, Math.min(span / V.width, S.rec.duration / V.width)) : undefined);
    refresh();
  }).observe($(".al-wavebox"));

  return {
    canvases: cv, x2t, t2x, viewEnd, resize, relayout, buildLanes, fitGutter, fitAll, zoom, refresh, reveal, draw, updatePlayhead,
    spkColor, spkName, vocabColor,
  };
}
