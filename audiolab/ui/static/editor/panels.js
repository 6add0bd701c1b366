// The side panels: the inspector of the selected segment or tag (a machine proposal says so, with
// its score, and naming it accepts it), the speakers (rename, add, merge; each row's voice
// controls are speakers.js'), the tag vocabularies (the pickers and their editor), and the edit
// history.
import { el } from "../shared/dom.js";
import { fmt } from "../shared/format.js";
import { isProposal, isSuggestion, originText } from "./proposals.js";
import { ref } from "./store.js";

// Why a vocabulary's rows cannot be saved as they are (two labels share a hotkey), or null. The
// message names both labels and the key, as the server's does.
export function hotkeyClash(entries, kind) {
  const chord = kind === "emotion" ? "Shift+" : "Alt+", holder = new Map();
  for (const e of entries) {
    const k = String(e.hotkey || "").trim().toLowerCase(); if (!k) continue;
    if (holder.has(k)) return "the hotkey " + k.toUpperCase() + " (" + chord + k.toUpperCase() + ") is taken by '" + holder.get(k)
      + "': choose another key for '" + String(e.label).trim() + "'";
    holder.set(k, String(e.label).trim());
  }
  return null;
}

// `app` gives root, $, store, toast, edit, saveVocab, history, startEdit, toggleEmotion, deleteSelected, draw,
// acceptProposal, rejectProposal, buildVoiceControls, updateVoiceControls.
export function createPanels(app) {
  const { $, store } = app, S = store.state, V = store.view;
  const option = (text, value) => { const o = el("option", "", text); o.value = value; return o; };
  const labelled = (cls, label) => { const row = el("div", cls); row.appendChild(el("span", "al-lbl", label)); return row; };

  // A field of the inspector being typed in is not rebuilt under the user's fingers: the inspector
  // of the same selection is brought up to date when the focus leaves it.
  let inspFor = null, inspStale = false;
  function renderInspector() {
    const box = $(".al-insp"), key = V.selKind + ":" + V.sel;
    if (box.contains(document.activeElement) && inspFor === key) { inspStale = true; return; }
    inspStale = false; inspFor = key;
    box.textContent = "";
    const o = store.selected();
    if (!o) { box.appendChild(el("p", "al-muted", "Click a region or a transcript line. Drag in a lane to create a region; drag on the waveform to select a time range.")); return; }
    box.appendChild(el("div", "al-insp-time", fmt(o.start) + " – " + fmt(o.end) + "  (" + ((o.end - o.start) / 1000).toFixed(2) + " s)"));
    if (V.selKind === "segment") inspectSegment(box, o); else inspectTag(box, o);
  }
  function inspectSegment(box, o) {
    const row = labelled("al-inline", "Speaker");
    const sel = el("select", "al-insp-spk");
    sel.appendChild(option("(no speaker)", ""));
    for (const s of S.speakers) sel.appendChild(option(s.display, s.id));
    sel.value = o.speaker_id || "";
    sel.addEventListener("change", () => app.edit({ op: "set_speaker", segment: ref(S.byId.get(o.id)), speaker_id: sel.value || null }));
    row.appendChild(sel); box.appendChild(row);
    const st = labelled("al-inline", "Status");
    for (const name of ["draft", "corrected", "reviewed"]) {
      const b = el("button", "al-btn al-small" + (o.status === name ? " on" : ""), name);
      b.addEventListener("click", () => app.edit({ op: "set_status", segment: ref(S.byId.get(o.id)), status: name }));
      st.appendChild(b);
    }
    box.appendChild(st);
    const em = labelled("al-inline al-wrap", "Emotion");
    for (const v of S.vocab.emotion) {
      const has = S.tags.find((t) => t.kind === "emotion" && t.segment_id === o.id && t.label === v.label);
      const b = el("button", "al-btn al-small al-tagbtn" + (has ? " on" : ""), v.label + (v.hotkey ? " ⇧" + v.hotkey.toUpperCase() : ""));
      b.style.borderColor = v.color || "#777";
      b.addEventListener("click", () => app.toggleEmotion(v.label));
      em.appendChild(b);
    }
    box.appendChild(em);
    const note = S.tags.find((t) => t.kind === "note" && t.segment_id === o.id);
    const nrow = labelled("al-inline", "Note");
    const ni = el("input", "al-note"); ni.value = note ? note.note : ""; ni.placeholder = "free-text note"; ni.maxLength = 500;
    ni.addEventListener("change", () => {
      const cur = S.tags.find((t) => t.kind === "note" && t.segment_id === o.id), seg = S.byId.get(o.id);
      if (cur && !ni.value.trim()) app.edit({ op: "delete_tag", tag: ref(cur) });
      else if (cur) app.edit({ op: "update_tag", tag: ref(cur), note: ni.value });
      else if (ni.value.trim()) app.edit({ op: "add_tag", kind: "note", start: seg.start, end: seg.end, label: "note", note: ni.value, segment_id: seg.id });
    });
    nrow.appendChild(ni); box.appendChild(nrow);
    const acts = el("div", "al-inline");
    const eb = el("button", "al-btn al-small", "Edit text (Enter)"); eb.addEventListener("click", () => app.startEdit(o.id)); acts.appendChild(eb);
    const db = el("button", "al-btn al-small al-danger", "Delete"); db.addEventListener("click", () => app.deleteSelected()); acts.appendChild(db);
    box.appendChild(acts);
  }
  function inspectTag(box, o) {
    const proposal = isProposal(o);
    if (proposal) box.appendChild(el("div", "al-insp-origin", originText(o) + (isSuggestion(o) ? ": accept it as it is or choose its sound event"
                                                                                         : ": choose its sound event to accept it")));
    const row = labelled("al-inline", o.kind === "emotion" ? "Emotion" : "Event");
    const sel = el("select", "");
    const labels = (S.vocab[o.kind] || []).map((v) => v.label); if (!labels.includes(o.label)) labels.unshift(o.label);
    for (const l of labels) sel.appendChild(option(l, l));
    sel.value = o.label;
    // naming a machine proposal accepts it under that label (a person's tag); the keys go back to
    // the editor, so the inspector shows it as a person's tag as soon as the answer arrives
    sel.addEventListener("change", () => {
      if (proposal) app.root.querySelector(".al-editor").focus({ preventScroll: true });
      app.edit(() => {
        const now = S.tags.find((t) => t.id === o.id), label = sel.value;
        if (!now) return null;
        return isProposal(now) ? { op: "accept_tag", tag: ref(now), label } : { op: "update_tag", tag: ref(now), label };
      });
    });
    row.appendChild(sel); box.appendChild(row);
    const nrow = labelled("al-inline", "Note");
    const ni = el("input", "al-note"); ni.value = o.note || ""; ni.maxLength = 500;
    ni.addEventListener("change", () => app.edit({ op: "update_tag", tag: ref(S.tags.find((t) => t.id === o.id)), note: ni.value }));
    nrow.appendChild(ni); box.appendChild(nrow);
    const acts = el("div", "al-inline");
    if (proposal && isSuggestion(o)) { const ab = el("button", "al-btn al-small al-primary", "Accept (A)"); ab.addEventListener("click", () => app.acceptProposal()); acts.appendChild(ab); }
    const db = el("button", "al-btn al-small al-danger", proposal ? "Dismiss (D)" : "Delete");
    db.addEventListener("click", () => (proposal ? app.rejectProposal() : app.deleteSelected())); acts.appendChild(db);
    box.appendChild(acts);
  }

  // The speakers' rows are kept (and updated in place) while the speakers stay the same ones in
  // the same order: a name being typed keeps its field, its focus and its caret when an answer
  // to another edit (e.g. the rename of the speaker above) arrives meanwhile.
  function renderSpeakers() {
    const box = $(".al-speakers");
    const same = box.children.length === S.speakers.length && S.speakers.every((s, i) => box.children[i].dataset.id === s.id);
    if (!same) {
      box.textContent = "";
      S.speakers.forEach((s, i) => {
        const row = el("div", "al-inline al-spkrow"); row.dataset.id = s.id;
        const sw = el("span", "al-swatch", String(i + 1)); row.appendChild(sw);
        const inp = el("input", "al-spkname"); inp.maxLength = 80; inp.dataset.id = s.id;
        inp.addEventListener("change", () => {
          const now = S.speakers.find((x) => x.id === s.id);
          if (now && inp.value.trim() !== (now.name || "")) app.edit(() => {
            const cur = S.speakers.find((x) => x.id === s.id);
            return cur ? { op: "rename_speaker", speaker: ref(cur), name: inp.value } : null;
          });
        });
        // Enter: done (the name is saved as the field is left), the keys go back to the editor
        inp.addEventListener("keydown", (e) => { if (e.key === "Enter") app.root.querySelector(".al-editor").focus({ preventScroll: true }); });
        row.append(inp, el("span", "al-muted al-spkcount"));
        app.buildVoiceControls(row, s.id);
        box.appendChild(row);
      });
    }
    S.speakers.forEach((s, i) => {
      const row = box.children[i], inp = row.querySelector(".al-spkname");
      row.querySelector(".al-swatch").style.background = s.color || "#8a93a6";
      if (document.activeElement !== inp) inp.value = s.name;
      inp.placeholder = s.label;
      row.querySelector(".al-spkcount").textContent = String(S.segs.filter((g) => g.speaker_id === s.id).length);
      app.updateVoiceControls(row, s);
    });
    for (const cls of [".al-mergefrom", ".al-mergeinto"]) {
      const sel = $(cls), keep = sel.value; sel.textContent = "";
      for (const s of S.speakers) sel.appendChild(option(s.display, s.id));
      if (keep && S.speakers.some((s) => s.id === keep)) sel.value = keep;
    }
    if (S.speakers.length > 1 && $(".al-mergeinto").value === $(".al-mergefrom").value) $(".al-mergeinto").selectedIndex = 1;
  }
  function renderVocabSelects() {
    for (const [cls, kind] of [[".al-eventsel", "sound_event"], [".al-emosel", "emotion"]]) {
      const sel = $(cls), keep = sel.value; sel.textContent = "";
      for (const v of S.vocab[kind]) sel.appendChild(option(v.label + (v.hotkey ? "  (" + (kind === "emotion" ? "⇧" : "Alt+") + v.hotkey.toUpperCase() + ")" : ""), v.label));
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
        const entries = [...list.querySelectorAll(".al-vrow")].map((r) => ({ label: r.querySelector(".al-vlabel").value, hotkey: r.querySelector(".al-vkey").value,
                                                                              color: r.querySelector(".al-vcolor").value })).filter((e) => e.label.trim());
        const clash = hotkeyClash(entries, kind);
        const msg = sec.querySelector(".al-vocab-msg");
        if (clash) { msg.textContent = clash; app.toast("Not saved: " + clash, "error", 8000); return; }
        const res = await app.saveVocab(kind, entries);
        if (!res || !res.ok) {
          const why = (res && res.message) || "The server did not answer; the vocabulary was not saved.";
          msg.textContent = why; app.toast("Not saved: " + why, "error", 8000); return;
        }
        store.setVocab(kind, res.entries); renderVocabSelects(); renderVocabEditor(); renderInspector(); app.draw(); app.toast("Vocabulary saved.");
      });
      sec.append(list, el("div", "al-inline"), el("div", "al-vocab-msg"));
      sec.children[2].append(add, save);
      box.appendChild(sec);
    }
  }
  async function loadHistory() {
    if (!$(".al-histdet").open || !S.rec) return;
    const rows = await app.history();
    const ol = $(".al-history"); ol.textContent = "";
    for (const h of (rows && rows.rows) || []) {
      const li = el("li", "");
      li.appendChild(el("span", "al-muted", h.at.replace("T", " ").slice(0, 19) + "  "));
      li.appendChild(el("b", "", h.author)); li.appendChild(document.createTextNode(" " + (h.action === "do" ? "" : h.action + ": ") + h.description + " (" + h.changes + ")"));
      ol.appendChild(li);
    }
  }

  $(".al-histdet").addEventListener("toggle", loadHistory);
  $(".al-insp").addEventListener("focusout", () => setTimeout(() => {
    if (inspStale && !$(".al-insp").contains(document.activeElement)) renderInspector();
  }));
  $(".al-addspk").addEventListener("click", () => { const n = $(".al-newspk").value.trim(); app.edit({ op: "add_speaker", name: n }); $(".al-newspk").value = ""; });
  $(".al-mergespk").addEventListener("click", () => {
    const a = S.speakers.find((s) => s.id === $(".al-mergefrom").value), b = S.speakers.find((s) => s.id === $(".al-mergeinto").value);
    if (!a || !b || a === b) { app.toast("Choose two different speakers."); return; }
    app.edit({ op: "merge_speakers", keep: ref(b), drop: ref(a) });
  });

  return { renderInspector, renderSpeakers, renderVocabSelects, renderVocabEditor, loadHistory };
}
