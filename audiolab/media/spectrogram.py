"""A log-mel spectrogram of one time window of a recording, for the editor's spectrogram view.

Only the window is decoded: the file is seeked to the window's start and decoded (16 kHz mono)
until its end, so showing 10 s of a 1-hour file reads about 10 s of audio. The image is
quantized to uint8 (0 = 80 dB below the window's loudest bin) and sent as base64, one byte a
pixel, mel bands low to high. NumPy only: no model, no librosa import on the request path.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiolab.errors import MediaError, ValidationError
from audiolab.media.probe import MODEL_RATE, _open

PREROLL_MS = 200  # decoded before the window so the resampler has settled at its start


@dataclass(frozen=True, slots=True)
class SpectrogramOptions:
    """How the spectrogram is computed.

    Attributes:
        max_window_ms: widest window served; wider views are refused ("zoom in").
        max_columns: most time columns returned (the browser asks for its width in pixels).
        n_fft: FFT size in 16 kHz samples (512 = 32 ms).
        n_mels: mel bands (image height).
        fmin, fmax: frequency range of the mel bands in Hz.
        top_db: dynamic range shown; quieter bins are black.
    """

    max_window_ms: int = 60_000
    max_columns: int = 2400
    n_fft: int = 512
    n_mels: int = 96
    fmin: float = 30.0
    fmax: float = 8000.0
    top_db: float = 80.0


@dataclass(frozen=True, slots=True)
class WindowAudio:
    """Decoded audio of a window: ``signal`` starts at ``start_ms``; ``decoded_samples`` counts
    every 16 kHz sample the decoder produced (pre-roll included): a bound on the work done."""

    signal: np.ndarray
    start_ms: int
    decoded_samples: int


def decode_window(path: str | os.PathLike[str], start_ms: int, end_ms: int) -> WindowAudio:
    """Decode ``[start_ms, end_ms)`` of the first audio stream to 16 kHz mono float32.

    Times are on the recording's timeline (0 = the first decoded sample, as in the peaks).

    Raises:
        ValidationError: an empty or negative window.
        MediaError: the file cannot be read.
    """
    import av

    if start_ms < 0 or end_ms <= start_ms:
        raise ValidationError(f"bad spectrogram window {start_ms}-{end_ms} ms")
    p = Path(path)
    want = int(round((end_ms - start_ms) * MODEL_RATE / 1000))
    with _open(p) as container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise MediaError(p, "no audio stream")
        tb = stream.time_base
        origin = float(stream.start_time * tb) if stream.start_time is not None and tb else 0.0
        seek_s = origin + max(0, start_ms - PREROLL_MS) / 1000
        if seek_s > origin and tb:
            try:
                container.seek(int(seek_s / tb), stream=stream, backward=True)
            except av.error.FFmpegError:
                container.seek(0, stream=stream)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=MODEL_RATE)
        chunks: list[np.ndarray] = []
        first_s: float | None = None
        decoded = 0
        stop_s = origin + end_ms / 1000
        try:
            for frame in container.decode(stream):
                if first_s is None:
                    first_s = float(frame.time) if frame.time is not None else origin
                for rf in resampler.resample(frame):
                    arr = rf.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                    chunks.append(arr)
                    decoded += arr.size
                if frame.time is not None and float(frame.time) + frame.samples / frame.sample_rate >= stop_s:
                    break
            for rf in resampler.resample(None):
                arr = rf.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                chunks.append(arr)
                decoded += arr.size
        except av.error.FFmpegError as exc:
            raise MediaError(p, f"cannot decode the window ({exc.strerror or exc})") from exc
    audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    skip = int(round((origin + start_ms / 1000 - (first_s if first_s is not None else origin)) * MODEL_RATE))
    if skip < 0:  # the decoder started after the wanted start: pad with silence
        audio = np.concatenate([np.zeros(-skip, dtype=np.float32), audio])
        skip = 0
    return WindowAudio(np.ascontiguousarray(audio[skip:skip + want]), start_ms, decoded)


def mel_filters(n_fft: int, n_mels: int, fmin: float, fmax: float, rate: int = MODEL_RATE) -> np.ndarray:
    """Triangular mel filters (HTK mel scale), ``(n_mels, n_fft // 2 + 1)``, area-normalized."""
    def mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = hz(np.linspace(mel(fmin), mel(min(fmax, rate / 2)), n_mels + 2))
    lower = (freqs[None, :] - edges[:-2, None]) / np.maximum(edges[1:-1, None] - edges[:-2, None], 1e-9)
    upper = (edges[2:, None] - freqs[None, :]) / np.maximum(edges[2:, None] - edges[1:-1, None], 1e-9)
    fb = np.maximum(0.0, np.minimum(lower, upper))
    return fb * (2.0 / np.maximum(edges[2:] - edges[:-2], 1e-9))[:, None]


def log_mel(signal: np.ndarray, columns: int, opts: SpectrogramOptions) -> np.ndarray:
    """``(n_mels, columns)`` uint8 log-mel image of ``signal``; column i is centred on
    ``(i + 0.5) / columns`` of the signal."""
    n = opts.n_fft
    columns = max(1, int(columns))
    pad = np.pad(signal.astype(np.float32, copy=False), (n // 2, n // 2))
    centers = ((np.arange(columns) + 0.5) * (signal.size / columns)).astype(np.int64)
    idx = centers[:, None] + np.arange(n)[None, :]
    frames = pad[np.clip(idx, 0, pad.size - 1)] * np.hanning(n).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mels = mel_filters(n, opts.n_mels, opts.fmin, opts.fmax) @ power.T
    db = 10.0 * np.log10(np.maximum(mels, 1e-10))
    top = float(db.max()) if db.size else 0.0
    scaled = (db - (top - opts.top_db)) / opts.top_db
    return np.clip(np.round(scaled * 255.0), 0, 255).astype(np.uint8)


def window_spectrogram(path: str | os.PathLike[str], start_ms: int, end_ms: int, columns: int,
                       duration_ms: int | None = None, opts: SpectrogramOptions | None = None) -> dict:
    """The spectrogram of one window as a JSON-ready dict.

    Returns:
        ``{"start", "end", "mels", "cols", "fmax", "decoded_samples", "data"}``; ``data`` is base64
        of ``mels * cols`` uint8 values, row-major, lowest band first.

    Raises:
        ValidationError: the window is wider than ``opts.max_window_ms`` (the message says to
            zoom in) or empty.
    """
    opts = opts or SpectrogramOptions()
    start = max(0, int(start_ms))
    end = int(end_ms) if duration_ms is None else min(int(end_ms), int(duration_ms))
    if end - start > opts.max_window_ms:
        raise ValidationError(f"zoom in for the spectrogram (at most {opts.max_window_ms // 1000} s visible)")
    if end <= start:
        raise ValidationError("empty spectrogram window")
    win = decode_window(path, start, end)
    cols = max(1, min(int(columns), opts.max_columns, win.signal.size // 16 or 1))
    img = log_mel(win.signal, cols, opts)
    return {"start": start, "end": start + int(round(win.signal.size * 1000 / MODEL_RATE)), "mels": opts.n_mels,
            "cols": cols, "fmax": opts.fmax, "decoded_samples": win.decoded_samples,
            "data": base64.b64encode(img.tobytes()).decode("ascii")}
