// Layout of the waveform canvas (pure): time <-> x, lane rows, what lies under the pointer,
// ruler steps, and small canvas text/colour helpers. `view` is the store's view state.

export const GUTTER = 104;  // px left of the time axis (lane names): the least; view.gutter is the one in use
export const GUTTER_MAX = 220;
export const WAVE_H = 112;
export const LANE_H = 26;
export const EDGE_PX = 5;  // how near a region's edge the pointer grabs it
export const SPEC_H = 96;
export const OVERVIEW_H = 40;
export const RULER_H = 24;

export const gutterOf = (view) => view.gutter || GUTTER;
export const x2t = (view, x) => view.start + (x - gutterOf(view)) * view.mpp;
export const t2x = (view, t) => gutterOf(view) + (t - view.start) / view.mpp;
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

// Rows for time intervals so that overlapping ones never share a row (the first free row, in
// start order). Intervals that barely touch (overlapping by less than a quarter of the shorter
// one: boundaries set by hand a few ms apart) share a row. Each interval's `rows` is the number
// of rows of the group of intervals it overlaps, so one pair of overlapping emotions does not
// thin out the whole lane: {row: [...], rows: [...], max}.
export function packRows(items) {
  const n = items.length, dur = (i) => items[i].end - items[i].start;
  const order = [...Array(n).keys()].sort((a, b) => items[a].start - items[b].start || items[a].end - items[b].end);
  const row = new Array(n).fill(0), rows = new Array(n).fill(1);
  const fits = (last, i) => items[last].end - items[i].start <= 0.25 * Math.min(dur(last), dur(i));
  let group = [], lasts = [], end = -Infinity, max = 1;
  const close = () => { for (const i of group) rows[i] = Math.max(1, lasts.length); max = Math.max(max, lasts.length); group = []; lasts = []; end = -Infinity; };
  for (const i of order) {
    if (group.length && items[i].start >= end) close();
    let r = lasts.findIndex((last) => fits(last, i));
    if (r < 0) { r = lasts.length; lasts.push(i); } else lasts[r] = i;
    row[i] = r; group.push(i); end = Math.max(end, items[i].end);
  }
  close();
  return { row, rows, max };
}

// A lane's regions with the row each is drawn in (overlapping regions, e.g. two emotions on one
// segment, one above the other) and the number of rows of its group.
export function laneLayout(lane, segs, tags) {
  const regions = regionsInLane(lane, segs, tags);
  const { row, rows } = packRows(regions.map((r) => r.o));
  return { regions: regions.map((r, i) => ({ ...r, row: row[i], rows: rows[i] })) };
}

// The vertical extent [top, height] of row `row` of `rows` in lane `i`.
export function rowBox(i, row, rows) {
  const h = (LANE_H - 6) / rows;
  return [laneY(i) + 2 + row * h, h];
}

// What the pointer at canvas (x, y) is on: a region's edge, a region, an empty lane, or nothing.
// Of two edges near the pointer (two regions that touch), the one of the region the pointer is
// inside wins, then the selected region's, then the nearer (the earlier region's on a tie).
export function hit(view, segs, tags, x, y) {
  const li = laneAt(y, view.lanes.length);
  if (li < 0) return null;
  const { regions } = laneLayout(view.lanes[li], segs, tags);
  let best = null, edge = null, score = Infinity;
  for (const r of regions) {
    const at = Math.min(r.rows - 1, Math.max(0, Math.floor((y - laneY(li) - 2) / ((LANE_H - 6) / r.rows))));
    if (r.row !== at) continue;
    const x0 = t2x(view, r.o.start), x1 = t2x(view, r.o.end), inside = x > x0 + 0.5 && x < x1 - 0.5;  // (well inside)
    for (const [which, ex] of [["start", x0], ["end", x1]]) {
      const d = Math.abs(x - ex);
      if (d > EDGE_PX) continue;
      const sc = d - (inside ? EDGE_PX + 1 : 0) - (r.o.id === view.sel ? 0.5 : 0);
      if (sc < score) { score = sc; edge = { ...r, edge: which, lane: li }; }
    }
    if (x > x0 && x < x1) best = { ...r, edge: null, lane: li };
  }
  return edge || best || { type: null, lane: li };
}

// The gutter width that shows every lane name whole: the widest (`measure(text)` px) plus room
// for the colour swatch, between GUTTER and GUTTER_MAX.
export function gutterFor(labels, measure) {
  const widest = Math.max(0, ...labels.map((l) => measure(l)));
  return Math.round(Math.min(GUTTER_MAX, Math.max(GUTTER, widest + 28)));
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
