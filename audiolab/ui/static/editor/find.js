// The find / replace bar: segments matching the text are counted and marked, Enter steps through
// them, Replace all is one edit (one undo) done by the server.
import { count } from "../shared/format.js";
import { dispatch } from "./keymap.js";

// The pattern the server's replace uses (audiolab.services.editing.text_pattern): literal text,
// case-insensitive unless asked, whole words by default (a word character is a letter, digit or
// _). null for empty text.
export function findPattern(text, matchCase, wholeWords) {
  const q = text.trim();
  if (!q) return null;
  let src = q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (wholeWords) src = "(?<![\\p{L}\\p{N}_])" + src + "(?![\\p{L}\\p{N}_])";
  return new RegExp(src, matchCase ? "u" : "iu");
}

// `app` gives root, $, store, toast, edit, select, markHits; the fields' keys come from keymap.js.
export function createFind(app) {
  const { root, $, store } = app, S = store.state, V = store.view;
  const pattern = () => findPattern($(".al-find-q").value, $(".al-find-case").checked, $(".al-find-word").checked);
  const hits = () => { const re = pattern(); return re ? S.segs.filter((s) => re.test(s.text || "")) : []; };

  function updateFindCount() {
    const q = $(".al-find-q").value.trim();
    $(".al-find-n").textContent = q ? hits().length + " segments" : "";
    store.setFindPattern($(".al-find").hidden ? null : pattern());
    app.markHits();
  }
  function openFind() {
    $(".al-find").hidden = false;
    const sel = window.getSelection ? String(window.getSelection()) : "";
    if (sel && sel.length < 200 && !sel.includes("\n")) $(".al-find-q").value = sel;
    $(".al-find-q").focus(); $(".al-find-q").select(); updateFindCount();
  }
  function closeFind() { $(".al-find").hidden = true; updateFindCount(); root.querySelector(".al-editor").focus({ preventScroll: true }); }
  function findNext(dir) {
    const found = hits();
    if (!found.length) { updateFindCount(); app.toast("Not in the transcript.", "info", 2000); return; }
    const cur = V.selKind === "segment" ? S.segs.findIndex((s) => s.id === V.sel) : -1;
    const n = S.segs.length, ids = new Set(found.map((h) => h.id)), from = cur < 0 ? (dir > 0 ? -1 : 0) : cur;
    let pick = null;
    for (let k = 1; k <= n; k++) {
      const i = (from + dir * k + n * 2) % n;
      if (ids.has(S.segs[i].id)) { pick = S.segs[i]; break; }
    }
    if (pick) { app.select(pick.id, "segment", true); $(".al-find-n").textContent = (found.indexOf(pick) + 1) + " of " + found.length + " segments"; }
  }
  async function replaceAll() {
    const find = $(".al-find-q").value.trim(); if (!find) return;
    const r = await app.edit({ op: "replace_text", find, replace: $(".al-find-r").value, match_case: $(".al-find-case").checked,
                               whole_words: $(".al-find-word").checked });
    if (r && r.ok) app.toast("Replaced in " + count(r.segments.length, "segment") + ". Ctrl+Z undoes it.", "info", 5000);
    updateFindCount();
  }

  $(".al-find-q").addEventListener("input", updateFindCount);
  for (const c of [".al-find-case", ".al-find-word"]) $(c).addEventListener("change", updateFindCount);
  for (const c of [".al-find-q", ".al-find-r"]) $(c).addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (dispatch("find", e, app)) e.preventDefault();
  });
  $(".al-find-all").addEventListener("click", replaceAll);
  $(".al-find-close").addEventListener("click", closeFind);
  return { openFind, closeFind, findNext, replaceAll };
}
