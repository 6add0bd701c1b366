"""Gold: recordings or segments whose reference annotation annotators are scored against."""

from __future__ import annotations

import dataclasses
from typing import Any

from audiolab.core.model import Span, Tier, TierKind, TierRole, new_id, tier_id
from audiolab.errors import NotFoundError
from audiolab.qa import versions as ver
from audiolab.qa.compare import QaOptions, compare_versions
from audiolab.services import Workbench
from audiolab.services.review.assignments import assignments
from audiolab.services.review.users import require_role
from audiolab.storage import gold as store
from audiolab.storage.edits import Change
from audiolab.storage.gold import GoldItem


def is_gold(wb: Workbench, recording_id: str) -> bool:
    """Whether the recording, or any segment of it, is gold."""
    return store.is_gold(wb.db, recording_id)


def mark_gold(wb: Workbench, recording_id: str, segment_id: str | None = None, by: str | None = None) -> GoldItem:
    """Mark a recording or one segment as gold.

    The gold annotation is the recording's reference tier (role ``reference``). If it has none,
    one is made from the current main version (adjudicated, else the working copy): all of it for
    a recording, the one segment for a segment. Annotators' versions over gold items are then
    scored against it by :func:`gold_scores`.
    """
    if by is not None:
        require_role(wb, by, ("manager",))
    rid = wb.recording(recording_id).id
    t = wb.transcript(rid)
    ref = ver.reference_tier(t)
    main = t.main_tier()
    changes: list[Change] = []
    if ref is None:
        ref = Tier(id=tier_id(rid, "reference"), recording_id=rid, name="gold", kind=TierKind.TRANSCRIPT,
                   role=TierRole.REFERENCE)
        changes.append(Change.create(ref))
    ref_segs = t.segments_of(ref.id)
    if segment_id is None:
        span = Span(0, t.recording.duration_ms)
        sources = [] if ref_segs or main is None else t.segments_of(main.id)
    else:
        seg = next((s for s in t.segments if s.id == segment_id or s.id.startswith(segment_id)), None)
        if seg is None:
            raise NotFoundError(f"recording {rid} has no segment '{segment_id}'")
        span, segment_id = seg.span, seg.id
        sources = [] if seg.tier_id == ref.id or any(r.span == seg.span for r in ref_segs) else [seg]
    for s in sources:
        changes.append(Change.create(dataclasses.replace(s, id=new_id(), tier_id=ref.id, version=1)))
    item = GoldItem(rid, segment_id, span, by)
    with wb.db.transaction():
        if changes:
            wb.apply(rid, changes, by or "manager", "mark gold", scope=ref.id)
        store.insert_gold_item(wb.db, item)
    return item


def gold_items(wb: Workbench, project: str | None = None) -> list[GoldItem]:
    """The gold items (of one project), by recording and start."""
    return store.list_gold_items(wb.db, project)


def gold_scores(wb: Workbench, project: str | None = None, options: QaOptions | None = None) -> list[dict[str, Any]]:
    """Each annotator's independent version of each gold recording scored against gold.

    Only the gold stretches count (the whole recording, or the marked segments' spans).
    Returns one dict per (annotator, recording): ``annotator``, ``recording``, ``status`` and
    the scores of :func:`audiolab.qa.compare_versions`.
    """
    by_rec: dict[str, list[GoldItem]] = {}
    for g in gold_items(wb, project):
        by_rec.setdefault(g.recording_id, []).append(g)
    out = []
    for rid, items in by_rec.items():
        t = wb.transcript(rid)
        ref = ver.reference_tier(t)
        if ref is None:
            continue
        whole = any(g.segment_id is None for g in items)
        uem = None if whole else [g.span for g in items]
        status = {a.user: a.status for a in assignments(wb, rid)}
        for tier in ver.annotation_tiers(t):
            scores = compare_versions(t, ref, tier, options, uem)
            out.append({"annotator": tier.owner, "recording": rid, "status": status.get(tier.owner or ""),
                        "gold_items": len(items), **scores})
    return out


__all__ = ["GoldItem", "gold_items", "gold_scores", "is_gold", "mark_gold"]
