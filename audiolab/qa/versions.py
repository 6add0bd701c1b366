"""Which tiers and tags make up one *version* of a recording's annotation.

A version is named by a transcript tier: the shared working copy (role ``work``), an
annotator's independent copy (``annotation``, named by its owner), the reviewer's merge
(``adjudicated``) or gold (``reference``). Its tags are the tags attached to its segments, the
tags whose ``tier_id`` is the version's tier, and, for the working copy, the tags on the
recording's other working tiers (sound events, emotions) or on no tier. The UI attaches an
annotator's tags to their version by passing ``tier_id=working_tier(...).id``.
"""

from __future__ import annotations

from audiolab.core.model import Segment, Tag, TagKind, Tier, TierKind, TierRole, Transcript
from audiolab.errors import NotFoundError

REFERENCE = "reference"
WORK = "work"
ADJUDICATED = "adjudicated"


def version_name(tier: Tier) -> str:
    """How reports and the CLI name a version: the owner for annotations, else the role."""
    if tier.role == TierRole.ANNOTATION:
        return tier.owner or tier.id
    return tier.role.value


def transcript_tiers(t: Transcript) -> list[Tier]:
    """All transcript tiers: work first, then annotations by owner, adjudicated, reference."""
    order = {TierRole.WORK: 0, TierRole.ANNOTATION: 1, TierRole.ADJUDICATED: 2, TierRole.REFERENCE: 3}
    tiers = [x for x in t.tiers if x.kind == TierKind.TRANSCRIPT]
    return sorted(tiers, key=lambda x: (order[x.role], x.owner or "", x.id))


def annotation_tiers(t: Transcript) -> list[Tier]:
    return [x for x in transcript_tiers(t) if x.role == TierRole.ANNOTATION]


def reference_tier(t: Transcript) -> Tier | None:
    return next((x for x in transcript_tiers(t) if x.role == TierRole.REFERENCE), None)


def find_version(t: Transcript, name: str) -> Tier:
    """The transcript tier a name designates: ``work``, ``adjudicated``, ``reference``, an
    annotator's name, or a tier id."""
    for tier in transcript_tiers(t):
        if name in (tier.id, version_name(tier)):
            return tier
    known = ", ".join(version_name(x) for x in transcript_tiers(t))
    raise NotFoundError(f"recording {t.recording.id} has no version '{name}' (it has: {known})")


def segments_of_version(t: Transcript, tier: Tier) -> list[Segment]:
    return t.segments_of(tier.id)


def tags_of_version(t: Transcript, tier: Tier, kind: TagKind | None = None) -> list[Tag]:
    """The tags that belong to one version (see the module docstring)."""
    return t.version_tags(tier, kind)
