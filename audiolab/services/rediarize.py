"""Diarize a pre-labeled recording again (another speaker count), keeping the words ASR found.

``audiolab prelabel REC --rediarize --num-speakers N``: when the diarizer found the wrong number
of speakers, running ASR again would cost most of the time and could change the text. Instead
the recording is diarized anew with the given options, and the words of the latest run (the
untouched drafts it stored: origin ``asr``, status ``draft``, not touched) are attributed to the
new turns by the same rule as a first run (:func:`audiolab.pipelines.assign.attribute`).

Only those untouched drafts change; every other segment stays as it is, as on any re-run
(:mod:`audiolab.services.prelabel`): the new drafts are stored by
:func:`~audiolab.services.prelabel.store_drafts`, in one transaction with a finished run of kind
``prelabel`` (its options say ``rediarize`` and which run's words it kept), and enrolled voices
name the new speakers there too. The new diarizer labels are renamed after the old speakers
whose words they took over most (:func:`_keep_labels`), so a speaker that persists keeps its
stored speaker and the name a person gave it. A new draft whose turn edges would reach over a segment a person
made is cut back to its words first, so the words are not lost to the overlap rule.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

from audiolab.core.model import PipelineRun, Segment, Span, new_id, tier_id
from audiolab.errors import NothingToDoError, ValidationError
from audiolab.pipelines.assign import AssignOptions, attribute
from audiolab.pipelines.diarize import DiarizeOptions, _model_name
from audiolab.pipelines.types import (
    AsrSegment,
    AttributedSegment,
    Cancelled,
    Diarization,
    Turn,
)
from audiolab.services import access, prelabel
from audiolab.services.media_check import verify_media
from audiolab.storage import repository
from audiolab.storage.db import utcnow


def _asr_segments(drafts: list[Segment]) -> list[AsrSegment]:
    """The stored drafts as ASR segments again: pieces that touch are joined, words lose their speakers."""
    out: list[AsrSegment] = []
    for d in sorted(drafts, key=lambda s: s.span):
        if not d.words:
            continue  # an empty ``no_words`` draft: the new turns make their own
        words = tuple(dataclasses.replace(w, speaker_id=None) for w in d.words)
        seg = AsrSegment(d.span, d.text, words, d.avg_logprob, d.no_speech_prob, d.language)
        last = out[-1] if out else None
        if last is not None and d.span.start_ms <= last.span.end_ms and d.language == last.language:
            joined = tuple(sorted(last.words + words, key=lambda w: w.span))
            seg = AsrSegment(last.span.union(d.span), f"{last.text} {d.text}".strip(), joined,
                             last.avg_logprob, last.no_speech_prob, last.language)
            out[-1] = seg
        else:
            out.append(seg)
    return out


def _clear_of(d: AttributedSegment, protected: list[Span]) -> AttributedSegment:
    """``d`` cut back to its words' extent when its edges reach over a protected segment."""
    if not d.words or not any(d.span.overlaps(p) for p in protected):
        return d
    return dataclasses.replace(d, span=Span(d.words[0].span.start_ms, max(w.span.end_ms for w in d.words)))


def _keep_labels(old: list[Segment], label_of: dict[str, str], new: list[AttributedSegment],
                 result: Diarization) -> tuple[list[AttributedSegment], Diarization]:
    """New diarizer labels renamed after the old speakers whose words they took over most.

    One to one, most shared words first: where a speaker persists it keeps its label, and so the
    stored speaker and the name people gave it. A new speaker gets a label no speaker of the
    recording has (the next ``SPEAKER_nn``), so it never inherits someone else's name.
    """
    first = lambda x: x[0]  # noqa: E731 - words in time order (labels may be None)
    before = sorted(((w.span.start_ms, label_of.get(w.speaker_id or d.speaker_id or "")) for d in old for w in d.words),
                    key=first)
    after = sorted(((w.span.start_ms, w.speaker_id) for d in new for w in d.words), key=first)
    shared: dict[tuple[str, str], int] = {}
    if len(before) == len(after):
        for (_, a), (_, b) in zip(before, after):
            if a and b:
                shared[(b, a)] = shared.get((b, a), 0) + 1
    rename: dict[str, str] = {}
    for (b, a), _n in sorted(shared.items(), key=lambda kv: -kv[1]):
        if b not in rename and a not in rename.values():
            rename[b] = a
    used = set(label_of.values()) | set(rename.values())
    nums = [int(m.group(1)) for x in used if (m := re.match(r"^SPEAKER_(\d+)$", x))]
    nxt = max(nums, default=-1) + 1
    for b in result.speakers:
        if b not in rename:
            rename[b], nxt = f"SPEAKER_{nxt:02d}", nxt + 1

    def words(d: AttributedSegment) -> tuple:
        return tuple(dataclasses.replace(w, speaker_id=rename.get(w.speaker_id or "", w.speaker_id)) for w in d.words)

    drafts = [dataclasses.replace(d, speaker=rename.get(d.speaker or "", d.speaker), words=words(d)) for d in new]
    turns = lambda ts: tuple(Turn(t.span, rename[t.speaker]) for t in ts)  # noqa: E731
    return drafts, dataclasses.replace(result, turns=turns(result.turns), exclusive=turns(result.exclusive),
                                       speakers=tuple(rename[x] for x in result.speakers))


def rediarize(wb: Any, recording_id: str, diarization: DiarizeOptions, progress: prelabel.Progress | None = None,
              cancel: prelabel.Cancel | None = None, author: str = "audiolab-prelabel",
              actor: str | None = None, assign: AssignOptions | None = None) -> PipelineRun:
    """Diarize again and re-attribute the latest run's words (see the module docstring).

    Raises:
        NothingToDoError: the recording has no finished run, or no untouched draft with words left.
        AuthError: ``actor`` may not pre-label.
        ModelError, MediaError, Cancelled: as for :func:`~audiolab.services.prelabel.prelabel`.
    """
    from audiolab.pipelines import diarize as diarize_mod

    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "pre-label recordings")
    if diarization is None:
        raise ValidationError("re-diarizing needs diarization (not --no-diarization)")
    prelabel.mark_stale_runs(wb)
    rec = wb.recording(recording_id)
    last = prelabel.finished_run(wb, rec.id)
    if last is None:
        raise NothingToDoError(f"recording {rec.id} has no finished pre-labeling run to re-diarize: pre-label it first")
    tier = tier_id(rec.id, "transcript")
    drafts = [s for s in repository.get_transcript(wb.db, rec.id).segments_of(tier) if prelabel._untouched_draft(s)]
    segments = _asr_segments(drafts)
    if not segments:
        raise NothingToDoError(f"recording {rec.id} has no untouched draft words left to re-attribute")
    media = verify_media(wb, rec)
    options = {**last.options, "diarization": diarization.to_dict(), "rediarize": {"words_of_run": last.id}}
    asr_model = last.model.split(" + ")[0]
    run = PipelineRun(id=new_id(), recording_id=rec.id, kind=prelabel.RUN_KIND,
                      model=f"{asr_model} + {_model_name(diarization)}", options=options, started_at=utcnow(),
                      status="running", stats={"host": socket.gethostname(), "pid": os.getpid()})
    with wb.db.transaction():
        repository.insert_run(wb.db, run)
    try:
        t0 = time.perf_counter()
        audio = prelabel._decode(Path(media), rec.duration_ms, prelabel.PrelabelOptions(diarization=diarization))
        if isinstance(audio, prelabel._LongMedia):
            with audio.reader() as reader:
                result = diarize_mod.diarize_stream(reader, rec.duration_ms, diarization, progress, cancel)
        else:
            result = diarize_mod.diarize(audio, diarization, progress, cancel)
        transcript = repository.get_transcript(wb.db, rec.id)
        protected = [s.span for s in transcript.segments_of(tier) if not prelabel._untouched_draft(s)]
        new = [_clear_of(d, protected) for d in attribute(segments, result.turns, assign or AssignOptions())]
        new, result = _keep_labels(drafts, {sp.id: sp.label for sp in transcript.speakers}, new, result)
        if cancel is not None and cancel():
            raise Cancelled("re-diarization cancelled")
        total = time.perf_counter() - t0
        stats: dict[str, Any] = {"duration_ms": rec.duration_ms, "rediarized": True, "words_of_run": last.id,
                                 "language": last.stats.get("language"), "diarization": result.stats,
                                 "total_s": round(total, 3),
                                 "realtime_factor": round(rec.duration_ms / 1000 / max(total, 1e-6), 2)}
        computed = prelabel.Computed(drafts=new, diarization=result, stats=stats)
        return prelabel.store_drafts(wb, rec, run, computed, author)
    except BaseException as exc:
        status = "cancelled" if isinstance(exc, (Cancelled, KeyboardInterrupt)) else "failed"
        with wb.db.transaction():
            repository.finish_run(wb.db, run.id, status, error=str(exc) or type(exc).__name__)
        raise

