"""Annotators, review and quality: users and roles, assignments, independent copies,
adjudication, gold items, the review queue and the numbers a manager's dashboard shows.

Use cases shared by the UI and the CLI (pure scoring lives in :mod:`audiolab.qa`). Roles:

- ``annotator``: works on assigned recordings; with an *independent* assignment on a private
  copy of the draft (a tier of role ``annotation`` owned by them) and never sees other
  annotators' copies nor gold;
- ``reviewer``: sees every version, accepts or rejects submissions, adjudicates;
- ``manager``: everything a reviewer does, plus users, assignments and gold.

Passwords are stored only as ``scrypt`` hashes (per-user random salt, n=2**14, r=8, p=1) and
compared in constant time; neither a password nor a hash is ever logged or printed.

Assignment status moves ``assigned -> in_progress -> submitted -> reviewed | rejected``; a
rejected assignment goes back to ``in_progress`` (or straight to ``submitted``) for rework.
Anything else raises :class:`ValidationError`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

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
)
from audiolab.errors import AuthError, NotFoundError, ValidationError
from audiolab.qa import versions as ver
from audiolab.qa.agreement import align_annotations
from audiolab.qa.compare import QaOptions, compare_versions, emotion_alpha_of
from audiolab.qa.queue import QueueItem, QueueOptions, rank, score_transcript
from audiolab.services import Workbench
from audiolab.storage.db import utcnow
from audiolab.storage.edits import Change

Role = Literal["annotator", "reviewer", "manager"]
ROLES: tuple[str, ...] = ("annotator", "reviewer", "manager")
REVIEWERS = ("reviewer", "manager")
COPY_DESCRIPTION = "copy draft for independent annotation"
SESSION_GAP_S = 600.0
SESSION_GRACE_S = 60.0

_TRANSITIONS = {
    "assigned": {"in_progress"},
    "in_progress": {"submitted"},
    "submitted": {"reviewed", "rejected"},
    "rejected": {"in_progress", "submitted"},
    "reviewed": set(),
}

# -- users ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in (the password hash never leaves the database layer)."""

    name: str
    role: str
    active: bool = True
    created_at: str = ""


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a random 16-byte salt (base64 fields)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against a stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


_DUMMY_HASH = hash_password("audiolab-timing-equalizer")


def add_user(wb: Workbench, name: str, role: str, password: str) -> User:
    """Create a user.

    Raises:
        ValidationError: empty name or password, unknown role, or the name is taken.
    """
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise ValidationError("a user name must be non-empty and contain no spaces")
    if role not in ROLES:
        raise ValidationError(f"unknown role '{role}' (use one of: {', '.join(ROLES)})")
    if len(password) < 4:
        raise ValidationError("a password must have at least 4 characters")
    with wb.db.transaction():
        if wb.db.query_one("SELECT name FROM users WHERE name = ?", (name,)):
            raise ValidationError(f"user '{name}' already exists")
        now = utcnow()
        wb.db.execute("INSERT INTO users (name, role, password_hash, active, created_at) VALUES (?, ?, ?, 1, ?)",
                      (name, role, hash_password(password), now))
    return User(name, role, True, now)


def set_password(wb: Workbench, name: str, password: str) -> None:
    get_user(wb, name)
    if len(password) < 4:
        raise ValidationError("a password must have at least 4 characters")
    with wb.db.transaction():
        wb.db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (hash_password(password), name))


def authenticate(wb: Workbench, username: str, password: str) -> bool:
    """Whether the name and password match an active user (same cost when the user is unknown)."""
    row = wb.db.query_one("SELECT password_hash, active FROM users WHERE name = ?", ((username or "").strip(),))
    if row is None:
        verify_password(password or "", _DUMMY_HASH)
        return False
    return verify_password(password or "", row["password_hash"]) and bool(row["active"])


def get_user(wb: Workbench, name: str) -> User:
    row = wb.db.query_one("SELECT name, role, active, created_at FROM users WHERE name = ?", (name,))
    if row is None:
        raise NotFoundError(f"no user '{name}' (see `audiolab user ls`)")
    return User(row["name"], row["role"], bool(row["active"]), row["created_at"])


def list_users(wb: Workbench) -> list[User]:
    rows = wb.db.query("SELECT name, role, active, created_at FROM users ORDER BY name")
    return [User(r["name"], r["role"], bool(r["active"]), r["created_at"]) for r in rows]


def require_role(wb: Workbench, username: str, roles: Sequence[str]) -> User:
    """The user, if they hold one of ``roles``; else :class:`AuthError`."""
    try:
        user = get_user(wb, username)
    except NotFoundError:
        raise AuthError(f"unknown user '{username}'") from None
    if user.role not in roles or not user.active:
        raise AuthError(f"{user.name} is {user.role}; this needs the role {' or '.join(roles)}")
    return user


# -- assignments ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """One recording given to one person. ``gold`` is for managers only: never show it to annotators."""

    id: str
    recording_id: str
    user: str
    tier_id: str | None
    independent: bool
    status: str
    comment: str = ""
    assigned_by: str | None = None
    reviewed_by: str | None = None
    created_at: str = ""
    updated_at: str = ""
    submitted_at: str | None = None
    reviewed_at: str | None = None
    gold: bool = False


def _assignment(row: dict[str, Any]) -> Assignment:
    return Assignment(id=row["id"], recording_id=row["recording_id"], user=row["user_name"], tier_id=row["tier_id"],
                      independent=bool(row["independent"]), status=row["status"], comment=row["comment"],
                      assigned_by=row["assigned_by"], reviewed_by=row["reviewed_by"], created_at=row["created_at"],
                      updated_at=row["updated_at"], submitted_at=row["submitted_at"],
                      reviewed_at=row["reviewed_at"], gold=bool(row.get("gold")))


_ASSIGNMENT_SQL = ("SELECT a.*, (SELECT COUNT(*) FROM gold_items g WHERE g.recording_id = a.recording_id) AS gold"
                   " FROM assignments a JOIN recordings r ON r.id = a.recording_id")


def assignments(wb: Workbench, recording_id: str | None = None, user: str | None = None,
                project: str | None = None) -> list[Assignment]:
    """Assignments, filtered by recording, user and/or project, oldest first."""
    where, params = [], []
    if recording_id is not None:
        where.append("a.recording_id = ?")
        params.append(wb.recording(recording_id).id)
    if user is not None:
        where.append("a.user_name = ?")
        params.append(user)
    if project is not None:
        where.append("r.project = ?")
        params.append(project)
    sql = _ASSIGNMENT_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.created_at, a.id"
    return [_assignment(r) for r in wb.db.query(sql, params)]


def get_assignment(wb: Workbench, recording_id: str, user: str) -> Assignment:
    found = assignments(wb, recording_id, user)
    if not found:
        raise NotFoundError(f"{user} has no assignment on recording {recording_id}")
    return found[0]


def is_gold(wb: Workbench, recording_id: str) -> bool:
    return wb.db.query_one("SELECT id FROM gold_items WHERE recording_id = ? LIMIT 1", (recording_id,)) is not None


def assign(wb: Workbench, recording_ids: Sequence[str], to: str, independent: bool = False,
           by: str | None = None) -> list[Assignment]:
    """Give recordings to a user (idempotent: an existing assignment is returned as it is).

    Gold recordings are always assigned as independent work, so that the annotator's version can
    be scored against gold without them seeing it.

    Raises:
        AuthError: ``by`` is given and is not a manager.
    """
    if by is not None:
        require_role(wb, by, ("manager",))
    get_user(wb, to)
    out = []
    with wb.db.transaction():
        for rid in recording_ids:
            rec = wb.recording(rid)
            existing = assignments(wb, rec.id, to)
            if existing:
                out.append(existing[0])
                continue
            indep = independent or is_gold(wb, rec.id)
            now = utcnow()
            wb.db.execute(
                "INSERT INTO assignments (id, recording_id, user_name, independent, status, assigned_by, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, 'assigned', ?, ?, ?)",
                (new_id(), rec.id, to, int(indep), by, now, now))
            out.append(assignments(wb, rec.id, to)[0])
    return out


def seed_gold(wb: Workbench, project: str, to: str, count: int, by: str | None = None) -> list[Assignment]:
    """Mix up to ``count`` gold recordings of a project, not yet given to ``to``, into their queue."""
    rows = wb.db.query(
        "SELECT DISTINCT g.recording_id FROM gold_items g JOIN recordings r ON r.id = g.recording_id"
        " WHERE r.project = ? AND g.recording_id NOT IN (SELECT recording_id FROM assignments WHERE user_name = ?)"
        " ORDER BY g.recording_id", (project, to))
    return assign(wb, [r["recording_id"] for r in rows[:max(0, count)]], to, True, by)


def _transition(wb: Workbench, a: Assignment, status: str, **fields: Any) -> Assignment:
    if status not in _TRANSITIONS[a.status]:
        raise ValidationError(f"{a.user}'s assignment on {a.recording_id} is {a.status}; it cannot become {status}")
    now = utcnow()
    sets = {"status": status, "updated_at": now, **fields}
    cur = wb.db.execute(
        f"UPDATE assignments SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ? AND status = ?",
        [*sets.values(), a.id, a.status])
    if cur.rowcount != 1:
        raise ValidationError(f"{a.user}'s assignment on {a.recording_id} changed meanwhile; reload")
    return get_assignment(wb, a.recording_id, a.user)


def start(wb: Workbench, recording_id: str, username: str) -> Assignment:
    """Mark an assignment in progress (done by :func:`working_tier` on first open)."""
    with wb.db.transaction():
        return _transition(wb, get_assignment(wb, recording_id, username), "in_progress")


def submit(wb: Workbench, recording_id: str, username: str, comment: str = "") -> Assignment:
    """Hand in one's work for review. An assignment never opened, but edited, is started first."""
    rid = wb.recording(recording_id).id
    with wb.db.transaction():
        a = get_assignment(wb, rid, username)
        if a.status == "assigned" and _has_edits(wb, rid, username):
            a = _transition(wb, a, "in_progress")
        return _transition(wb, a, "submitted", submitted_at=utcnow(), comment=comment)


def review_assignment(wb: Workbench, recording_id: str, annotator: str, reviewer: str, accept: bool,
                      comment: str = "") -> Assignment:
    """Accept (``reviewed``) or reject (``rejected``, a comment is required) a submission."""
    require_role(wb, reviewer, REVIEWERS)
    if not accept and not comment.strip():
        raise ValidationError("say why when rejecting (a comment is required)")
    rid = wb.recording(recording_id).id
    with wb.db.transaction():
        a = get_assignment(wb, rid, annotator)
        return _transition(wb, a, "reviewed" if accept else "rejected", comment=comment.strip(),
                           reviewed_by=reviewer, reviewed_at=utcnow())


def _has_edits(wb: Workbench, recording_id: str, username: str) -> bool:
    return wb.db.query_one(
        "SELECT e.id FROM edits e JOIN edit_batches b ON b.id = e.batch_id WHERE e.recording_id = ? AND e.author = ?"
        " AND b.description <> ? LIMIT 1", (recording_id, username, COPY_DESCRIPTION)) is not None


# -- independent copies and what each person sees ------------------------------------------


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
                a = _transition(wb, a, "in_progress")
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
        wb.db.execute("UPDATE assignments SET tier_id = ?, updated_at = ? WHERE id = ?", (tier.id, utcnow(), a.id))
    return tier


def visible_tiers(wb: Workbench, recording_id: str, username: str) -> list[Tier]:
    """The tiers this user may see: annotators never see other annotators' copies nor gold."""
    user = get_user(wb, username)
    tiers = list(wb.transcript(recording_id).tiers)
    if user.role in REVIEWERS:
        return tiers
    return [x for x in tiers if x.role != TierRole.REFERENCE
            and not (x.role == TierRole.ANNOTATION and x.owner != user.name)]


# -- adjudication ---------------------------------------------------------------------------


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
    tier = existing or Tier(id=f"{rid}-adjudicated", recording_id=rid, name="transcript (adjudicated)",
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
    for tier_id in source_tiers:
        src = t.tier(tier_id)
        for tag in t.version_tags(src) if src else []:
            key = (tag.kind, tag.label, tag.span)
            if tag.segment_id is None and key not in seen:
                seen.add(key)
                changes.append(Change.create(dataclasses.replace(tag, id=new_id(), tier_id=tier.id, version=1)))
    wb.apply(rid, changes, reviewer, "adjudicate", scope=tier.id)
    wb.set_status(rid, RecordingStatus.REVIEWED)
    return tier


def _chosen(c: Choice, rid: str, tier_id: str) -> Segment:
    if c.source is None:
        if c.span is None:
            raise ValidationError("a new adjudicated segment needs a span")
        base = Segment(id="", recording_id=rid, tier_id=tier_id, span=c.span, origin=Origin.HUMAN)
    else:
        base = c.source
    from audiolab.services.editing import realign_words

    span = c.span or base.span
    text = base.text if c.text is None else c.text.strip()
    words = base.words if (c.text is None and c.span is None) else realign_words(
        tuple(w for w in base.words if w.span.overlaps(span)), text, span)
    speaker = base.speaker_id if c.speaker_id is None else c.speaker_id
    if c.speaker_id is not None:
        words = tuple(dataclasses.replace(w, speaker_id=speaker) for w in words)
    return dataclasses.replace(base, id=new_id(), recording_id=rid, tier_id=tier_id, span=span, text=text,
                               words=words, speaker_id=speaker, status=SegmentStatus.REVIEWED, touched=True,
                               version=1)


# -- gold -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoldItem:
    """A recording (``segment_id`` None) or one segment whose annotation is gold."""

    recording_id: str
    segment_id: str | None
    span: Span
    marked_by: str | None = None


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
        ref = Tier(id=f"{rid}-reference", recording_id=rid, name="gold", kind=TierKind.TRANSCRIPT,
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
    with wb.db.transaction():
        if changes:
            wb.apply(rid, changes, by or "manager", "mark gold", scope=ref.id)
        wb.db.execute(
            "INSERT INTO gold_items (id, recording_id, segment_id, start_ms, end_ms, marked_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recording_id, segment_id) DO NOTHING",
            (new_id(), rid, segment_id or "", span.start_ms, span.end_ms, by, utcnow()))
    return GoldItem(rid, segment_id, span, by)


def gold_items(wb: Workbench, project: str | None = None) -> list[GoldItem]:
    sql = "SELECT g.* FROM gold_items g JOIN recordings r ON r.id = g.recording_id"
    rows = wb.db.query(sql + (" WHERE r.project = ?" if project else "") + " ORDER BY g.recording_id, g.start_ms",
                       (project,) if project else ())
    return [GoldItem(r["recording_id"], r["segment_id"] or None, Span(r["start_ms"], r["end_ms"]), r["marked_by"])
            for r in rows]


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


# -- QA reports -----------------------------------------------------------------------------


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


# -- review queue -----------------------------------------------------------------------------


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


# -- dashboard --------------------------------------------------------------------------------


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
        rows = wb.db.query(
            "SELECT e.at, e.entity, e.entity_id, e.recording_id FROM edits e JOIN edit_batches b ON b.id = e.batch_id"
            " WHERE e.author = ? AND b.description <> ? ORDER BY e.at", (user.name, COPY_DESCRIPTION))
        rows = [r for r in rows if r["recording_id"] in recs]
        if not mine and not rows:
            continue
        hours, sessions = _work_hours([r["at"] for r in rows])
        done = [a for a in mine if a.status in ("submitted", "reviewed")]
        minutes = sum(recs[a.recording_id].duration_ms for a in done) / 60000
        g = [x for x in gold if x["annotator"] == user.name]
        ag = agree.get(user.name, {})
        out.append(AnnotatorStats(
            annotator=user.name, role=user.role, assignments=len(mine), submitted=len(done),
            audio_minutes=round(minutes, 3), work_hours=round(hours, 4),
            throughput=round(minutes / hours, 3) if hours > 0 else None,
            segments_edited=len({r["entity_id"] for r in rows if r["entity"] == "segment"}), sessions=sessions,
            agreement_wer=_mean(ag.get("wer")), agreement_der=_mean(ag.get("der")),
            gold_wer=_mean([x["wer"] for x in g if x["wer"] is not None]),
            gold_der=_mean([x["der"] for x in g if x["der"] is not None]),
        ))
    return out


def _work_hours(stamps: Sequence[str]) -> tuple[float, int]:
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


__all__ = [
    "AnnotatorStats", "Assignment", "Choice", "GoldItem", "QueueItem", "User", "add_user", "adjudicate",
    "align_annotations", "annotator_stats", "assign", "assignments", "authenticate", "auto_choices",
    "get_assignment", "get_user", "gold_items", "gold_scores", "list_users", "mark_gold", "qa_project",
    "qa_recording", "require_role", "review_assignment", "review_queue", "seed_gold", "set_password", "start",
    "submit", "visible_tiers", "working_tier",
]
