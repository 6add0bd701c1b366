"""Aligning a whole transcript to a long recording, one encoder window at a time.

:mod:`audiolab.pipelines.align` times words within one stretch of audio; this module walks a
signal of any length forward (holding one window at most when it is read from a file), decides
which lines of a transcript each window holds, and reports lines the audio does not hold and
places where the text seems to skip speech. It is the second half of the alignment adapter over
faster-whisper (see that module's docstring).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from audiolab.core.model import SAMPLE_RATE, Span, Word
from audiolab.errors import ValidationError
from audiolab.pipelines.align import _PER_MS, AlignOptions, Cancel, align_words, tighten

@dataclass(frozen=True, slots=True)
class LongAlignment:
    """Words aligned over a long signal, window by window.

    Attributes:
        words: one per input word, in order (media time); None for the words of a group judged
            not to be in the audio.
        unheard: the groups (lines) judged not to be in the audio, in order.
        stretched: indexes of words that came out much longer than words are (over
            :data:`STRETCHED_MS` and five times the median): speech the text may not hold.
        windows: how many encoder windows were used.
    """

    words: tuple[Word | None, ...]
    unheard: tuple[int, ...] = ()
    stretched: tuple[int, ...] = ()
    windows: int = 0


class SignalSource(Protocol):
    """A signal read forward (:class:`audiolab.media.probe.SignalReader`)."""

    def read(self, n: int) -> np.ndarray: ...

    def at_end(self) -> bool: ...


class _Forward:
    """Windows of a signal: an array, or a source read forward holding one window at most."""

    def __init__(self, source: np.ndarray | SignalSource) -> None:
        self.array = source if isinstance(source, np.ndarray) else None
        self.source = source
        self.buf = np.zeros(0, dtype=np.float32)
        self.buf_start = 0

    def get(self, start: int, n: int) -> np.ndarray:
        if self.array is not None:
            return self.array[start: start + n]
        if start < self.buf_start:
            raise ValueError(f"cannot go back to sample {start}: the window is at {self.buf_start}")
        self.buf = self.buf[start - self.buf_start:]
        self.buf_start = start
        while self.buf.size < n and not self.source.at_end():
            self.buf = np.concatenate([self.buf, self.source.read(n - self.buf.size)])
        return self.buf[:n]


UNHEARD_PROB = 0.1  # a line whose words' mean probability is under this is not in the audio
STRETCHED_MS = 1500


def align_long(source: np.ndarray | SignalSource, words: Sequence[str], options: AlignOptions | None = None,
               offset_ms: int = 0, bounds: Span | None = None, groups: Sequence[int] | None = None,
               drop_unheard: bool = False, total_ms: int | None = None, cancel: Cancel | None = None,
               progress: Callable[[int, int], None] | None = None) -> LongAlignment:
    """Time ``words`` in a signal of any length, one window of ``options.window_s`` at a time.

    Each window gets the words not placed yet, as many as the speaking rate so far says fit plus
    a third (the warping path squeezes words that do not fit into the window's end), with the
    last words already placed before them as context. Words that end in the window's first
    three quarters are kept, whole groups (lines) at a time where a group fits; the next window
    starts a second before the first word not kept. The last window takes every word left.

    With ``drop_unheard``, a group that lies wholly in the kept part of a window and whose words'
    mean probability is under :data:`UNHEARD_PROB` is judged not to be in the audio: its words
    are left out and the window aligned again without them (unless every one of two or more
    groups of the window looks so, which means the audio there is not in the text: then the
    window moves on).

    Args:
        source: 16 kHz mono float32, an array or a forward reader; its first sample is at media
            time ``offset_ms``.
        words: the words in order.
        options: as for :func:`align_words`.
        offset_ms: media time of the first sample.
        bounds: the span every word must lie in (default: the whole signal).
        groups: a group number per word, never decreasing (a transcript's line numbers).
        drop_unheard: leave out groups the audio does not hold (see above).
        total_ms: the signal's length (needed for a reader; an array knows its own).
        cancel: polled between windows; returning True raises :class:`~audiolab.pipelines.types.Cancelled`.
        progress: called as ``(words done, words)`` after each window.
    """
    options = options or AlignOptions()
    words = list(words)
    n = len(words)
    groups = list(groups) if groups is not None else [0] * n
    fwd = _Forward(source)
    if total_ms is None:
        if fwd.array is None:
            raise ValidationError("the length of a streamed signal must be given")
        total_ms = int(round(fwd.array.size * 1000 / SAMPLE_RATE))
    total = total_ms * _PER_MS
    bounds = bounds or Span(offset_ms, max(offset_ms + 1, offset_ms + total_ms))
    window = int(options.window_s * SAMPLE_RATE)
    out: list[Word | None] = [None] * n
    unheard: set[int] = set()
    rate = n / max(1.0, total_ms / 1000)  # words per second of signal
    pos, i, windows, last_end = 0, 0, 0, bounds.start_ms
    while i < n:
        if cancel is not None and cancel():
            from audiolab.pipelines.types import Cancelled

            raise Cancelled("alignment cancelled")
        clip = fwd.get(pos, window)
        start_ms = offset_ms + pos // _PER_MS
        clip_ms = int(round(clip.size * 1000 / SAMPLE_RATE))
        last = pos + window >= total or clip.size < window
        cand = [j for j in range(i, n) if groups[j] not in unheard]
        if not last:
            cand = cand[: max(1, math.ceil(rate * clip_ms / 1000 * 4 / 3) + 3)]
        keep_until = start_ms + clip_ms * 3 // 4
        before = [w.text for w in out[:i] if w is not None and w.span.end_ms > start_ms][-3:]
        lo = max(bounds.start_ms, start_ms, last_end)
        hi = bounds.end_ms if last else min(bounds.end_ms, start_ms + clip_ms)
        got: list[Word] = []
        for _ in range(3):
            if not cand:
                break
            hi = max(hi, lo + len(cand))
            got = list(align_words(clip, [words[j] for j in cand], options, start_ms, Span(lo, hi), before))
            if not drop_unheard:
                break
            judged = _judged_groups(cand, got, groups, keep_until, last)
            bad = {g for g, p in judged.items() if p < UNHEARD_PROB}
            if not bad:
                break
            if len(bad) == len(judged) > 1 and not last:
                got = []  # nothing of this text is heard here: the audio is not in the text
                break
            unheard |= bad
            cand = [j for j in cand if groups[j] not in bad]
        windows += 1
        if last:
            kept = len(got)
        elif not got:
            kept = 0
        else:
            kept = _kept(cand, got, groups, keep_until)
        for j, w in zip(cand[:kept], got[:kept]):
            out[j] = w
        if kept:
            last_end = got[kept - 1].span.end_ms
            i = cand[kept - 1] + 1
            while i < n and groups[i] in unheard:
                i += 1
        if last:
            break
        nxt = got[kept].span.start_ms if kept < len(got) else (last_end if kept else start_ms + clip_ms // 2)
        new_pos = max(pos + SAMPLE_RATE, (nxt - offset_ms) * _PER_MS - SAMPLE_RATE)
        pos = min(new_pos // _PER_MS * _PER_MS, max(0, (total - SAMPLE_RATE) // _PER_MS * _PER_MS))
        done = sum(w is not None for w in out)
        rate = max(rate / 2, done / max(1.0, (pos / SAMPLE_RATE))) if done else rate
        if progress is not None:
            progress(i, n)
    if drop_unheard:
        for j in range(i, n):  # a last window that got nothing: the words not placed are unheard
            if out[j] is None:
                unheard.add(groups[j])
        for j in range(n):
            if groups[j] in unheard:
                out[j] = None
    if progress is not None:
        progress(n, n)
    placed = [j for j in range(n) if out[j] is not None]
    spans = tighten([(out[j].span.start_ms, out[j].span.end_ms) for j in placed], bounds.start_ms, bounds.end_ms) \
        if placed else []
    for j, (a, b) in zip(placed, spans):
        out[j] = dataclasses.replace(out[j], span=Span(a, b))
    return LongAlignment(tuple(out), tuple(sorted(unheard)), stretched(out), windows)


def _judged_groups(cand: list[int], got: list[Word], groups: list[int], keep_until: int, last: bool) -> dict[int, float]:
    """Mean word probability of each group wholly in ``cand`` and in the kept part of the window."""
    probs: dict[int, list[float]] = {}
    for j, w in zip(cand, got):
        probs.setdefault(groups[j], []).append(w.probability or 0.0)
    out = {}
    for g, ps in probs.items():
        members = [k for k, j in enumerate(cand) if groups[j] == g]
        whole = groups.count(g) == len(members)
        if whole and (last or got[members[-1]].span.end_ms <= keep_until):
            out[g] = float(np.mean(ps))
    return out


def _kept(cand: list[int], got: list[Word], groups: list[int], keep_until: int) -> int:
    """How many of a window's words to keep: whole groups ending by ``keep_until``, else words."""
    fits = 0
    while fits < len(got) and got[fits].span.end_ms <= keep_until:
        fits += 1
    whole = fits
    while whole > 0 and whole < len(cand) and groups[cand[whole]] == groups[cand[whole - 1]]:
        whole -= 1
    return whole or max(1, fits)


def stretched(words: Sequence[Word | None]) -> tuple[int, ...]:
    """Indexes of words much longer than the others (see :attr:`LongAlignment.stretched`)."""
    lengths = [w.span.duration_ms for w in words if w is not None]
    if not lengths:
        return ()
    limit = max(STRETCHED_MS, 5 * float(np.median(lengths)))
    return tuple(j for j, w in enumerate(words) if w is not None and w.span.duration_ms > limit)
