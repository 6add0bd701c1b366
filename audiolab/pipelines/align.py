"""Re-time known words against the audio with the Whisper model itself, no extra weights.

After a person edits a segment's text, moves its boundary, splits or merges it, the stored word
times no longer fit the audio, and those times are the product (CTM, TextGrid and EAF are written
from them). This module places a given word sequence in a stretch of audio the way faster-whisper
places the words it decodes: the text's tokens are forced through the decoder
(CTranslate2's ``Whisper.align``, reached through ``WhisperModel.find_alignment``), the
cross-attention of the model's alignment heads is median-filtered and a dynamic-time-warping path
through it gives each token the frame (20 ms) where it starts.

**A second adapter over faster-whisper.** The architecture keeps each heavy library behind one
module; :mod:`audiolab.pipelines.whisper` is the one for decoding. Alignment is a different use
of the same library (forced, not free decoding: no beam search, no VAD, its own windowing), with
options of its own, and that module is being reworked for bounded memory in parallel, so it lives
here. The rule bends, not breaks: the two are the only adapters over faster-whisper, they share
one model loader and cache (:func:`audiolab.pipelines.whisper.load_model`) and one lazy import
with the offline network policy (``whisper._import``), faster_whisper is imported only inside
their functions, and nothing else in audiolab imports it.

What differs from faster-whisper's own word timing (``add_word_timestamps``), and why:

* **Words are the caller's words.** Each whitespace-separated word is tokenized on its own
  (with its leading space), so the token runs of the words are known and a word's start and end
  are those of the first and last of faster-whisper's sub-words inside it (``find_alignment``
  splits on spaces; every word here begins with one). Punctuation therefore stays attached as
  typed; no punctuation merging is needed and the text is never changed.
* **Only the audio that matters is encoded.** faster-whisper pads every window to 30 s;
  CTranslate2 also encodes shorter inputs, which is about ten times faster for a 3 s segment and
  measured better for timing, not worse (GRID: median / p90 40 / 70 ms unpadded, 40 / 106 ms
  padded, with base). Spans longer than ``window_s`` are aligned window by window
  (:func:`audiolab.pipelines.align_long.align_long`), which also finds lines of a transcript the
  audio does not hold.
* **Neighbours are heard too.** The context audio around a span usually holds the end of the
  previous segment and the start of the next; their words can be aligned with it
  (``before`` / ``after`` of :func:`align_words`), so the first and last words do not take in
  the neighbours' speech.
* **Silence is not speech.** The warping path starts at the window's first frame and ends at its
  last, so the first word takes in any silence before it and the last word any after it, and a
  word next to a pause often spans it. Pauses are found with the Silero VAD faster-whisper ships
  (or the signal's energy), and the word boundary nearest each pause moves onto it
  (:func:`snap`); faster-whisper's hacks for the same problem lean on the decoder's segment
  timestamps, which forced alignment does not have.
* **The result is always valid.** Times are clamped: every word lies inside the bounds it was
  given, in order, never overlapping another, at least 1 ms long; runs of words the warping path
  squeezed into one frame get a fair share of the time around them.

>>> tighten([(0, 0), (0, 0), (500, 900)], 0, 1000)
[(0, 20), (20, 40), (500, 900)]
>>> tighten([(0, 300), (300, 300), (300, 600)], 0, 1000)
[(0, 290), (290, 310), (310, 600)]
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from audiolab.core.model import SAMPLE_RATE, Span, Word
from audiolab.errors import ValidationError
from audiolab.pipelines import models

Cancel = Callable[[], bool]
PauseFinder = Literal["both", "vad", "energy"]
_PER_MS = SAMPLE_RATE // 1000
_HOP = 160  # samples per log-mel frame (10 ms)
_MIN_WORD_MS = 20  # one alignment frame: words squeezed below this share the time around them


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """How to align.

    Attributes:
        model: a Whisper model as :class:`~audiolab.pipelines.whisper.TranscribeOptions` names it;
            None picks the embedded multilingual ``base`` (``tiny.en`` for English where base is
            not installed). On GRID's word times base's boundaries are off by a median 50 ms
            against tiny.en's 80 ms (tiny.en is late by about that much throughout), and on the
            phone call's utterance edges 64 ms against 120 ms; tiny.en does better on the MFA
            clip's hesitations ("um", "uh"), which Whisper does not transcribe and base
            places badly (``bench/alignment.py``). Base still re-times a 10 s segment within
            300 ms on two cores.
        language: ISO code of the text (None: English).
        compute_type: CTranslate2 compute type.
        cpu_threads: threads (0: one per core, at most 4).
        median_filter_width: frames of the median filter over the attention weights (odd).
        snap_to_pauses: move word edges that lie in a pause to the pause's edge.
        pause_db: where between the noise and the speech level (0-1) a frame's energy counts as
            speech (:func:`pauses`).
        pause_finder: how pauses are found: Silero VAD and energy together, or either alone.
        min_pause_ms: shortest run of silent frames counted as a pause.
        window_s: longest audio given to the encoder at once (Whisper's limit is 30 s).
    """

    model: str | None = None
    language: str | None = None
    compute_type: str = "int8"
    cpu_threads: int = 0
    median_filter_width: int = 7
    snap_to_pauses: bool = True
    pause_db: float = 0.35
    min_pause_ms: int = 60
    pause_finder: PauseFinder = "both"
    window_s: float = 28.0

    def __post_init__(self) -> None:
        if not 1.0 <= self.window_s <= 30.0:
            raise ValidationError(f"the alignment window must be 1-30 s, got {self.window_s}")
        if self.median_filter_width < 1 or self.median_filter_width % 2 == 0:
            raise ValidationError(f"the median filter width must be odd, got {self.median_filter_width}")

    @property
    def lang(self) -> str:
        return (self.language or "en").lower()

    def model_name(self) -> str:
        """The model used: the one named, else ``base`` (``tiny.en`` for English without base)."""
        if self.model:
            return self.model
        if self.lang == "en" and "base" not in models.available_whisper():
            return models.DEFAULT_WHISPER
        return "base"

    def transcribe_options(self):  # noqa: ANN201 - whisper.TranscribeOptions (imported lazily)
        """The options :func:`audiolab.pipelines.whisper.load_model` takes for this model."""
        from audiolab.pipelines.whisper import TranscribeOptions

        return TranscribeOptions(model=self.model_name(), language=self.language,
                                 compute_type=self.compute_type, cpu_threads=self.cpu_threads)


class _Aligner:
    """The loaded model and tokenizer for one set of options."""

    def __init__(self, options: AlignOptions) -> None:
        from audiolab.pipelines.whisper import _import, load_model

        fw = _import()
        self.model = load_model(options.transcribe_options())
        multilingual = bool(self.model.model.is_multilingual)
        language = options.lang if multilingual else None
        if multilingual:
            from faster_whisper.tokenizer import _LANGUAGE_CODES

            if language not in _LANGUAGE_CODES:
                raise ValidationError(f"Whisper does not know the language {options.lang!r}")
        elif options.lang != "en":
            raise ValidationError(f"the model {options.model_name()} is English-only; "
                                  f"give a multilingual model (base) for {options.lang!r}")
        self.tokenizer = fw.tokenizer.Tokenizer(self.model.hf_tokenizer, multilingual, task="transcribe",
                                                language=language)
        self.options = options

    def tokens(self, words: Sequence[str]) -> list[list[int]]:
        return [self.tokenizer.encode(" " + w) or [self.tokenizer.eot] for w in words]

    def raw_times(self, audio: np.ndarray, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start and end (seconds from ``audio[0]``) and probability of each word, unclamped."""
        per_word = self.tokens(words)
        n = len(per_word)
        starts, ends, probs = np.zeros(n), np.zeros(n), np.zeros(n)
        features = self.model.feature_extractor(np.ascontiguousarray(audio, dtype=np.float32))
        frames = features.shape[-1] - features.shape[-1] % 2
        if frames < 2 or n == 0:
            return starts, ends, probs
        encoded = self.model.encode(np.ascontiguousarray(features[:, :frames]))
        flat = [t for toks in per_word for t in toks]
        found = self.model.find_alignment(self.tokenizer, [flat], encoded, frames,
                                          median_filter_width=self.options.median_filter_width)
        pieces = found[0] if found else []
        # Each word's tokens begin with a space, so faster-whisper's sub-words nest inside the
        # words: walk both token sequences together.
        k = 0
        for i, toks in enumerate(per_word):
            need, got = len(toks), 0
            first = None
            weight = 0.0
            last = None
            while k < len(pieces) and got < need:
                p = pieces[k]
                if p["tokens"]:
                    first = p if first is None else first
                    last = p
                    got += len(p["tokens"])
                    weight += float(p["probability"]) * len(p["tokens"])
                k += 1
            if first is None:  # nothing came back for it (an empty alignment)
                starts[i] = ends[i] = starts[i - 1] if i else 0.0
                continue
            starts[i], ends[i] = float(first["start"]), float(last["end"])
            probs[i] = weight / max(1, got)
        return starts, ends, probs


_ALIGNERS: dict[tuple, _Aligner] = {}
_LOCK = threading.Lock()


def _aligner(options: AlignOptions) -> _Aligner:
    key = (options.model_name(), options.lang, options.compute_type, options.cpu_threads, options.median_filter_width)
    with _LOCK:
        al = _ALIGNERS.get(key)
        if al is None:
            al = _ALIGNERS[key] = _Aligner(options)
    return al


def pauses(audio: np.ndarray, options: AlignOptions | None = None) -> list[tuple[int, int]]:
    """Pauses in a signal: ``(start, end)`` in 10 ms frames.

    A frame is silent when Silero VAD (the model faster-whisper ships) hears no speech in it and
    its energy is low: below the window's noise floor (5th percentile of the frame energies in
    dB) plus ``pause_db`` of the floor-to-speech range (to the 95th percentile); ``pause_finder``
    can use either test alone ("vad", "energy"). Runs of at least ``min_pause_ms`` silent frames
    are pauses. The energy test keeps quiet speech Silero misses (a hesitation, a hoarse voice);
    Silero keeps loud noise between words out.
    """
    options = options or AlignOptions()
    n = audio.size // _HOP
    if n == 0:
        return []
    db = _frame_db(audio, n)
    if options.pause_finder == "energy":
        silent = _quiet(db, np.ones(n, dtype=bool), options.pause_db)
    else:
        silent = _vad_silent(audio, n, options)
        if options.pause_finder == "both":
            silent &= _quiet(db, silent, options.pause_db)
    out = []
    i = 0
    min_len = max(1, options.min_pause_ms // 10)
    while i < n:
        if not silent[i]:
            i += 1
            continue
        j = i
        while j < n and silent[j]:
            j += 1
        if j - i >= min_len:
            out.append((i, j))
        i = j
    return out


def _vad_silent(audio: np.ndarray, n: int, options: AlignOptions) -> np.ndarray:
    from audiolab.pipelines.whisper import _import

    _import()
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    speech = get_speech_timestamps(np.ascontiguousarray(audio, dtype=np.float32),
                                   VadOptions(min_silence_duration_ms=max(32, options.min_pause_ms),
                                              speech_pad_ms=0))
    silent = np.ones(n, dtype=bool)
    for r in speech:
        silent[r["start"] // _HOP: -(-r["end"] // _HOP)] = False
    return silent


def _frame_db(audio: np.ndarray, n: int) -> np.ndarray:
    frames = np.asarray(audio[: n * _HOP], dtype=np.float64).reshape(n, _HOP)
    return 10.0 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)


def _quiet(db: np.ndarray, silent: np.ndarray, share: float, run: int = 5) -> np.ndarray:
    """Frames not inside a run of ``run`` or more frames (50 ms) louder than the threshold.

    The threshold lies ``share`` of the way from the noise level (median energy of the frames
    ``silent`` marks; the 5th percentile of all when it marks fewer than ten) to the speech level
    (90th percentile of the others, or of all).
    """
    noise = np.median(db[silent]) if silent.sum() >= 10 else np.percentile(db, 5)
    rest = db[~silent] if (~silent).sum() >= 10 else db
    loud = np.percentile(rest, 90)
    if loud - noise < 10.0:  # no clear speech level: nothing is vetoed
        return np.ones(db.size, dtype=bool)
    above = db > noise + share * (loud - noise)
    out = np.ones(db.size, dtype=bool)
    i = 0
    while i < db.size:
        if not above[i]:
            i += 1
            continue
        j = i
        while j < db.size and above[j]:
            j += 1
        if j - i >= run:
            out[i:j] = False
        i = j
    return out


def snap(starts: Sequence[float], ends: Sequence[float], gaps: Sequence[tuple[int, int]],
         reach_s: float = 0.2, long_pause_s: float = 0.25, frames: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Word times (seconds) moved out of the pauses (10 ms frames) of their window.

    A pause that opens the window (ends it, when ``frames`` gives its length) holds the first
    word's start (the last word's end) whatever the distance: nothing else is there to speak. For
    every other pause, the nearest word boundary (the window's first start and last end count) within
    ``reach_s`` of it becomes the pause: the word before ends where the pause starts, the word
    after starts where it ends. A pause of ``long_pause_s`` or more that no boundary is near cuts
    a word spanning it to its longer side (a word does not span a pause), and words lying wholly
    in it move to its end (:func:`tighten` then gives them their share of the time there). Each
    boundary moves once; no word is left shorter than 20 ms.

    >>> s, e = snap([0.0, 0.5], [0.5, 1.0], [(0, 30), (60, 70)])
    >>> [round(float(x), 2) for x in s], [round(float(x), 2) for x in e]
    ([0.3, 0.7], [0.6, 1.0])
    """
    s, e = np.array(starts, dtype=float), np.array(ends, dtype=float)
    n = len(s)
    moved = [False] * (n + 1)
    for fa, fb in gaps:
        a, b = fa / 100.0, fb / 100.0
        if n and fa == 0 and not moved[0] and b < e[0] - 0.02:
            s[0], moved[0] = b, True
            continue
        if n and frames is not None and fb >= frames and not moved[n] and a > s[n - 1] + 0.02:
            e[n - 1], moved[n] = a, True
            continue
        best = None
        for k in range(n + 1):
            if moved[k]:
                continue
            lo = e[k - 1] if k > 0 else s[0]
            hi = s[k] if k < n else e[n - 1]
            d = max(0.0, a - hi, lo - b)
            if d <= reach_s and (best is None or d < best[0]):
                best = (d, k)
        if best is not None:
            k = best[1]
            if (k == 0 or a > s[k - 1] + 0.02) and (k == n or b < e[k] - 0.02):
                if k > 0:
                    e[k - 1] = a
                if k < n:
                    s[k] = b
                moved[k] = True
                continue
        if b - a < long_pause_s:
            continue
        for i in range(n):
            if s[i] < a and b < e[i]:
                if a - s[i] >= e[i] - b:
                    e[i] = a
                else:
                    s[i] = b
                break
            if a <= s[i] and e[i] <= b:  # wholly in the pause: to the speech after it
                s[i] = e[i] = b
    return s, e


def tighten(spans: Sequence[tuple[int, int]], lo: int, hi: int, min_ms: int = _MIN_WORD_MS) -> list[tuple[int, int]]:
    """Word spans (ms) made valid inside ``[lo, hi)``: in order, not overlapping, each >= 1 ms.

    Runs of words shorter than ``min_ms`` (the warping path's zero-length words) get ``min_ms``
    each: from the gap before the next word where there is one, else by taking up to half of each
    neighbouring word.

    Raises:
        ValidationError: ``[lo, hi)`` is shorter than 1 ms per word.
    """
    n = len(spans)
    if n == 0:
        return []
    if hi - lo < n:
        raise ValidationError(f"{n} words cannot fit in {hi - lo} ms")
    s = [min(max(int(a), lo), hi) for a, _ in spans]
    e = [min(max(int(b), lo), hi) for _, b in spans]
    for i in range(n):  # reversed words: keep the start, the end follows it
        if e[i] < s[i]:
            e[i] = s[i]
    i = 0
    while i < n:  # squeezed runs: min_ms a word, from the gap after them, else from the neighbours
        if e[i] - s[i] >= min_ms:
            i += 1
            continue
        j = i
        while j < n and e[j] - s[j] < min_ms:
            j += 1
        need = min_ms * (j - i)
        start = s[i] if i == 0 else max(s[i], e[i - 1])
        end = min(s[j] if j < n else hi, max(max(e[i:j]), start + need))
        short = need - (end - start)
        if short > 0 and i > 0:
            take = min(short // 2 if j < n else short, (e[i - 1] - s[i - 1]) // 2)
            start -= take
            e[i - 1] = min(e[i - 1], start)
            short -= take
        if short > 0 and j < n:
            take = min(short, (e[j] - s[j]) // 2)
            end += take
            s[j] = max(s[j], end)
        if end > start:
            step = (end - start) / (j - i)
            for k in range(i, j):
                s[k], e[k] = int(round(start + (k - i) * step)), int(round(start + (k - i + 1) * step))
        i = j
    prev = lo
    for i in range(n):  # order, no overlap, 1 ms at least, room left for the words after
        room = hi - (n - i)
        s[i] = min(max(s[i], prev), room)
        e[i] = min(max(e[i], s[i] + 1), room + 1)
        prev = e[i]
    return list(zip(s, e))


def align_words(audio: np.ndarray, words: Sequence[str], options: AlignOptions | None = None,
                offset_ms: int = 0, bounds: Span | None = None, before: Sequence[str] = (),
                after: Sequence[str] = ()) -> tuple[Word, ...]:
    """Time ``words`` in one window of audio (at most ``options.window_s``).

    Args:
        audio: 16 kHz mono float32; ``audio[0]`` is at media time ``offset_ms``. Give the span to
            align plus a little context on each side.
        words: the words in order, as stored (their text is returned unchanged).
        options: model and tuning (default: ``tiny.en`` for English).
        offset_ms: media time of the first sample.
        bounds: the span every word must lie in (default: the whole audio).
        before, after: words heard in the context audio before and after the span (a
            neighbouring segment's last and first words). They are aligned too, so that the
            neighbour's speech is not taken for the first or last word, and are not returned.

    Returns:
        One :class:`Word` per word (media time, ``probability`` = the model's mean probability of
        the word's tokens given the audio; no speaker).

    Raises:
        ValidationError: the audio is longer than one window, or ``bounds`` holds fewer ms than words.
        ModelError: the model cannot be loaded.
    """
    options = options or AlignOptions()
    words = [w for w in words]
    total_ms = int(round(audio.size * 1000 / SAMPLE_RATE))
    bounds = bounds or Span(offset_ms, max(offset_ms + 1, offset_ms + total_ms))
    if not words:
        return ()
    if audio.size > options.window_s * SAMPLE_RATE + _HOP:
        raise ValidationError(f"{total_ms / 1000:.1f} s is longer than one alignment window; use align_long")
    if bounds.duration_ms < len(words):
        raise ValidationError(f"{len(words)} words cannot fit in {bounds.duration_ms} ms")
    every = [*before, *words, *after]
    starts, ends, probs = _aligner(options).raw_times(audio, every)
    if options.snap_to_pauses:
        starts, ends = snap(starts, ends, pauses(audio, options), frames=audio.size // _HOP)
    mine = slice(len(before), len(before) + len(words))
    starts, ends, probs = starts[mine], ends[mine], probs[mine]
    spans = tighten([(offset_ms + round(a * 1000), offset_ms + round(b * 1000)) for a, b in zip(starts, ends)],
                    bounds.start_ms, bounds.end_ms)
    return tuple(Word(Span(a, b), w, round(float(p), 4)) for (a, b), w, p in zip(spans, words, probs))
