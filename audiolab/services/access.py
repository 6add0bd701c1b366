"""Who may read and write which version of a recording: one rule for the CLI, the editor and the Library.

Every change written through :meth:`audiolab.services.Workbench.apply` (and every undo or redo)
by a registered user is checked here against that user's role and the tier it touches, so no
front end can forget a check. Authors that are not registered users are the system and the
command line (pre-labeling, imports run by the database's owner, a server without sign-in):
they are not restricted.

The tiers, as :class:`~audiolab.core.model.TierRole` and owner name them:

================  =========  =====================  ============  =========
role              own copy   another's copy         shared draft  adjudicated / gold
================  =========  =====================  ============  =========
annotator         read/write  -                     read/write*   read / -
reviewer          read/write  read                  read/write    read/write / read
manager           read/write  read/write            read/write    read/write / read/write
================  =========  =====================  ============  =========

``*`` an annotator on an *independent* assignment works on their own copy only: the shared
draft is what the other annotators' copies are made from, so they may read it but not change it.
Tags follow the tier that holds them (tags of the shared sound-event and emotion tiers, or tags
without a tier, are the shared draft's). Speakers belong to the whole recording: anyone who may
edit a transcript may add one, but renaming, merging or deleting one is refused while a version
the user may not change still refers to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from audiolab.core.model import Segment, Speaker, Tag, Tier, TierKind, TierRole
from audiolab.errors import AuthError
from audiolab.storage import assignments as assignment_store
from audiolab.storage import repository
from audiolab.storage import users as user_store
from audiolab.storage.db import Database
from audiolab.storage.repository import MAPPERS
from audiolab.storage.users import User

Access = Literal["read", "write"]
REVIEWER_ROLES = ("reviewer", "manager")


def may(user: User, tier: Tier | None, access: Access, independent: bool = False) -> bool:
    """Whether ``user`` may read or write ``tier`` (None: the recording's shared draft).

    Args:
        user: the signed-in user.
        tier: the tier touched; None for tags and speakers outside any tier.
        access: ``read`` or ``write``.
        independent: the user holds an independent assignment on this recording.
    """
    if not user.active:
        return False
    role = tier.role if tier is not None else TierRole.WORK
    if user.role == "manager":
        return True
    if role == TierRole.ANNOTATION:
        if tier is not None and tier.owner == user.name:
            return True
        return user.role == "reviewer" and access == "read"
    if role == TierRole.WORK:
        return access == "read" or user.role == "reviewer" or not independent
    if role == TierRole.ADJUDICATED:
        return access == "read" or user.role == "reviewer"
    if role == TierRole.REFERENCE:
        return user.role == "reviewer" and access == "read"
    return False


def registered(db: Database, name: str) -> User | None:
    """The registered user of that name, or None for the system and command-line authors."""
    return user_store.find_user(db, name)


def holds_independent(db: Database, recording_id: str, user: str) -> bool:
    """Whether ``user`` has an independent assignment on the recording."""
    return any(a.independent for a in assignment_store.list_assignments(db, recording_id=recording_id, user=user))


def require(db: Database, user: User, recording_id: str, tier: Tier | None, access: Access) -> None:
    """Raise :class:`AuthError` unless ``user`` may ``access`` the tier (see :func:`may`)."""
    independent = user.role == "annotator" and holds_independent(db, recording_id, user.name)
    if not may(user, tier, access, independent):
        raise AuthError(f"{user.name} ({user.role}) may not {'change' if access == 'write' else 'see'} "
                        f"{describe(tier)}")


def describe(tier: Tier | None) -> str:
    """A tier as the refusal names it (``the shared draft``, ``bob's copy``, ``the gold version``)."""
    if tier is None or tier.role == TierRole.WORK:
        return "the shared draft" if tier is None or tier.kind == TierKind.TRANSCRIPT else f"the shared {tier.name}"
    if tier.role == TierRole.ANNOTATION:
        return f"{tier.owner}'s copy"
    return "the gold version" if tier.role == TierRole.REFERENCE else "the adjudicated version"


class _Tiers:
    """Tiers of one recording looked up once per check (a batch may name thousands of segments)."""

    def __init__(self, db: Database, pending: Iterable[Tier]):
        self.db = db
        self.known: dict[str, Tier | None] = {t.id: t for t in pending}

    def get(self, tier_id: str | None) -> Tier | None:
        if tier_id is None:
            return None
        if tier_id not in self.known:
            self.known[tier_id] = MAPPERS["tier"].get(self.db, tier_id)
        return self.known[tier_id]


def check_changes(db: Database, author: str, recording_id: str, changes: Sequence[Any]) -> None:
    """Refuse the batch unless a registered ``author`` may write every tier it touches.

    Each change is checked on the tier it writes to and, for an update or delete, on the tier
    the stored entity is in now (moving a segment out of another's copy is writing that copy).

    Raises:
        AuthError: naming the user, their role and the version refused; nothing is written.
    """
    user = registered(db, author)
    if user is None:
        return
    independent = user.role == "annotator" and holds_independent(db, recording_id, user.name)
    tiers = _Tiers(db, [c.value for c in changes if isinstance(c.value, Tier)])

    def need(tier: Tier | None) -> None:
        if not may(user, tier, "write", independent):
            raise AuthError(f"{user.name} ({user.role}) may not change {describe(tier)}")

    for ch in changes:
        value = ch.value
        if isinstance(value, Speaker):
            if ch.op != "create":
                _check_speaker(db, user, independent, value, recording_id, tiers)
            continue
        if isinstance(value, Tier):
            need(value)
            current = MAPPERS["tier"].get(db, value.id) if ch.op != "create" else None
            if current is not None:
                need(current)
            continue
        if isinstance(value, (Segment, Tag)):
            need(tiers.get(value.tier_id))
            if ch.op != "create":
                stored = MAPPERS["segment" if isinstance(value, Segment) else "tag"].get(db, value.id)
                if stored is not None and stored.tier_id != value.tier_id:
                    need(tiers.get(stored.tier_id))


def _check_speaker(db: Database, user: User, independent: bool, speaker: Speaker, recording_id: str,
                   tiers: _Tiers) -> None:
    for seg in repository.get_segments(db, recording_id):
        uses = seg.speaker_id == speaker.id or any(w.speaker_id == speaker.id for w in seg.words)
        if uses and not may(user, tiers.get(seg.tier_id), "write", independent):
            raise AuthError(f"{user.name} ({user.role}) may not rename, merge or delete speaker "
                            f"{speaker.display_name}: {describe(tiers.get(seg.tier_id))} uses it "
                            "(add a new speaker and give your segments to it)")


def check_scope(db: Database, author: str, recording_id: str, scope: str) -> None:
    """Refuse an undo or redo on a stack (``scope``: a tier id, or "" for the shared copy) the
    registered ``author`` may not write."""
    user = registered(db, author)
    if user is None:
        return
    tier = MAPPERS["tier"].get(db, scope) if scope else None
    require(db, user, recording_id, tier, "write")


def readable_tiers(db: Database, username: str, recording_id: str, tiers: Iterable[Tier]) -> list[Tier]:
    """The tiers a registered user may see (everything for the system and the command line)."""
    user = registered(db, username)
    tiers = list(tiers)
    if user is None:
        return tiers
    independent = user.role == "annotator" and holds_independent(db, recording_id, user.name)
    return [t for t in tiers if may(user, t, "read", independent)]


def require_role(db: Database, username: str, roles: Sequence[str], action: str) -> None:
    """Refuse ``action`` unless a registered user holds one of ``roles`` (the system may do it).

    Raises:
        AuthError: the user is disabled or holds another role.
    """
    user = registered(db, username)
    if user is None:
        return
    if not user.active or user.role not in roles:
        raise AuthError(f"{user.name} ({user.role}) may not {action}: it needs the role {' or '.join(roles)}")
