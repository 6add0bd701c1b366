// The spectrogram strip: the server's log-mel image of the visible window (asked for shortly
// after the view stops changing, at most SPEC_MAX_MS wide), coloured and drawn under the ruler.
import { SPEC_H, gutterOf, t2x } from "./geometry.js";

export const SPEC_MAX_MS = 60000;

// A perceptual colormap (dark violet -> orange -> pale yellow, after "magma"): 256 RGB entries.
export const LUT = (() => {
  const stops = [[0, 0, 0, 4], [0.13, 28, 16, 68], [0.25, 79, 18, 123], [0.38, 129, 37, 129], [0.5, 181, 54, 122],
                 [0.63, 229, 80, 100], [0.75, 251, 135, 97], [0.88, 254, 194, 135], [1, 252, 253, 191]];
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 255;
    let k = 0;
    while (k < stops.length - 2 && v > stops[k + 1][0]) k++;
    const a = stops[k], b = stops[k + 1], f = (v - a[0]) / (b[0] - a[0]);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = a[c + 1] + (b[c + 1] - a[c + 1]) * f;
  }
  return out;
})();

// RGBA pixels (cols x mels, lowest band at the bottom) of the server's bytes: one byte per cell,
// band by band from the lowest, `bin` as a binary string.
export function specPixels(bin, cols, mels) {
  const px = new Uint8ClampedArray(cols * mels * 4);
  for (let y = 0; y < mels; y++) {
    const row = (mels - 1 - y) * cols;
    for (let x = 0; x < cols; x++) {
      const v = bin.charCodeAt(row + x), o = (y * cols + x) * 4;
      px[o] = LUT[v * 3]; px[o + 1] = LUT[v * 3 + 1]; px[o + 2] = LUT[v * 3 + 2]; px[o + 3] = 255;
    }
  }
  return px;
}

// `app` gives root, $, store, canvases, spectrogram (the server call), relayout, draw.
export function createSpectrogram(app) {
  const { root, $, store } = app, S = store.state, V = store.view, SP = store.spec;
  let seq = 0, timer = 0;

  function setSpec(on) {
    store.setSpecOn(on);
    app.canvases.spec.hidden = !on;
    $(".al-specbtn").classList.toggle("on", on);
    root.dataset.spectrogram = on ? "1" : "";
    if (!S.rec) return;
    app.relayout();
    if (on) { store.setSpecMessage(""); scheduleSpec(0); }
    app.draw();
  }
  function scheduleSpec(delay = 150) {
    clearTimeout(timer);
    timer = setTimeout(fetchSpec, delay);
  }
  async function fetchSpec() {
    if (!SP.on || !S.rec) return;
    const start = Math.max(0, Math.floor(V.start)), end = Math.min(S.rec.duration, Math.ceil(V.start + V.width * V.mpp));
    if (end - start > SPEC_MAX_MS) { store.setSpecMessage("Zoom in for the spectrogram (at most " + SPEC_MAX_MS / 1000 + " s visible)"); drawSpec(); return; }
    if (SP.img && SP.start === start && SP.end === end) return;
    const mine = ++seq, t0 = performance.now();
    const r = await app.spectrogram(start, end, Math.round(V.width));
    if (mine !== seq || !SP.on) return;  // a newer view asked meanwhile
    if (!r || !r.ok) { store.setSpecMessage((r && r.message) || "No spectrogram"); drawSpec(); return; }
    const off = document.createElement("canvas");
    off.width = r.cols; off.height = r.mels;
    off.getContext("2d").putImageData(new ImageData(specPixels(atob(r.data), r.cols, r.mels), r.cols, r.mels), 0, 0);
    store.setSpecImage(off, r.start, r.end);
    root.dataset.specMs = String(Math.round(performance.now() - t0));
    drawSpec();
  }
  function drawSpec() {
    const c = app.canvases.spec.getContext("2d"), w = V.cssW, h = SPEC_H, GUTTER = gutterOf(V);
    c.clearRect(0, 0, w, h); c.fillStyle = "#05060a"; c.fillRect(0, 0, w, h);
    if (SP.img && !SP.msg) {
      c.imageSmoothingEnabled = true;
      c.save(); c.beginPath(); c.rect(GUTTER, 0, w - GUTTER, h); c.clip();
      c.drawImage(SP.img, t2x(V, SP.start), 0, (SP.end - SP.start) / V.mpp, h);
      c.restore();
    }
    c.fillStyle = "#161c27"; c.fillRect(0, 0, GUTTER - 2, h);
    c.font = "12px system-ui, sans-serif"; c.textBaseline = "middle"; c.fillStyle = "#7f8ba0";
    c.fillText("Spectrogram", 6, 14); c.fillText("mel, 0–8 kHz", 6, 30);
    if (SP.msg) { c.fillStyle = "#9aa6b8"; c.fillText(SP.msg, GUTTER + 12, h / 2); }
  }

  $(".al-specbtn").addEventListener("click", () => setSpec(!SP.on));
  return { setSpec, scheduleSpec, drawSpec };
}
