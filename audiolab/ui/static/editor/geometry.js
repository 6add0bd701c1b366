// Layout of the waveform canvas (pure): time <-> x, lane rows, what lies under the pointer,
// ruler steps, and small canvas text/colour helpers. `view` is the store's view state.

export const GUTTER = 104;  // px left of the time axis: lane names
export const WAVE_H = 112;
export const LANE_H = 26;
export const EDGE_PX = 5;  // how near a region's edge the pointer grabs it
export const SPEC_H = 96;
export const OVERVIEW_H = 40;
export const RULER_H = 24;

export const x2t = (view, x) => view.start + (x - GUTTER) * view.mpp;
export const t2x = (view, t) => GUTTER + (t - view.start) / view.mpp;
export const viewEnd = (view) => view.start + view.width * view.mpp;
export const mainHeight = (lanes) => WAVE_H + lanes * LANE_H + 6;
export const laneY = (i) => WAVE_H + 3 + i * LANE_H;

// Lane index at canvas y, or -1 above / below the lanes.
export function laneAt(y, lanes) {
  const i = Math.floor((y - WAVE_H - 3) / LANE_H);
  return i >= 0 && i < lanes ? i : -1;
}

// The regions drawn in lane `lane`: a speaker's segments, or the tags of one kind.
export function regionsInLane(lane, segs, tags) {
  if (!lane) return [];
  if (lane.kind === "speaker") return segs.filter((s) => (s.speaker_id || null) === lane.id).map((s) => ({ type: "segment", o: s }));
  return tags.filter((t) => t.kind === lane.kind).map((t) => ({ type: "tag", o: t }));
}

// What the pointer at canvas (x, y) is on: a region's edge, a region, an empty lane, or nothing.
export function hit(view, segs, tags, x, y) {
  const li = laneAt(y, view.lanes.length);
  if (li < 0) return null;
  let best = null;
  for (const r of regionsInLane(view.lanes[li], segs, tags)) {
    const x0 = t2x(view, r.o.start), x1 = t2x(view, r.o.end);
    if (Math.abs(x - x0) <= EDGE_PX) return { ...r, edge: "start", lane: li };
    if (Math.abs(x - x1) <= EDGE_PX) return { ...r, edge: "end", lane: li };
    if (x > x0 && x < x1) best = { ...r, edge: null, lane: li };
  }
  return best || { type: null, lane: li };
}

// Ruler tick step (ms): the first round step at least 90 px wide.
export function niceStep(msPerPx) {
  const want = msPerPx * 90;
  const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000];
  return steps.find((s) => s >= want) || 3600000;
}

// "#rrggbb" with alpha as an rgba() colour (a grey for anything else).
export function hexA(hex, a) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return "rgba(138,147,166," + a + ")";
  const n = parseInt(m[1], 16);
  return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
}

// `text` shortened with an ellipsis to fit `maxW` px in the canvas context's current font.
export function fitText(c, text, maxW) {
  if (c.measureText(text).width <= maxW) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) { const m = (lo + hi + 1) >> 1; if (c.measureText(text.slice(0, m) + "…").width <= maxW) lo = m; else hi = m - 1; }
  return text.slice(0, lo) + "…";
}
