// Every call to the Python server functions (load, peaks, edit, changes, history, vocab,
// recordings, spectrogram, submit, voices, enroll): edits go one after another through one queue, so each names the
// version the previous one produced, and the live-update poll runs one at a time in that queue.
import { count } from "../shared/format.js";
import { b64int8, chunkKey, levelFor, neededChunks } from "./peaks.js";

export const POLL_MS = 3000;  // how often the editor asks for other people's edits

// Gradio's client logs a failed request and answers nothing: the edit was not stored. (A server
// that turned sign-in on since the page was loaded refuses it too: reloading signs in.)
export function noAnswer(refusedText) {
  return { ok: false, message: "The server did not answer; the change was not saved." + (refusedText ? " Your text is kept in this browser." : "")
    + " If it keeps happening, reload the page (sign-in may have been turned on)." };
}

// `app` gives server, store, root, toast, savedFlash and afterChanges (redraws after a merge).
export function createClient(app) {
  const { server, store, root } = app, S = store.state, V = store.view;
  const pending = new Set();  // peak chunks asked for and not answered yet
  let inflight = Promise.resolve();
  let polling = false;  // one poll at a time: a slow server gets no pile of them
  const bump = (key, n = 1) => { root.dataset[key] = String(Number(root.dataset[key] || 0) + n); };

  // The page's head script may have asked for recording `recId`'s state before Gradio finished
  // booting (editor.prefetch_head): that answer (a promise) is taken once, or null.
  function takePrefetch(recId) {
    const pre = window.audiolabPrefetch;
    window.audiolabPrefetch = null;
    return pre && pre.recording === recId ? pre.answer : null;
  }
  // The state of recording `recId`, with the peaks of its first view `width` px wide.
  const loadState = (recId, width) => server.load({ recording: recId, width });

  async function fetchChunk(level, chunk) {
    const key = chunkKey(level, chunk);
    if (store.chunks.has(key) || pending.has(key)) return;
    pending.add(key);
    try {
      const r = await server.peaks({ recording: S.rec.id, level, chunk });
      if (r && r.ok) store.putChunk(key, b64int8(r.data));
    } finally { pending.delete(key); }
  }
  // The chunks of the current view and of the whole-file overview.
  async function ensurePeaks() {
    if (!S.peaks.length) return;
    const t1 = V.start + V.width * V.mpp;
    const lvl = levelFor(S.peaks, V.mpp), ovl = levelFor(S.peaks, S.rec.duration / Math.max(1, V.width));
    const jobs = neededChunks(S.peaks, lvl, V.start, t1).map((c) => fetchChunk(lvl, c));
    neededChunks(S.peaks, ovl, 0, S.rec.duration).forEach((c) => jobs.push(fetchChunk(ovl, c)));
    await Promise.all(jobs);
  }
  // Every chunk of the coarsest level (the gain is set from it).
  function coarsePeaks() {
    const top = S.peaks.length - 1;
    return top >= 0 ? neededChunks(S.peaks, top, 0, S.rec.duration).map((c) => fetchChunk(top, c)) : [];
  }

  function applyAnswer(r) { app.afterChanges(store.applyChanges(r)); }

  // Send one edit after the ones before it. `action` is the action, or a function that builds it
  // when its turn comes (from the state the previous edits left: the versions it names are then
  // the current ones, so keys pressed quickly one after another do not conflict with each other);
  // a function answering null sends nothing. The answer is the server's (or null).
  function edit(action, refusedText) {
    bump("pending");
    const run = async () => {
      try { return await send(typeof action === "function" ? action() : action, refusedText); } finally { bump("pending", -1); }
    };
    inflight = inflight.then(run, run);
    return inflight;
  }
  // A promise settled once every edit asked for so far is answered.
  const idle = () => inflight.then(() => null, () => null);

  async function send(action, refusedText) {
    if (!action || !S.rec) return null;
    const t0 = performance.now();
    let r;
    try { r = await server.edit({ recording: S.rec.id, action }); } catch (e) { r = { ok: false, message: "The server did not answer: " + e }; }
    if (!r || typeof r !== "object") r = noAnswer(refusedText);
    root.dataset.lastEditMs = String(performance.now() - t0);
    if (r.ok) { applyAnswer(r); app.savedFlash(true); bump("edits"); return r; }
    app.savedFlash(false);
    if (r.conflict) {
      if (r.current) applyAnswer({ segments: r.entity === "segment" ? [r.current] : [], tags: r.entity === "tag" ? [r.current] : [],
                                   speakers: r.entity === "speaker" ? [r.current] : [] });
      else applyAnswer({ deleted: [r.id] });
      app.toast(r.message + (refusedText ? " Your text was: “" + refusedText + "”" : ""), "conflict", 12000);
      bump("conflicts");
    } else app.toast(r.message || "The edit was refused.", "error", 8000);
    return r;
  }

  // Other people's edits: while the editor is on screen, ask what changed since the last batch
  // seen and merge it (store.applyRemote). The poll queues behind this tab's own edits, so answers
  // apply in order; saving a segment whose text was being typed then meets the usual conflict.
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
    let r;
    try { r = await server.changes({ recording: rec, since: S.seq }); } catch (e) { return null; }
    if (!r || !r.ok || !S.rec || S.rec.id !== rec) return r;
    const { ids, changes } = store.applyRemote(r);
    if (changes) {
      app.afterChanges(changes);
      const theirs = ids.filter((id) => r.by[id]), who = [...new Set(theirs.map((id) => r.by[id]))].sort();
      if (theirs.length) app.toast("Updated: " + count(theirs.length, "change") + " by " + who.join(", "), "info", 4000);
      bump("remoteChanges", ids.length);
    }
    return r;
  }
  function startPolling() {
    setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  }

  return {
    takePrefetch, loadState, ensurePeaks, coarsePeaks, edit, idle, poll, startPolling,
    submitWork: (comment) => server.submit({ recording: S.rec.id, comment }),
    recordings: async () => (await server.recordings({})) || [],
    history: () => server.history({ recording: S.rec.id }),
    saveVocab: (kind, entries) => server.vocab({ recording: S.rec.id, kind, entries }),
    voices: () => server.voices({ recording: S.rec.id }),
    enrollVoice: (speaker, name) => server.enroll({ recording: S.rec.id, speaker, name }),
    spectrogram: (start, end, width) => server.spectrogram({ recording: S.rec.id, start, end, width }),
  };
}
