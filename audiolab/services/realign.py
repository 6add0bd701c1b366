"""Re-time the words of edited segments against the audio, as a stored edit, in the background.

After a text edit, a boundary drag, a split or a merge, the editor stores word times that are
only guesses (spread evenly, or cut by midpoint) and flags the segment :data:`UNALIGNED`
(:func:`mark_unaligned`). :func:`realign_segments` then decodes only those segments' spans (plus
:data:`CONTEXT_MS` either side) from the media, times their words with the Whisper model itself
(:mod:`audiolab.pipelines.align`) and writes the new times as **one batch** through the edit API,
by the author :data:`AUTHOR`, in the undo scope of the segments' tier (so an undo right after
it takes the re-timing back first, as it would any later edit). Each update names the
version that was read: a segment the annotator changed meanwhile is left alone (the later edit
flagged it again and schedules its own re-alignment), the rest are written. Re-alignment changes
word times and the flag only: never text, speakers, probabilities or the segment's span. It does
bump the segments' versions, so an editor must reload a segment once it is re-timed (an edit
based on the version before is refused as a conflict, as for any concurrent edit).

:class:`RealignQueue` runs these jobs on one daemon thread, one at a time, merging requests for
the same recording; :data:`QUEUE` is the process-wide instance the editor's server calls use.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audiolab.core.model import Segment, Span, TierRole, Word
from audiolab.errors import ConflictError, ValidationError
from audiolab.pipelines.align import AlignOptions, align_words, tighten
from audiolab.pipelines.align_long import align_long
from audiolab.storage import repository
from audiolab.storage.edits import Change
from audiolab.storage.repository import MAPPERS

UNALIGNED = "unaligned"
AUTHOR = "audiolab-align"
CONTEXT_MS = 300  # audio either side of a span given to the model
CONTEXT_WORDS = 3  # neighbouring words heard in that context, aligned with it
_log = logging.getLogger(__name__)


def mark_unaligned(seg: Segment) -> Segment:
    """The segment with the :data:`UNALIGNED` flag added (once): its word times are guesses.

    >>> s = Segment(id="s", recording_id="r", tier_id="t", span=Span(0, 900), flags=("overlap",))
    >>> mark_unaligned(mark_unaligned(s)).flags
    ('overlap', 'unaligned')
    """
    return seg if UNALIGNED in seg.flags else dataclasses.replace(seg, flags=(*seg.flags, UNALIGNED))


def clamp_words(words: Sequence[Word], span: Span) -> tuple[Word, ...]:
    """Words kept whole inside a new span (in order, not overlapping), for a boundary drag.

    Their times are guesses until the segment is re-aligned; no word is dropped, so the text and
    the words still agree.

    >>> ws = (Word(Span(0, 400), "a"), Word(Span(400, 900), "b"))
    >>> [w.span for w in clamp_words(ws, Span(500, 1200))]
    [Span(start_ms=500, end_ms=520), Span(start_ms=520, end_ms=900)]
    """
    if not words:
        return ()
    spans = tighten([(w.span.start_ms, w.span.end_ms) for w in words], span.start_ms, span.end_ms)
    return tuple(dataclasses.replace(w, span=Span(a, b)) for w, (a, b) in zip(words, spans))


def _aligned(seg: Segment) -> Segment:
    return dataclasses.replace(seg, flags=tuple(f for f in seg.flags if f != UNALIGNED))


@dataclass(frozen=True, slots=True)
class RealignResult:
    """What a re-alignment job did.

    Attributes:
        batch_ids: the edit batches written: one per undo scope touched (the editor asks for one
            tier's segments, hence one batch), none when nothing was written.
        updated: ids of the segments whose words were re-timed.
        skipped: segment id -> why it was left alone (changed meanwhile, deleted, too short).
        seconds: wall time of the job.
    """

    batch_ids: tuple[str, ...]
    updated: tuple[str, ...]
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def draft_model(wb: Any, recording_id: str) -> str | None:
    """The Whisper model of the recording's latest finished pre-labeling run, if any.

    Words re-timed by the model that timed the rest of the draft keep one time base: the
    embedded models place words some tens of milliseconds apart from each other (tiny.en later
    than base, ``bench/alignment.py``), and an edited segment should not jump against its
    unedited neighbours. Without a run (an imported or typed transcript) the default applies.
    """
    runs = [r for r in repository.get_runs(wb.db, recording_id) if r.status == "done" and r.kind == "prelabel"]
    model = ((runs[-1].options or {}).get("asr") or {}).get("model") if runs else None
    return model if isinstance(model, str) and model else None


def realign_segments(wb: Any, recording_id: str, segment_ids: Iterable[str], author: str = AUTHOR,
                     options: AlignOptions | None = None) -> RealignResult:
    """Re-time the words of some segments of a recording and store them as one batch.

    Args:
        wb: the :class:`~audiolab.services.Workbench`.
        recording_id: the recording.
        segment_ids: the segments to re-time (any tier; unknown ids are skipped).
        author: who the history names.
        options: alignment options; the language is each segment's own when it has one, and the
            model follows it unless ``options.model`` names one. Without options, the model is
            the one that made the draft (:func:`draft_model`).

    Raises:
        NotFoundError: no such recording.
        MediaError: the media file is missing or changed since ingest.
        ModelError: the Whisper model cannot be loaded.
    """
    from audiolab.media.spectrogram import decode_window
    from audiolab.services.media_check import verify_media

    t0 = time.perf_counter()
    rec = wb.recording(recording_id)
    path = verify_media(wb, rec)
    options = options or AlignOptions(model=draft_model(wb, rec.id))
    skipped: dict[str, str] = {}
    read: list[Segment] = []
    for sid in dict.fromkeys(segment_ids):
        seg = MAPPERS["segment"].get(wb.db, sid)
        if seg is None or seg.recording_id != rec.id:
            skipped[sid] = "deleted"
        else:
            read.append(seg)
    neighbours: dict[str, list[Segment]] = {}
    changes: list[Change] = []
    for seg in read:
        texts = [w.text for w in seg.words] if seg.words else seg.text.split()
        if not texts:
            changes.append(Change.update(_aligned(seg), seg.version))
            continue
        if seg.span.duration_ms < len(texts):
            skipped[seg.id] = "shorter than 1 ms a word"
            continue
        if seg.tier_id not in neighbours:
            neighbours[seg.tier_id] = repository.get_segments(wb.db, rec.id, seg.tier_id)
        lo = max(0, seg.span.start_ms - CONTEXT_MS)
        hi = max(lo + 1, min(rec.duration_ms, seg.span.end_ms + CONTEXT_MS))
        audio = decode_window(path, lo, hi).signal
        opts = dataclasses.replace(options, language=seg.language or options.language)
        try:
            if audio.size > opts.window_s * 16_000:
                got = align_long(audio, texts, opts, lo, seg.span).words
            else:
                before, after = context_words(seg, neighbours[seg.tier_id], Span(lo, hi))
                got = align_words(audio, texts, opts, lo, seg.span, before, after)
        except ValidationError as exc:
            skipped[seg.id] = str(exc)
            continue
        if seg.words:
            words = tuple(dataclasses.replace(w, span=g.span) for w, g in zip(seg.words, got))
        else:
            words = tuple(Word(g.span, t, None, seg.speaker_id) for g, t in zip(got, texts))
        changes.append(Change.update(_aligned(dataclasses.replace(seg, words=words)), seg.version))
    by_scope: dict[str, list[Change]] = {}
    for ch in changes:
        by_scope.setdefault(_scope(wb, ch.value.tier_id), []).append(ch)
    batches: list[str] = []
    updated: list[str] = []
    for scope, group in by_scope.items():
        while group:
            try:
                batches.append(wb.apply(rec.id, group, author, "re-time words", scope).batch_id)
                updated += [c.value.id for c in group]
                break
            except ConflictError as exc:  # changed since it was read: that edit schedules its own run
                skipped[exc.entity_id] = "changed meanwhile"
                group = [c for c in group if c.value.id != exc.entity_id]
    return RealignResult(tuple(batches), tuple(updated), skipped, round(time.perf_counter() - t0, 3))


def context_words(seg: Segment, tier_segments: Sequence[Segment], window: Span,
                  n: int = CONTEXT_WORDS) -> tuple[list[str], list[str]]:
    """The neighbours' words heard in the context audio of ``window`` before and after ``seg``.

    Up to ``n`` words each side, from the other segments of the tier: words that start before the
    segment and end inside the window, and words that end after it and start inside the window.
    """
    before: list[Word] = []
    after: list[Word] = []
    for other in tier_segments:
        if other.id == seg.id:
            continue
        for w in other.words:
            if w.span.start_ms < seg.span.start_ms and w.span.end_ms > window.start_ms and w.span.end_ms <= seg.span.start_ms + 50:
                before.append(w)
            elif w.span.end_ms > seg.span.end_ms and w.span.start_ms < window.end_ms and w.span.start_ms >= seg.span.end_ms - 50:
                after.append(w)
    before.sort(key=lambda w: w.span)
    after.sort(key=lambda w: w.span)
    return [w.text for w in before[-n:]] if n else [], [w.text for w in after[:n]] if n else []


def _scope(wb: Any, tier_id: str) -> str:
    """The undo scope of a tier: its id for an annotator's copy, else the shared one ("")."""
    tier = MAPPERS["tier"].get(wb.db, tier_id)
    return tier.id if tier is not None and tier.role == TierRole.ANNOTATION else ""


class RealignQueue:
    """Re-alignment jobs run one at a time on a daemon thread, requests merged per recording.

    :meth:`schedule` returns at once. Segment ids asked for again before their job starts are
    aligned once; a job's errors are logged, never raised (the segment keeps its flag, and the
    next edit of it schedules it again).

    Args:
        job: the function run for each job (default :func:`realign_segments`).
    """

    def __init__(self, job: Callable[..., RealignResult] | None = None) -> None:
        self._job = job or realign_segments
        self._cv = threading.Condition()
        self._pending: dict[tuple[int, str], tuple[Any, dict[str, None]]] = {}
        self._running = 0
        self._thread: threading.Thread | None = None
        self.results: list[RealignResult] = []  # the last few, newest last (for status and tests)

    def schedule(self, wb: Any, recording_id: str, segment_ids: Iterable[str]) -> None:
        """Ask for the segments' words to be re-timed soon."""
        ids = [s for s in segment_ids if s]
        if not ids:
            return
        with self._cv:
            key = (id(wb), recording_id)
            entry = self._pending.setdefault(key, (wb, {}))
            entry[1].update(dict.fromkeys(ids))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="audiolab-realign", daemon=True)
                self._thread.start()
            self._cv.notify_all()

    def pending(self) -> int:
        """How many segments wait or are being aligned."""
        with self._cv:
            return sum(len(ids) for _, ids in self._pending.values()) + self._running

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job waits or runs; False if ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._pending or self._running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cv.wait(left)
        return True

    def _work(self) -> None:
        while True:
            with self._cv:
                while not self._pending:
                    self._cv.wait()
                key = next(iter(self._pending))
                wb, ids = self._pending.pop(key)
                self._running = len(ids)
            try:
                result = self._job(wb, key[1], list(ids))
                self.results = [*self.results[-19:], result]
            except Exception:  # noqa: BLE001 - a background job must never kill the worker
                _log.exception("re-aligning %d segment(s) of recording %s failed", len(ids), key[1])
            finally:
                with self._cv:
                    self._running = 0
                    self._cv.notify_all()


QUEUE = RealignQueue()


def schedule_unaligned(wb: Any, result: Any, queue: RealignQueue | None = None) -> list[str]:
    """Schedule every segment an edit batch left flagged :data:`UNALIGNED`; returns their ids.

    Args:
        wb: the workbench the batch was written to.
        result: the :class:`~audiolab.storage.edits.BatchResult` of an editing operation.
        queue: default :data:`QUEUE`.
    """
    segs = [v for v in result.values.values() if isinstance(v, Segment) and UNALIGNED in v.flags]
    if segs:
        (queue or QUEUE).schedule(wb, segs[0].recording_id, [s.id for s in segs])
    return [s.id for s in segs]
