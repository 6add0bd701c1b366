"""The browser editor's use cases in core types: what it shows, where edits go, what changed.

The editor holds a copy of one recording's annotation as one user's working tier shows it
(:class:`EditorView`), sends one small edit at a time with the version of the entity it saw (the
edit operations themselves are :mod:`audiolab.services.editing`), and polls for what others
changed (:class:`ChangeSet`). Everything here returns core types or small frozen dataclasses of
them; :mod:`audiolab.ui.editor_api` turns them into the browser's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from audiolab.core.model import (
    Recording,
    Segment,
    Speaker,
    StandardTier,
    Tag,
    TagKind,
    Tier,
    TierRole,
    Transcript,
    Vocabulary,
    VocabularyEntry,
    tier_id,
)
from audiolab.errors import AuthError, ConflictError, NotFoundError, ValidationError
from audiolab.services import Workbench, access, realign, review, waveform
from audiolab.services.media_check import verify_media
from audiolab.storage import edits, history, repository, voiceprints
from audiolab.storage.history import BatchSummary
from audiolab.storage.repository import MAPPERS

EntityKind = Literal["segment", "speaker", "tag"]
EDITED_KINDS: tuple[EntityKind, ...] = ("segment", "speaker", "tag")
VOCABULARY_KINDS = (TagKind.EMOTION, TagKind.SOUND_EVENT)  # the closed label sets the editor offers
_TAG_TIERS: dict[TagKind, StandardTier] = {TagKind.SOUND_EVENT: "events", TagKind.EMOTION: "emotions"}


# -- which tier a user edits -------------------------------------------------------------------
def working_tier(wb: Workbench, recording_id: str, username: str) -> Tier:
    """The transcript tier ``username`` edits: their own copy when review assigns one, else the main tier.

    A user unknown to review (no sign-in, or a local session) edits the shared copy.

    Raises:
        NotFoundError: the recording does not exist or has no transcript tier.
    """
    try:
        return review.working_tier(wb, recording_id, username)
    except (NotFoundError, AuthError):
        pass
    rec = wb.recording(recording_id)
    tier = Transcript(recording=rec, tiers=tuple(repository.get_tiers(wb.db, rec.id))).main_tier()
    if tier is None:
        raise NotFoundError(f"recording {recording_id} has no transcript tier")
    return tier


def undo_scope(tier: Tier) -> str:
    """Undo stacks are per annotator copy; the shared working copy uses the default scope."""
    return tier.id if tier.role == TierRole.ANNOTATION else ""


class OpenedTiers:
    """The tier each (database, recording, user) opened last in the editor.

    Edits go to the tier the editor loaded, without resolving it again on every keystroke
    (:func:`working_tier` may read the whole transcript). One process-wide instance,
    :data:`OPENED`, serves every editor; it holds one tier id per recording a user opened. A
    remembered tier that no longer exists is resolved again.
    """

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str, str], str] = {}

    def remember(self, wb: Workbench, recording_id: str, username: str, tier: Tier) -> None:
        """Note that ``username``'s editor shows ``tier`` of the recording."""
        self._ids[(str(wb.db.path), recording_id, username)] = tier.id

    def tier(self, wb: Workbench, recording_id: str, username: str) -> Tier:
        """The tier ``username`` opened last on the recording, resolved (and remembered) if none."""
        known = self._ids.get((str(wb.db.path), recording_id, username))
        tier = MAPPERS["tier"].get(wb.db, known) if known else None
        if tier is None:
            tier = working_tier(wb, recording_id, username)
            self.remember(wb, recording_id, username, tier)
        return tier


OPENED = OpenedTiers()


@dataclass(frozen=True, slots=True)
class EditTarget:
    """Where one user's edits go: the recording, the user (their author) and the tier they see."""

    recording_id: str
    user: str
    tier: Tier

    @property
    def scope(self) -> str:
        """The undo scope of the tier (see :func:`undo_scope`)."""
        return undo_scope(self.tier)


def edit_target(wb: Workbench, recording_id: str, username: str) -> EditTarget:
    """Where ``username``'s next edit of the recording goes (the tier their editor opened)."""
    rec_id = wb.recording(recording_id).id
    return EditTarget(rec_id, username, OPENED.tier(wb, rec_id, username))


# -- what the editor shows ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EditorView:
    """Everything the editor shows for one recording, as one user's working tier sees it.

    ``seq`` is the newest edit batch read before the annotation: a change made meanwhile is
    sent again by :func:`changes_since`, never lost.
    """

    recording: Recording
    user: str
    tier: Tier
    scope: str
    speakers: tuple[Speaker, ...]
    segments: tuple[Segment, ...]
    tags: tuple[Tag, ...]
    vocabularies: tuple[Vocabulary, ...]
    peaks: tuple[waveform.PeakLevelInfo, ...]
    can_undo: bool
    can_redo: bool
    seq: int
    assignment: str | None = None  # the status of the user's assignment on the recording, if any


def assignment_status(wb: Workbench, recording_id: str, username: str) -> str | None:
    """The status of ``username``'s assignment on the recording (None when they have none)."""
    try:
        return review.get_assignment(wb, recording_id, username).status
    except (NotFoundError, AuthError):
        return None


def submit_work(wb: Workbench, recording_id: str, username: str, comment: str = "") -> str:
    """Hand in ``username``'s assignment on the recording for review; its new status.

    Raises:
        NotFoundError: they have no assignment there.
        ValidationError: it cannot be submitted now (already submitted or reviewed, or never edited).
    """
    return review.submit(wb, wb.recording(recording_id).id, username, comment.strip()).status


@dataclass(frozen=True, slots=True)
class EnrolledVoices:
    """The voices enrolled in a recording's project, as the editor's speaker panel offers them.

    ``may_enroll`` says whether the user may enroll one: :func:`audiolab.services.speakers.enroll`
    (which checks it again) asks for a reviewer or manager where users exist.
    """

    project: str
    names: tuple[str, ...]
    may_enroll: bool


def enrolled_voices(wb: Workbench, recording_id: str, username: str) -> EnrolledVoices:
    """The names enrolled in the recording's project (each once, in alphabetical order) for ``username``."""
    rec = wb.recording(recording_id)
    names = tuple(sorted({v.name for v in voiceprints.list_voiceprints(wb.db, rec.project)}, key=str.casefold))
    try:
        access.require_role(wb.db, username, access.REVIEWER_ROLES, "enroll voices")
        may = True
    except AuthError:
        may = False
    return EnrolledVoices(rec.project, names, may)


def editor_view(wb: Workbench, recording_id: str, username: str) -> EditorView:
    """What ``username``'s editor shows; opening may create their independent copy.

    Raises:
        MediaError: the media file changed since ingest (its annotations would not fit it).
    """
    rec = wb.recording(recording_id)
    verify_media(wb, rec)
    tier = working_tier(wb, rec.id, username)
    seq = history.latest_seq(wb.db, rec.id)  # before the read: see EditorView
    tr = wb.transcript(rec.id)
    OPENED.remember(wb, rec.id, username, tier)
    scope = undo_scope(tier)
    can_undo, can_redo = edits.can_undo_redo(wb.db, rec.id, scope)
    roles = {x.id: x.role for x in tr.tiers}
    return EditorView(
        recording=rec, user=username, tier=tier, scope=scope, speakers=tuple(tr.speakers),
        segments=tuple(tr.segments_of(tier.id)),
        tags=tuple(t for t in tr.tags if tag_visible(t, tier, roles.get(t.tier_id))),
        vocabularies=tuple(repository.get_vocabulary(wb.db, rec.project, k) for k in VOCABULARY_KINDS),
        peaks=waveform.peak_levels(wb, rec.id), can_undo=can_undo, can_redo=can_redo, seq=seq,
        assignment=assignment_status(wb, rec.id, username) if tier.role == TierRole.ANNOTATION else None)


def tag_visible(tag: Tag, tier: Tier, owner_role: TierRole | None) -> bool:
    """Whether an editor on ``tier`` shows ``tag``: an annotator's own copy shows its own tags,
    the shared copy every tag not on an annotator's copy.

    ``owner_role`` is the role of the tier holding the tag (None when it has none).
    """
    if tier.role == TierRole.ANNOTATION:
        return tag.tier_id == tier.id
    return owner_role != TierRole.ANNOTATION


# -- entities the edit operations work on ------------------------------------------------------
def entity(wb: Workbench, kind: EntityKind, recording_id: str, entity_id: object) -> Any:
    """The stored segment, speaker or tag ``entity_id`` of the recording.

    Raises:
        ConflictError: it does not exist (any more), or belongs to another recording.
    """
    value = MAPPERS[kind].get(wb.db, str(entity_id)) if entity_id else None
    if value is None or value.recording_id != recording_id:
        raise ConflictError(MAPPERS[kind].table, str(entity_id), None, None)
    return value


def seen(wb: Workbench, kind: EntityKind, recording_id: str, entity_id: object, version: int | None) -> Any:
    """The stored entity the editor saw at ``version``, refused if it is stored at another one.

    Raises:
        ConflictError: it is gone, or its stored version is not ``version`` (None never matches).
    """
    value = entity(wb, kind, recording_id, entity_id)
    if version is None or (version != value.version and not _only_retimed_since(wb, value, version)):
        raise ConflictError(MAPPERS[kind].table, value.id, version, value.version)
    return value


def retimed_meanwhile(wb: Workbench, exc: ConflictError) -> bool:
    """Whether a conflict is only the system's re-timing of a segment's words since the version the edit wrote on.

    Re-alignment runs on its own thread: it may store its times between an edit's read of the
    segment (:func:`seen`, which accepts them) and that edit's write; made again, the edit applies
    on the re-timed segment.
    """
    if exc.expected is None or exc.current is None or exc.entity != MAPPERS["segment"].table:
        return False
    value = MAPPERS["segment"].get(wb.db, exc.entity_id)
    return value is not None and _only_retimed_since(wb, value, exc.expected)


def _only_retimed_since(wb: Workbench, value: Any, version: int) -> bool:
    """Whether every change to ``value`` after ``version`` was the system's re-timing of its words.

    Acoustic re-alignment (:mod:`audiolab.services.realign`) stores new word times as an edit of
    its own moments after a person's edit; it changes neither text nor speakers nor boundaries,
    so an edit the editor based on the version before it is not stale.
    """
    if not isinstance(value, Segment) or version > value.version:
        return False
    later = [e for e in edits.history(wb.db, value.recording_id, value.id, limit=50)
             if e.after is not None and int(e.after.get("version", 0)) > version]
    return bool(later) and all(e.author == realign.AUTHOR for e in later)


def stored_conflict(wb: Workbench, exc: ConflictError) -> tuple[str, Any]:
    """The kind of entity a conflict is about and that entity as stored now (None when deleted)."""
    kind = next((name for name, m in MAPPERS.items() if m.table == exc.entity), exc.entity)
    return kind, (MAPPERS[kind].get(wb.db, exc.entity_id) if kind in MAPPERS else None)


def segments(wb: Workbench, recording_id: str, tier: str | None = None) -> list[Segment]:
    """The segments of a recording, of one tier or of all, in time order."""
    return repository.get_segments(wb.db, recording_id, tier)


def speakers(wb: Workbench, recording_id: str) -> list[Speaker]:
    """The speakers of a recording."""
    return repository.get_speakers(wb.db, recording_id)


def tags_of_segment(wb: Workbench, recording_id: str, segment_id: str) -> list[Tag]:
    """The tags attached to one segment (they follow it when it is merged or deleted)."""
    return [t for t in repository.get_tags(wb.db, recording_id) if t.segment_id == segment_id]


def tag_tier(wb: Workbench, target: EditTarget, kind: TagKind) -> str | None:
    """The tier a new tag of ``kind`` goes to.

    On an annotator's copy, that copy; else the recording's standard tier for the kind (sound
    events, emotions) when it exists, and no tier otherwise (notes, or a recording without it).
    """
    if target.tier.role == TierRole.ANNOTATION:
        return target.tier.id
    which = _TAG_TIERS.get(kind)
    if which is None:
        return None
    tid = tier_id(target.recording_id, which)
    return tid if MAPPERS["tier"].get(wb.db, tid) is not None else None


def event_tier(wb: Workbench, target: EditTarget) -> str:
    """The tier of ``target``'s sound-event lane (where machine proposals for it go).

    Raises:
        NotFoundError: the recording has no sound-event tier.
    """
    tid = tag_tier(wb, target, TagKind.SOUND_EVENT)
    if tid is None:
        raise NotFoundError(f"recording {target.recording_id} has no sound-event tier")
    return tid


def event_tags(wb: Workbench, target: EditTarget) -> list[Tag]:
    """The sound-event tags of ``target``'s lane (its tier's), in time order."""
    tid = event_tier(wb, target)
    return sorted((t for t in repository.get_tags(wb.db, target.recording_id)
                   if t.kind == TagKind.SOUND_EVENT and t.tier_id == tid), key=lambda t: t.span)


# -- what changed ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Entities an edit (or others' edits) changed, each as stored now.

    Attributes:
        segments, speakers, tags: the changed entities still stored.
        deleted: ids of entities that no longer exist.
        by: for each entity another person changed last, that person.
        can_undo, can_redo: the user's undo state afterwards; None when not read (nothing changed).
        seq: the edit batch the changes go up to (0 for the answer to one edit).
    """

    segments: tuple[Segment, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    tags: tuple[Tag, ...] = ()
    deleted: tuple[str, ...] = ()
    by: Mapping[str, str] = field(default_factory=dict)
    can_undo: bool | None = None
    can_redo: bool | None = None
    seq: int = 0

    @property
    def authors(self) -> list[str]:
        """The other people whose changes these are, sorted."""
        return sorted(set(self.by.values()))


def batch_changes(wb: Workbench, target: EditTarget, result: edits.BatchResult) -> ChangeSet:
    """What one batch of ``target``'s user wrote, with their undo state after it."""
    segs: list[Segment] = []
    spks: list[Speaker] = []
    tags: list[Tag] = []
    deleted: list[str] = []
    for entity_id, value in result.values.items():
        if value is None:
            deleted.append(entity_id)
        elif isinstance(value, Segment):
            segs.append(value)
        elif isinstance(value, Speaker):
            spks.append(value)
        elif isinstance(value, Tag):
            tags.append(value)
    can_undo, can_redo = edits.can_undo_redo(wb.db, target.recording_id, target.scope)
    return ChangeSet(tuple(segs), tuple(spks), tuple(tags), tuple(deleted), can_undo=can_undo, can_redo=can_redo)


def changes_since(wb: Workbench, recording_id: str, username: str, since: int) -> ChangeSet:
    """What other people (or another tab, or a pre-labeling run) changed since batch ``since``.

    The editor polls this so everyone looking at a recording sees the others' edits without
    reloading. Only what ``username``'s editor shows is returned (their working tier's segments,
    the tags visible there, the speakers), each as stored now, so an entity changed several times
    comes once; ``seq`` is the batch to ask from next. The undo state is read only when something
    changed.
    """
    target = edit_target(wb, recording_id, username)
    rec_id, tier = target.recording_id, target.tier
    seq = history.latest_seq(wb.db, rec_id)
    if since >= seq:
        return ChangeSet(seq=seq)
    segs: list[Segment] = []
    spks: list[Speaker] = []
    tags: list[Tag] = []
    deleted: list[str] = []
    by: dict[str, str] = {}
    roles: dict[str | None, TierRole | None] = {}
    for change in history.changed_since(wb.db, rec_id, since, seq):
        if change.entity not in EDITED_KINDS:
            continue
        value = MAPPERS[change.entity].get(wb.db, change.entity_id)
        if value is None:
            deleted.append(change.entity_id)
        elif isinstance(value, Segment) and value.tier_id == tier.id:
            segs.append(value)
        elif isinstance(value, Speaker):
            spks.append(value)
        elif isinstance(value, Tag) and tag_visible(value, tier, _tier_role(wb, value.tier_id, roles)):
            tags.append(value)
        else:
            continue
        if change.author not in (username, realign.AUTHOR):  # the system's re-timing is not news
            by[change.entity_id] = change.author
    can_undo, can_redo = edits.can_undo_redo(wb.db, rec_id, target.scope)
    return ChangeSet(tuple(segs), tuple(spks), tuple(tags), tuple(deleted), by, can_undo, can_redo, seq)


def _tier_role(wb: Workbench, tier: str | None, cache: dict[str | None, TierRole | None]) -> TierRole | None:
    """The role of a tier, read from the database once per ``cache`` (None without a tier)."""
    if tier not in cache:
        owner = MAPPERS["tier"].get(wb.db, tier) if tier else None
        cache[tier] = owner.role if owner is not None else None
    return cache[tier]


# -- vocabularies and history ------------------------------------------------------------------
def set_vocabulary(wb: Workbench, recording_id: str, kind: TagKind, entries: Sequence[VocabularyEntry],
                   actor: str | None = None) -> Vocabulary:
    """Replace the recording's project vocabulary for ``kind``; returns it as stored.

    Raises:
        AuthError: ``actor`` is a registered annotator (a project's taxonomy is a reviewer's call).
    """
    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "change the project's vocabularies")
    check_hotkeys(kind, entries)
    rec = wb.recording(recording_id)
    repository.set_vocabulary(wb.db, Vocabulary(rec.project, kind, tuple(entries)))
    return repository.get_vocabulary(wb.db, rec.project, kind)


def check_hotkeys(kind: TagKind, entries: Sequence[VocabularyEntry]) -> None:
    """Refuse two entries with one hotkey, naming both labels and the key.

    Raises:
        ValidationError: e.g. "the hotkey H (Shift+H) is taken by 'happy': choose another key for 'hurt'".
    """
    chord = "Shift+" if kind == TagKind.EMOTION else "Alt+"
    holder: dict[str, str] = {}
    for e in entries:
        key = e.hotkey.strip().lower()
        if not key:
            continue
        if key in holder:
            raise ValidationError(f"the hotkey {key.upper()} ({chord}{key.upper()}) is taken by '{holder[key]}': "
                                  f"choose another key for '{e.label.strip()}'")
        holder[key] = e.label.strip()


def history_batches(wb: Workbench, recording_id: str, limit: int = 100, viewer: str | None = None) -> list[BatchSummary]:
    """The newest edit batches of a recording (who, when, what, how many changes), newest first.

    With a ``viewer``, only the batches of versions they may see (an annotator sees the shared
    copy's history and their own, never another annotator's or gold's).
    """
    rec_id = wb.recording(recording_id).id
    rows = history.batches(wb.db, rec_id, limit)
    if viewer is None:
        return rows
    scopes = {b.scope for b in rows}
    tiers = {s: MAPPERS["tier"].get(wb.db, s) for s in scopes if s}
    readable = {t.id for t in access.readable_tiers(wb.db, viewer, rec_id, [t for t in tiers.values() if t])}
    shared_ok = bool(access.readable_tiers(wb.db, viewer, rec_id, [t for t in repository.get_tiers(wb.db, rec_id)
                                                                   if t.role == TierRole.WORK]))
    return [b for b in rows if (b.scope in readable) or (not b.scope and shared_ok)]
