"""The manager's dashboard: per-annotator throughput, estimated work hours, agreement and gold scores."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from audiolab.qa import versions as ver
from audiolab.qa.compare import QaOptions, compare_versions
from audiolab.services import Workbench
from audiolab.services.review.assignments import COPY_DESCRIPTION, assignments
from audiolab.services.review.gold import gold_scores
from audiolab.services.review.users import list_users
from audiolab.storage import history

SESSION_GAP_S = 600.0
SESSION_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class AnnotatorStats:
    """What a manager's dashboard shows per annotator.

    ``work_hours`` is estimated from the annotator's edit times: sessions are split at gaps over
    10 minutes and each lasts from its first to its last edit plus one minute.
    ``audio_minutes`` is the audio of their submitted or reviewed assignments;
    ``throughput`` = audio minutes per hour of work. Agreement is their copy against the other
    annotators' copies (means); gold scores are against gold (means).
    """

    annotator: str
    role: str
    assignments: int
    submitted: int
    audio_minutes: float
    work_hours: float
    throughput: float | None
    segments_edited: int
    sessions: int
    agreement_wer: float | None
    agreement_der: float | None
    gold_wer: float | None
    gold_der: float | None


def annotator_stats(wb: Workbench, project: str = "default", options: QaOptions | None = None) -> list[AnnotatorStats]:
    """Per-annotator throughput, edits, agreement and gold scores for a project."""
    recs = {r.id: r for r in wb.recordings(project)}
    all_assign = assignments(wb, project=project)
    gold = gold_scores(wb, project, options)
    agree: dict[str, dict[str, list[float]]] = {}
    for rid in {a.recording_id for a in all_assign if a.independent}:
        t = wb.transcript(rid)
        anns = ver.annotation_tiers(t)
        for a in anns:
            for b in anns:
                if a.id != b.id:
                    c = compare_versions(t, b, a, options)
                    for key in ("wer", "der"):
                        if c[key] is not None:
                            agree.setdefault(a.owner or "", {}).setdefault(key, []).append(c[key])
    out = []
    for user in list_users(wb):
        mine = [a for a in all_assign if a.user == user.name]
        edits = [e for e in history.edits_by(wb.db, user.name, COPY_DESCRIPTION) if e.recording_id in recs]
        if not mine and not edits:
            continue
        hours, sessions = work_hours([e.at for e in edits])
        done = [a for a in mine if a.status in ("submitted", "reviewed")]
        minutes = sum(recs[a.recording_id].duration_ms for a in done) / 60000
        g = [x for x in gold if x["annotator"] == user.name]
        ag = agree.get(user.name, {})
        out.append(AnnotatorStats(
            annotator=user.name, role=user.role, assignments=len(mine), submitted=len(done),
            audio_minutes=round(minutes, 3), work_hours=round(hours, 4),
            throughput=round(minutes / hours, 3) if hours > 0 else None,
            segments_edited=len({e.entity_id for e in edits if e.entity == "segment"}), sessions=sessions,
            agreement_wer=_mean(ag.get("wer")), agreement_der=_mean(ag.get("der")),
            gold_wer=_mean([x["wer"] for x in g if x["wer"] is not None]),
            gold_der=_mean([x["der"] for x in g if x["der"] is not None]),
        ))
    return out


def work_hours(stamps: Sequence[str]) -> tuple[float, int]:
    """Estimated hours of work and number of sessions from ISO edit times (see :class:`AnnotatorStats`)."""
    times = sorted(datetime.fromisoformat(s).timestamp() for s in stamps)
    if not times:
        return 0.0, 0
    total, sessions, first, last = 0.0, 1, times[0], times[0]
    for x in times[1:]:
        if x - last > SESSION_GAP_S:
            total += last - first + SESSION_GRACE_S
            sessions += 1
            first = x
        last = x
    total += last - first + SESSION_GRACE_S
    return total / 3600, sessions


def _mean(values: Sequence[float] | None) -> float | None:
    vals = [v for v in values or () if v is not None and not math.isnan(v)]
    return statistics.fmean(vals) if vals else None


__all__ = ["SESSION_GAP_S", "SESSION_GRACE_S", "AnnotatorStats", "annotator_stats", "work_hours"]
