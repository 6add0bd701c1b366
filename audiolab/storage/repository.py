"""Repository: maps core types to rows and back. Reads freely; writes recordings and runs.

Segments, speakers, tags and tiers are written only through :mod:`audiolab.storage.edits`, which
keeps the history. The row mappers for those live here so both modules share them.
"""

from __future__ import annotations

import json
from typing import Any

from audiolab.core import codec
from audiolab.core.model import (
    Origin,
    PipelineRun,
    Recording,
    RecordingStatus,
    Segment,
    SegmentStatus,
    Span,
    Speaker,
    Tag,
    TagKind,
    Tier,
    TierKind,
    TierRole,
    Transcript,
    VideoInfo,
    Vocabulary,
    VocabularyEntry,
    Word,
)
from audiolab.errors import NotFoundError
from audiolab.storage.db import Database, utcnow

# ---------------------------------------------------------------------------------------------
# Row mappers for the edited entities. Each entity: table, columns, to_row, from_row.


def _segment_to_row(s: Segment) -> dict[str, Any]:
    return {
        "id": s.id, "recording_id": s.recording_id, "tier_id": s.tier_id,
        "start_ms": s.span.start_ms, "end_ms": s.span.end_ms, "text": s.text,
        "speaker_id": s.speaker_id,
        "words_json": json.dumps([_word_to_list(w) for w in s.words], ensure_ascii=False),
        "language": s.language, "confidence": s.confidence, "avg_logprob": s.avg_logprob,
        "no_speech_prob": s.no_speech_prob, "origin": s.origin.value, "status": s.status.value,
        "flags_json": json.dumps(list(s.flags)), "run_id": s.run_id, "touched": int(s.touched),
        "version": s.version,
    }


def _word_to_list(w: Word) -> list[Any]:
    # Compact: [start_ms, end_ms, text, probability, speaker_id]; a 1-hour file has ~10k words.
    return [w.span.start_ms, w.span.end_ms, w.text, w.probability, w.speaker_id]


def _word_from_list(item: list[Any]) -> Word:
    return Word(Span(int(item[0]), int(item[1])), item[2], item[3], item[4])


def _segment_from_row(r: dict[str, Any]) -> Segment:
    return Segment(
        id=r["id"], recording_id=r["recording_id"], tier_id=r["tier_id"],
        span=Span(r["start_ms"], r["end_ms"]), text=r["text"], speaker_id=r["speaker_id"],
        words=tuple(_word_from_list(w) for w in json.loads(r["words_json"] or "[]")),
        language=r["language"], confidence=r["confidence"], avg_logprob=r["avg_logprob"],
        no_speech_prob=r["no_speech_prob"], origin=Origin(r["origin"]),
        status=SegmentStatus(r["status"]), flags=tuple(json.loads(r["flags_json"] or "[]")),
        run_id=r["run_id"], touched=bool(r["touched"]), version=r["version"],
    )


def _speaker_to_row(s: Speaker) -> dict[str, Any]:
    return {"id": s.id, "recording_id": s.recording_id, "label": s.label, "name": s.name,
            "color": s.color, "version": s.version}


def _speaker_from_row(r: dict[str, Any]) -> Speaker:
    return Speaker(r["id"], r["recording_id"], r["label"], r["name"], r["color"], r["version"])


def _tag_to_row(t: Tag) -> dict[str, Any]:
    return {"id": t.id, "recording_id": t.recording_id, "kind": t.kind.value,
            "start_ms": t.span.start_ms, "end_ms": t.span.end_ms, "label": t.label,
            "tier_id": t.tier_id, "segment_id": t.segment_id, "note": t.note,
            "confidence": t.confidence, "origin": t.origin.value, "version": t.version}


def _tag_from_row(r: dict[str, Any]) -> Tag:
    return Tag(id=r["id"], recording_id=r["recording_id"], kind=TagKind(r["kind"]),
               span=Span(r["start_ms"], r["end_ms"]), label=r["label"], tier_id=r["tier_id"],
               segment_id=r["segment_id"], note=r["note"], confidence=r["confidence"],
               origin=Origin(r["origin"]), version=r["version"])


def _tier_to_row(t: Tier) -> dict[str, Any]:
    return {"id": t.id, "recording_id": t.recording_id, "name": t.name, "kind": t.kind.value,
            "role": t.role.value, "owner": t.owner, "parent_id": t.parent_id, "version": t.version}


def _tier_from_row(r: dict[str, Any]) -> Tier:
    return Tier(id=r["id"], recording_id=r["recording_id"], name=r["name"], kind=TierKind(r["kind"]),
                role=TierRole(r["role"]), owner=r["owner"], parent_id=r["parent_id"],
                version=r["version"])


class EntityMapper:
    """How one edited entity type maps to its table."""

    def __init__(self, name: str, table: str, cls: type, to_row: Any, from_row: Any):
        self.name, self.table, self.cls = name, table, cls
        self.to_row, self.from_row = to_row, from_row

    def get(self, db: Database, entity_id: str) -> Any | None:
        row = db.query_one(f"SELECT * FROM {self.table} WHERE id = ?", (entity_id,))
        return self.from_row(row) if row else None

    def insert(self, db: Database, value: Any) -> None:
        row = self.to_row(value)
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        db.execute(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", list(row.values()))

    def update(self, db: Database, value: Any) -> None:
        row = self.to_row(value)
        sets = ", ".join(f"{k} = ?" for k in row if k != "id")
        db.execute(f"UPDATE {self.table} SET {sets} WHERE id = ?", [*(v for k, v in row.items() if k != "id"), row["id"]])

    def delete(self, db: Database, entity_id: str) -> None:
        db.execute(f"DELETE FROM {self.table} WHERE id = ?", (entity_id,))

    def encode(self, value: Any) -> str:
        return json.dumps(codec.to_dict(value), ensure_ascii=False, sort_keys=True)

    def decode(self, text: str | None) -> Any | None:
        return codec.from_dict(self.cls, json.loads(text)) if text else None


MAPPERS: dict[str, EntityMapper] = {
    "segment": EntityMapper("segment", "segments", Segment, _segment_to_row, _segment_from_row),
    "speaker": EntityMapper("speaker", "speakers", Speaker, _speaker_to_row, _speaker_from_row),
    "tag": EntityMapper("tag", "tags", Tag, _tag_to_row, _tag_from_row),
    "tier": EntityMapper("tier", "tiers", Tier, _tier_to_row, _tier_from_row),
}


def entity_name(value: Any) -> str:
    for name, m in MAPPERS.items():
        if isinstance(value, m.cls):
            return name
    raise TypeError(f"not an edited entity: {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# Recordings


def _recording_to_row(r: Recording) -> dict[str, Any]:
    v = r.video
    return {
        "id": r.id, "path": r.path, "sha256": r.sha256, "duration_ms": r.duration_ms,
        "sample_rate": r.sample_rate, "channels": r.channels, "audio_codec": r.audio_codec,
        "container": r.container, "size_bytes": r.size_bytes, "project": r.project,
        "status": r.status.value, "audio_start_ms": r.audio_start_ms,
        "fps_num": v.fps_num if v else None, "fps_den": v.fps_den if v else None,
        "start_timecode": v.start_timecode if v else None,
        "video_start_offset_ms": v.start_offset_ms if v else None,
        "video_width": v.width if v else None, "video_height": v.height if v else None,
        "video_codec": v.codec if v else None, "created_at": r.created_at or utcnow(),
    }


def _recording_from_row(r: dict[str, Any]) -> Recording:
    video = None
    if r["fps_num"] is not None:
        video = VideoInfo(r["fps_num"], r["fps_den"], r["start_timecode"], r["video_start_offset_ms"] or 0,
                          r["video_width"], r["video_height"], r["video_codec"])
    return Recording(
        id=r["id"], path=r["path"], sha256=r["sha256"], duration_ms=r["duration_ms"],
        sample_rate=r["sample_rate"], channels=r["channels"], audio_codec=r["audio_codec"],
        container=r["container"], size_bytes=r["size_bytes"], project=r["project"],
        status=RecordingStatus(r["status"]), audio_start_ms=r["audio_start_ms"], video=video,
        created_at=r["created_at"],
    )


def insert_recording(db: Database, rec: Recording) -> None:
    row = _recording_to_row(rec)
    db.execute(f"INSERT INTO recordings ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))


def get_recording(db: Database, recording_id: str) -> Recording:
    """Find a recording by id, by a unique id prefix, or by its path."""
    row = db.query_one("SELECT * FROM recordings WHERE id = ?", (recording_id,))
    if row is None:
        # A prefix compared as text, not with LIKE: its wildcards and case rules differ by engine.
        prefix = recording_id.lower()
        rows = db.query("SELECT * FROM recordings WHERE substr(lower(id), 1, ?) = ? OR path = ? LIMIT 2",
                        (len(prefix), prefix, recording_id))
        if len(rows) == 1:
            row = rows[0]
        elif len(rows) > 1:
            raise NotFoundError(f"recording '{recording_id}' is ambiguous; give more of its id")
    if row is None:
        raise NotFoundError(f"no recording '{recording_id}' (see `audiolab ls`)")
    return _recording_from_row(row)


def find_recording_by_sha(db: Database, sha256: str) -> Recording | None:
    row = db.query_one("SELECT * FROM recordings WHERE sha256 = ?", (sha256,))
    return _recording_from_row(row) if row else None


def list_recordings(db: Database, project: str | None = None) -> list[Recording]:
    if project is None:
        rows = db.query("SELECT * FROM recordings ORDER BY created_at, id")
    else:
        rows = db.query("SELECT * FROM recordings WHERE project = ? ORDER BY created_at, id", (project,))
    return [_recording_from_row(r) for r in rows]


def set_recording_status(db: Database, recording_id: str, status: RecordingStatus) -> None:
    db.execute("UPDATE recordings SET status = ? WHERE id = ?", (status.value, recording_id))


def media_mtime_ns(db: Database, recording_id: str) -> int | None:
    """The media file's modification time when its content was last verified (None: never)."""
    row = db.query_one("SELECT media_mtime_ns FROM recordings WHERE id = ?", (recording_id,))
    return row["media_mtime_ns"] if row else None


def set_media_mtime_ns(db: Database, recording_id: str, mtime_ns: int) -> None:
    db.execute("UPDATE recordings SET media_mtime_ns = ? WHERE id = ?", (int(mtime_ns), recording_id))


def segment_counts(db: Database, roles: tuple[TierRole, ...]) -> dict[tuple[str, TierRole], tuple[int, int]]:
    """Per (recording, tier role) of transcript tiers: the number of segments and of those not draft."""
    marks = ", ".join("?" for _ in roles)
    rows = db.query(
        "SELECT s.recording_id, t.role, COUNT(*) AS n, SUM(CASE WHEN s.status != 'draft' THEN 1 ELSE 0 END) AS done"
        f" FROM segments s JOIN tiers t ON s.tier_id = t.id WHERE t.kind = 'transcript' AND t.role IN ({marks})"
        " GROUP BY s.recording_id, t.role", [r.value for r in roles])
    return {(r["recording_id"], TierRole(r["role"])): (r["n"], r["done"] or 0) for r in rows}


# ---------------------------------------------------------------------------------------------
# Aggregates


def get_tiers(db: Database, recording_id: str) -> list[Tier]:
    return [_tier_from_row(r) for r in db.query("SELECT * FROM tiers WHERE recording_id = ? ORDER BY name, id", (recording_id,))]


def get_speakers(db: Database, recording_id: str) -> list[Speaker]:
    return [_speaker_from_row(r) for r in db.query("SELECT * FROM speakers WHERE recording_id = ? ORDER BY label, id", (recording_id,))]


def get_segments(db: Database, recording_id: str, tier_id: str | None = None) -> list[Segment]:
    if tier_id is None:
        rows = db.query("SELECT * FROM segments WHERE recording_id = ? ORDER BY start_ms, end_ms, id", (recording_id,))
    else:
        rows = db.query("SELECT * FROM segments WHERE recording_id = ? AND tier_id = ? ORDER BY start_ms, end_ms, id",
                        (recording_id, tier_id))
    return [_segment_from_row(r) for r in rows]


def get_tags(db: Database, recording_id: str) -> list[Tag]:
    return [_tag_from_row(r) for r in db.query("SELECT * FROM tags WHERE recording_id = ? ORDER BY start_ms, id", (recording_id,))]


def get_transcript(db: Database, recording_id: str) -> Transcript:
    """Everything stored for one recording, read in one consistent snapshot."""
    with db.snapshot():
        rec = get_recording(db, recording_id)
        return Transcript(
            recording=rec,
            tiers=tuple(get_tiers(db, rec.id)),
            speakers=tuple(get_speakers(db, rec.id)),
            segments=tuple(get_segments(db, rec.id)),
            tags=tuple(get_tags(db, rec.id)),
        )


# ---------------------------------------------------------------------------------------------
# Pipeline runs and vocabularies (not edited by annotators, so not in the history)


def insert_run(db: Database, run: PipelineRun) -> None:
    db.execute(
        "INSERT INTO pipeline_runs (id, recording_id, kind, model, options_json, started_at, finished_at, status, error, stats_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run.id, run.recording_id, run.kind, run.model, json.dumps(run.options, default=str), run.started_at or utcnow(),
         run.finished_at, run.status, run.error, json.dumps(run.stats, default=str)),
    )


def finish_run(db: Database, run_id: str, status: str, error: str | None = None, stats: dict[str, Any] | None = None) -> None:
    db.execute("UPDATE pipeline_runs SET finished_at = ?, status = ?, error = ?, stats_json = ? WHERE id = ?",
               (utcnow(), status, error, json.dumps(stats or {}, default=str), run_id))


def get_runs(db: Database, recording_id: str) -> list[PipelineRun]:
    rows = db.query("SELECT * FROM pipeline_runs WHERE recording_id = ? ORDER BY started_at", (recording_id,))
    return _runs(rows)


def running_runs(db: Database) -> list[PipelineRun]:
    """Every run still marked ``running`` (in progress, or left so by a process that died)."""
    return _runs(db.query("SELECT * FROM pipeline_runs WHERE status = 'running' ORDER BY started_at"))


def _runs(rows: list[dict[str, Any]]) -> list[PipelineRun]:
    return [PipelineRun(id=r["id"], recording_id=r["recording_id"], kind=r["kind"], model=r["model"],
                        options=json.loads(r["options_json"]), started_at=r["started_at"],
                        finished_at=r["finished_at"], status=r["status"], error=r["error"],
                        stats=json.loads(r["stats_json"])) for r in rows]


DEFAULT_VOCABULARIES: dict[TagKind, tuple[VocabularyEntry, ...]] = {
    TagKind.EMOTION: (
        VocabularyEntry("neutral", "n", "#9e9e9e"), VocabularyEntry("happy", "h", "#f6c026"),
        VocabularyEntry("sad", "d", "#3f7fbf"), VocabularyEntry("angry", "a", "#d9412b"),
        VocabularyEntry("surprised", "u", "#a25ddc"), VocabularyEntry("fearful", "f", "#5a8f29"),
    ),
    TagKind.SOUND_EVENT: (
        VocabularyEntry("music", "m", "#7c4dff"), VocabularyEntry("laughter", "l", "#ff9800"),
        VocabularyEntry("applause", "p", "#00acc1"), VocabularyEntry("noise", "z", "#795548"),
        VocabularyEntry("dog", "g", "#8d6e63"), VocabularyEntry("car_horn", "c", "#e53935"),
        VocabularyEntry("bird", "b", "#43a047"), VocabularyEntry("silence", "s", "#bdbdbd"),
    ),
}


def get_vocabulary(db: Database, project: str, kind: TagKind) -> Vocabulary:
    rows = db.query("SELECT * FROM vocabularies WHERE project = ? AND kind = ? ORDER BY position, label",
                    (project, kind.value))
    if not rows:
        return Vocabulary(project, kind, DEFAULT_VOCABULARIES.get(kind, ()))
    return Vocabulary(project, kind, tuple(VocabularyEntry(r["label"], r["hotkey"], r["color"], r["description"]) for r in rows))


def set_vocabulary(db: Database, vocab: Vocabulary) -> None:
    """Replace a project's vocabulary for one kind (labels already used by tags stay valid)."""
    from audiolab.errors import ValidationError

    labels = [e.label.strip() for e in vocab.entries]
    if any(not label for label in labels):
        raise ValidationError("vocabulary labels must not be empty")
    if len(set(labels)) != len(labels):
        raise ValidationError("vocabulary labels must be unique")
    keys = [e.hotkey for e in vocab.entries if e.hotkey]
    if len(set(keys)) != len(keys):
        raise ValidationError("two vocabulary entries share a hotkey")
    with db.transaction():
        db.execute("DELETE FROM vocabularies WHERE project = ? AND kind = ?", (vocab.project, vocab.kind.value))
        db.executemany(
            "INSERT INTO vocabularies (project, kind, label, hotkey, color, description, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(vocab.project, vocab.kind.value, e.label.strip(), e.hotkey, e.color, e.description, i)
             for i, e in enumerate(vocab.entries)],
        )

