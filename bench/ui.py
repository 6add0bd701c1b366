"""Editor benchmark: a 1-hour recording with ~1000 segments in headless Chromium.

Builds the hour from real clips of ../shared/data (tiled), ingests it, stores 1000 segments with
words for two speakers through the edit API, opens the editor and reports: time until the
waveform is drawn and interactive, JS heap after load, seek time in the media element, and the
round trip of an edit (browser -> server -> SQLite -> acknowledged in the browser).

    .venv/bin/python bench/ui.py [--minutes 60] [--segments 1000] [--edits 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
CLIPS = ["diarization/pyannote_sample.wav", "diarization/ami_EN2002a_0-30s.wav", "asr_en/jfk.flac",
         "diarization/picovoice_3spk.wav", "asr_en/librispeech_1272-128104-0000.wav"]


def build_hour(out: Path, minutes: float) -> Path:
    from audiolab.media.probe import load_audio

    if out.exists():
        return out
    clips = [load_audio(DATA / c) for c in CLIPS if (DATA / c).exists()]
    if not clips:
        raise SystemExit(f"no clips found under {DATA}")
    one = np.concatenate(clips)
    n = int(minutes * 60 * 16000)
    audio = np.tile(one, n // one.size + 1)[:n]
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out, audio, 16000, subtype="PCM_16")
    return out


def seed(wb, rec_id: str, duration_ms: int, n: int) -> None:
    from audiolab.core.model import Segment, Span, Speaker, Word
    from audiolab.storage.edits import Change

    spk = [Speaker(id=f"b{i}", recording_id=rec_id, label=f"SPEAKER_{i:02d}", name=name, color=color)
           for i, (name, color) in enumerate((("Host", "#4e9cf5"), ("Guest", "#f5a04e")))]
    changes = [Change.create(s) for s in spk]
    step = duration_ms // n
    vocab = "the quick brown fox jumps over a lazy dog while we talk about audio annotation tools".split()
    for i in range(n):
        start = i * step
        end = start + int(step * 0.9)
        toks = [vocab[(i + k) % len(vocab)] for k in range(10)]
        w = (end - start) // len(toks)
        words = tuple(Word(Span(start + k * w, start + (k + 1) * w), t, 0.4 if k == 3 else 0.92, spk[i % 2].id)
                      for k, t in enumerate(toks))
        changes.append(Change.create(Segment(id=f"s{i:05d}", recording_id=rec_id, tier_id=f"{rec_id}-transcript",
                                             span=Span(start, end), text=" ".join(toks), speaker_id=spk[i % 2].id,
                                             words=words)))
    wb.apply(rec_id, changes, "bench", "seed")


# Where a page load's time went (Performance API, ms since navigation start).
BOOT_JS = """() => {
              const n = performance.getEntriesByType('navigation')[0], r = performance.getEntriesByType('resource');
              const assets = r.filter(e => e.name.includes('/assets/'));
              const calls = r.filter(e => e.name.includes('/component_server'));
              return {html: Math.round(n.responseEnd), dom_content_loaded: Math.round(n.domContentLoadedEventEnd),
                      asset_files: assets.length, assets_kb: Math.round(assets.reduce((a, e) => a + e.decodedBodySize, 0) / 1024),
                      last_asset: Math.round(Math.max(...assets.map(e => e.responseEnd))),
                      first_editor_call: Math.round(Math.min(...calls.map(e => e.startTime))),
                      editor_calls: calls.map(e => [Math.round(e.startTime), Math.round(e.responseEnd)]),
                      editor_ready: Math.round(performance.now())}; }"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--segments", type=int, default=1000)
    ap.add_argument("--edits", type=int, default=60)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from audiolab.services import Workbench
    from audiolab.ui.devserver import launch_chromium, serve

    out = Path(args.out)
    wav = build_hour(out / f"hour_{int(args.minutes)}m.wav", args.minutes)
    db = out / "bench_ui.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    wb = Workbench(db)
    t = time.perf_counter()
    rec = wb.ingest_file(wav).recording
    ingest_s = time.perf_counter() - t
    seed(wb, rec.id, rec.duration_ms, args.segments)
    url, demo = serve(wb)
    res: dict = {"duration_min": rec.duration_ms / 60000, "segments": args.segments, "ingest_s": round(ingest_s, 2)}
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            t0 = time.perf_counter()
            page.goto(f"{url}#rec={rec.id}")
            page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=60000,
                                   polling=10)
            res["page_to_interactive_s"] = round(time.perf_counter() - t0, 3)
            res["first_visit_breakdown_ms"] = page.evaluate(BOOT_JS)
            res["editor_open_s"] = int(page.evaluate("document.querySelector('#audiolab-editor').dataset.loadMs "
                                                     "|| document.querySelector('[data-load-ms]').dataset.loadMs")) / 1000
            # the same page again (browser cache warm, server warm): what a user sees on reloads. After
            # a 1.5 s pause: the first page's media preload still keeps the server busy right after it opens.
            page.wait_for_timeout(1500)
            t0 = time.perf_counter()
            page.reload()
            page.wait_for_function("window.audiolabEditor && window.audiolabEditor.view.ready", timeout=60000,
                                   polling=10)
            res["reload_to_interactive_s"] = round(time.perf_counter() - t0, 3)
            res["boot_breakdown_ms"] = page.evaluate(BOOT_JS)
            page.wait_for_timeout(500)
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            res["js_heap_mb"] = round(metrics["JSHeapUsedSize"] / 2**20, 1)
            res["js_heap_total_mb"] = round(metrics["JSHeapTotalSize"] / 2**20, 1)
            seeks = page.evaluate("""async () => {
              const m = window.audiolabEditor.media(); const out = [];
              if (m.readyState < 1) await new Promise(r => m.addEventListener('loadedmetadata', r, {once: true}));
              for (const t of [2700, 600, 3300, 1800, 120, 3000, 900, 2400]) {
                const t0 = performance.now();
                await new Promise(r => { m.addEventListener('seeked', r, {once: true}); m.currentTime = Math.min(t, m.duration - 1); });
                out.push(performance.now() - t0);
              }
              return out; }""")
            res["seek_ms_median"] = round(statistics.median(seeks), 1)
            res["seek_ms_max"] = round(max(seeks), 1)
            rtt = page.evaluate("""async (n) => {
              const E = window.audiolabEditor, out = [];
              for (let i = 0; i < n; i++) {
                const s = E.state.segs[(i * 13) % E.state.segs.length];
                const t0 = performance.now();
                const r = await E.edit({op: 'set_text', segment: {id: s.id, version: s.version}, text: s.text + ' x' + i});
                out.push(performance.now() - t0);
                if (!r.ok) throw new Error(r.message);
              }
              return out; }""", args.edits)
            res["edit_rtt_ms_p50"] = round(pct(rtt, 0.5), 1)
            res["edit_rtt_ms_p95"] = round(pct(rtt, 0.95), 1)
            t1 = time.perf_counter()
            page.evaluate("window.audiolabEditor.view.mpp = 20; window.audiolabEditor.seek(1800000)")
            page.keyboard.press("0")
            res["zoom_redraw_s"] = round(time.perf_counter() - t1, 3)
            page.screenshot(path=str(out / "bench_ui.png"))
            browser.close()
    finally:
        demo.close()
    stored = sum(1 for s in wb.transcript(rec.id).segments if " x" in s.text)
    res["edits_in_db"] = stored
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
