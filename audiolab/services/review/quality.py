"""QA reports: how far the versions of a recording, or of a whole project, agree."""

from __future__ import annotations

import statistics
from typing import Any

from audiolab.core.model import Tier, TierRole
from audiolab.qa import versions as ver
from audiolab.qa.compare import QaOptions, compare_versions, emotion_alpha_of
from audiolab.services import Workbench
from audiolab.services.review.gold import gold_scores


def qa_recording(wb: Workbench, recording_id: str, against: str | None = None,
                 options: QaOptions | None = None) -> dict[str, Any]:
    """Scores between the versions of one recording.

    Without ``against``: every pair of annotators' copies (the first named is the reference),
    and each copy against the reference tier when there is one; with too few copies, the working
    copy against the reference. With ``against`` (an annotator's name, ``reference``, ``work`` or
    ``adjudicated``): every other transcript version against that one. Emotion agreement of all
    annotators together is Krippendorff's alpha.
    """
    options = options or QaOptions()
    t = wb.transcript(recording_id)
    anns = ver.annotation_tiers(t)
    ref = ver.reference_tier(t)
    pairs: list[tuple[Tier, Tier]] = []
    if against is not None:
        base = ver.find_version(t, against)
        pairs = [(base, x) for x in ver.transcript_tiers(t) if x.id != base.id]
    else:
        pairs = [(a, b) for i, a in enumerate(anns) for b in anns[i + 1:]]
        if ref is not None:
            pairs += [(ref, a) for a in anns] or [(ref, x) for x in ver.transcript_tiers(t)
                                                if x.role in (TierRole.WORK, TierRole.ADJUDICATED)]
    return {
        "recording": t.recording.id,
        "versions": [ver.version_name(x) for x in ver.transcript_tiers(t)],
        "comparisons": [compare_versions(t, a, b, options) for a, b in pairs],
        "emotion_alpha": emotion_alpha_of(t, anns, options) if len(anns) >= 2 else None,
        "options": {"collar_s": options.collar_s, "event_resolution_s": options.event_resolution_s,
                    "event_t_collar_s": options.event_t_collar_s, "frame_ms": options.frame_ms,
                    "whisper_english": options.normalize.whisper_english},
    }


def qa_project(wb: Workbench, project: str, options: QaOptions | None = None) -> dict[str, Any]:
    """Per-recording reports and per-annotator means for a project."""
    recs = [qa_recording(wb, r.id, None, options) for r in wb.recordings(project)]
    per: dict[str, dict[str, list[float]]] = {}
    for rep in recs:
        for c in rep["comparisons"]:
            for who in {c["reference"], c["hypothesis"]} - {"reference", "work", "adjudicated"}:
                bucket = per.setdefault(who, {})
                for key in ("wer", "cer", "der", "jer", "boundary_shift_ms", "event_f1_event", "emotion_kappa"):
                    if c.get(key) is not None:
                        bucket.setdefault(key, []).append(c[key])
    annotators = {who: {k: statistics.fmean(v) for k, v in d.items()} for who, d in sorted(per.items())}
    return {"project": project, "recordings": recs, "annotators": annotators,
            "gold": gold_scores(wb, project, options)}


__all__ = ["qa_project", "qa_recording"]
