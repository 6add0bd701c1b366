// Waveform peaks (pure): which resolution level fits a zoom, which chunks a time range needs,
// decoding the server's base64 int8 min/max pairs, and the min/max over a range of bins.
// A level is {ms_per_bin, bins, chunk}; a chunk holds `chunk` bins as [min, max] int8 pairs.

export const chunkKey = (level, chunk) => level + ":" + chunk;

// The coarsest level still at least as fine as `mpp` ms per pixel (level 0 when none is).
export function levelFor(levels, mpp) {
  let best = 0;
  levels.forEach((lv, i) => { if (lv.ms_per_bin <= mpp) best = i; });
  return best;
}

// Chunk numbers of `level` covering media times t0..t1 (ms).
export function neededChunks(levels, level, t0, t1) {
  const lv = levels[level];
  if (!lv) return [];
  const b0 = Math.max(0, Math.floor(t0 / lv.ms_per_bin)), b1 = Math.min(lv.bins - 1, Math.ceil(t1 / lv.ms_per_bin));
  const out = [];
  for (let c = Math.floor(b0 / lv.chunk); c <= Math.floor(b1 / lv.chunk); c++) out.push(c);
  return out;
}

// Base64 text of signed bytes as an Int8Array.
export function b64int8(data) {
  const bin = atob(data), arr = new Int8Array(bin.length);
  for (let i = 0; i < bin.length; i++) arr[i] = (bin.charCodeAt(i) << 24) >> 24;
  return arr;
}

// [min, max] in -1..1 (times `gain`, clipped) over bins b0..b1 of `level`, from the chunks loaded
// so far (`chunks`: chunkKey -> Int8Array); null when none of those bins is loaded.
export function peakAt(levels, chunks, level, b0, b1, gain) {
  const lv = levels[level];
  let lo = 0, hi = 0, any = false;
  for (let b = b0; b <= b1 && b < lv.bins; b++) {
    const arr = chunks.get(chunkKey(level, Math.floor(b / lv.chunk)));
    if (!arr) continue;
    const i = (b % lv.chunk) * 2;
    if (!any) { lo = arr[i]; hi = arr[i + 1]; any = true; } else { if (arr[i] < lo) lo = arr[i]; if (arr[i + 1] > hi) hi = arr[i + 1]; }
  }
  return any ? [Math.max(-1, lo / 127 * gain), Math.min(1, hi / 127 * gain)] : null;
}

// The drawing gain: quiet recordings are drawn louder, so that the loudest bin of the coarsest
// level reaches 90 % of the height (at most 8x).
export function gainFor(levels, chunks) {
  const top = levels.length - 1, lv = levels[top];
  let m = 1;
  for (let c = 0; lv && c * lv.chunk < lv.bins; c++) {
    const a = chunks.get(chunkKey(top, c));
    if (a) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  }
  return Math.min(8, 0.9 * 127 / m);
}
