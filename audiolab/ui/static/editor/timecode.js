// SMPTE timecode of a media time for the toolbar (pure): non-drop and drop-frame, a start
// timecode offset, wrapping at 24 h. The labels match what the exports write.

// Frames counted by a timecode "hh:mm:ss:ff" (";" or "." also separate) at `nominal` fps;
// `drop` frame numbers are skipped each minute except every tenth (0 for non-drop).
export function tcToFrames(tc, nominal, drop) {
  const p = String(tc || "00:00:00:00").split(/[:;.]/).map(Number);
  if (p.length !== 4 || p.some(isNaN)) return 0;
  const mins = p[0] * 60 + p[1];
  return (p[0] * 3600 + p[1] * 60 + p[2]) * nominal + p[3] - (drop ? drop * (mins - Math.floor(mins / 10)) : 0);
}

// The timecode label of the video frame shown at media time `ms`. `video` holds fps_num,
// fps_den, drop_frame, start_offset_ms (media time of the first frame) and start_timecode.
export function timecode(ms, video) {
  const v = video, nominal = Math.round(v.fps_num / v.fps_den), drop = v.drop_frame ? (nominal === 60 ? 4 : 2) : 0;
  let f = Math.floor(((ms - v.start_offset_ms) * v.fps_num) / (v.fps_den * 1000) + 1e-6);
  f = Math.max(0, f) + tcToFrames(v.start_timecode, nominal, drop);
  if (drop) {
    const per10 = nominal * 600 - drop * 9, perMin = nominal * 60 - drop;
    const d = Math.floor(f / per10), m = f % per10;
    f += drop * 9 * d + (m > drop ? drop * Math.floor((m - drop) / perMin) : 0);
  }
  const ff = f % nominal, ss = Math.floor(f / nominal) % 60, mm = Math.floor(f / (nominal * 60)) % 60;
  const hh = Math.floor(f / (nominal * 3600)) % 24;
  const p2 = (n) => String(n).padStart(2, "0");
  return p2(hh) + ":" + p2(mm) + ":" + p2(ss) + (drop ? ";" : ":") + p2(ff);
}
