"""A pre-labeling run's own output, read back from the edit history after people edited it.

A run's drafts are stored as segments carrying its ``run_id``, but corrections change those rows
(text, times, speakers; splits and merges make new ones; a later run deletes untouched drafts).
What the model made is kept in the history: the batch that wrote the run's drafts (described
``pre-label run <run id>``, see :func:`batch_description`) holds one ``create`` row per draft,
whose ``after_json`` is the segment as the model made it. This module holds the SQL that finds
them; it is portable (``?`` placeholders, no engine-specific syntax), so it runs unchanged on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from audiolab.core.model import PipelineRun, Segment
from audiolab.storage.db import Database
from audiolab.storage.repository import MAPPERS, _runs

PRELABEL_KIND = "prelabel"


def batch_description(run_id: str) -> str:
    """How the history describes the batch that wrote a run's drafts.

    >>> batch_description("3f2a")
    'pre-label run 3f2a'
    """
    return f"pre-label run {run_id}"


def finished_runs(db: Database, project: str | None = None, kind: str = PRELABEL_KIND) -> list[PipelineRun]:
    """The finished (``done``) runs of one kind, of one project's recordings or all, by recording and start."""
    sql = ("SELECT p.* FROM pipeline_runs p JOIN recordings r ON r.id = p.recording_id"
           " WHERE p.kind = ? AND p.status = 'done'")
    params: tuple[str, ...] = (kind,)
    if project:
        sql += " AND r.project = ?"
        params += (project,)
    return _runs(db.query(sql + " ORDER BY p.recording_id, p.started_at, p.id", params))


def run_batch_id(db: Database, recording_id: str, run_id: str) -> str | None:
    """The id of the batch that wrote a run's drafts (its first ``do``; an undo or redo replays it)."""
    row = db.query_one("SELECT id FROM edit_batches WHERE recording_id = ? AND action = 'do' AND description = ?"
                       " ORDER BY seq LIMIT 1", (recording_id, batch_description(run_id)))
    return row["id"] if row else None


def run_drafts(db: Database, recording_id: str, run_id: str) -> list[Segment] | None:
    """The segments a run wrote, as the model made them (before any edit), in time order.

    Returns:
        The drafts; an empty list when the run's batch created no segment; None when no batch of
        the run is in the history (a run that wrote nothing, e.g. no speech, or a database whose
        history was not kept).
    """
    batch = run_batch_id(db, recording_id, run_id)
    if batch is None:
        return None
    rows = db.query("SELECT after_json FROM edits WHERE batch_id = ? AND entity = 'segment' AND op = 'create'"
                    " ORDER BY id", (batch,))
    segments = [MAPPERS["segment"].decode(r["after_json"]) for r in rows]
    return sorted(segments, key=lambda s: (s.span, s.id))
