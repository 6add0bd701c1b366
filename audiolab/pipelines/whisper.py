"""Draft transcripts with faster-whisper: the only module that imports ``faster_whisper``.

The audio arrives already decoded (16 kHz mono float32 from :func:`audiolab.media.probe.load_audio`)
so a file is decoded once for every step. Word timestamps are always on: drafts are corrected
word by word and words are what speaker attribution works on. Each word keeps its probability and
each segment its ``avg_logprob`` and ``no_speech_prob`` (the UI highlights doubtful words).

Loaded models are cached per (model path, compute type, threads); long files go through
faster-whisper's ``BatchedInferencePipeline`` (VAD-cut chunks decoded in batches).

Long recordings are transcribed **window by window** (:func:`transcribe_stream`): faster-whisper
holds its whole input (and, unbatched, the whole log-mel spectrogram: about 1.4 GB of transient
STFT per audio hour), so it is given one window of ``window_s`` at a time, read forward from the
file; each window ends in the middle of the longest pause Silero VAD finds in its last
``_CUT_SEARCH_S`` seconds, and its times are offset back to media time. Batched or not is decided
by the file's length, as for a whole file, and a multilingual model's language is fixed by the
first window that holds speech. A signal no longer than one window goes through
:func:`transcribe` unchanged.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from audiolab.core.model import SAMPLE_RATE, Span, Word
from audiolab.errors import ModelError
from audiolab.pipelines import models
from audiolab.pipelines.blocks import SignalSource, trim_heap
from audiolab.pipelines.types import AsrSegment, Cancelled, Transcription

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]



@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    """How to transcribe.

    Attributes:
        model: a local CTranslate2 directory, ``tiny.en`` / ``base`` (embedded), or a hub name
            (only with downloads allowed, see :mod:`audiolab.pipelines.models`).
        language: ISO code; None detects it (multilingual models only).
        beam_size: beam search width.
        vad_filter: skip non-speech with Silero VAD before decoding.
        initial_prompt: text that primes the decoder (style, spelling).
        glossary: words to favour (names, jargon); passed as faster-whisper ``hotwords``.
        compute_type: CTranslate2 compute type; ``int8`` is the fast CPU choice.
        cpu_threads: decoding threads (0: one per core, at most 4).
        batched: use batched inference; None decides by length (``batch_threshold_s``).
        batch_size: chunks per batch in batched mode. 2, not 8: batches are decoded
            independently, so the text is the same (checked for 1, 2, 4 and 8 on 5 minutes of
            the assembled talk of ``bench/scale.py``), while CTranslate2's beam search over a
            batch needs memory per chunk: +170 MB at its peak for 2, +335 MB for 4, +660 MB for
            8, at 4 % less speed than 4 on one thread (ASR runs beside the slower diarization).
        batch_threshold_s: files at least this long go batched when ``batched`` is None.
        window_s: longer signals are transcribed in windows of about this length, cut in pauses
            (:func:`transcribe_stream`); shorter ones in one call, as before windows existed.
            300 s: every shared clip and any file up to 5 minutes runs exactly as before; past
            that, memory per window hardly depends on it (Silero VAD adds 0.33 MB per second of
            window, batched decoding is bounded by ``batch_size``): pre-labeling a 15-minute
            talk peaked at 1.47 / 1.74 / 1.43 GB with 120 / 300 / 600 s windows (noise of
            +-0.15 GB from how the ASR and diarization threads' peaks coincide), and
            ``bench/scale.py`` measures 1.50 / 1.56 / 1.60 GB for 15 min / 1 h / 3 h at 300 s.
        hf_token: token for hub models (also enables downloads).
    """

    model: str = models.DEFAULT_WHISPER
    language: str | None = None
    beam_size: int = 5
    vad_filter: bool = True
    initial_prompt: str | None = None
    glossary: tuple[str, ...] = ()
    compute_type: str = "int8"
    cpu_threads: int = 0
    batched: bool | None = None
    batch_size: int = 2
    batch_threshold_s: float = 600.0
    window_s: float = 300.0
    hf_token: str | None = None

    def __post_init__(self) -> None:
        if not self.window_s >= 10:
            from audiolab.errors import ValidationError

            raise ValidationError(f"the ASR window must be at least 10 s, got {self.window_s}")

    def threads(self) -> int:
        return self.cpu_threads if self.cpu_threads > 0 else max(1, min(4, os.cpu_count() or 1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly options for the pipeline run record (the token is never stored)."""
        return {"model": self.model, "language": self.language, "beam_size": self.beam_size,
                "vad_filter": self.vad_filter, "initial_prompt": self.initial_prompt,
                "glossary": list(self.glossary), "compute_type": self.compute_type,
                "cpu_threads": self.threads(), "batched": self.batched, "batch_size": self.batch_size,
                "window_s": self.window_s, "word_timestamps": True}


_CACHE: dict[tuple[str, str, int], Any] = {}
_LOCK = threading.Lock()


def _import(token: str | None = None):  # noqa: ANN202 - the faster_whisper module
    models.apply_network_policy(token)  # before huggingface_hub is first imported
    try:
        import faster_whisper
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelError("faster-whisper is not installed (pip install faster-whisper)") from exc
    return faster_whisper


def model_path(options: TranscribeOptions) -> str:
    """The local directory of the model the options name (downloading only when allowed)."""
    ref = models.resolve_whisper(options.model, options.hf_token)
    if ref.path is not None:
        return ref.path
    _import(options.hf_token)
    from faster_whisper.utils import download_model

    try:
        return download_model(ref.name, local_files_only=not ref.online,
                              use_auth_token=models.hub_token(options.hf_token))
    except ValueError as exc:  # an unknown size name
        raise ModelError(f"unknown Whisper model {ref.name!r}; "
                         "use a local CTranslate2 model directory, or an embedded model: tiny.en, base") from exc
    except Exception as exc:  # noqa: BLE001 - hub errors are many (offline, 401, 404)
        raise models.hub_unavailable(ref.name, ref.online, str(exc)) from exc


def load_model(options: TranscribeOptions):  # noqa: ANN201 - faster_whisper.WhisperModel
    """The loaded model for these options, from the per-process cache when possible."""
    path = model_path(options)
    key = (path, options.compute_type, options.threads())
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            fw = _import(options.hf_token)
            try:
                model = fw.WhisperModel(path, device="cpu", compute_type=options.compute_type,
                                        cpu_threads=options.threads())
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(f"cannot load Whisper model {options.model!r} from {path}: {exc}") from exc
            _CACHE[key] = model
    return model


def _ms(seconds: float) -> int:
    return max(0, int(round(seconds * 1000)))


def _span(start_s: float, end_s: float) -> Span:
    start = _ms(start_s)
    return Span(start, max(start + 1, _ms(end_s)))


def _kwargs(options: TranscribeOptions, multilingual: bool) -> dict[str, Any]:
    language = options.language
    if language is None and not multilingual:
        language = "en"
    kw: dict[str, Any] = {"language": language, "beam_size": options.beam_size,
                          "vad_filter": options.vad_filter, "word_timestamps": True,
                          "initial_prompt": options.initial_prompt or None}
    if options.glossary:
        kw["hotwords"] = ", ".join(options.glossary)
    return kw


def transcribe(audio: np.ndarray, options: TranscribeOptions | None = None,
               progress: Progress | None = None, cancel: Cancel | None = None) -> Transcription:
    """Transcribe a decoded 16 kHz mono float32 signal into segments with timed words.

    Args:
        audio: the signal (``audiolab.media.probe.load_audio``).
        options: how to transcribe (defaults: embedded ``tiny.en``, beam 5, VAD).
        progress: called as ``(done_ms, total_ms, "asr")`` after each segment.
        cancel: polled between segments; when it returns True, :class:`Cancelled` is raised.

    Raises:
        ModelError: the model cannot be found or loaded.
        Cancelled: ``cancel()`` returned True.
    """
    options = options or TranscribeOptions()
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    total_ms = int(round(len(audio) * 1000 / SAMPLE_RATE))
    t0 = time.perf_counter()
    model = load_model(options)
    t_load = time.perf_counter() - t0
    if total_ms == 0:
        return Transcription((), options.language, None, 0, options.model, {"load_s": t_load, "asr_s": 0.0})
    kw = _kwargs(options, model.model.is_multilingual)
    batched = options.batched if options.batched is not None else total_ms >= options.batch_threshold_s * 1000
    t1 = time.perf_counter()
    if batched:
        fw = _import()
        pipe = fw.BatchedInferencePipeline(model=model)
        seg_iter, info = pipe.transcribe(audio, batch_size=options.batch_size, **kw)
    else:
        seg_iter, info = model.transcribe(audio, **kw)
    out: list[AsrSegment] = []
    for seg in seg_iter:
        if cancel is not None and cancel():
            raise Cancelled("transcription cancelled")
        words = tuple(Word(_span(w.start, w.end), w.word.strip(), float(w.probability))
                      for w in (seg.words or ()) if w.word.strip())
        text = seg.text.strip()
        if not text and not words:
            continue
        span = _span(seg.start, seg.end)
        if words:  # the segment covers its words (word times can spill past segment times)
            span = span.union(Span(words[0].span.start_ms, words[-1].span.end_ms))
        out.append(AsrSegment(span, text, words, float(seg.avg_logprob), float(seg.no_speech_prob),
                              info.language))
        if progress:
            progress(min(total_ms, span.end_ms), total_ms, "asr")
    if progress:
        progress(total_ms, total_ms, "asr")
    stats = {"load_s": round(t_load, 3), "asr_s": round(time.perf_counter() - t1, 3), "batched": batched}
    return Transcription(tuple(out), info.language, float(info.language_probability), total_ms, options.model, stats)


_CUT_SEARCH_S = 60.0  # a window ends in the longest pause of its last minute
_PER_MS = SAMPLE_RATE // 1000


def _pause_cut(audio: np.ndarray, lo: int) -> int:
    """Where to end a window: the middle of the longest pause in ``audio[lo:]`` (Silero VAD).

    Returns a sample index on a millisecond boundary; the end of ``audio`` when the stretch holds
    no pause (or no speech at all).
    """
    _import()
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    region = np.ascontiguousarray(audio[lo:], dtype=np.float32)
    speech = get_speech_timestamps(region, VadOptions(min_silence_duration_ms=200, speech_pad_ms=0))
    if not speech:
        return audio.size // _PER_MS * _PER_MS
    edges = [0] + [b for r in speech for b in (r["start"], r["end"])] + [region.size]
    gaps = [(edges[i + 1] - edges[i], edges[i]) for i in range(0, len(edges), 2)]
    length, start = max(gaps)  # ties: the later pause
    if length <= 0:
        return audio.size // _PER_MS * _PER_MS
    return (lo + start + length // 2) // _PER_MS * _PER_MS


def _offset(seg: AsrSegment, offset_ms: int) -> AsrSegment:
    move = lambda sp: Span(sp.start_ms + offset_ms, sp.end_ms + offset_ms)  # noqa: E731
    return dataclasses.replace(seg, span=move(seg.span),
                               words=tuple(dataclasses.replace(w, span=move(w.span)) for w in seg.words))


def transcribe_stream(source: SignalSource, total_ms: int, options: TranscribeOptions | None = None,
                      progress: Progress | None = None, cancel: Cancel | None = None) -> Transcription:
    """Transcribe a long signal one window at a time (see the module docstring).

    At most one window (``options.window_s``) of audio is held: after a window is transcribed up
    to its cut, the rest of it is kept and the window is filled up again from ``source``.

    Args:
        source: the signal, read forward.
        total_ms: the recording's length (decides batching, as :func:`transcribe` would for the
            whole signal; scales progress).
        options: as for :func:`transcribe`.
        progress: ``(done_ms, total_ms, "asr")`` in media time.
        cancel: polled between segments.

    Raises:
        ModelError: the model cannot be found or loaded.
        Cancelled: ``cancel()`` returned True.
    """
    options = options or TranscribeOptions()
    window = int(options.window_s * SAMPLE_RATE)
    buf = source.read(window)
    if source.at_end():  # one window holds it all: the unwindowed path, unchanged
        return transcribe(buf, options, progress, cancel)
    batched = options.batched if options.batched is not None else total_ms >= options.batch_threshold_s * 1000
    opts = dataclasses.replace(options, batched=batched)
    search = min(int(_CUT_SEARCH_S * SAMPLE_RATE), window // 2)
    t0 = time.perf_counter()
    segments: list[AsrSegment] = []
    language: str | None = None
    language_probability: float | None = None
    offset = 0
    windows = 0
    load_s = 0.0
    while buf.size:
        cut = buf.size if source.at_end() else _pause_cut(buf, buf.size - search)
        off_ms = offset // _PER_MS
        sub = None
        if progress is not None:
            def sub(done: int, _total: int, step: str, _off: int = off_ms) -> None:
                progress(min(total_ms, _off + done), total_ms, step)
        tr = transcribe(buf[:cut], opts, sub, cancel)
        windows += 1
        load_s += float(tr.stats.get("load_s", 0.0))
        segments.extend(_offset(seg, off_ms) for seg in tr.segments)
        if language is None and tr.segments:
            language, language_probability = tr.language, tr.language_probability
            if opts.language is None:  # one language for the file, as a whole-file run detects it
                opts = dataclasses.replace(opts, language=language)
        offset += cut
        rest = buf[cut:]
        del tr
        trim_heap()  # what this window's steps freed (see blocks.trim_heap)
        buf = np.concatenate([rest, source.read(cut)]) if rest.size else source.read(cut)
        del rest
    if progress:
        progress(total_ms, total_ms, "asr")
    stats = {"load_s": round(load_s, 3), "asr_s": round(time.perf_counter() - t0 - load_s, 3), "batched": batched,
             "windows": windows, "window_s": options.window_s}
    return Transcription(tuple(segments), language or opts.language, language_probability, offset // _PER_MS,
                         options.model, stats)


def _shift(span: Span, offset_ms: int, limit: Span) -> Span:
    start = min(max(span.start_ms + offset_ms, limit.start_ms), limit.end_ms - 1)
    return Span(start, max(start + 1, min(span.end_ms + offset_ms, limit.end_ms)))


def transcribe_regions(audio: np.ndarray, regions: Sequence[Span], options: TranscribeOptions | None = None,
                       language: str | None = None, cancel: Cancel | None = None,
                       offset_ms: int = 0) -> tuple[AsrSegment, ...]:
    """A second pass over stretches of a signal, each decoded alone without the VAD filter.

    Used on speech the first pass left empty (see ``assign.untranscribed_speech``). Segments that
    Whisper itself would call silence (no-speech probability over 0.6 with an average log-prob
    under -1, its own rule) are dropped, so a second pass does not invent text.

    Args:
        audio: the 16 kHz signal: the whole recording, or a stretch of it starting at ``offset_ms``.
        regions: the stretches to decode, in media time (within ``audio``).
        options: as for :func:`transcribe` (its VAD filter and batching are turned off here).
        language: the language the first pass found (multilingual models).
        cancel: polled between stretches and segments.
        offset_ms: the media time of ``audio[0]``.
    """
    opts = dataclasses.replace(options or TranscribeOptions(), vad_filter=False, batched=False)
    if language and opts.language is None:
        opts = dataclasses.replace(opts, language=language)
    out: list[AsrSegment] = []
    per_ms = SAMPLE_RATE // 1000
    for region in regions:
        clip = audio[max(0, region.start_ms - offset_ms) * per_ms: max(0, region.end_ms - offset_ms) * per_ms]
        if clip.size < SAMPLE_RATE // 10:
            continue
        for seg in transcribe(clip, opts, None, cancel).segments:
            if (seg.no_speech_prob or 0) > 0.6 and (seg.avg_logprob or 0) < -1.0:
                continue
            words = tuple(dataclasses.replace(w, span=_shift(w.span, region.start_ms, region)) for w in seg.words)
            out.append(dataclasses.replace(seg, span=_shift(seg.span, region.start_ms, region), words=words))
    return tuple(out)


def speech_regions(audio: np.ndarray, min_silence_ms: int = 300, pad_ms: int = 100,
                   threshold: float = 0.5) -> tuple[Span, ...]:
    """Where a signal holds speech, by the Silero VAD that faster-whisper ships (no ASR run).

    Used where a recording has no stored segments to say where the voice is (sound-event
    candidates look for sounds outside it). The pauses kept are shorter than faster-whisper's
    transcription defaults (2 s, 400 ms padding), so a sound between two sentences stays outside.

    Args:
        audio: 16 kHz mono float32 signal.
        min_silence_ms: a pause at least this long ends a speech region.
        pad_ms: each region is widened by this much on both sides.
        threshold: Silero's speech probability above which a chunk is speech.
    """
    _import()
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    audio = np.ascontiguousarray(audio, dtype=np.float32)
    if audio.size == 0:
        return ()
    vad = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms)
    found = get_speech_timestamps(audio, vad)
    total_ms = int(round(audio.size * 1000 / SAMPLE_RATE))
    spans = []
    for r in found:
        start = min(_ms(r["start"] / SAMPLE_RATE), max(0, total_ms - 1))
        spans.append(Span(start, max(start + 1, min(total_ms, _ms(r["end"] / SAMPLE_RATE)))))
    return tuple(spans)
