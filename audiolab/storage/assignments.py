"""The ``assignments`` table: which recording is given to whom, and how far the work is; the only
SQL on it.

Status changes are compare-and-set (:func:`set_assignment_status`): the row changes only while it
still has the status the caller read, so two tabs acting at once cannot both move it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audiolab.core.model import new_id
from audiolab.storage.db import Database, utcnow


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


# Columns a status change may set besides ``status`` and ``updated_at``.
_STATUS_FIELDS = frozenset({"comment", "reviewed_by", "submitted_at", "reviewed_at"})

_SELECT = ("SELECT a.*, (SELECT COUNT(*) FROM gold_items g WHERE g.recording_id = a.recording_id) AS gold"
           " FROM assignments a JOIN recordings r ON r.id = a.recording_id")


def _assignment(row: dict[str, Any]) -> Assignment:
    return Assignment(id=row["id"], recording_id=row["recording_id"], user=row["user_name"], tier_id=row["tier_id"],
                      independent=bool(row["independent"]), status=row["status"], comment=row["comment"],
                      assigned_by=row["assigned_by"], reviewed_by=row["reviewed_by"], created_at=row["created_at"],
                      updated_at=row["updated_at"], submitted_at=row["submitted_at"],
                      reviewed_at=row["reviewed_at"], gold=bool(row.get("gold")))


def list_assignments(db: Database, recording_id: str | None = None, user: str | None = None,
                     project: str | None = None) -> list[Assignment]:
    """Assignments, filtered by recording id, user and/or project, oldest first."""
    where: list[str] = []
    params: list[Any] = []
    if recording_id is not None:
        where.append("a.recording_id = ?")
        params.append(recording_id)
    if user is not None:
        where.append("a.user_name = ?")
        params.append(user)
    if project is not None:
        where.append("r.project = ?")
        params.append(project)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.created_at, a.id"
    return [_assignment(r) for r in db.query(sql, params)]


def insert_assignment(db: Database, recording_id: str, user: str, independent: bool,
                      assigned_by: str | None) -> None:
    """Add an ``assigned`` assignment, stamped now."""
    now = utcnow()
    db.execute(
        "INSERT INTO assignments (id, recording_id, user_name, independent, status, assigned_by, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, 'assigned', ?, ?, ?)",
        (new_id(), recording_id, user, int(independent), assigned_by, now, now))


def set_assignment_status(db: Database, assignment_id: str, from_status: str, to_status: str,
                          **fields: Any) -> bool:
    """Move an assignment from ``from_status`` to ``to_status``, stamping ``updated_at``.

    Args:
        db: the database.
        assignment_id: the assignment.
        from_status: the status the caller read; nothing changes unless the row still has it.
        to_status: the new status.
        **fields: other columns to set with it (``comment``, ``reviewed_by``, ``submitted_at``,
            ``reviewed_at``).

    Returns:
        Whether the row changed (False: it had another status meanwhile, or is gone).

    Raises:
        ValueError: a field that is not one of those columns.
    """
    unknown = set(fields) - _STATUS_FIELDS
    if unknown:
        raise ValueError(f"an assignment status change cannot set {', '.join(sorted(unknown))}")
    sets = {"status": to_status, "updated_at": utcnow(), **fields}
    cur = db.execute(
        f"UPDATE assignments SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ? AND status = ?",
        [*sets.values(), assignment_id, from_status])
    return cur.rowcount == 1


def set_assignment_tier(db: Database, assignment_id: str, tier_id: str) -> None:
    """Record the tier (an annotator's private copy) an assignment's work is on."""
    db.execute("UPDATE assignments SET tier_id = ?, updated_at = ? WHERE id = ?", (tier_id, utcnow(), assignment_id))
