"""The spectrogram server function: only the visible window is decoded, on the recording's timeline."""

from __future__ import annotations

import base64
import subprocess
import time

import numpy as np
import pytest
import soundfile as sf

from audiolab.media.probe import load_audio
from audiolab.media.spectrogram import SpectrogramOptions, decode_window
from audiolab.ui.editor import spectrogram_window

RATE = 16000
TONE = (305_000, 306_000)  # a 1 kHz tone in quiet noise, 305-306 s into a 10-minute file


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(600 * RATE) * 0.01).astype(np.float32)
    t = np.arange((TONE[1] - TONE[0]) * RATE // 1000) / RATE
    x[TONE[0] * 16:TONE[1] * 16] += 0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    path = tmp_path_factory.mktemp("spec") / "long.wav"
    sf.write(path, x, RATE, subtype="PCM_16")
    return path


def test_window_is_decoded_alone_and_lands_on_the_timeline(wb, long_wav):
    rec = wb.ingest_file(long_wav).recording
    t0 = time.perf_counter()
    out = spectrogram_window(wb, {"recording": rec.id, "start": 300_000, "end": 310_000, "width": 1000})
    elapsed = time.perf_counter() - t0
    assert out["ok"], out
    # 10 s shown: about 10 s decoded (plus a short pre-roll), never the 10-minute file
    assert 10 * RATE <= out["decoded_samples"] <= 11 * RATE
    assert elapsed < 1.0
    assert (out["start"], out["end"], out["cols"], out["mels"]) == (300_000, 310_000, 1000, 96)
    img = np.frombuffer(base64.b64decode(out["data"]), dtype=np.uint8).reshape(out["mels"], out["cols"])
    # the tone's columns (500-600 of 1000) are bright in the band holding 1 kHz, the rest are not
    band = int(np.argmax(img[:, 550]))
    assert img[band, 510:590].min() > 200 and img[band, :480].max() < 160 and img[band, 620:].max() < 160
    opts = SpectrogramOptions()
    mel_1k = 2595 * np.log10(1 + 1000 / 700)
    lo, hi = (2595 * np.log10(1 + f / 700) for f in (opts.fmin, opts.fmax))
    assert abs(band - (mel_1k - lo) / (hi - lo) * (opts.n_mels + 1)) <= 2


def test_wide_windows_ask_to_zoom_in(wb, long_wav):
    rec = wb.ingest_file(long_wav).recording
    out = spectrogram_window(wb, {"recording": rec.id, "start": 0, "end": 90_000, "width": 800})
    assert not out["ok"] and out["zoom"] and "zoom in" in out["message"]
    assert not spectrogram_window(wb, {"recording": "nope", "start": 0, "end": 1000, "width": 10})["ok"]
    end = spectrogram_window(wb, {"recording": rec.id, "start": 595_000, "end": 700_000, "width": 100})
    assert end["ok"] and end["end"] == 600_000  # clipped to the recording


def test_compressed_window_matches_full_decode(long_wav, tmp_path):
    flac = tmp_path / "long.flac"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(long_wav), "-ar", "44100", "-ac", "2", str(flac)],
                   check=True)
    full = load_audio(flac)
    win = decode_window(flac, 304_500, 306_500)
    assert win.signal.size == 2 * RATE and win.decoded_samples < 3 * RATE
    ref = full[304_500 * 16:306_500 * 16]
    lags = list(range(-80, 81))
    score = [float(np.dot(win.signal[2000:30000], full[304_500 * 16 + 2000 + lag:304_500 * 16 + 30000 + lag]))
             for lag in lags]
    assert abs(lags[int(np.argmax(score))]) <= 1  # same timeline as the full decode
    assert np.corrcoef(win.signal, ref)[0, 1] > 0.95  # resampler edge effects only
