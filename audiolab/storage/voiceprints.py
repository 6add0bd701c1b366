"""The ``voiceprints`` table: enrolled voices of a project, by name; the only SQL on it.

A voiceprint is one recording's evidence for one name (the unit-length mean CAM++ embedding of
that speaker's speech there, :mod:`audiolab.pipelines.voices`): enrolling the same name again from
the same recording replaces that row, from another recording adds one, so a name can be known from
several recordings. Its vector is stored as JSON text (192 numbers), which both engines hold as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from audiolab.core.model import new_id
from audiolab.storage.db import Database, utcnow

Source = Literal["checked", "all"]


@dataclass(frozen=True, slots=True)
class Voiceprint:
    """One enrolled voice of a project.

    Attributes:
        source: ``checked`` when made from segments a person corrected or reviewed, ``all`` when
            from every segment of that speaker (the recording had too few checked ones).
        recording_id: where the speech came from (None once that recording is deleted).
    """

    id: str
    project: str
    name: str
    recording_id: str | None
    speaker_label: str
    model: str
    vector: tuple[float, ...]
    speech_ms: int
    segments: int
    source: Source
    created_by: str = ""
    created_at: str = ""


def _voiceprint(row: dict[str, Any]) -> Voiceprint:
    return Voiceprint(id=row["id"], project=row["project"], name=row["name"], recording_id=row["recording_id"],
                      speaker_label=row["speaker_label"], model=row["model"],
                      vector=tuple(json.loads(row["vector_json"])), speech_ms=row["speech_ms"],
                      segments=row["segments"], source=row["source"], created_by=row["created_by"],
                      created_at=row["created_at"])


def list_voiceprints(db: Database, project: str | None = None, name: str | None = None) -> list[Voiceprint]:
    """Voiceprints, filtered by project and/or name, by project, name and age."""
    where: list[str] = []
    params: list[Any] = []
    if project is not None:
        where.append("project = ?")
        params.append(project)
    if name is not None:
        where.append("name = ?")
        params.append(name)
    sql = ("SELECT * FROM voiceprints" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY project, name, created_at, id")
    return [_voiceprint(r) for r in db.query(sql, params)]


def put_voiceprint(db: Database, project: str, name: str, recording_id: str, speaker_label: str, model: str,
                   vector: tuple[float, ...], speech_ms: int, segments: int, source: Source,
                   created_by: str = "") -> Voiceprint:
    """Store a voiceprint, replacing the one of the same project, name and recording (call in a transaction)."""
    db.execute("DELETE FROM voiceprints WHERE project = ? AND name = ? AND recording_id = ?",
               (project, name, recording_id))
    vp = Voiceprint(id=new_id(), project=project, name=name, recording_id=recording_id,
                    speaker_label=speaker_label, model=model, vector=tuple(vector), speech_ms=speech_ms,
                    segments=segments, source=source, created_by=created_by, created_at=utcnow())
    db.execute(
        "INSERT INTO voiceprints (id, project, name, recording_id, speaker_label, model, vector_json, speech_ms,"
        " segments, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (vp.id, vp.project, vp.name, vp.recording_id, vp.speaker_label, vp.model, json.dumps(list(vp.vector)),
         vp.speech_ms, vp.segments, vp.source, vp.created_by, vp.created_at))
    return vp


def delete_voiceprints(db: Database, project: str, name: str) -> int:
    """Forget every voiceprint of a name in a project; how many there were."""
    return db.execute("DELETE FROM voiceprints WHERE project = ? AND name = ?", (project, name)).rowcount
