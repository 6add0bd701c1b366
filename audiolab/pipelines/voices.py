"""Voice embeddings of stretches of a signal (CAM++), for voiceprints known across recordings.

The same CAM++ network and weights as the offline diarizer (:mod:`audiolab.pipelines.campplus`,
loaded once per process), used on whole stretches of one person's speech instead of on
segmentation chunks: each stretch is cut into pieces of at most ``piece_ms`` (stretches shorter
than ``min_piece_ms`` are left out: too little speech to say whose it is), each piece is embedded
on its own, and the voice is the duration-weighted mean of the pieces' unit vectors, itself
scaled to unit length. Two voices are compared by the cosine similarity of those vectors.

Why pieces of at most 10 s: CAM++ was trained on utterances of a few seconds, and its
context-aware masking averages over 100-frame segments, so a piece of a few seconds is what it
embeds best; averaging normalized pieces keeps one long piece from outweighing the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audiolab.core.model import SAMPLE_RATE, Span

PIECE_MS = 10_000
MIN_PIECE_MS = 700
MODEL_NAME = "campplus-sv-zh-en-16k"

_NET = None
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice: the unit-length mean embedding of some speech, and how much speech it came from.

    >>> v = Voice((0.6, 0.8), 4200, 2)
    >>> round(v.similarity(Voice((0.8, 0.6), 1000, 1)), 2)
    0.96
    """

    vector: tuple[float, ...]
    speech_ms: int
    pieces: int

    def similarity(self, other: Voice) -> float:
        """Cosine similarity of the two voices (both vectors have unit length)."""
        return float(np.dot(np.asarray(self.vector), np.asarray(other.vector)))


def _net():  # noqa: ANN202 - campplus.CAMPPlus, loaded lazily
    global _NET
    with _LOCK:
        if _NET is None:
            from audiolab.pipelines import campplus, models

            _, emb_path = models.offline_diarization_weights()
            _NET = campplus.load(emb_path)
        return _NET


def pieces(spans: Sequence[Span], piece_ms: int = PIECE_MS, min_piece_ms: int = MIN_PIECE_MS) -> list[Span]:
    """The stretches cut into pieces of at most ``piece_ms``; pieces under ``min_piece_ms`` dropped.

    A stretch is cut into equal parts, so its last piece is never a short leftover.

    >>> [(p.start_ms, p.end_ms) for p in pieces([Span(0, 25_000), Span(30_000, 30_500)])]
    [(0, 8333), (8333, 16666), (16666, 25000)]
    """
    merged: list[Span] = []
    for s in sorted(spans):  # overlapping stretches of one voice count once
        if merged and s.start_ms <= merged[-1].end_ms:
            merged[-1] = merged[-1].union(s)
        else:
            merged.append(s)
    out: list[Span] = []
    for s in merged:
        n = -(-s.duration_ms // piece_ms)
        step = s.duration_ms / max(n, 1)
        for i in range(n):
            a, b = s.start_ms + int(i * step), (s.start_ms + int((i + 1) * step)) if i < n - 1 else s.end_ms
            if b - a >= min_piece_ms:
                out.append(Span(a, b))
    return out


def embed_clips(clips: Sequence[np.ndarray]) -> np.ndarray:
    """Unit-length CAM++ embeddings ``(len(clips), 192)`` of 16 kHz mono clips (each at least 0.1 s)."""
    import torch

    from audiolab.pipelines import campplus

    net = _net()
    out = np.zeros((len(clips), campplus.EMBEDDING_DIM), dtype=np.float64)
    with torch.inference_mode():
        for i, clip in enumerate(clips):
            feats = campplus.fbank(torch.from_numpy(np.ascontiguousarray(clip, dtype=np.float32)))
            e = net(feats[None])[0].double().numpy()
            out[i] = e / max(np.linalg.norm(e), 1e-12)
    return out


def voice(audio: np.ndarray, spans: Sequence[Span]) -> Voice | None:
    """The voice of the speech in ``spans`` of a decoded 16 kHz mono signal; None when no piece is long enough."""
    per_ms = SAMPLE_RATE // 1000
    clips = [c for p in pieces(spans) if len(c := audio[p.start_ms * per_ms:p.end_ms * per_ms]) >= MIN_PIECE_MS * per_ms]
    return combine(embed_clips(clips), [len(c) // per_ms for c in clips]) if clips else None


def combine(vectors: np.ndarray, weights_ms: Sequence[int]) -> Voice | None:
    """The duration-weighted mean of unit vectors, scaled to unit length, as a :class:`Voice`."""
    if len(vectors) == 0:
        return None
    w = np.asarray(weights_ms, dtype=np.float64)
    mean = (vectors * w[:, None]).sum(axis=0)
    mean /= max(np.linalg.norm(mean), 1e-12)
    return Voice(tuple(round(float(x), 6) for x in mean), int(w.sum()), len(vectors))


def voices_of(source: object, spans_by_speaker: dict[str, Sequence[Span]]) -> dict[str, Voice]:
    """The voice of each speaker's stretches of a recording (speakers without enough speech left out).

    Args:
        source: a decoded 16 kHz mono signal, or a media path, read piece by piece
            (:class:`~audiolab.media.probe.SignalReader`) so a long recording is never decoded whole.
        spans_by_speaker: each speaker's stretches of speech.
    """
    if isinstance(source, np.ndarray):
        return {k: v for k, spans in spans_by_speaker.items() if (v := voice(source, spans)) is not None}
    from audiolab.media.probe import SignalReader

    per_ms = SAMPLE_RATE // 1000
    cut = sorted((p, k) for k, spans in spans_by_speaker.items() for p in pieces(spans))
    clips: dict[str, list[np.ndarray]] = {}
    lengths: dict[str, list[int]] = {}
    reader = SignalReader(source)
    try:
        for p, k in cut:
            if p.start_ms * per_ms < reader.position:  # two voices' stretches overlap: read that part again
                reader.close()
                reader = SignalReader(source)
            clip = reader.read_at(p.start_ms * per_ms, p.duration_ms * per_ms)
            if len(clip) >= MIN_PIECE_MS * per_ms:
                clips.setdefault(k, []).append(clip)
                lengths.setdefault(k, []).append(len(clip) // per_ms)
    finally:
        reader.close()
    out = {}
    for k, cs in clips.items():
        v = combine(embed_clips(cs), lengths[k])
        if v is not None:
            out[k] = v
    return out
