// The transcript pane: one row per segment, virtualized (only the rows near the view exist in the
// DOM, between two spacers that keep the scroll height; heights are measured once a row is built,
// rows never built count with the average), the row under the playhead followed and marked, and
// typing a segment's text (kept in the browser until saved, see drafts.js). Rebuilding the rows
// after an edit, an undo or a live update keeps the user's place: the selected row (else the
// first row in view) stays where it was on screen.
// The conversation view shows the rows as a chat: the speaker's name where a turn begins, the
// rows of one turn joined, each speaker on their own side.
import { el } from "../shared/dom.js";
import { fmt } from "../shared/format.js";
import { createDrafts } from "./drafts.js";
import { dispatch } from "./keymap.js";
import { rowOffsets, rowWindow, scrollToRow, spacers } from "./rows.js";
import { ref } from "./store.js";

export const LOW_P = 0.5;  // words the recognizer was less sure of are marked
const VMARGIN = 30, VPAD = 4;

// Character ranges [start, end) of the whitespace-separated tokens of `text`.
export function tokenRanges(text) {
  return [...String(text || "").matchAll(/\S+/g)].map((m) => [m.index, m.index + m[0].length]);
}

// Whether the row of segment i starts a turn (its speaker is not the previous segment's).
export function startsTurn(segs, i) {
  return i === 0 || (segs[i - 1].speaker_id || null) !== (segs[i].speaker_id || null);
}

// `app` gives root, $, store, toast, select, seek, edit, idle, spkColor, spkName, vocabColor and the
// text-box keys' actions (see keymap.js).
export function createTranscript(app) {
  const { root, $, store } = app, S = store.state, V = store.view;
  const rowEls = new Map(), rowH = new Map();
  const VW = { a: -1, b: -1, idx: new Map(), off: null, est: 0, dirty: true };
  const rowsBox = $(".al-rows"), padTop = el("div", "al-vpad"), padBot = el("div", "al-vpad");
  const drafts = createDrafts(window.localStorage, () => ({ user: S.user, recording: S.rec.id }));
  // The segment under the playhead (`playing`) and its word (`now`), kept on whichever row shows it.
  let curId = null, curWordI = -1, curRow = null, curWord = null;
  let rowsW = 0, rowsH = 0;
  const editorEl = () => root.querySelector(".al-editor");

  // The row to keep in place across a rebuild: the selected one if it is in view, else the first
  // row in view that still exists; with its distance from the pane's top.
  function viewAnchor() {
    if (!padTop.isConnected) return null;
    const top = rowsBox.getBoundingClientRect().top, bottom = top + rowsBox.clientHeight;
    const inView = (r) => { const b = r.getBoundingClientRect(); return b.bottom > top && b.top < bottom ? b.top - top : null; };
    const sel = V.selKind === "segment" && V.sel ? rowEls.get(V.sel) : null;
    if (sel && S.byId.has(V.sel)) { const dy = inView(sel); if (dy !== null) return { id: V.sel, dy }; }
    for (const r of rowsBox.children) {
      if (!r.classList.contains("al-row") || !S.byId.has(r.dataset.id)) continue;
      const dy = inView(r); if (dy !== null) return { id: r.dataset.id, dy };
    }
    return null;
  }
  function anchorOffset(anchor) {
    const r = rowEls.get(anchor.id);
    return r ? r.getBoundingClientRect().top - rowsBox.getBoundingClientRect().top - anchor.dy : 0;
  }

  function renderRows() {
    const anchor = viewAnchor(), keepTop = rowsBox.scrollTop;
    // The row whose text is being typed stays where it is (taking it out of the page would end
    // the typing); the others are rebuilt around it.
    const keep = V.editing && S.byId.has(V.editing.id) ? rowEls.get(V.editing.id) : null;
    for (const c of [...rowsBox.childNodes]) if (c !== keep) c.remove();
    rowEls.clear(); curRow = null; curWord = null;
    if (keep) rowEls.set(V.editing.id, keep);
    VW.a = VW.b = -1; VW.idx = new Map(S.segs.map((s, i) => [s.id, i])); VW.dirty = true;
    rowsBox.classList.toggle("convo", V.convo);
    if (!S.segs.length) { rowsBox.appendChild(el("div", "al-empty", "No segments yet. Drag in a speaker lane to create one, or pre-label the recording in the Library tab.")); return; }
    rowsBox.prepend(padTop); rowsBox.append(padBot);
    const off = offsets();
    padTop.style.height = "0px"; padBot.style.height = off[off.length - 1] + "px";
    const i = anchor ? VW.idx.get(anchor.id) : undefined;
    rowsBox.scrollTop = i !== undefined ? off[i] + VPAD - anchor.dy : keepTop;
    renderWindow();
    if (anchor && rowEls.get(anchor.id)) {
      // measured heights may differ from the estimate: put the anchor back exactly
      const d = anchorOffset(anchor);
      if (Math.abs(d) >= 1) { rowsBox.scrollTop += d; renderWindow(); }
    }
    if (V.selKind === "segment" && V.sel && S.byId.has(V.sel)) {
      const r = rowEls.get(V.sel) || revealRow(V.sel);
      if (r) { r.classList.add("sel"); ensureVisible(r); }
    }
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
  // Scroll the pane (only) so that row `r` is inside it.
  function ensureVisible(r) {
    const box = rowsBox.getBoundingClientRect(), b = r.getBoundingClientRect();
    if (b.top < box.top) rowsBox.scrollTop -= box.top - b.top + VPAD;
    else if (b.bottom > box.top + rowsBox.clientHeight) rowsBox.scrollTop += Math.min(b.top - box.top - VPAD, b.bottom - box.top - rowsBox.clientHeight + VPAD);
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
    if (r) { ensureVisible(r); renderWindow(); }
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
    const time = el("span", "al-time", fmt(s.start) + " – " + fmt(s.end));
    const chip = el("span", "al-spk", app.spkName(s.speaker_id)); chip.style.borderColor = app.spkColor(s.speaker_id); chip.style.color = app.spkColor(s.speaker_id);
    if (V.convo) {
      const i = VW.idx.get(s.id), turn = i === undefined || startsTurn(S.segs, i);
      const side = S.speakers.findIndex((p) => p.id === s.speaker_id);
      row.classList.add("convo"); row.classList.toggle("cont", !turn); row.classList.toggle("right", side % 2 === 1);
      row.style.setProperty("--al-spk", app.spkColor(s.speaker_id));
      if (turn) { chip.className = "al-spk al-spk-name"; meta.appendChild(chip); }
      meta.appendChild(time);
    } else {
      row.classList.remove("convo", "cont", "right");
      meta.append(time, chip);
    }
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
    } else {
      // the text as it is (its own spaces and line breaks), each token a span a double-click can select
      const text = s.text || "";
      let at = 0;
      tokenRanges(text).forEach(([a, b], i) => {
        if (a > at) tx.appendChild(document.createTextNode(text.slice(at, a)));
        const sp = el("span", "al-tok", text.slice(a, b)); sp.dataset.i = i; tx.appendChild(sp); at = b;
      });
      if (at < text.length) tx.appendChild(document.createTextNode(text.slice(at)));
    }
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

  // ---- typing a segment's text ----
  // Open segment `id`'s text box. `how`: {word: i} selects word i, {caret: n} puts the caret at
  // character n; otherwise the whole text is selected (typing replaces it, ← / → go to its ends).
  async function startEdit(id, how = {}) {
    if (Number(root.dataset.pending || 0) > 0) await app.idle();  // an edit in flight may change this text
    const s = S.byId.get(id); if (!s) return;
    if (V.editing && V.editing.id === id) { V.editing.ta.focus(); return; }
    if (V.editing && V.editing.finish) V.editing.finish({ save: true });  // another box: it saves and closes first
    app.select(id, "segment", false);
    const row = revealRow(id); if (!row) return;
    const tx = row.querySelector(".al-text"); if (!tx) return;
    const kept = drafts.get(id);
    const ta = el("textarea", "al-edit"); ta.value = kept !== null ? kept : s.text;
    ta.rows = Math.max(2, Math.ceil((ta.value.length + 1) / 70));
    ta.spellcheck = true;
    const hint = el("div", "al-edit-hint");
    tx.replaceWith(ta); ta.after(hint); ta.focus({ preventScroll: true });
    const ranges = tokenRanges(ta.value);
    if (how.word !== undefined && ranges[how.word] && kept === null) ta.setSelectionRange(...ranges[how.word]);
    else if (how.caret !== undefined) ta.setSelectionRange(Math.min(how.caret, ta.value.length), Math.min(how.caret, ta.value.length));
    else ta.select();
    ensureVisible(row);
    if (kept !== null && kept !== s.text) app.toast("Restored the text you typed here before, which was never saved. Enter saves it, Esc discards it.", "info", 8000);
    const seenVersion = s.version;
    let done = false, warned = false;
    const say = (text) => { hint.textContent = text; hint.classList.toggle("on", !!text); };
    ta.addEventListener("input", () => { drafts.keep(id, ta.value); if (warned) { warned = false; say(""); } });
    const changed = () => { const cur = S.byId.get(id); return !!cur && ta.value.trim() !== cur.text; };
    // End the typing: the box goes, the row shows the segment again, the keys are shortcuts again.
    const close = () => {
      done = true; store.setEditing(null);
      ta.readOnly = true;  // keys pressed while a save is in flight are shortcuts again, not text for the old box
      editorEl().focus({ preventScroll: true });
    };
    const restoreRow = () => { const now = S.byId.get(id); if (now) updateRow(now); };
    const finish = async ({ save = true, review = false, advance = false } = {}) => {
      if (done) return; close();
      const cur = S.byId.get(id);
      if (save && cur && ta.value.trim() !== cur.text) {
        const r = await app.edit({ op: "set_text", segment: { id, version: seenVersion }, text: ta.value }, ta.value);
        if (r && r.ok) drafts.drop(id);  // refused or unanswered: the text stays kept for the next try
      } else if (!save || cur) drafts.drop(id);  // Esc discards; nothing to save
      restoreRow();
      if (review && S.byId.get(id)) {
        await app.edit(() => { const x = S.byId.get(id); return x ? { op: "set_status", segment: ref(x), status: "reviewed" } : null; });
      }
      editorEl().focus({ preventScroll: true });
      if (advance) {
        const now = S.byId.get(id), next = now && store.neighbour(now, 1);
        if (next) startEdit(next.id); else app.toast("That was the last segment.", "info", 2500);
      }
    };
    // Esc: asks first (a second Esc) when the text was changed.
    const cancel = () => {
      if (changed() && !warned) { warned = true; say("Esc again discards what you typed · Enter saves it"); return; }
      finish({ save: false });
    };
    const box = {
      finish, cancel,
      atStart: () => ta.selectionStart === 0 && ta.selectionEnd === 0,
      atEnd: () => ta.selectionStart === ta.value.length && ta.selectionEnd === ta.value.length,
      op: (kind, n) => textOp(kind, n),
    };
    store.setEditing({ id, ta, version: seenVersion, finish });
    // The edits at the text cursor: each sends the text as typed with it (nothing typed is lost).
    async function textOp(kind, n) {
      const cur = S.byId.get(id); if (!cur || done) return;
      const text = ta.value, cursor = ta.selectionStart, before = text.slice(0, cursor).trim(), after = text.slice(cursor).trim();
      const neighbour = (dir) => store.neighbour(cur, dir);
      let action = null, then = null;
      if (kind === "split" || kind === "speaker" || kind === "next") {
        if (!after) { app.toast("Put the text cursor before the words to move (there are none after it).", "info", 3000); return; }
      }
      if (kind === "split") {
        if (!before) { app.toast("Put the text cursor after the first word to split here.", "info", 3000); return; }
        action = { op: "split_text", segment: ref(cur), text, cursor };
        then = (r) => app.selectCreated(r, "segment", id);
      } else if (kind === "speaker") {
        const p = S.speakers[n - 1]; if (!p) { app.toast("There is no speaker " + n + ".", "info", 2500); return; }
        action = { op: "words_to_speaker", segment: ref(cur), text, cursor, speaker_id: p.id };
        then = (r) => { if (!app.selectCreated(r, "segment", id)) app.select(id, "segment", false); };
      } else if (kind === "next" || kind === "previous") {
        if (kind === "previous" && !before) { app.toast("Put the text cursor after the words to move (there are none before it).", "info", 3000); return; }
        const other = neighbour(kind === "next" ? 1 : -1);
        if (!other) { app.toast(kind === "next" ? "This is the last segment." : "This is the first segment.", "info", 2500); return; }
        action = { op: "move_words", segment: ref(cur), other: ref(other), text, cursor, direction: kind };
        then = () => app.select(S.byId.has(id) ? id : other.id, "segment", false);
      } else if (kind === "joinPrevious" || kind === "joinNext") {
        const other = neighbour(kind === "joinNext" ? 1 : -1);
        if (!other) { app.toast(kind === "joinNext" ? "This is the last segment." : "This is the first segment.", "info", 2500); return; }
        close();
        if (changed()) {
          const r = await app.edit({ op: "set_text", segment: { id, version: seenVersion }, text }, text);
          if (!r || !r.ok) { restoreRow(); return; }
        }
        drafts.drop(id);
        const first = kind === "joinNext" ? S.byId.get(id) : other, caret = (first.text || "").length + (first.text ? 1 : 0);
        const r = await app.merge(first, kind === "joinNext" ? other : S.byId.get(id));
        restoreRow();
        if (r && r.ok && S.byId.get(first.id)) startEdit(first.id, { caret });
        return;
      }
      close();
      const r = await app.edit(action, text);
      if (r && r.ok) { drafts.drop(id); restoreRow(); if (then) then(r); }
      else { restoreRow(); if (S.byId.get(id)) startEdit(id); }  // refused: the box again, with the text typed
    }
    ta.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (dispatch("text", e, app, box)) e.preventDefault();
    });
    ta.addEventListener("blur", () => { if (!done) finish({ save: true }); });
  }
  // "N segments have kept text" after opening a recording.
  function unsavedSegments() { return drafts.unsaved(S.byId); }

  rowsBox.addEventListener("scroll", renderWindow, { passive: true });
  new ResizeObserver(() => {
    const w = rowsBox.clientWidth, h = rowsBox.clientHeight; if (!padTop.isConnected || (w === rowsW && h === rowsH)) return;
    const wide = w !== rowsW;
    rowsW = w; rowsH = h;
    // a new width changes the rows' heights: measure the built ones again; a new height shows more rows
    if (wide) { rowH.clear(); VW.dirty = true; measure(rowEls.values()); }
    VW.a = VW.b = -1; renderWindow();
  }).observe(rowsBox);
  rowsBox.addEventListener("click", (e) => {
    const row = e.target.closest(".al-row"); if (!row || (V.editing && V.editing.id === row.dataset.id)) return;
    const s = S.byId.get(row.dataset.id); if (!s) return;
    if (e.target.classList.contains("al-word")) { app.select(s.id, "segment", false); app.seek(Number(e.target.dataset.start)); return; }
    app.select(s.id, "segment", true);
  });
  // Double-click: a word opens the text with that word selected; elsewhere in the row, all of it.
  rowsBox.addEventListener("dblclick", (e) => {
    const row = e.target.closest(".al-row"); if (!row || e.target.closest(".al-edit")) return;
    const w = e.target.closest(".al-word, .al-tok");
    startEdit(row.dataset.id, w ? { word: Number(w.dataset.i) } : {});
  });
  window.addEventListener("beforeunload", (e) => {
    const ed = V.editing, cur = ed && S.byId.get(ed.id);
    if (ed && cur && ed.ta.value.trim() !== cur.text) { e.preventDefault(); e.returnValue = ""; }
  });

  return { renderRows, updateRow, revealRow, markSelected, markHits, followTranscript, startEdit, unsavedSegments };
}
