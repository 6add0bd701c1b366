"""The one edit API: every change to segments, speakers, tags and tiers goes through here.

A batch of changes is written in one transaction together with an append-only history row per
entity (author, time, before, after). Each entity carries a version; a change names the version
it was based on and is refused with :class:`ConflictError` when the stored one differs, so a
stale browser never overwrites someone else's work. Undo and redo are new batches that invert
or replay an earlier one (the history itself is never rewritten), and they too are refused when
the entities moved on since.

Undo stacks are kept per recording and *scope*: the shared working copy has scope ``""``, an
annotator's independent copy uses its tier id, so one annotator's undo never reverts another's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from audiolab.core import codec
from audiolab.core.model import Edit, new_id
from audiolab.errors import ConflictError, NotFoundError, NothingToDoError, ValidationError
from audiolab.storage.db import Database, utcnow
from audiolab.storage.repository import MAPPERS, entity_name

Op = Literal["create", "update", "delete"]

# How far past the recording's stored duration a span may end: containers, decoders and subtitle
# tools disagree on a file's last frame by up to this much. Anything further is refused on every
# path (editor, import, pre-labeling, adjudication), so no export can carry an absurd time.
END_SLACK_MS = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One change in a batch.

    Args:
        op: ``create``, ``update`` or ``delete``.
        value: the entity as it should be after the change (for ``delete``: as the editor saw it).
        expected_version: the version the change was based on; defaults to ``value.version``.
            Ignored for ``create``.
    """

    op: Op
    value: Any
    expected_version: int | None = None

    @classmethod
    def create(cls, value: Any) -> Change:
        return cls("create", value)

    @classmethod
    def update(cls, value: Any, expected_version: int | None = None) -> Change:
        return cls("update", value, expected_version)

    @classmethod
    def delete(cls, value: Any, expected_version: int | None = None) -> Change:
        return cls("delete", value, expected_version)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch wrote: its id and the entities as stored now (deleted ones as None)."""

    batch_id: str
    values: dict[str, Any]


def apply(
    db: Database,
    recording_id: str,
    changes: Sequence[Change],
    author: str,
    description: str = "",
    scope: str = "",
) -> BatchResult:
    """Write a batch of changes and their history in one transaction.

    Raises:
        ConflictError: a change's expected version is not the stored one (nothing is written).
        ValidationError: a change is malformed (nothing is written).
    """
    if not changes:
        raise ValidationError("an edit must change something")
    if not author:
        raise ValidationError("every edit needs an author")
    batch_id = new_id()
    with db.transaction():
        _check_spans(db, recording_id, changes)
        _insert_batch(db, batch_id, recording_id, author, "do", None, description, scope)
        values = _apply_changes(db, batch_id, recording_id, changes, author)
    return BatchResult(batch_id, values)


def _check_spans(db: Database, recording_id: str, changes: Sequence[Change]) -> None:
    """Refuse a segment, word or tag that ends past the recording (beyond :data:`END_SLACK_MS`)."""
    row = db.query_one("SELECT duration_ms FROM recordings WHERE id = ?", (recording_id,))
    if row is None:
        raise NotFoundError(f"no recording '{recording_id}'")
    limit = int(row["duration_ms"]) + END_SLACK_MS
    for ch in changes:
        span = getattr(ch.value, "span", None) if ch.op != "delete" else None
        if span is None:
            continue
        ends = [span.end_ms, *(w.span.end_ms for w in getattr(ch.value, "words", ()))]
        if max(ends) > limit:
            raise ValidationError(
                f"{entity_name(ch.value)} {span.start_ms}-{max(ends)} ms ends after the recording "
                f"({row['duration_ms']} ms); nothing was written")


def _insert_batch(db: Database, batch_id: str, recording_id: str, author: str, action: str,
                  target: str | None, description: str, scope: str) -> None:
    db.execute(
        "INSERT INTO edit_batches (id, recording_id, author, at, action, target_batch_id, description, scope)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (batch_id, recording_id, author, utcnow(), action, target, description, scope),
    )


def _apply_changes(db: Database, batch_id: str, recording_id: str, changes: Sequence[Change], author: str) -> dict[str, Any]:
    at = utcnow()
    out: dict[str, Any] = {}
    for ch in changes:
        name = entity_name(ch.value)
        mapper = MAPPERS[name]
        value = ch.value
        if value.recording_id != recording_id:
            raise ValidationError(f"{name} {value.id} belongs to another recording")
        current = mapper.get(db, value.id)
        if ch.op == "create":
            if current is not None:
                raise ConflictError(mapper.table, value.id, None, current.version)
            after = dataclasses.replace(value, version=max(1, value.version))
            mapper.insert(db, after)
            before_txt, after_txt = None, mapper.encode(after)
        else:
            expected = ch.expected_version if ch.expected_version is not None else value.version
            if current is None:
                raise ConflictError(mapper.table, value.id, expected, None)
            if current.version != expected:
                raise ConflictError(mapper.table, value.id, expected, current.version)
            before_txt = mapper.encode(current)
            if ch.op == "update":
                after = dataclasses.replace(value, version=current.version + 1)
                mapper.update(db, after)
                after_txt = mapper.encode(after)
            elif ch.op == "delete":
                after = None
                mapper.delete(db, value.id)
                after_txt = None
            else:
                raise ValidationError(f"unknown edit operation {ch.op!r}")
        db.execute(
            "INSERT INTO edits (batch_id, recording_id, entity, entity_id, op, before_json, after_json, author, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (batch_id, recording_id, name, value.id, ch.op, before_txt, after_txt, author, at),
        )
        out[value.id] = after
    return out


def _stacks(db: Database, recording_id: str, scope: str) -> tuple[list[str], list[str]]:
    undo: list[str] = []
    redo: list[str] = []
    for b in db.query("SELECT id, action, target_batch_id FROM edit_batches WHERE recording_id = ? AND scope = ? ORDER BY seq",
                      (recording_id, scope)):
        if b["action"] == "do":
            undo.append(b["id"])
            redo.clear()
        elif b["action"] == "undo":
            if undo and undo[-1] == b["target_batch_id"]:
                undo.pop()
            redo.append(b["target_batch_id"])
        elif b["action"] == "redo":
            if redo and redo[-1] == b["target_batch_id"]:
                redo.pop()
            undo.append(b["target_batch_id"])
    return undo, redo


def batch_edits(db: Database, batch_id: str) -> list[Edit]:
    rows = db.query("SELECT * FROM edits WHERE batch_id = ? ORDER BY id", (batch_id,))
    return [_edit_from_row(r) for r in rows]


def _edit_from_row(r: dict[str, Any]) -> Edit:
    return Edit(id=r["id"], batch_id=r["batch_id"], recording_id=r["recording_id"], entity=r["entity"],
                entity_id=r["entity_id"], op=r["op"],
                before=json.loads(r["before_json"]) if r["before_json"] else None,
                after=json.loads(r["after_json"]) if r["after_json"] else None,
                author=r["author"], at=r["at"])


def _replay(db: Database, recording_id: str, edits: list[Edit], author: str, new_batch: str, inverse: bool) -> dict[str, Any]:
    """Invert (undo) or re-apply (redo) a batch's edits, checking nothing moved on meanwhile."""
    changes: list[Change] = []
    sequence = list(reversed(edits)) if inverse else edits
    for e in sequence:
        mapper = MAPPERS[e.entity]
        src, dst = (e.after, e.before) if inverse else (e.before, e.after)
        current = mapper.get(db, e.entity_id)
        # What the batch left (for undo) or found (for redo) must still be what is stored;
        # versions are compared by content, since undo and redo themselves bump versions.
        if _content(codec.to_dict(current) if current else None) != _content(src):
            raise ConflictError(mapper.table, e.entity_id, src["version"] if src else None,
                                current.version if current else None)
        if dst is None:
            changes.append(Change.delete(current, current.version))
        elif current is None:
            # Re-created with a version past the deleted one's, so that an editor still holding
            # the old version cannot write over it unnoticed.
            restored = mapper.decode(json.dumps(dst))
            changes.append(Change.create(dataclasses.replace(restored, version=restored.version + 1)))
        else:
            restored = mapper.decode(json.dumps(dst))
            changes.append(Change.update(dataclasses.replace(restored, version=current.version), current.version))
    return _apply_changes(db, new_batch, recording_id, changes, author)


def _content(d: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if d is None else {k: v for k, v in d.items() if k != "version"}


def undo(db: Database, recording_id: str, author: str, scope: str = "") -> BatchResult:
    """Undo the latest batch on this recording (and scope) that is not undone yet."""
    return _undo_redo(db, recording_id, author, scope, "undo")


def redo(db: Database, recording_id: str, author: str, scope: str = "") -> BatchResult:
    """Redo the batch undone last, if nothing was edited since."""
    return _undo_redo(db, recording_id, author, scope, "redo")


def _undo_redo(db: Database, recording_id: str, author: str, scope: str, action: str) -> BatchResult:
    with db.transaction():
        if db.query_one("SELECT id FROM recordings WHERE id = ?", (recording_id,)) is None:
            raise NotFoundError(f"no recording '{recording_id}'")
        undo_stack, redo_stack = _stacks(db, recording_id, scope)
        stack = undo_stack if action == "undo" else redo_stack
        if not stack:
            raise NothingToDoError(f"nothing to {action} on recording {recording_id}")
        target = stack[-1]
        batch_id = new_id()
        desc = db.query_one("SELECT description FROM edit_batches WHERE id = ?", (target,))
        _insert_batch(db, batch_id, recording_id, author, action, target, (desc or {}).get("description", ""), scope)
        values = _replay(db, recording_id, batch_edits(db, target), author, batch_id, inverse=action == "undo")
    return BatchResult(batch_id, values)


def next_target_author(db: Database, recording_id: str, scope: str, action: str) -> str | None:
    """The author of the batch an ``undo`` (or ``redo``) would take back (or replay) now, if any."""
    undo_stack, redo_stack = _stacks(db, recording_id, scope)
    stack = undo_stack if action == "undo" else redo_stack
    if not stack:
        return None
    row = db.query_one("SELECT author FROM edit_batches WHERE id = ?", (stack[-1],))
    return row["author"] if row else None


def can_undo_redo(db: Database, recording_id: str, scope: str = "") -> tuple[bool, bool]:
    u, r = _stacks(db, recording_id, scope)
    return bool(u), bool(r)


def history(db: Database, recording_id: str, entity_id: str | None = None, limit: int = 200) -> list[Edit]:
    """The newest history rows of a recording (or of one entity), newest first."""
    if entity_id:
        rows = db.query("SELECT * FROM edits WHERE recording_id = ? AND entity_id = ? ORDER BY id DESC LIMIT ?",
                        (recording_id, entity_id, limit))
    else:
        rows = db.query("SELECT * FROM edits WHERE recording_id = ? ORDER BY id DESC LIMIT ?", (recording_id, limit))
    return [_edit_from_row(r) for r in rows]
