"""Assignments: recordings given to people, and the checked moves of their status.

Status moves ``assigned -> in_progress -> submitted -> reviewed | rejected``; a rejected
assignment goes back to ``in_progress`` (or straight to ``submitted``) for rework. Anything else
raises :class:`ValidationError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from audiolab.errors import NotFoundError, ValidationError
from audiolab.services import Workbench
from audiolab.services.review.users import REVIEWERS, get_user, require_role
from audiolab.storage import assignments as store
from audiolab.storage import gold as gold_store
from audiolab.storage import history
from audiolab.storage.assignments import Assignment
from audiolab.storage.db import utcnow

# The history description of the batch that makes an annotator's private copy (see
# :mod:`audiolab.services.review.copies`); such batches do not count as the annotator's work.
COPY_DESCRIPTION = "copy draft for independent annotation"

TRANSITIONS: dict[str, set[str]] = {
    "assigned": {"in_progress"},
    "in_progress": {"submitted"},
    "submitted": {"reviewed", "rejected"},
    "rejected": {"in_progress", "submitted"},
    "reviewed": set(),
}


def assignments(wb: Workbench, recording_id: str | None = None, user: str | None = None,
                project: str | None = None) -> list[Assignment]:
    """Assignments, filtered by recording, user and/or project, oldest first."""
    rid = wb.recording(recording_id).id if recording_id is not None else None
    return store.list_assignments(wb.db, rid, user, project)


def get_assignment(wb: Workbench, recording_id: str, user: str) -> Assignment:
    """The assignment of ``user`` on a recording.

    Raises:
        NotFoundError: there is none.
    """
    found = assignments(wb, recording_id, user)
    if not found:
        raise NotFoundError(f"{user} has no assignment on recording {recording_id}")
    return found[0]


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
            indep = independent or gold_store.is_gold(wb.db, rec.id)
            store.insert_assignment(wb.db, rec.id, to, indep, by)
            out.append(assignments(wb, rec.id, to)[0])
    return out


def seed_gold(wb: Workbench, project: str, to: str, count: int, by: str | None = None) -> list[Assignment]:
    """Mix up to ``count`` gold recordings of a project, not yet given to ``to``, into their queue."""
    rids = gold_store.unassigned_gold_recordings(wb.db, project, to)
    return assign(wb, rids[:max(0, count)], to, True, by)


def transition(wb: Workbench, a: Assignment, status: str, **fields: Any) -> Assignment:
    """Move ``a`` to ``status`` (setting ``fields`` with it) and return it re-read.

    Call it inside a transaction that read ``a``.

    Raises:
        ValidationError: the move is not allowed from ``a.status``, or the assignment changed
            since ``a`` was read.
    """
    if status not in TRANSITIONS[a.status]:
        raise ValidationError(f"{a.user}'s assignment on {a.recording_id} is {a.status}; it cannot become {status}")
    if not store.set_assignment_status(wb.db, a.id, a.status, status, **fields):
        raise ValidationError(f"{a.user}'s assignment on {a.recording_id} changed meanwhile; reload")
    return get_assignment(wb, a.recording_id, a.user)


def start(wb: Workbench, recording_id: str, username: str) -> Assignment:
    """Mark an assignment in progress (done by :func:`~audiolab.services.review.copies.working_tier` on first open)."""
    with wb.db.transaction():
        return transition(wb, get_assignment(wb, recording_id, username), "in_progress")


def submit(wb: Workbench, recording_id: str, username: str, comment: str = "") -> Assignment:
    """Hand in one's work for review. An assignment never opened, but edited, is started first."""
    rid = wb.recording(recording_id).id
    with wb.db.transaction():
        a = get_assignment(wb, rid, username)
        if a.status == "assigned" and history.has_edits_by(wb.db, rid, username, COPY_DESCRIPTION):
            a = transition(wb, a, "in_progress")
        return transition(wb, a, "submitted", submitted_at=utcnow(), comment=comment)


def review_assignment(wb: Workbench, recording_id: str, annotator: str, reviewer: str, accept: bool,
                      comment: str = "") -> Assignment:
    """Accept (``reviewed``) or reject (``rejected``, a comment is required) a submission."""
    require_role(wb, reviewer, REVIEWERS)
    if not accept and not comment.strip():
        raise ValidationError("say why when rejecting (a comment is required)")
    rid = wb.recording(recording_id).id
    with wb.db.transaction():
        a = get_assignment(wb, rid, annotator)
        return transition(wb, a, "reviewed" if accept else "rejected", comment=comment.strip(),
                          reviewed_by=reviewer, reviewed_at=utcnow())


__all__ = ["COPY_DESCRIPTION", "TRANSITIONS", "Assignment", "assign", "assignments", "get_assignment",
           "review_assignment", "seed_gold", "start", "submit", "transition"]
