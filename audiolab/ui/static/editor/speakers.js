// A speaker's voice in the side panel (its row of the speakers' list, built by panels.js): ▶ plays
// a few of the speaker's longest turns one after another (to hear who it is; pressed again, it
// stops), "Enroll voice" stores the voice under the speaker's name for the recording's project
// (services/speakers.py: pre-labeling then names that voice in the project's other recordings;
// reviewers and managers only where users exist), and the "this is…" menu names the speaker after
// a voice the project has enrolled ("this is Linda": a rename, one edit like any other).
import { el } from "../shared/dom.js";
import { ref } from "./store.js";

export const TURNS_PLAYED = 3;    // how many turns ▶ plays
export const TURN_GAP_MS = 1000;  // one speaker's segments closer than this, nobody else's between: one turn
export const CLIP_MAX_MS = 8000;  // each turn is played up to this long

// The turns of speaker `id` among `segs`: runs of their segments in time order that no other
// speaker's segment interrupts and no pause of TURN_GAP_MS or more separates, as {start, end}.
export function turnsOf(segs, id, gapMs = TURN_GAP_MS) {
  const turns = [];
  let cur = null;
  for (const s of [...segs].sort((a, b) => a.start - b.start || a.end - b.end)) {
    if (s.speaker_id !== id) { cur = null; continue; }
    if (cur && s.start - cur.end < gapMs) cur.end = Math.max(cur.end, s.end);
    else { cur = { start: s.start, end: s.end }; turns.push(cur); }
  }
  return turns;
}

// What ▶ plays: the `n` longest turns of speaker `id`, longest first (ties: the earlier one),
// each cut to its first `maxMs`.
export function longestTurns(segs, id, n = TURNS_PLAYED, maxMs = CLIP_MAX_MS) {
  return turnsOf(segs, id)
    .sort((a, b) => (b.end - b.start) - (a.end - a.start) || a.start - b.start)
    .slice(0, n)
    .map((t) => ({ start: t.start, end: Math.min(t.end, t.start + maxMs) }));
}

// The enrolled names the "this is…" menu offers `speaker`: every one but the name it carries.
export function voiceChoices(names, speaker) {
  const own = String((speaker && speaker.name) || "").trim();
  return names.filter((n) => n !== own);
}

// What a successful enrollment says, for the toast.
export function enrolledText(r) {
  return "Enrolled " + r.name + "’s voice for project " + r.project + ": " + (r.speech_ms / 1000).toFixed(1) + " s of speech from "
    + r.segments + (r.segments === 1 ? " segment" : " segments") + (r.source === "checked" ? " a person checked." : " (none or too few checked).");
}

// `app` gives root, store, toast, edit, playSpans, stopSpans, voices, enrollVoice, renderSpeakers.
export function createVoices(app) {
  const { store } = app, S = store.state;
  let names = [], mayEnroll = false, playing = null;

  // The names enrolled in the open recording's project (asked once per recording opened).
  async function loadVoices() {
    const rec = S.rec && S.rec.id;
    names = []; mayEnroll = false;
    const r = await app.voices();
    if (!r || !r.ok || !S.rec || S.rec.id !== rec) return;
    names = r.names || []; mayEnroll = !!r.may_enroll;
    app.renderSpeakers();
  }

  function togglePlayTurns(id) {
    if (playing === id) { app.stopSpans(); return; }
    const turns = longestTurns(S.segs, id);
    if (!turns.length) { app.toast("This speaker has no segment to play.", "info", 3000); return; }
    app.playSpans(turns, () => { playing = null; app.renderSpeakers(); });
    playing = id; app.renderSpeakers();
  }

  async function enroll(id, typed) {
    const s = S.speakers.find((x) => x.id === id);
    const name = String(typed || (s && s.name) || "").trim();
    if (!s) return null;
    if (!name) { app.toast("Type the speaker's name first: the voice is enrolled under it.", "info", 5000); return null; }
    app.toast("Enrolling " + name + "’s voice…", "info", 3000);
    const r = await app.enrollVoice(ref(s), name);
    if (!r || !r.ok) { app.toast((r && r.message) || "The server did not answer; no voice was enrolled.", "error", 8000); return r; }
    names = r.names || names;
    app.toast(enrolledText(r), "info", 6000);
    app.renderSpeakers();
    return r;
  }

  function thisIs(id, name) {
    app.edit(() => {
      const cur = S.speakers.find((x) => x.id === id);
      return cur && name ? { op: "rename_speaker", speaker: ref(cur), name } : null;
    });
  }

  // panels.renderSpeakers: the controls of a new speaker row (once), then brought up to date.
  function buildVoiceControls(row, id) {
    const play = el("button", "al-btn al-small al-spkplay", "▶");
    play.addEventListener("click", () => togglePlayTurns(id));
    const line = el("div", "al-inline al-spkvoice");
    const menu = el("select", "al-spkis");
    menu.addEventListener("change", () => {
      const v = menu.value; menu.value = "";
      app.root.querySelector(".al-editor").focus({ preventScroll: true });  // the keys go back to the editor
      if (v) thisIs(id, v);
    });
    const enrollBtn = el("button", "al-btn al-small al-spkenroll", "Enroll voice");
    enrollBtn.addEventListener("click", () => enroll(id, row.querySelector(".al-spkname").value));
    line.append(menu, enrollBtn);
    row.append(play, line);
  }
  function updateVoiceControls(row, s) {
    const play = row.querySelector(".al-spkplay"), on = playing === s.id;
    play.textContent = on ? "■" : "▶"; play.classList.toggle("on", on);
    play.title = on ? "Stop" : "Play " + s.display + "’s " + TURNS_PLAYED + " longest turns";
    const btn = row.querySelector(".al-spkenroll");
    btn.disabled = !mayEnroll;
    btn.title = mayEnroll ? "Remember this voice under the speaker's name: pre-labeling then names it in the project's other recordings"
      : "Enrolling voices is for reviewers and managers";
    const menu = row.querySelector(".al-spkis"), choices = voiceChoices(names, s);
    if (document.activeElement === menu) return;  // not rebuilt under the user's fingers
    menu.textContent = "";
    const first = el("option", "", choices.length ? "this is…" : names.length ? "no other voice enrolled" : "no voice enrolled yet"); first.value = "";
    menu.appendChild(first);
    for (const n of choices) { const o = el("option", "", "this is " + n); o.value = n; menu.appendChild(o); }
    menu.disabled = !choices.length;
    menu.title = "Name this speaker after a voice enrolled in project " + ((S.rec && S.rec.project) || "");
  }

  return { loadVoices, togglePlayTurns, enrollSpeaker: enroll, buildVoiceControls, updateVoiceControls };
}
