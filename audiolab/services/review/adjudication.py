"""Adjudication: a reviewer merges the annotators' versions into the one exports use."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from audiolab.core.model import (
    Origin,
    RecordingStatus,
    Segment,
    SegmentStatus,
    Span,
    Tier,
    TierKind,
    TierRole,
    Transcript,
    new_id,
    tier_id,
)
from audiolab.core.words import realign_words
from audiolab.errors import ValidationError
from audiolab.qa import versions as ver
from audiolab.services import Workbench
from audiolab.services.review.assignments import assignments
from audiolab.services.review.users import REVIEWERS, require_role
from audiolab.storage.edits import Change


@dataclass(frozen=True, slots=True)
class Choice:
    """One segment of the adjudicated version: a source segment (from any version), possibly
    edited, or a new one (``source=None`` with ``span`` and ``text``)."""

    source: Segment | None = None
    text: str | None = None
    span: Span | None = None
    speaker_id: str | None = None


def auto_choices(t: Transcript, prefer: Tier, others: Sequence[Tier]) -> list[Choice]:
    """Automatic adjudication: where versions agree their common version is kept, and where they
    disagree the preferred annotator's version wins; so the result holds exactly the preferred
    version's segments (a segment only another annotator made is dropped: the preferred one
    judged that stretch empty)."""
    del others  # every disagreement resolves to ``prefer``; kept for a future voting rule
    return [Choice(source=s) for s in t.segments_of(prefer.id)]


def adjudicate(wb: Workbench, recording_id: str, reviewer: str, choices: Sequence[Choice] | None = None,
               prefer: str | None = None) -> Tier:
    """Write the adjudicated version (role ``adjudicated``), which exports use from then on.

    Args:
        wb: the workbench.
        recording_id: the recording.
        reviewer: a reviewer or manager.
        choices: the segments to keep (see :class:`Choice`, in any order); None: automatic, from
            ``prefer`` (see :func:`auto_choices`).
        prefer: annotator whose version wins disagreements in automatic mode (default: the one
            who submitted first, else the first annotation tier).

    Raises:
        AuthError: ``reviewer`` is not a reviewer or manager.
        ValidationError: nothing to adjudicate, or a choice without a span.
    """
    require_role(wb, reviewer, REVIEWERS)
    rid = wb.recording(recording_id).id
    t = wb.transcript(rid)
    if choices is None:
        anns = ver.annotation_tiers(t)
        if not anns:
            raise ValidationError(f"recording {rid} has no independent annotations to adjudicate")
        if prefer is None:
            done = sorted((a for a in assignments(wb, rid) if a.submitted_at), key=lambda a: a.submitted_at or "")
            prefer = done[0].user if done else (anns[0].owner or "")
        pref = ver.find_version(t, prefer)
        choices = auto_choices(t, pref, [x for x in anns if x.id != pref.id])
    existing = next((x for x in t.tiers if x.kind == TierKind.TRANSCRIPT and x.role == TierRole.ADJUDICATED), None)
    tier = existing or Tier(id=tier_id(rid, "adjudicated"), recording_id=rid, name="transcript (adjudicated)",
                            kind=TierKind.TRANSCRIPT, role=TierRole.ADJUDICATED)
    changes: list[Change] = [] if existing else [Change.create(tier)]
    if existing:
        changes += [Change.delete(x) for x in t.version_tags(existing)]
        changes += [Change.delete(s) for s in t.segments_of(existing.id)]
    source_tiers: list[str] = []
    for c in choices:
        seg = _chosen(c, rid, tier.id)
        changes.append(Change.create(seg))
        if c.source is not None:
            if c.source.tier_id not in source_tiers:
                source_tiers.append(c.source.tier_id)
            # Tags on a chosen segment (its emotion, say) follow it into the adjudicated version.
            for tag in t.tags:
                if tag.segment_id == c.source.id:
                    changes.append(Change.create(dataclasses.replace(tag, id=new_id(), tier_id=tier.id,
                                                                     segment_id=seg.id, version=1)))
    # Region tags (sound events, notes) come from the versions the chosen segments came from.
    seen: set[tuple[object, ...]] = set()
    for source_id in source_tiers:
        src = t.tier(source_id)
        for tag in t.version_tags(src) if src else []:
            key = (tag.kind, tag.label, tag.span)
            if tag.segment_id is None and key not in seen:
                seen.add(key)
                changes.append(Change.create(dataclasses.replace(tag, id=new_id(), tier_id=tier.id, version=1)))
    wb.apply(rid, changes, reviewer, "adjudicate", scope=tier.id)
    wb.set_status(rid, RecordingStatus.REVIEWED)
    return tier


def _chosen(c: Choice, rid: str, adjudicated_id: str) -> Segment:
    """The adjudicated segment a choice makes (words re-timed when its text or span changed)."""
    if c.source is None:
        if c.span is None:
            raise ValidationError("a new adjudicated segment needs a span")
        base = Segment(id="", recording_id=rid, tier_id=adjudicated_id, span=c.span, origin=Origin.HUMAN)
    else:
        base = c.source
    span = c.span or base.span
    text = base.text if c.text is None else c.text.strip()
    words = base.words if (c.text is None and c.span is None) else realign_words(
        tuple(w for w in base.words if w.span.overlaps(span)), text, span)
    speaker = base.speaker_id if c.speaker_id is None else c.speaker_id
    if c.speaker_id is not None:
        words = tuple(dataclasses.replace(w, speaker_id=speaker) for w in words)
    return dataclasses.replace(base, id=new_id(), recording_id=rid, tier_id=adjudicated_id, span=span, text=text,
                               words=words, speaker_id=speaker, status=SegmentStatus.REVIEWED, touched=True,
                               version=1)


__all__ = ["Choice", "adjudicate", "auto_choices"]
