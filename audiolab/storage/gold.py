"""The ``gold_items`` table: recordings and segments whose reference annotation is gold; the only
SQL on it.

A whole recording is stored with ``segment_id = ''`` (so the ``UNIQUE (recording_id, segment_id)``
constraint also holds for it) and read back as ``segment_id=None``.
"""

from __future__ import annotations

from dataclasses import dataclass

from audiolab.core.model import Span, new_id
from audiolab.storage.db import Database, utcnow


@dataclass(frozen=True, slots=True)
class GoldItem:
    """A recording (``segment_id`` None) or one segment whose annotation is gold."""

    recording_id: str
    segment_id: str | None
    span: Span
    marked_by: str | None = None


def insert_gold_item(db: Database, item: GoldItem) -> None:
    """Store a gold item, stamped now; one already stored for the same recording and segment stays."""
    db.execute(
        "INSERT INTO gold_items (id, recording_id, segment_id, start_ms, end_ms, marked_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recording_id, segment_id) DO NOTHING",
        (new_id(), item.recording_id, item.segment_id or "", item.span.start_ms, item.span.end_ms, item.marked_by,
         utcnow()))


def list_gold_items(db: Database, project: str | None = None) -> list[GoldItem]:
    """The gold items (of one project's recordings), by recording and start."""
    sql = "SELECT g.* FROM gold_items g JOIN recordings r ON r.id = g.recording_id"
    rows = db.query(sql + (" WHERE r.project = ?" if project else "") + " ORDER BY g.recording_id, g.start_ms",
                    (project,) if project else ())
    return [GoldItem(r["recording_id"], r["segment_id"] or None, Span(r["start_ms"], r["end_ms"]), r["marked_by"])
            for r in rows]


def is_gold(db: Database, recording_id: str) -> bool:
    """Whether the recording, or any segment of it, is gold."""
    return db.query_one("SELECT id FROM gold_items WHERE recording_id = ? LIMIT 1", (recording_id,)) is not None


def unassigned_gold_recordings(db: Database, project: str, user: str) -> list[str]:
    """Ids of the project's recordings with gold items that ``user`` has no assignment on, sorted."""
    rows = db.query(
        "SELECT DISTINCT g.recording_id FROM gold_items g JOIN recordings r ON r.id = g.recording_id"
        " WHERE r.project = ? AND g.recording_id NOT IN (SELECT recording_id FROM assignments WHERE user_name = ?)"
        " ORDER BY g.recording_id", (project, user))
    return [r["recording_id"] for r in rows]
