"""Pre-labeling use case: draft transcript + speakers for one recording, stored with history.

``prelabel()`` decodes the recording once (a recording longer than the models' windows is instead
read forward window by window by each step, so memory does not grow with its length), runs ASR
(faster-whisper) and diarization (pyannote.audio) — in two threads with one core each when both
run, which on two cores is faster than either using both — attributes words to speakers, and
writes the result through the edit API in **one transaction** at the end, together with the
finished :class:`PipelineRun` and the recording's status. A cancel (Ctrl-C, the UI's stop button)
before that point writes nothing but the run record marked ``cancelled``.

Re-running never destroys human work. Of the recording's work transcript tier
(``<rid>-transcript``) a re-run replaces only *untouched drafts*: segments with origin ``asr``,
status ``draft`` and ``touched`` False. Every other segment (edited, corrected, reviewed, created
or imported by a person) stays as it is, and new draft segments that overlap one of them are
dropped, so a human-edited stretch is never doubled by a fresh draft. Speakers are reused by label
(``SPEAKER_00``...) so names people gave them survive; unnamed diarizer speakers nothing refers to
any more are removed. The recording becomes ``prelabeled`` only if it was ``new`` or
``prelabeled``; a recording already in progress or reviewed keeps its status.

A recording without speech (a sound-event clip) gets no invented speakers or text: the run
records ``no_speech: true`` and the CLI says so.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiolab.core.model import (
    SAMPLE_RATE,
    Origin,
    PipelineRun,
    Recording,
    RecordingStatus,
    Segment,
    SegmentStatus,
    Speaker,
    Span,
    Word,
    new_id,
    speaker_color,
    tier_id,
)
from audiolab.errors import NotFoundError
from audiolab.services import access
from audiolab.services.media_check import verify_media
from audiolab.pipelines.assign import AssignOptions, attribute
from audiolab.pipelines.diarize import DiarizeOptions
from audiolab.pipelines.types import AttributedSegment, Cancelled, Diarization, Transcription
from audiolab.pipelines.whisper import TranscribeOptions
from audiolab.storage import edits, repository
from audiolab.storage.db import utcnow

RUN_KIND = "prelabel"
Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

_DIARIZER_LABEL = re.compile(r"^SPEAKER_\d+$")


@dataclass(frozen=True, slots=True)
class PrelabelOptions:
    """What pre-labeling runs.

    Attributes:
        asr: transcription options.
        diarization: diarization options, or None to skip it (``--no-diarization``).
        assign: thresholds of the review flags.
        parallel: run ASR and diarization at the same time (one thread each unless set).
        fill_gaps: give speech the diarizer found but ASR left without words a second ASR pass
            without the VAD filter (Silero VAD drops whole stretches of quieter or noisier speech).
    """

    asr: TranscribeOptions = field(default_factory=TranscribeOptions)
    diarization: DiarizeOptions | None = field(default_factory=DiarizeOptions)
    assign: AssignOptions = field(default_factory=AssignOptions)
    parallel: bool = True
    fill_gaps: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"asr": self.asr.to_dict(),
                "diarization": self.diarization.to_dict() if self.diarization else None,
                "assign": dataclasses.asdict(self.assign), "parallel": self.parallel,
                "fill_gaps": self.fill_gaps}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def mark_stale_runs(wb: Any) -> list[PipelineRun]:
    """Mark failed the runs left ``running`` by a process of this machine that no longer exists.

    A run records the host and process id that run it; a process killed mid-run (SIGKILL, power
    cut) leaves it ``running``, and the next pre-labeling or server start on that host finds it.
    Runs of other hosts are left alone: only their own host can tell.

    Returns:
        The runs marked failed now.
    """
    host = socket.gethostname()
    stale = [r for r in repository.running_runs(wb.db)
             if r.stats.get("host") == host and isinstance(r.stats.get("pid"), int) and not _alive(r.stats["pid"])]
    for r in stale:
        with wb.db.transaction():
            repository.finish_run(wb.db, r.id, "failed",
                                  error=f"interrupted: the process running it (pid {r.stats['pid']}) ended", stats=r.stats)
    return stale


def finished_run(wb: Any, recording_id: str) -> PipelineRun | None:
    """The latest finished pre-labeling run of a recording, if any."""
    runs = [r for r in repository.get_runs(wb.db, recording_id) if r.kind == RUN_KIND and r.status == "done"]
    return runs[-1] if runs else None


def prelabel(wb: Any, recording_id: str, options: PrelabelOptions | None = None,
             progress: Progress | None = None, cancel: Cancel | None = None, force: bool = False,
             author: str = "audiolab-prelabel", actor: str | None = None) -> PipelineRun:
    """Transcribe and diarize one recording and store the draft (see the module docstring).

    The three steps are :func:`begin_run`, :func:`compute_drafts` (no database: what a Ray actor
    runs, :mod:`audiolab.services.batch`) and :func:`store_drafts`.

    Args:
        wb: the :class:`~audiolab.services.Workbench`.
        recording_id: id, unique prefix or path of an ingested recording.
        options: models and settings.
        progress: ``(done, total, step)`` with done/total in milliseconds of audio per step.
        cancel: polled while models run; True stops without writing drafts.
        force: run even if a finished run exists (otherwise that run is returned as is).
        author: the history's author of the written drafts.

    Returns:
        The stored run (``stats`` holds counts, timings and ``no_speech``).

    Raises:
        Cancelled: ``cancel()`` returned True.
        ModelError, MediaError: a model or the media cannot be used (the run is marked failed).
    """
    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "pre-label recordings")
    options = options or PrelabelOptions()
    mark_stale_runs(wb)
    rec = wb.recording(recording_id)
    if not force and (done := finished_run(wb, rec.id)) is not None:
        return done
    run = begin_run(wb, rec, options)  # checks media before anything is written: a replaced file gets no run
    try:
        computed = compute_drafts(Path(rec.path), rec.duration_ms, options, progress, cancel)
        return store_drafts(wb, rec, run, computed, author)
    except BaseException as exc:
        status = "cancelled" if isinstance(exc, (Cancelled, KeyboardInterrupt)) else "failed"
        with wb.db.transaction():
            repository.finish_run(wb.db, run.id, status, error=str(exc) or type(exc).__name__)
        raise


def begin_run(wb: Any, rec: Recording, options: PrelabelOptions) -> PipelineRun:
    """Check the models, the work tier and the media, then store the ``running`` run (host, pid)."""
    check_models(options)
    work_tier = tier_id(rec.id, "transcript")
    if repository.MAPPERS["tier"].get(wb.db, work_tier) is None:
        raise NotFoundError(f"recording {rec.id} has no work transcript tier {work_tier}")
    verify_media(wb, rec)
    run = PipelineRun(id=new_id(), recording_id=rec.id, kind=RUN_KIND, model=_model_names(options),
                      options=options.to_dict(), started_at=utcnow(), status="running",
                      stats={"host": socket.gethostname(), "pid": os.getpid()})
    with wb.db.transaction():
        repository.insert_run(wb.db, run)
    return run


@dataclass(frozen=True)
class Computed:
    """What the models made of one file, before anything is stored (frozen dataclasses: it pickles)."""

    drafts: list[AttributedSegment]
    diarization: Diarization | None
    stats: dict[str, Any]


def compute_drafts(media: Path, duration_ms: int, options: PrelabelOptions, progress: Progress | None = None,
                   cancel: Cancel | None = None) -> Computed:
    """Decode, ASR + diarization, gap filling and attribution of one media file; no database.

    Raises:
        Cancelled: ``cancel()`` returned True.
        ModelError, MediaError: a model or the media cannot be used.
    """
    t0 = time.perf_counter()
    audio = _decode(media, duration_ms, options)  # the signal, or a long file read in windows
    t_decode = time.perf_counter() - t0
    transcription, diarization = _run_models(audio, options, progress, cancel)
    t_models = time.perf_counter() - t0 - t_decode
    turns = diarization.turns if diarization else ()
    transcription = _fill_gaps(audio, transcription, turns, options, cancel)
    drafts = attribute(transcription.segments, turns, options.assign)
    if cancel is not None and cancel():
        raise Cancelled("pre-labeling cancelled")
    stats: dict[str, Any] = {"duration_ms": duration_ms, "decode_s": round(t_decode, 3), "models_s": round(t_models, 3),
                             "language": transcription.language, "asr": transcription.stats,
                             "diarization": diarization.stats if diarization else None}
    stats["total_s"] = round(time.perf_counter() - t0, 3)  # models and attribution; the write follows
    stats["realtime_factor"] = round(duration_ms / 1000 / max(stats["total_s"], 1e-6), 2)
    return Computed(drafts=list(drafts), diarization=diarization, stats=stats)


def store_drafts(wb: Any, rec: Recording, run: PipelineRun, computed: Computed, author: str) -> PipelineRun:
    """Speakers, segments, the recording's status and the finished run, in one transaction.

    Diarized speakers whose voice matches a voice enrolled in the project get its name
    (:func:`audiolab.services.speakers.enrolled_names`, computed before the transaction).
    """
    from audiolab.services.speakers import enrolled_names

    names, matches = enrolled_names(wb, rec, computed.diarization)
    stats = computed.stats
    if matches:
        stats = {**stats, "enrolled_voices": [dataclasses.asdict(m) for m in matches]}
    _store(wb, rec, tier_id(rec.id, "transcript"), run.id, computed.drafts, computed.diarization, author, stats, names)
    return next(r for r in repository.get_runs(wb.db, rec.id) if r.id == run.id)


@dataclass(frozen=True, slots=True)
class _LongMedia:
    """A recording longer than the models' windows: each step reads it forward, a window at a time.

    Decoding it whole would hold 230 MB per audio hour and hand every model step a whole-file
    array (see ``bench/scale.py`` for what that cost); instead ASR, diarization and the gap-filling
    pass each open their own :class:`~audiolab.media.probe.SignalReader` (decoding runs at
    hundreds of times real time, so three forward passes cost little next to the models).
    """

    path: Any
    duration_ms: int

    def reader(self) -> Any:
        from audiolab.media.probe import SignalReader

        return SignalReader(self.path)


def _window_ms(options: PrelabelOptions) -> float:
    windows = [options.asr.window_s] + ([options.diarization.window_s] if options.diarization else [])
    return min(windows) * 1000


def _decode(media: Any, duration_ms: int, options: PrelabelOptions) -> Any:
    """The whole signal when the recording fits one window (as before windows existed), else a long media."""
    from audiolab.media.probe import load_audio

    if duration_ms > _window_ms(options):
        return _LongMedia(media, duration_ms)
    return load_audio(media)


def _gap_pieces(gaps: list[Span], longest_ms: int) -> list[Span]:
    """Gaps in time order, overlapping ones merged, none longer than one ASR window."""
    merged: list[Span] = []
    for g in sorted(gaps):
        if merged and g.start_ms <= merged[-1].end_ms:
            merged[-1] = merged[-1].union(g)
        else:
            merged.append(g)
    out = []
    for g in merged:
        for start in range(g.start_ms, g.end_ms, longest_ms):
            out.append(Span(start, min(g.end_ms, start + longest_ms)))
    return out


def _fill_gaps(audio: Any, transcription: Transcription, turns: Any, options: PrelabelOptions,
               cancel: Cancel | None) -> Transcription:
    """Second ASR pass over speech the diarizer found and the first pass left without words."""
    from audiolab.pipelines import whisper
    from audiolab.pipelines.assign import untranscribed_speech

    gaps = untranscribed_speech(turns, transcription.segments) if options.fill_gaps else []
    if not gaps:
        return transcription
    t0 = time.perf_counter()
    if isinstance(audio, _LongMedia):  # one stretch at a time, read forward
        extra_list = []
        per_ms = SAMPLE_RATE // 1000
        with audio.reader() as reader:
            for gap in _gap_pieces(gaps, int(options.asr.window_s * 1000)):
                clip = reader.read_at(gap.start_ms * per_ms, gap.duration_ms * per_ms)
                extra_list.extend(whisper.transcribe_regions(clip, [gap], options.asr, transcription.language,
                                                             cancel, offset_ms=gap.start_ms))
        extra = tuple(extra_list)
    else:
        extra = whisper.transcribe_regions(audio, gaps, options.asr, transcription.language, cancel)
    stats = dict(transcription.stats, gap_fill={"regions": len(gaps), "segments": len(extra),
                                                "seconds_of_audio": round(sum(g.duration_ms for g in gaps) / 1000, 2),
                                                "s": round(time.perf_counter() - t0, 3)})
    segments = tuple(sorted(transcription.segments + extra, key=lambda s: s.span))
    return dataclasses.replace(transcription, segments=segments, stats=stats)


def check_models(options: PrelabelOptions) -> None:
    """Fail fast (before decoding anything) when the ASR model cannot be had.

    Raises:
        ModelError: naming the options (local path, tiny.en, base).
    """
    from audiolab.pipelines import whisper

    whisper.model_path(options.asr)
    if options.diarization is not None and options.diarization.pipeline == "offline":
        from audiolab.pipelines.models import offline_diarization_weights

        offline_diarization_weights()


def _model_names(options: PrelabelOptions) -> str:
    from audiolab.pipelines.diarize import _model_name

    asr = f"faster-whisper:{options.asr.model}"
    return asr if options.diarization is None else f"{asr} + {_model_name(options.diarization)}"


def _run_models(audio: Any, options: PrelabelOptions, progress: Progress | None,
                cancel: Cancel | None) -> tuple[Transcription, Diarization | None]:
    """ASR and diarization, concurrently when both run and ``options.parallel``.

    ``audio`` is the decoded signal or a :class:`_LongMedia`, which each step reads window by window.
    """
    from audiolab.pipelines import diarize as diarize_mod
    from audiolab.pipelines import whisper

    asr_opts, diar_opts = options.asr, options.diarization
    parallel = options.parallel and diar_opts is not None
    if parallel and asr_opts.cpu_threads == 0:
        asr_opts = dataclasses.replace(asr_opts, cpu_threads=1)

    def transcribe(opts: Any, stop: Cancel | None) -> Transcription:
        if isinstance(audio, _LongMedia):
            with audio.reader() as reader:
                return whisper.transcribe_stream(reader, audio.duration_ms, opts, progress, stop)
        return whisper.transcribe(audio, opts, progress, stop)

    def diarize(opts: Any, stop: Cancel | None) -> Diarization:
        if isinstance(audio, _LongMedia):
            with audio.reader() as reader:
                return diarize_mod.diarize_stream(reader, audio.duration_ms, opts, progress, stop)
        return diarize_mod.diarize(audio, opts, progress, stop)

    if diar_opts is None:
        return transcribe(asr_opts, cancel), None
    if not parallel:
        tr = transcribe(asr_opts, cancel)
        return tr, diarize(diar_opts, cancel)
    result: dict[str, Any] = {}
    stop = threading.Event()

    def should_stop() -> bool:
        return stop.is_set() or (cancel is not None and cancel())

    def run_diarization() -> None:
        try:
            result["diarization"] = diarize(diar_opts, should_stop)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=run_diarization, name="audiolab-diarize", daemon=True)
    worker.start()
    try:
        transcription = transcribe(asr_opts, should_stop)
        while worker.is_alive():
            worker.join(0.2)  # short joins keep Ctrl-C responsive
    except BaseException:
        stop.set()  # the diarization thread stops at its next step or batch
        worker.join(5.0)
        raise
    if "error" in result:
        raise result["error"]
    return transcription, result["diarization"]


def _store(wb: Any, rec: Any, tier_id: str, run_id: str, drafts: list[AttributedSegment],
           diarization: Diarization | None, author: str, run_stats: dict[str, Any],
           names: dict[str, str] | None = None) -> dict[str, Any]:
    """Write speakers, segments, status and the finished run in one transaction.

    ``names`` (diarizer label -> enrolled name) names new speakers and unnamed reused ones.
    """
    names = names or {}
    with wb.db.transaction():
        transcript = repository.get_transcript(wb.db, rec.id)
        tier_segments = [s for s in transcript.segments if s.tier_id == tier_id]
        replaceable = [s for s in tier_segments if _untouched_draft(s)]
        protected = [s for s in tier_segments if not _untouched_draft(s)]
        kept_drafts = [d for d in drafts if not any(d.span.overlaps(p.span) for p in protected)]
        by_label = {s.label: s for s in transcript.speakers}
        used_labels = sorted({d.speaker for d in kept_drafts if d.speaker}, key=_label_key)
        changes: list[edits.Change] = []
        speaker_ids: dict[str, str] = {}
        for i, label in enumerate(used_labels):
            if label in by_label:
                speaker_ids[label] = by_label[label].id
                if label in names and not by_label[label].name:  # a name a person gave stays
                    changes.append(edits.Change.update(dataclasses.replace(by_label[label], name=names[label])))
            else:
                sp = Speaker(id=new_id(), recording_id=rec.id, label=label, name=names.get(label, ""),
                             color=speaker_color(len(by_label) + i))
                speaker_ids[label] = sp.id
                changes.append(edits.Change.create(sp))
        changes.extend(edits.Change.delete(s) for s in replaceable)
        new_segments = [_segment(rec.id, tier_id, run_id, d, speaker_ids) for d in kept_drafts]
        changes.extend(edits.Change.create(s) for s in new_segments)
        # unnamed diarizer speakers nothing refers to any more go away
        gone = {s.id for s in replaceable}
        remaining = [s for s in transcript.segments if s.id not in gone]
        still_used = {s.speaker_id for s in remaining} | {w.speaker_id for s in remaining for w in s.words}
        still_used |= set(speaker_ids.values())
        for sp in transcript.speakers:
            if sp.id not in still_used and not sp.name and _DIARIZER_LABEL.match(sp.label):
                changes.append(edits.Change.delete(sp))
        if changes:
            edits.apply(wb.db, rec.id, changes, author, f"pre-label run {run_id}")
        current = repository.get_recording(wb.db, rec.id).status
        if current in (RecordingStatus.NEW, RecordingStatus.PRELABELED):
            repository.set_recording_status(wb.db, rec.id, RecordingStatus.PRELABELED)
        stats = {
            "segments": len(new_segments), "words": sum(len(s.words) for s in new_segments),
            "speakers": len(used_labels),
            "diarized_speakers": len(diarization.speakers) if diarization else None,
            "replaced_drafts": len(replaceable), "kept_human_segments": len(protected),
            "dropped_overlapping_human": len(drafts) - len(kept_drafts),
            "no_speech": not drafts,
        }
        stats = {**run_stats, **stats}
        repository.finish_run(wb.db, run_id, "done", stats=stats)
    return stats


def _untouched_draft(s: Segment) -> bool:
    return s.origin == Origin.ASR and s.status == SegmentStatus.DRAFT and not s.touched


def _label_key(label: str) -> tuple[int, str]:
    m = re.search(r"(\d+)$", label)
    return (int(m.group(1)) if m else 1 << 30, label)


def _segment(rid: str, tier_id: str, run_id: str, d: AttributedSegment, speaker_ids: dict[str, str]) -> Segment:
    words = tuple(Word(w.span, w.text, w.probability, speaker_ids.get(w.speaker_id or "")) for w in d.words)
    span = d.span if d.span.duration_ms > 0 else Span(d.span.start_ms, d.span.start_ms + 1)
    return Segment(id=new_id(), recording_id=rid, tier_id=tier_id, span=span, text=d.text,
                   speaker_id=speaker_ids.get(d.speaker or ""), words=words, language=d.language,
                   confidence=None if d.confidence is None else round(d.confidence, 4),
                   avg_logprob=d.avg_logprob, no_speech_prob=d.no_speech_prob, origin=Origin.ASR,
                   status=SegmentStatus.DRAFT, flags=d.flags, run_id=run_id, touched=False)
