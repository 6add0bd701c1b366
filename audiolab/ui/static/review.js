// The Review tab: annotators' versions side by side with their word differences, per-row picks
// for the adjudicated version, accepting / rejecting submissions, and the risk queue. Mounted by
// gr.HTML js_on_load (`element`, `trigger`, `server`: recordings, load, adjudicate, decide, queue).
// All user text goes into the page through textContent / value only, never innerHTML. Times are
// integer milliseconds.
import { el, isTyping, onScreen, scoped } from "./shared/dom.js";
import { fmtTenths as fmt } from "./shared/format.js";

export function mount(element, props, trigger, server) {
  const root = element;
  root.innerHTML = `
  <div class="rv" tabindex="-1">
    <div class="rv-bar">
      <label>Recording <select class="rv-rec"></select></label>
      <label>A <select class="rv-a"></select></label>
      <label>B <select class="rv-b"></select></label>
      <button class="rv-btn rv-reload" title="Reload">⟳</button>
      <span class="rv-grow"></span>
      <span class="rv-main"></span>
    </div>
    <div class="rv-assign"></div>
    <div class="rv-grid">
      <div class="rv-cmp">
        <table class="rv-table"><thead><tr><th>Time</th><th class="rv-ha">A</th><th class="rv-hb">B</th><th>Keep</th></tr></thead><tbody></tbody></table>
        <div class="rv-actions">
          <button class="rv-btn rv-primary rv-adj">Adjudicate with these choices</button>
          <span class="rv-sep"></span>
          <button class="rv-btn rv-auto">Auto</button><span>prefer</span><select class="rv-prefer"></select>
          <span class="rv-grow"></span><span class="rv-count"></span>
        </div>
        <div class="rv-msg" role="status"></div>
      </div>
      <div class="rv-queue">
        <div class="rv-qhead"><b>Review queue</b> <span class="rv-muted">riskiest first · j/k or ↑/↓ to step, Enter opens in the editor</span>
          <label class="rv-qall"><input type="checkbox" class="rv-qscope"> all recordings</label></div>
        <ol class="rv-qlist"></ol>
      </div>
    </div>
  </div>`;
  const $ = scoped(root);
  const R = { data: null, rows: [], queue: [], qi: -1 };
  window.audiolabReview = R;

  // Gradio's client logs a failed request and answers nothing: read that as a refusal that says so.
  const answer = (r) => (r && typeof r === "object" ? r : { ok: false, message: "The server did not answer; nothing was changed. Try again." });
  function msg(text, kind) { const m = $(".rv-msg"); m.textContent = text || ""; m.className = "rv-msg " + (kind || ""); }
  function fill(sel, values, value) {
    sel.textContent = "";
    for (const v of values) { const o = el("option", "", v.label !== undefined ? v.label : v); o.value = v.value !== undefined ? v.value : v; sel.appendChild(o); }
    if (value !== undefined && value !== null) sel.value = value;
  }

  async function loadRecordings() {
    const r = answer(await server.recordings({}));
    if (!r.ok) { msg(r.message, "bad"); return; }
    const recs = r.recordings;
    fill($(".rv-rec"), recs.length ? recs.map((x) => ({ value: x.id, label: x.name + "  (" + x.submitted + "/" + x.assigned + " submitted)" }))
      : [{ value: "", label: "No recordings with independent assignments yet" }], $(".rv-rec").value || (recs[0] && recs[0].id));
    if (recs.length) await load();
  }

  async function load(keepAB) {
    const rid = $(".rv-rec").value; if (!rid) return;
    const p = { recording: rid };
    if (keepAB) { p.a = $(".rv-a").value; p.b = $(".rv-b").value; }
    const r = answer(await server.load(p));
    if (!r.ok) { msg(r.message, "bad"); R.data = null; $(".rv-table tbody").textContent = ""; return; }
    show(r.compare); R.queue = r.queue; renderQueue();
    root.dataset.ready = "1";
  }

  function show(c) {
    R.data = c; msg("");
    const opts = c.versions;
    fill($(".rv-a"), opts, c.a); fill($(".rv-b"), opts, c.b); fill($(".rv-prefer"), c.annotators, c.a);
    $(".rv-ha").textContent = "A · " + c.a; $(".rv-hb").textContent = "B · " + c.b;
    $(".rv-main").textContent = "Exports use: " + (c.main || "—") + (c.adjudicated ? " ✓" : "");
    renderAssignments(c); renderRows(c);
  }

  function renderAssignments(c) {
    const box = $(".rv-assign"); box.textContent = "";
    for (const a of c.assignments) {
      const card = el("div", "rv-card st-" + a.status); card.dataset.user = a.user;
      card.appendChild(el("b", "", a.user));
      card.appendChild(el("span", "rv-badge", a.status));
      if (a.comment) card.appendChild(el("span", "rv-muted rv-comment", "“" + a.comment + "”"));
      if (a.status === "submitted") {
        const inp = el("input", "rv-cin"); inp.placeholder = "comment (required to reject)";
        const ok = el("button", "rv-btn rv-accept", "Accept"), no = el("button", "rv-btn rv-danger rv-reject", "Reject");
        ok.addEventListener("click", () => decide(a.user, true, inp.value));
        no.addEventListener("click", () => decide(a.user, false, inp.value));
        card.append(inp, ok, no);
      }
      box.appendChild(card);
    }
  }

  function words(cell, diff) {
    for (const [w, changed] of diff) { cell.appendChild(el("span", changed ? "rv-chg" : "", w)); cell.appendChild(document.createTextNode(" ")); }
  }

  const rowKey = (row) => (row.a ? row.a.id : "") + "|" + (row.b ? row.b.id : "");
  function renderRows(c) {
    // Picks survive a re-render of the same comparison (after accepting a submission, say).
    const kept = new Map(R.rows.map((r) => [rowKey(r.row), { keep: r.keep, text: r.ta.value }]));
    const tb = $(".rv-table tbody"); tb.textContent = ""; R.rows = [];
    c.rows.forEach((row, i) => {
      const tr = el("tr", row.same ? "rv-same" : "rv-diff"); tr.dataset.row = String(i);
      const s = row.a || row.b, e = row.a && row.b ? Math.max(row.a.end, row.b.end) : s.end;
      const t = el("td", "rv-time", fmt(Math.min(row.a ? row.a.start : s.start, row.b ? row.b.start : s.start)) + "–" + fmt(e));
      if (row.span_differs) t.appendChild(el("div", "rv-warn", "times differ"));
      tr.appendChild(t);
      for (const side of ["a", "b"]) {
        const td = el("td", "rv-text rv-" + side);
        if (row[side]) {
          if (row[side].speaker) td.appendChild(el("div", "rv-spk", row[side].speaker));
          words(td, row["diff_" + side]);
        } else td.appendChild(el("span", "rv-muted", "(no segment)"));
        td.addEventListener("click", () => { if (row[side]) setKeep(i, side); });
        tr.appendChild(td);
      }
      const cell = el("td", "rv-keepcell"), keep = el("div", "rv-keep"); cell.appendChild(keep);
      const name = "rv-k-" + i + "-" + Math.random().toString(36).slice(2, 7);
      for (const k of ["a", "b", "edit", "none"]) {
        if ((k === "a" && !row.a) || (k === "b" && !row.b)) continue;
        const lab = el("label", "rv-opt"), r = el("input"); r.type = "radio"; r.name = name; r.value = k;
        r.addEventListener("change", () => setKeep(i, k));
        lab.append(r, document.createTextNode(k === "a" ? "A" : k === "b" ? "B" : k === "edit" ? "edit" : "drop"));
        keep.appendChild(lab);
      }
      const ta = el("textarea", "rv-edit"); ta.rows = 2; ta.hidden = true; ta.value = (row.a || row.b).text;
      keep.appendChild(ta);
      tr.appendChild(cell);
      tb.appendChild(tr);
      R.rows.push({ row, tr, ta, keep: null });
      const prev = kept.get(rowKey(row));
      if (prev) ta.value = prev.text;
      setKeep(i, prev ? prev.keep : row.a ? "a" : "b");
    });
    count();
  }

  function setKeep(i, k) {
    const r = R.rows[i]; r.keep = k;
    for (const inp of r.tr.querySelectorAll("input[type=radio]")) inp.checked = inp.value === k;
    r.tr.classList.toggle("keep-a", k === "a"); r.tr.classList.toggle("keep-b", k === "b");
    r.tr.classList.toggle("keep-none", k === "none"); r.ta.hidden = k !== "edit";
    if (k === "edit" && document.activeElement && root.contains(document.activeElement)) r.ta.focus();
    count();
  }
  function count() {
    const n = R.rows.filter((r) => r.keep !== "none").length, d = R.rows.filter((r) => !r.row.same).length;
    $(".rv-count").textContent = R.rows.length + " rows · " + d + " differ · " + n + " kept";
  }

  async function adjudicate(prefer) {
    if (!R.data) return;
    const p = { recording: R.data.recording.id, a: R.data.a, b: R.data.b };
    if (prefer) p.prefer = prefer;
    else p.rows = R.rows.map((r) => ({ keep: r.keep, text: r.ta.value,
      a: r.row.a && { id: r.row.a.id, version: r.row.a.version }, b: r.row.b && { id: r.row.b.id, version: r.row.b.version } }));
    msg("Saving…");
    const res = answer(await server.adjudicate(p));
    if (!res.ok) { msg(res.message, "bad"); return; }
    show(res.compare); msg(res.message, "ok"); await refreshQueue();
  }
  async function decide(user, accept, comment) {
    if (!R.data) return;
    const res = answer(await server.decide({ recording: R.data.recording.id, annotator: user, accept, comment, a: R.data.a, b: R.data.b }));
    if (!res.ok) { msg(res.message, "bad"); return; }
    show(res.compare); msg(res.message, "ok");
  }

  // ---------- queue ----------
  async function refreshQueue() {
    const all = $(".rv-qscope").checked;
    const res = answer(await server.queue({ recording: all ? null : (R.data && R.data.recording.id) }));
    if (!res.ok) { msg(res.message, "bad"); return; }
    R.queue = res.queue; renderQueue();
  }
  function renderQueue() {
    const ol = $(".rv-qlist"); ol.textContent = ""; R.qi = Math.min(R.qi, R.queue.length - 1);
    R.queue.forEach((q, i) => {
      const li = el("li", "rv-qitem"); li.dataset.i = String(i); li.tabIndex = -1;
      const head = el("div", "rv-qtop");
      head.append(el("span", "rv-score", q.score.toFixed(2)), el("span", "rv-qtime", ($(".rv-qscope").checked ? q.name + " · " : "") + fmt(q.start) + "–" + fmt(q.end)));
      const open = el("button", "rv-btn rv-small rv-open", "Open ↗"); open.addEventListener("click", (e) => { e.stopPropagation(); openItem(i); });
      head.appendChild(open);
      li.append(head, el("div", "rv-qtext", q.text || "(empty)"), el("div", "rv-reasons", q.reasons.join(" · ")));
      li.addEventListener("click", () => pick(i));
      ol.appendChild(li);
    });
    if (R.qi >= 0) pick(R.qi);
  }
  function pick(i) {
    if (!R.queue.length) return;
    R.qi = Math.max(0, Math.min(R.queue.length - 1, i));
    const items = root.querySelectorAll(".rv-qitem");
    items.forEach((li, k) => li.classList.toggle("sel", k === R.qi));
    items[R.qi].scrollIntoView({ block: "nearest" });
    const q = R.queue[R.qi];
    const tr = R.rows.find((r) => (r.row.a && r.row.a.start < q.end && r.row.a.end > q.start) || (r.row.b && r.row.b.start < q.end && r.row.b.end > q.start));
    root.querySelectorAll(".rv-table tr.hl").forEach((x) => x.classList.remove("hl"));
    if (tr && R.data && R.data.recording.id === q.recording) { tr.tr.classList.add("hl"); tr.tr.scrollIntoView({ block: "nearest" }); }
  }
  function openItem(i) {
    const q = R.queue[i === undefined ? R.qi : i]; if (!q) return;
    location.hash = "rec=" + encodeURIComponent(q.recording) + "&seg=" + encodeURIComponent(q.segment) + "&t=" + q.start;
    trigger("submit");
  }

  // ---------- events ----------
  $(".rv-rec").addEventListener("change", () => load(false));
  $(".rv-a").addEventListener("change", () => load(true));
  $(".rv-b").addEventListener("change", () => load(true));
  $(".rv-reload").addEventListener("click", () => loadRecordings());
  $(".rv-adj").addEventListener("click", () => adjudicate(null));
  $(".rv-auto").addEventListener("click", () => adjudicate($(".rv-prefer").value));
  $(".rv-qscope").addEventListener("change", refreshQueue);
  document.addEventListener("keydown", (e) => {
    if (!onScreen(root) || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j" || e.key === "ArrowDown") pick(R.qi + 1);
    else if (e.key === "k" || e.key === "ArrowUp") pick(R.qi - 1);
    else if (e.key === "Enter" && R.qi >= 0) openItem();
    else return;
    e.preventDefault();
  });
  R.load = load; R.pick = pick; R.openItem = openItem; R.setKeep = setKeep; R.adjudicate = adjudicate;
  loadRecordings();
}
