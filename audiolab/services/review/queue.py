"""The review queue: draft segments ranked by risk, so reviewers look at the riskiest first."""

from __future__ import annotations

from audiolab.qa import versions as ver
from audiolab.qa.queue import QueueItem, QueueOptions, rank, score_transcript
from audiolab.services import Workbench


def review_queue(wb: Workbench, recording_id: str | None = None, project: str | None = None,
                 options: QueueOptions | None = None) -> list[QueueItem]:
    """Segments of the main version ranked by risk (see :mod:`audiolab.qa.queue`), riskiest first.

    One recording when ``recording_id`` is given, else every recording (of ``project``).
    Independent copies, where they exist, add a disagreement part.
    """
    rids = [wb.recording(recording_id).id] if recording_id else [r.id for r in wb.recordings(project)]
    items: list[QueueItem] = []
    for rid in rids:
        t = wb.transcript(rid)
        items += score_transcript(t, None, [x.id for x in ver.annotation_tiers(t)], options)
    return rank(items)


__all__ = ["QueueItem", "review_queue"]
