// The media element: playing, pausing and seeking in media time (ms from the first audio
// sample, see ui/media.py), playback speed, the frame loop that moves the playhead, and spans
// played one after another (a speaker's turns, speakers.js).
import { el } from "../shared/dom.js";

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

// `app` gives root, $, store, toast, updatePlayhead, refresh.
export function createPlayer(app) {
  const { root, $, store } = app, S = store.state, V = store.view;
  let media = null, raf = 0, shiftMs = 0;
  // The spans playSpans still has to play after the current one, and what to call when it ends
  // (played out, paused, or other playback asked for); null when no sequence plays.
  let sequence = null;

  // Media time <-> the media element's clock.
  const nowMs = () => (media ? Math.max(0, media.currentTime * 1000 - shiftMs) : 0);
  const toClock = (ms) => (ms + shiftMs) / 1000;

  // A new <video> (shown) or <audio> (hidden) for the answer's `media` {url, is_video, shift_ms}.
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
    // The play button's icon is drawn by CSS (.al-play.playing: two bars): the pause character
    // U+23F8 is missing from common fonts and showed as an empty box.
    media.addEventListener("play", () => { store.setPlaying(true); $(".al-play").classList.add("playing"); tick(); });
    media.addEventListener("pause", () => { store.setPlaying(false); $(".al-play").classList.remove("playing"); store.setStopAt(null); endSequence(); app.updatePlayhead(); });
    media.addEventListener("seeked", () => app.updatePlayhead());
    media.addEventListener("error", () => app.toast("The browser cannot play this media file.", "error", 8000));
    media.playbackRate = Number($(".al-speed").value || 1);
    root.audiolabMedia = media;
  }

  // While playing: stop (or loop) at the end of the segment being played, keep the playhead in view.
  function tick() {
    cancelAnimationFrame(raf);
    const step = () => {
      if (!media) return;
      const t = nowMs();
      if (V.stopAt !== null && t >= V.stopAt.end) {
        if (sequence && sequence.rest.length) { const next = sequence.rest.shift(); store.setStopAt(next); media.currentTime = toClock(next.start); }
        else if (V.loop && !sequence) media.currentTime = toClock(V.stopAt.start); else { media.pause(); media.currentTime = toClock(V.stopAt.end); }
      }
      if (V.playing && (t > V.start + V.width * V.mpp || t < V.start)) { store.setView(t - V.width * V.mpp * 0.1); app.refresh(); }
      app.updatePlayhead();
      if (V.playing) raf = requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
  }

  function seek(ms) {
    if (!media) return;
    media.currentTime = toClock(Math.max(0, Math.min(S.rec.duration, ms)));
    app.updatePlayhead();
  }
  // Transcribers replay what they just heard: resuming from the text box starts 1 s back.
  function playPauseWhileTyping() {
    if (!media) return;
    if (!media.paused) { media.pause(); return; }
    store.setStopAt(null); seek(nowMs() - 1000); media.play().catch(() => {});
  }
  function togglePlay() {
    if (!media) return;
    endSequence();
    if (media.paused) { store.setStopAt(null); media.play().catch(() => {}); } else media.pause();
  }
  // Play the selected region (or the selected time range) and stop at its end.
  function playSelected() {
    const o = store.selected() || (V.range && { start: V.range[0], end: V.range[1] });
    if (!o || !media) return;
    endSequence();
    store.setStopAt({ start: o.start, end: o.end }); media.currentTime = toClock(o.start); media.play().catch(() => {});
  }
  // Play `spans` ({start, end} ms) one after another, each stopping at its end (the loop does not
  // apply); `onEnd` is called once when the sequence ends: played out, paused, or replaced by
  // other playback (the Space key, P, another sequence).
  function playSpans(spans, onEnd) {
    if (!media || !spans.length) return;
    endSequence();
    sequence = { rest: spans.slice(1).map((x) => ({ start: x.start, end: x.end })), onEnd: onEnd || null };
    store.setStopAt({ start: spans[0].start, end: spans[0].end }); media.currentTime = toClock(spans[0].start);
    const mine = sequence;
    media.play().catch(() => { if (sequence === mine) endSequence(); });
  }
  // End the sequence playing, if any (its onEnd is called); the media is paused by the caller.
  function endSequence() {
    const done = sequence;
    sequence = null;
    if (done && done.onEnd) done.onEnd();
  }
  function stopSpans() { const playing = !!sequence; endSequence(); if (playing && media && !media.paused) media.pause(); }
  function setSpeed(delta) {
    const sel = $(".al-speed");
    let i = SPEEDS.indexOf(Number(sel.value));
    i = Math.max(0, Math.min(SPEEDS.length - 1, i + delta));
    sel.value = String(SPEEDS[i]);
    if (media) media.playbackRate = SPEEDS[i];
  }
  function toggleLoop(say) {
    store.setLoop(!V.loop);
    $(".al-loop").classList.toggle("on", V.loop);
    if (say) app.toast(V.loop ? "Loop on" : "Loop off", "info", 1200);
  }

  for (const s of SPEEDS) { const o = el("option", "", s + "×"); o.value = String(s); $(".al-speed").appendChild(o); }
  $(".al-speed").value = "1";
  $(".al-speed").addEventListener("change", () => { if (media) media.playbackRate = Number($(".al-speed").value); });
  $(".al-play").addEventListener("click", togglePlay);
  $(".al-playseg").addEventListener("click", playSelected);
  $(".al-loop").addEventListener("click", () => toggleLoop(false));

  return { media: () => media, nowMs, toClock, setupMedia, seek, playPauseWhileTyping, togglePlay, playSelected, playSpans, stopSpans,
           setSpeed, toggleLoop };
}
