"""Independent work: each annotator's private copy of the draft, and which versions each person sees."""

from __future__ import annotations

import dataclasses

from audiolab.core.model import Tier, TierKind, TierRole, Transcript, new_id
from audiolab.errors import NotFoundError
from audiolab.qa import versions as ver
from audiolab.services import Workbench
from audiolab.services.review.assignments import COPY_DESCRIPTION, assignments, get_assignment, transition
from audiolab.services.review.users import REVIEWERS, get_user
from audiolab.storage import assignments as store
from audiolab.storage.assignments import Assignment
from audiolab.storage.edits import Change


def working_tier(wb: Workbench, recording_id: str, username: str) -> Tier:
    """The transcript tier this user edits on this recording.

    An annotator with an independent assignment gets their own copy of the draft (created on the
    first call through the edit API, with its own undo scope ``tier.id``: pass
    ``scope=tier.id`` to every edit on it, and ``tier_id=tier.id`` to tags). Everyone else gets
    the shared working tier. Opening an ``assigned`` (or ``rejected``) assignment marks it in
    progress.
    """
    user = get_user(wb, username)
    rid = wb.recording(recording_id).id
    found = assignments(wb, rid, user.name)
    a = found[0] if found else None
    if a is not None and a.status in ("assigned", "rejected"):
        with wb.db.transaction():
            a = get_assignment(wb, rid, user.name)  # re-read under the lock: another tab may have started it
            if a.status in ("assigned", "rejected"):
                a = transition(wb, a, "in_progress")
    t = wb.transcript(rid)
    if a is None or not a.independent:
        main = _work_tier(t)
        if main is None:
            raise NotFoundError(f"recording {rid} has no working transcript tier")
        return main
    own = next((x for x in ver.annotation_tiers(t) if x.owner == user.name), None)
    if own is not None:
        return own
    # Check again under the write lock: two editor tabs opening at once must not make two copies.
    with wb.db.transaction():
        t = wb.transcript(rid)
        own = next((x for x in ver.annotation_tiers(t) if x.owner == user.name), None)
        return own if own is not None else _copy_draft(wb, t, user.name, a)


def _work_tier(t: Transcript) -> Tier | None:
    return next((x for x in ver.transcript_tiers(t) if x.role == TierRole.WORK), None)


def _copy_draft(wb: Workbench, t: Transcript, username: str, a: Assignment) -> Tier:
    """Copy the working tier's segments and tags into a new annotation tier owned by ``username``."""
    rid = t.recording.id
    tier = Tier(id=new_id(), recording_id=rid, name=f"transcript ({username})", kind=TierKind.TRANSCRIPT,
                role=TierRole.ANNOTATION, owner=username)
    work = _work_tier(t)
    changes = [Change.create(tier)]
    seg_map: dict[str, str] = {}
    if work is not None:
        for s in t.segments_of(work.id):
            seg_map[s.id] = new_id()
            changes.append(Change.create(dataclasses.replace(s, id=seg_map[s.id], tier_id=tier.id, version=1)))
        for tag in ver.tags_of_version(t, work):
            seg = seg_map.get(tag.segment_id or "")
            changes.append(Change.create(dataclasses.replace(tag, id=new_id(), tier_id=tier.id, segment_id=seg,
                                                             version=1)))
    with wb.db.transaction():
        wb.apply(rid, changes, username, COPY_DESCRIPTION, scope=tier.id)
        store.set_assignment_tier(wb.db, a.id, tier.id)
    return tier


def visible_tiers(wb: Workbench, recording_id: str, username: str) -> list[Tier]:
    """The tiers this user may see: annotators never see other annotators' copies nor gold."""
    user = get_user(wb, username)
    tiers = list(wb.transcript(recording_id).tiers)
    if user.role in REVIEWERS:
        return tiers
    return [x for x in tiers if x.role != TierRole.REFERENCE
            and not (x.role == TierRole.ANNOTATION and x.owner != user.name)]


__all__ = ["COPY_DESCRIPTION", "visible_tiers", "working_tier"]
