// The transcript pane: one row per segment, virtualized (only the rows near the view exist in the
// DOM, between two spacers that keep the scroll height; heights are measured once a row is built,
// rows never built count with the average), the row under the playhead followed and marked, and
// typing a segment's text (kept in the browser until saved, see drafts.js).
import { el } from "../shared/dom.js";
import { fmt } from "../shared/format.js";
import { createDrafts } from "./drafts.js";
import { dispatch } from "./keymap.js";
import { rowOffsets, rowWindow, scrollToRow, spacers } from "./rows.js";
import { ref } from "./store.js";

export const LOW_P = 0.5;  // words the recognizer was less sure of are marked
const VMARGIN = 30, VPAD = 4;

// `app` gives root, $, store, toast, select, seek, edit, spkColor, spkName, vocabColor and the
// text-box keys' actions (see keymap.js).
export function createTranscript(app) {
  const { root, $, store } = app, S = store.state, V = store.view;
  const rowEls = new Map(), rowH = new Map();
  const VW = { a: -1, b: -1, idx: new Map(), off: null, est: 0, dirty: true };
  const rowsBox = $(".al-rows"), padTop = el("div", "al-vpad"), padBot = el("div", "al-vpad");
  const drafts = createDrafts(window.localStorage, () => ({ user: S.user, recording: S.rec.id }));
  // The segment under the playhead (`playing`) and its word (`now`), kept on whichever row shows it.
  let curId = null, curWordI = -1, curRow = null, curWord = null;
  let rowsW = 0;

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
    if (VW.dirty) { VW.off = rowOffsets(S.segs.length, rowHeight); VW.dirty = false; }
    return VW.off;
  }
  function setSpacers() {
    const [top, bottom] = spacers(offsets(), VW.a, VW.b);
    padTop.style.height = top + "px"; padBot.style.height = bottom + "px";
  }
  function renderWindow() {
    const n = S.segs.length; if (!n || !padTop.isConnected) return;
    const ed = V.editing ? VW.idx.get(V.editing.id) : undefined;
    const [a, b] = rowWindow(offsets(), rowsBox.scrollTop, rowsBox.clientHeight || 460, { margin: VMARGIN, pad: VPAD, keep: ed });
    if (a === VW.a && b === VW.b) return;
    for (const [id, r] of rowEls) { const i = VW.idx.get(id); if (i === undefined || i < a || i > b) { r.remove(); rowEls.delete(id); } }
    const fresh = [];
    let prev = padTop;
    for (let i = a; i <= b; i++) {
      const s = S.segs[i];
      let r = rowEls.get(s.id);
      if (!r) { r = buildRow(s); rowEls.set(s.id, r); fresh.push(r); }
      if (prev.nextSibling !== r) prev.after(r);
      prev = r;
    }
    VW.a = a; VW.b = b;
    setSpacers();
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
    if (VW.dirty && VW.a >= 0) setSpacers();  // the spacers stand for rows outside the window only: keep them exact
  }
  // The row of segment `id`, scrolled into the pane's view (built first if it is outside the window).
  function revealRow(id) {
    let r = rowEls.get(id);
    if (!r) {
      const i = VW.idx.get(id); if (i === undefined) return null;
      const top = scrollToRow(offsets(), i, rowHeight(i), rowsBox.scrollTop, rowsBox.clientHeight || 460, VPAD);
      if (top !== null) rowsBox.scrollTop = top;
      renderWindow(); r = rowEls.get(id);
    }
    if (r) r.scrollIntoView({ block: "nearest" });
    return r || null;
  }
  // Move the row highlight from segment `prev` to `id` (`isSegment`: a segment, shown and marked).
  function markSelected(prev, id, isSegment) {
    if (prev && rowEls.get(prev)) rowEls.get(prev).classList.remove("sel");
    if (isSegment) { const r = revealRow(id); if (r) r.classList.add("sel"); }
  }
  function buildRow(s) {
    const row = el("div", "al-row"); row.dataset.id = s.id;
    fillRow(row, s);
    return row;
  }
  function fillRow(row, s) {
    row.textContent = "";
    row.classList.toggle("sel", s.id === V.sel);
    row.classList.toggle("hit", !!(store.find.re && store.find.re.test(s.text || "")));
    const meta = el("div", "al-row-meta");
    const dot = el("span", "al-dot st-" + s.status); dot.title = s.status; meta.appendChild(dot);
    meta.appendChild(el("span", "al-time", fmt(s.start) + " – " + fmt(s.end)));
    const chip = el("span", "al-spk", app.spkName(s.speaker_id)); chip.style.borderColor = app.spkColor(s.speaker_id); chip.style.color = app.spkColor(s.speaker_id);
    meta.appendChild(chip);
    for (const t of S.tags) if (t.segment_id === s.id) {
      const c = el("span", "al-chip", t.kind === "note" ? "✎ " + t.note : t.label);
      c.style.background = t.kind === "note" ? "#3a4558" : app.vocabColor(t.kind, t.label); meta.appendChild(c);
    }
    row.appendChild(meta);
    const tx = el("div", "al-text");
    const toks = (s.text || "").split(/\s+/).filter(Boolean);
    if (s.words && s.words.length && s.words.length === toks.length && s.words.every((w, i) => w[2] === toks[i])) {
      s.words.forEach((w, i) => {
        const p = w[3] !== null && w[3] !== undefined;
        const sp = el("span", "al-word" + (p && w[3] < LOW_P ? " low" : ""), w[2]);
        sp.dataset.i = i; sp.dataset.start = w[0]; sp.title = fmt(w[0]) + (p ? "  p=" + Number(w[3]).toFixed(2) : "");
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
  // Mark the rows matching the find pattern.
  function markHits() {
    for (const [id, row] of rowEls) { const s = S.byId.get(id); if (s) row.classList.toggle("hit", !!(store.find.re && store.find.re.test(s.text || ""))); }
  }
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

  function startEdit(id) {
    const s = S.byId.get(id); if (!s) return;
    app.select(id, "segment", false);
    const row = revealRow(id); if (!row) return;
    const tx = row.querySelector(".al-text");
    const kept = drafts.get(id);
    const ta = el("textarea", "al-edit"); ta.value = kept !== null ? kept : s.text;
    ta.rows = Math.max(2, Math.ceil((ta.value.length + 1) / 70));
    tx.replaceWith(ta); ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length);
    if (kept !== null && kept !== s.text) app.toast("Restored the text you typed here before, which was never saved. Enter saves it, Esc discards it.", "info", 8000);
    ta.addEventListener("input", () => drafts.keep(id, ta.value));
    const seenVersion = s.version;
    store.setEditing({ id, ta, version: seenVersion });
    let done = false;
    const finish = async (save, review) => {
      if (done) return; done = true; store.setEditing(null);
      // Keys pressed while the save is in flight are shortcuts again, not text for the old box.
      ta.readOnly = true;
      root.querySelector(".al-editor").focus({ preventScroll: true });
      const cur = S.byId.get(id);
      if (save && cur && ta.value.trim() !== cur.text) {
        const r = await app.edit({ op: "set_text", segment: { id, version: seenVersion }, text: ta.value }, ta.value);
        if (r && r.ok) drafts.drop(id);  // refused or unanswered: the text stays kept for the next try
      } else {
        if (!save || cur) drafts.drop(id);  // Esc discards; nothing to save
        if (cur) updateRow(cur);
      }
      const now = S.byId.get(id);
      if (review && now) await app.edit({ op: "set_status", segment: ref(now), status: "reviewed" });
      root.querySelector(".al-editor").focus({ preventScroll: true });
    };
    ta.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (dispatch("text", e, app, finish)) e.preventDefault();
    });
    ta.addEventListener("blur", () => finish(true, false));
  }
  // "N segments have kept text" after opening a recording.
  function unsavedSegments() { return drafts.unsaved(S.byId); }

  rowsBox.addEventListener("scroll", renderWindow, { passive: true });
  new ResizeObserver(() => {
    const w = rowsBox.clientWidth; if (!padTop.isConnected || w === rowsW) return;
    rowsW = w;
    // a new width changes the rows' heights: measure the built ones again
    rowH.clear(); VW.dirty = true; measure(rowEls.values()); VW.a = VW.b = -1; renderWindow();
  }).observe(rowsBox);
  rowsBox.addEventListener("click", (e) => {
    const row = e.target.closest(".al-row"); if (!row || V.editing) return;
    const s = S.byId.get(row.dataset.id); if (!s) return;
    if (e.target.classList.contains("al-word")) { app.select(s.id, "segment", false); app.seek(Number(e.target.dataset.start)); return; }
    app.select(s.id, "segment", true);
  });
  rowsBox.addEventListener("dblclick", (e) => { const row = e.target.closest(".al-row"); if (row) startEdit(row.dataset.id); });
  window.addEventListener("beforeunload", (e) => {
    const ed = V.editing, cur = ed && S.byId.get(ed.id);
    if (ed && cur && ed.ta.value.trim() !== cur.text) { e.preventDefault(); e.returnValue = ""; }
  });

  return { renderRows, updateRow, revealRow, markSelected, markHits, followTranscript, startEdit, unsavedSegments };
}
