// The editor's state and its only writers. `load` takes a recording's state, `applyChanges` the
// changes the server answers (an edit's result, a conflict's current version), `applyRemote`
// other people's edits from the live-update poll; every other change is a named action below.
// The other modules read `state`, `view`, `spec` and `find`, and never assign to them.

// Segments in time order (ties: the shorter first, then by id).
export const bySpan = (a, b) => a.start - b.start || a.end - b.end || (a.id < b.id ? -1 : 1);

// Whether a live update `got` replaces what this tab holds (`have`): only a newer version does.
export function newer(have, got) {
  return !have || (got.version || 0) > (have.version || 0);
}

// The reference to an entity an edit names: the id and the version the editor saw.
export const ref = (o) => ({ id: o.id, version: o.version });

// The lanes under the waveform: one per speaker (and one for segments without a speaker, if
// any), then sound events and emotions.
export function lanesFor(speakers, segs) {
  const used = new Set(segs.map((s) => s.speaker_id));
  const lanes = speakers.map((s) => ({ kind: "speaker", id: s.id }));
  if (used.has(null) || used.has(undefined)) lanes.push({ kind: "speaker", id: null });
  lanes.push({ kind: "sound_event" }, { kind: "emotion" });
  return lanes;
}

export function createStore() {
  // What the server holds for the open recording.
  const state = { rec: null, segs: [], byId: new Map(), speakers: [], tags: [], vocab: { emotion: [], sound_event: [] },
                  tier: null, canUndo: false, canRedo: false, peaks: [], user: "", seq: 0, assignment: null };
  // What this tab shows: the window of time (start ms, mpp ms per px, width px), the selection,
  // the time range, playback, the segment whose text is being typed.
  // `gutter` is the width (px) left of the time axis that holds the lane names; `convo` the
  // transcript's conversation view (turns with the speaker's name).
  const view = { start: 0, mpp: 100, width: 800, cssW: 0, sel: null, selKind: null, range: null, loop: false, stopAt: null,
                 lanes: [], playing: false, ready: false, editing: null, gain: 1, gutter: 104, convo: false };
  // The spectrogram of the last window the server sent (an offscreen canvas) or why there is none.
  const spec = { on: false, img: null, start: 0, end: 0, msg: "" };
  // The open find bar's pattern: matching rows are marked.
  const find = { re: null };
  // Loaded peak chunks: chunkKey(level, chunk) -> Int8Array.
  const chunks = new Map();

  const resort = () => state.segs.sort(bySpan);
  const clampView = () => {
    const maxStart = Math.max(0, state.rec.duration - view.width * view.mpp);
    view.start = Math.min(Math.max(0, view.start), maxStart);
  };

  // The state a recording opens with (the server's `load` answer).
  function load(st) {
    state.rec = st.recording; state.tier = st.tier; state.user = st.user; state.speakers = st.speakers; state.tags = st.tags;
    state.vocab = st.vocab; state.peaks = st.peaks; state.canUndo = st.can_undo; state.canRedo = st.can_redo; state.seq = st.seq || 0;
    state.assignment = st.assignment || null;
    state.segs = st.segments; state.byId = new Map(state.segs.map((s) => [s.id, s])); resort();
    chunks.clear();
  }

  // Merge a server answer {segments, tags, speakers, deleted, can_undo, can_redo}. Returns
  // {structural, touched, created}: whether lanes / rows must be rebuilt, the segments to redraw,
  // and the ids of segments and tags this tab did not hold before (a new region, a split's part).
  function applyChanges(r) {
    let structural = false;
    const touched = new Set(), created = [];
    for (const s of r.segments || []) {
      const old = state.byId.get(s.id);
      if (!old || old.start !== s.start || old.speaker_id !== s.speaker_id) structural = true;
      if (old) Object.assign(old, s); else { state.segs.push(s); state.byId.set(s.id, s); created.push(s.id); }
      touched.add(s.id);
    }
    for (const id of r.deleted || []) {
      if (state.byId.has(id)) { state.segs = state.segs.filter((s) => s.id !== id); state.byId.delete(id); structural = true; }
      const gone = state.tags.find((t) => t.id === id);
      if (gone && gone.segment_id) touched.add(gone.segment_id);
      state.tags = state.tags.filter((t) => t.id !== id);
      if (state.speakers.some((s) => s.id === id)) { state.speakers = state.speakers.filter((s) => s.id !== id); structural = true; }
      if (view.sel === id) view.sel = null;
    }
    for (const t of r.tags || []) {
      const i = state.tags.findIndex((x) => x.id === t.id);
      if (i >= 0) state.tags[i] = t; else { state.tags.push(t); created.push(t.id); }
      if (t.segment_id) touched.add(t.segment_id);
    }
    for (const s of r.speakers || []) {
      const i = state.speakers.findIndex((x) => x.id === s.id);
      if (i >= 0) state.speakers[i] = s; else state.speakers.push(s);
      structural = true;
    }
    if ("can_undo" in r) { state.canUndo = r.can_undo; state.canRedo = r.can_redo; }
    resort();
    return { structural, touched, created };
  }

  // Merge a live-update batch {seq, segments, tags, speakers, deleted, can_undo, can_redo}: an
  // entity this tab holds in the same or a newer version is left alone, and so is the segment
  // whose text is being typed. Returns {ids, changes}: the ids merged and applyChanges' answer
  // (null when nothing was new).
  function applyRemote(r) {
    state.seq = r.seq || 0;  // the server's count is the truth (lower only if the database was restored)
    const editing = view.editing && view.editing.id;
    const segments = r.segments.filter((s) => s.id !== editing && newer(state.byId.get(s.id), s));
    const tags = r.tags.filter((t) => newer(state.tags.find((x) => x.id === t.id), t));
    const speakers = r.speakers.filter((s) => newer(state.speakers.find((x) => x.id === s.id), s));
    const deleted = r.deleted.filter((id) => id !== editing && (state.byId.has(id) || state.tags.some((t) => t.id === id)
                                                                 || state.speakers.some((s) => s.id === id)));
    const ids = [...segments, ...tags, ...speakers].map((x) => x.id).concat(deleted);
    if (!ids.length) return { ids, changes: null };
    return { ids, changes: applyChanges({ segments, tags, speakers, deleted, can_undo: r.can_undo, can_redo: r.can_redo }) };
  }

  // ---- named actions ----
  const actions = {
    // The visible window: `start` and / or `mpp` (undefined keeps it), kept inside the recording.
    setView(start, mpp) {
      if (mpp !== undefined) view.mpp = mpp;
      if (start !== undefined) view.start = start;
      if (state.rec) clampView();
    },
    // The waveform's drawing width (right of the gutter) and the canvases' CSS width.
    setSize(width, cssW) { view.width = width; view.cssW = cssW; },
    select(id, kind) { const prev = view.sel; view.sel = id; view.selKind = kind; return prev; },
    setRange(range) { view.range = range; },
    setLoop(on) { view.loop = on; },
    setStopAt(span) { view.stopAt = span; },
    setPlaying(on) { view.playing = on; },
    setReady(on) { view.ready = on; },
    setEditing(editing) { view.editing = editing; },
    setGain(gain) { view.gain = gain; },
    setGutter(px) { view.gutter = px; },
    setConvo(on) { view.convo = !!on; },
    setAssignment(status) { state.assignment = status; },
    rebuildLanes() { view.lanes = lanesFor(state.speakers, state.segs); },
    // A region's span while its edge is dragged (drawn at once, saved by an edit on release).
    previewSpan(o, start, end) { o.start = start; o.end = end; },
    setVocab(kind, entries) { state.vocab[kind] = entries; },
    putChunk(key, data) { chunks.set(key, data); },
    setSpecOn(on) { spec.on = on; },
    setSpecImage(img, start, end) { Object.assign(spec, { img, start, end, msg: "" }); },
    dropSpecImage() { spec.img = null; },
    setSpecMessage(msg) { spec.msg = msg; },
    setFindPattern(re) { find.re = re; },
  };

  // The segment before / after segment `s` in its tier (time order), or null.
  function neighbour(s, dir) {
    const i = state.segs.indexOf(s);
    if (i < 0) return null;
    for (let k = i + dir; k >= 0 && k < state.segs.length; k += dir) if (state.segs[k].tier_id === s.tier_id) return state.segs[k];
    return null;
  }

  // The selected segment or tag, or null.
  function selected() {
    return view.selKind === "segment" ? state.byId.get(view.sel) : view.selKind === "tag" ? state.tags.find((t) => t.id === view.sel) : null;
  }

  return { state, view, spec, find, chunks, load, applyChanges, applyRemote, selected, neighbour, ...actions };
}
