"""Read-only queries over the edit history (``edit_batches`` and ``edits``).

The history is written only by :mod:`audiolab.storage.edits`; these are the questions the rest
of the application asks of it: what changed since a point (live updates), who did what when
(the history panel, the dashboard), and whether someone has worked on a recording yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from audiolab.storage.db import Database


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """One edit batch as the history panel lists it."""

    at: str
    author: str
    action: str
    description: str
    scope: str
    changes: int


@dataclass(frozen=True, slots=True)
class EntityChange:
    """The newest change of one entity within a range of batches, and who made it."""

    entity: str
    entity_id: str
    author: str


@dataclass(frozen=True, slots=True)
class AuthoredEdit:
    """One history row of one author: when, which entity, which recording."""

    at: str
    entity: str
    entity_id: str
    recording_id: str


def latest_seq(db: Database, recording_id: str) -> int:
    """The sequence number of the newest edit batch of a recording (0 before any)."""
    row = db.query_one("SELECT MAX(seq) AS seq FROM edit_batches WHERE recording_id = ?", (recording_id,))
    return int(row["seq"] or 0) if row else 0


def changed_since(db: Database, recording_id: str, since: int, upto: int) -> list[EntityChange]:
    """Each entity changed by a batch in ``(since, upto]``, once, with the author of its last change.

    Newest first.
    """
    rows = db.query(
        "SELECT e.entity, e.entity_id, b.author FROM edits e JOIN edit_batches b ON e.batch_id = b.id"
        " WHERE b.recording_id = ? AND b.seq > ? AND b.seq <= ? ORDER BY e.id DESC",
        (recording_id, int(since), int(upto)))
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rows:
        key = (r["entity"], r["entity_id"])
        if key not in seen:
            seen.add(key)
            out.append(EntityChange(r["entity"], r["entity_id"], r["author"]))
    return out


def batches(db: Database, recording_id: str, limit: int = 100) -> list[BatchSummary]:
    """The newest edit batches of a recording (who, when, what, how many changes), newest first."""
    rows = db.query(
        "SELECT b.at, b.author, b.action, b.description, b.scope, COUNT(e.id) AS n FROM edit_batches b"
        " LEFT JOIN edits e ON e.batch_id = b.id WHERE b.recording_id = ? GROUP BY b.seq ORDER BY b.seq DESC LIMIT ?",
        (recording_id, int(limit)))
    return [BatchSummary(r["at"], r["author"], r["action"], r["description"] or "", r["scope"] or "", r["n"])
            for r in rows]


def has_edits_by(db: Database, recording_id: str, author: str, except_description: str = "") -> bool:
    """Whether ``author`` changed anything on the recording (batches described so not counted)."""
    return db.query_one(
        "SELECT e.id FROM edits e JOIN edit_batches b ON b.id = e.batch_id WHERE e.recording_id = ? AND e.author = ?"
        " AND b.description <> ? LIMIT 1", (recording_id, author, except_description)) is not None


def edits_by(db: Database, author: str, except_description: str = "") -> list[AuthoredEdit]:
    """Every history row of ``author``, oldest first (batches described so not counted)."""
    rows = db.query(
        "SELECT e.at, e.entity, e.entity_id, e.recording_id FROM edits e JOIN edit_batches b ON b.id = e.batch_id"
        " WHERE e.author = ? AND b.description <> ? ORDER BY e.at", (author, except_description))
    return [AuthoredEdit(r["at"], r["entity"], r["entity_id"], r["recording_id"]) for r in rows]
