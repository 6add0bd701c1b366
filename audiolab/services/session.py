"""The editor's use cases as plain JSON-ready dicts, so any front end (Gradio today) stays thin.

The browser editor holds a copy of one recording's annotation ("editor state"), sends one small
action per edit with the version of the entity it saw, and applies the entities that come back.
A stale action is refused by the edit API (:class:`ConflictError`); the answer then carries the
entity as stored now so the editor can show it. Nothing here imports gradio.

Times are integer milliseconds in every payload; the browser converts to seconds for media.
"""

from __future__ import annotations

import base64
import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audiolab.core.model import (
    RecordingStatus,
    Segment,
    SegmentStatus,
    Speaker,
    Tag,
    TagKind,
    Tier,
    TierRole,
    Transcript,
    Vocabulary,
    VocabularyEntry,
)
from audiolab.errors import AudiolabError, AuthError, ConflictError, NotFoundError, ValidationError
from audiolab.media import peaks as peaks_mod
from audiolab.services import Workbench, editing
from audiolab.storage import edits, repository
from audiolab.storage.repository import MAPPERS

PEAK_CHUNK_BINS = 16384  # bins per peaks chunk sent to the browser (32 kB of int8 pairs)

_STATUS_LABELS = {
    RecordingStatus.NEW: "new",
    RecordingStatus.PRELABELED: "pre-labeled",
    RecordingStatus.IN_PROGRESS: "in progress",
    RecordingStatus.REVIEWED: "reviewed",
}


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """A function of a feature module that may not be part of this build."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return getattr(mod, name, None)


# -- which tier this user edits ------------------------------------------------------------------
def working_tier(wb: Workbench, recording_id: str, username: str, transcript: Transcript | None = None) -> Tier:
    """The transcript tier ``username`` edits: their own copy when review is set up, else the main tier."""
    fn = _optional("audiolab.services.review", "working_tier")
    if fn is not None:
        try:
            return fn(wb, recording_id, username)
        except (NotFoundError, AuthError):
            pass  # not a registered user (no sign-in, or a local session): the shared copy
    if transcript is None:  # tiers are enough to choose; segments are not read
        rec = wb.recording(recording_id)
        transcript = Transcript(recording=rec, tiers=tuple(repository.get_tiers(wb.db, rec.id)))
    tier = transcript.main_tier()
    if tier is None:
        raise NotFoundError(f"recording {recording_id} has no transcript tier")
    return tier


# The tier each (database, recording, user) opened last: edits go to the tier the editor loaded,
# without resolving it again (which may read the whole transcript) on every keystroke.
_OPENED: dict[tuple[str, str, str], str] = {}


def _edit_tier(wb: Workbench, recording_id: str, username: str) -> Tier:
    tier_id = _OPENED.get((str(wb.db.path), recording_id, username))
    tier = MAPPERS["tier"].get(wb.db, tier_id) if tier_id else None
    if tier is None:
        tier = working_tier(wb, recording_id, username)
        _OPENED[(str(wb.db.path), recording_id, username)] = tier.id
    return tier


def undo_scope(tier: Tier) -> str:
    """Undo stacks are per annotator copy; the shared working copy uses the default scope."""
    return tier.id if tier.role == TierRole.ANNOTATION else ""


# -- serialisation ------------------------------------------------------------------------------
def segment_json(s: Segment) -> dict[str, Any]:
    return {
        "id": s.id, "tier_id": s.tier_id, "start": s.span.start_ms, "end": s.span.end_ms, "text": s.text,
        "speaker_id": s.speaker_id, "status": s.status.value, "origin": s.origin.value, "version": s.version,
        "confidence": s.confidence, "flags": list(s.flags),
        "words": [[w.span.start_ms, w.span.end_ms, w.text, w.probability] for w in s.words],
    }


def speaker_json(s: Speaker) -> dict[str, Any]:
    return {"id": s.id, "label": s.label, "name": s.name, "display": s.display_name, "color": s.color,
            "version": s.version}


def tag_json(t: Tag) -> dict[str, Any]:
    return {"id": t.id, "kind": t.kind.value, "start": t.span.start_ms, "end": t.span.end_ms, "label": t.label,
            "segment_id": t.segment_id, "tier_id": t.tier_id, "note": t.note, "version": t.version}


def vocab_json(v: Vocabulary) -> list[dict[str, str]]:
    return [{"label": e.label, "hotkey": e.hotkey, "color": e.color} for e in v.entries]


def _video_json(tr: Transcript) -> dict[str, Any] | None:
    v = tr.recording.video
    if v is None:
        return None
    return {"fps_num": v.fps_num, "fps_den": v.fps_den, "drop_frame": v.drop_frame,
            "start_timecode": v.start_timecode or "00:00:00:00", "start_offset_ms": v.start_offset_ms,
            "width": v.width, "height": v.height}


def editor_state(wb: Workbench, recording_id: str, username: str) -> dict[str, Any]:
    """Everything the editor shows for one recording, as the user's working tier sees it."""
    rec = wb.recording(recording_id)
    tier = working_tier(wb, rec.id, username)  # may make the user's independent copy
    seq = latest_seq(wb, rec.id)  # before the read: a change made meanwhile is sent again, not lost
    tr = wb.transcript(rec.id)
    _OPENED[(str(wb.db.path), rec.id, username)] = tier.id
    scope = undo_scope(tier)
    can_undo, can_redo = edits.can_undo_redo(wb.db, rec.id, scope)
    peak_levels = _peak_meta(wb.peaks_path(rec.id))
    return {
        "recording": {
            "id": rec.id, "name": Path(rec.path).name, "duration": rec.duration_ms, "status": rec.status.value,
            "project": rec.project, "video": _video_json(tr), "audio_start_ms": rec.audio_start_ms,
        },
        "user": username,
        "tier": {"id": tier.id, "role": tier.role.value, "owner": tier.owner, "scope": scope},
        "speakers": [speaker_json(s) for s in tr.speakers],
        "segments": [segment_json(s) for s in tr.segments_of(tier.id)],
        "tags": [tag_json(t) for t in tr.tags
                 if _tag_visible(t, tier, (owner.role if (owner := tr.tier(t.tier_id)) else None))],
        "vocab": {k.value: vocab_json(repository.get_vocabulary(wb.db, rec.project, k))
                  for k in (TagKind.EMOTION, TagKind.SOUND_EVENT)},
        "peaks": peak_levels,
        "can_undo": can_undo, "can_redo": can_redo, "seq": seq,
    }


def _tag_visible(tag: Tag, tier: Tier, owner_role: TierRole | None) -> bool:
    """An annotator's own copy shows its own tags; the shared copy shows every shared tag.

    ``owner_role`` is the role of the tier holding the tag (None when it has none).
    """
    if tier.role == TierRole.ANNOTATION:
        return tag.tier_id == tier.id
    return owner_role != TierRole.ANNOTATION


# -- peaks -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _read_peaks(path: str, mtime: float) -> list[peaks_mod.PeakLevel]:
    return peaks_mod.read_peaks(path)


def _levels(path: Path) -> list[peaks_mod.PeakLevel]:
    if not path.exists():
        raise NotFoundError(f"no waveform peaks for this recording ({path.name}); ingest it again")
    return _read_peaks(str(path), path.stat().st_mtime)


def _peak_meta(path: Path) -> list[dict[str, Any]]:
    try:
        levels = _levels(path)
    except NotFoundError:
        return []
    return [{"ms_per_bin": lv.ms_per_bin, "bins": int(lv.data.shape[0]), "chunk": PEAK_CHUNK_BINS} for lv in levels]


def peaks_chunk(wb: Workbench, recording_id: str, level: int, chunk: int) -> dict[str, Any]:
    """One chunk of one peak level as base64 int8 (min, max) pairs."""
    levels = _levels(wb.peaks_path(wb.recording(recording_id).id))
    if not 0 <= level < len(levels):
        raise ValidationError(f"no peak level {level}")
    data = levels[level].data
    start = int(chunk) * PEAK_CHUNK_BINS
    if start < 0 or start >= data.shape[0]:
        raise ValidationError(f"no peak chunk {chunk} at level {level}")
    part = data[start:start + PEAK_CHUNK_BINS]
    return {"level": level, "chunk": int(chunk), "start_bin": start, "bins": int(part.shape[0]),
            "data": base64.b64encode(part.tobytes()).decode("ascii")}


# -- edits -------------------------------------------------------------------------------------
def _result_json(result: edits.BatchResult) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": True, "segments": [], "speakers": [], "tags": [], "deleted": []}
    for entity_id, value in result.values.items():
        if value is None:
            out["deleted"].append(entity_id)
        elif isinstance(value, Segment):
            out["segments"].append(segment_json(value))
        elif isinstance(value, Speaker):
            out["speakers"].append(speaker_json(value))
        elif isinstance(value, Tag):
            out["tags"].append(tag_json(value))
    return out


def _get(wb: Workbench, kind: str, entity_id: Any, recording_id: str) -> Any:
    value = MAPPERS[kind].get(wb.db, str(entity_id)) if entity_id else None
    if value is None or value.recording_id != recording_id:
        raise ConflictError(MAPPERS[kind].table, str(entity_id), None, None)
    return value


def _seen(wb: Workbench, kind: str, ref: Any, recording_id: str) -> Any:
    """The stored entity named by ``{"id", "version"}``, refused if the browser saw another version."""
    if not isinstance(ref, dict):
        raise ValidationError(f"expected a {kind} reference with id and version")
    value = _get(wb, kind, ref.get("id"), recording_id)
    version = ref.get("version")
    if not isinstance(version, int) or version != value.version:
        raise ConflictError(MAPPERS[kind].table, value.id, version if isinstance(version, int) else None, value.version)
    return value


def _int(payload: dict[str, Any], key: str) -> int:
    v = payload.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValidationError(f"'{key}' must be a number of milliseconds")
    return int(round(v))


def _tags_of_segment(wb: Workbench, recording_id: str, seg_id: str) -> list[Tag]:
    return [t for t in repository.get_tags(wb.db, recording_id) if t.segment_id == seg_id]


def _do(wb: Workbench, rec_id: str, user: str, tier: Tier, a: dict[str, Any]) -> edits.BatchResult:
    op = a.get("op")
    scope = undo_scope(tier)
    if op == "set_text":
        return editing.set_text(wb, _seen(wb, "segment", a.get("segment"), rec_id), str(a.get("text", "")), user, scope)
    if op == "replace_text":
        return editing.replace_text(wb, repository.get_segments(wb.db, rec_id, tier.id), str(a.get("find", "")),
                                    str(a.get("replace", "")), user, scope, bool(a.get("match_case")),
                                    bool(a.get("whole_words", True)))
    if op == "set_span":
        seg = _seen(wb, "segment", a.get("segment"), rec_id)
        return editing.set_span(wb, seg, _int(a, "start"), _int(a, "end"), user, scope)
    if op == "set_speaker":
        seg = _seen(wb, "segment", a.get("segment"), rec_id)
        spk = a.get("speaker_id")
        if spk is not None:
            _get(wb, "speaker", spk, rec_id)
        return editing.set_speaker(wb, seg, spk, user, scope)
    if op == "set_status":
        seg = _seen(wb, "segment", a.get("segment"), rec_id)
        return editing.set_segment_status(wb, seg, SegmentStatus(str(a.get("status"))), user, scope)
    if op == "split":
        return editing.split(wb, _seen(wb, "segment", a.get("segment"), rec_id), _int(a, "at"), user, scope)
    if op == "merge":
        first = _seen(wb, "segment", a.get("segment"), rec_id)
        second = _seen(wb, "segment", a.get("other"), rec_id)
        return editing.merge(wb, first, second, _tags_of_segment(wb, rec_id, second.id), user, scope)
    if op == "create_segment":
        spk = a.get("speaker_id")
        if spk is not None:
            _get(wb, "speaker", spk, rec_id)
        return editing.create_segment(wb, rec_id, tier.id, _int(a, "start"), _int(a, "end"), user, spk,
                                      str(a.get("text", "")), scope)
    if op == "delete_segment":
        seg = _seen(wb, "segment", a.get("segment"), rec_id)
        return editing.delete_segment(wb, seg, _tags_of_segment(wb, rec_id, seg.id), user, scope)
    if op == "add_speaker":
        return editing.add_speaker(wb, rec_id, str(a.get("name", "")), user, repository.get_speakers(wb.db, rec_id))
    if op == "rename_speaker":
        return editing.rename_speaker(wb, _seen(wb, "speaker", a.get("speaker"), rec_id), str(a.get("name", "")), user)
    if op == "merge_speakers":
        keep = _seen(wb, "speaker", a.get("keep"), rec_id)
        drop = _seen(wb, "speaker", a.get("drop"), rec_id)
        return editing.merge_speakers(wb, keep, drop, repository.get_segments(wb.db, rec_id), user)
    if op == "add_tag":
        kind = TagKind(str(a.get("kind")))
        seg_id = a.get("segment_id")
        if seg_id is not None:
            _get(wb, "segment", seg_id, rec_id)
        tier_id = f"{rec_id}-events" if kind == TagKind.SOUND_EVENT else f"{rec_id}-emotions" if kind == TagKind.EMOTION else None
        if tier.role == TierRole.ANNOTATION:
            tier_id = tier.id
        elif tier_id and MAPPERS["tier"].get(wb.db, tier_id) is None:
            tier_id = None
        return editing.add_tag(wb, rec_id, kind, _int(a, "start"), _int(a, "end"), str(a.get("label", "")), user,
                               seg_id, tier_id, str(a.get("note", "")), scope)
    if op == "update_tag":
        tag = _seen(wb, "tag", a.get("tag"), rec_id)
        changes: dict[str, Any] = {}
        for key in ("start", "end"):
            if key in a:
                changes[f"{key}_ms"] = _int(a, key)
        for key in ("label", "note"):
            if key in a:
                changes[key] = str(a[key])
        return editing.update_tag(wb, tag, user, scope, **changes)
    if op == "delete_tag":
        return editing.delete_tag(wb, _seen(wb, "tag", a.get("tag"), rec_id), user, scope)
    if op == "undo":
        return wb.undo(rec_id, user, scope)
    if op == "redo":
        return wb.redo(rec_id, user, scope)
    raise ValidationError(f"unknown editor action {op!r}")


_ENTITY_BY_TABLE = {m.table: name for name, m in MAPPERS.items()}
_JSON_BY_ENTITY = {"segment": segment_json, "speaker": speaker_json, "tag": tag_json}


def apply_action(wb: Workbench, recording_id: str, username: str, action: dict[str, Any]) -> dict[str, Any]:
    """Apply one editor action; the answer lists what changed, or why nothing did.

    Returns:
        ``{"ok": True, "segments": [...], "speakers": [...], "tags": [...], "deleted": [ids],
        "can_undo", "can_redo"}``; on a stale version ``{"ok": False, "conflict": True, "message",
        "entity", "current": <entity as stored now, or None when deleted>}``; on any other refusal
        ``{"ok": False, "message"}``.
    """
    if not isinstance(action, dict):
        return {"ok": False, "message": "malformed action"}
    rec_id = wb.recording(recording_id).id
    tier = _edit_tier(wb, rec_id, username)
    try:
        out = _result_json(_do(wb, rec_id, username, tier, action))
    except ConflictError as exc:
        entity = _ENTITY_BY_TABLE.get(exc.entity, exc.entity)
        current = MAPPERS[entity].get(wb.db, exc.entity_id) if entity in MAPPERS else None
        to_json = _JSON_BY_ENTITY.get(entity)
        return {"ok": False, "conflict": True, "entity": entity, "id": exc.entity_id,
                "message": f"This {entity} was changed by someone else meanwhile; showing the stored version. "
                           "Your change was not applied.",
                "current": to_json(current) if current is not None and to_json else None}
    except (AudiolabError, ValueError) as exc:
        return {"ok": False, "message": str(exc)}
    out["can_undo"], out["can_redo"] = edits.can_undo_redo(wb.db, rec_id, undo_scope(tier))
    return out


def latest_seq(wb: Workbench, recording_id: str) -> int:
    """The sequence number of the newest edit batch of a recording (0 before any)."""
    row = wb.db.query_one("SELECT MAX(seq) AS seq FROM edit_batches WHERE recording_id = ?", (recording_id,))
    return int(row["seq"] or 0) if row else 0


def changes_since(wb: Workbench, recording_id: str, username: str, since: int) -> dict[str, Any]:
    """What other people (or another tab, or a pre-labeling run) changed since batch ``since``.

    The editor polls this so everyone looking at a recording sees the others' edits without
    reloading. Only what ``username``'s editor shows is returned (their working tier's segments,
    the tags visible there, the speakers), each as stored now, so an entity changed several times
    comes once; ``deleted`` lists ids that no longer exist. ``seq`` is the batch to ask from next.

    Returns:
        ``{"ok": True, "seq", "segments", "speakers", "tags", "deleted", "by", "authors", "can_undo",
        "can_redo"}``; ``by`` maps each entity another person changed last to that person,
        ``authors`` lists them.
    """
    rec_id = wb.recording(recording_id).id
    tier = _edit_tier(wb, rec_id, username)
    seq = latest_seq(wb, rec_id)
    out: dict[str, Any] = {"ok": True, "seq": seq, "segments": [], "speakers": [], "tags": [], "deleted": [],
                           "by": {}, "authors": []}
    if since >= seq:
        return out
    rows = wb.db.query(
        "SELECT e.entity, e.entity_id, b.author FROM edits e JOIN edit_batches b ON e.batch_id = b.id"
        " WHERE b.recording_id = ? AND b.seq > ? AND b.seq <= ? ORDER BY e.id DESC", (rec_id, int(since), seq))
    seen: set[tuple[str, str]] = set()  # newest edit first: each entity once, with its last author
    tier_roles: dict[str | None, TierRole | None] = {}
    for r in rows:
        key = (r["entity"], r["entity_id"])
        if key in seen or r["entity"] not in _JSON_BY_ENTITY:
            continue
        seen.add(key)
        value = MAPPERS[r["entity"]].get(wb.db, r["entity_id"])
        if value is None:
            out["deleted"].append(r["entity_id"])
        elif isinstance(value, Segment) and value.tier_id == tier.id:
            out["segments"].append(segment_json(value))
        elif isinstance(value, Speaker):
            out["speakers"].append(speaker_json(value))
        elif isinstance(value, Tag) and _tag_visible(value, tier, _tier_role(wb, value.tier_id, tier_roles)):
            out["tags"].append(tag_json(value))
        else:
            continue
        if r["author"] != username:
            out["by"][r["entity_id"]] = r["author"]
    out["authors"] = sorted(set(out["by"].values()))
    out["can_undo"], out["can_redo"] = edits.can_undo_redo(wb.db, rec_id, undo_scope(tier))
    return out


def _tier_role(wb: Workbench, tier_id: str | None, cache: dict[str | None, TierRole | None]) -> TierRole | None:
    """The role of a tier read from the database once per call site (None without a tier)."""
    if tier_id not in cache:
        owner = MAPPERS["tier"].get(wb.db, tier_id) if tier_id else None
        cache[tier_id] = owner.role if owner is not None else None
    return cache[tier_id]


def set_vocabulary(wb: Workbench, recording_id: str, kind: str, entries: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Replace the recording's project vocabulary for ``kind`` (emotion or sound_event)."""
    rec = wb.recording(recording_id)
    tk = TagKind(kind)
    vocab = Vocabulary(rec.project, tk, tuple(
        VocabularyEntry(str(e.get("label", "")).strip(), str(e.get("hotkey", ""))[:1].lower(), str(e.get("color", "")))
        for e in entries))
    repository.set_vocabulary(wb.db, vocab)
    return vocab_json(repository.get_vocabulary(wb.db, rec.project, tk))


def history_rows(wb: Workbench, recording_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The newest edit batches of a recording (who, when, what), newest first."""
    rows = wb.db.query(
        "SELECT b.at, b.author, b.action, b.description, b.scope, COUNT(e.id) AS n FROM edit_batches b"
        " LEFT JOIN edits e ON e.batch_id = b.id WHERE b.recording_id = ? GROUP BY b.id ORDER BY b.seq DESC LIMIT ?",
        (wb.recording(recording_id).id, int(limit)))
    return [{"at": r["at"], "author": r["author"], "action": r["action"], "description": r["description"] or "",
             "changes": r["n"]} for r in rows]


# -- library -----------------------------------------------------------------------------------
def library_rows(wb: Workbench, project: str | None = None) -> list[dict[str, Any]]:
    """One row per recording: duration, workflow status and the share of segments corrected.

    Segments are those of the version exports use (the adjudicated tier if there is one, else the
    shared working copy); annotators' private copies and imported references are not counted.
    """
    counts: dict[str, tuple[int, int]] = {}
    rows = wb.db.query(
        "SELECT s.recording_id, t.role, COUNT(*) AS n, SUM(CASE WHEN s.status != 'draft' THEN 1 ELSE 0 END) AS done"
        " FROM segments s JOIN tiers t ON s.tier_id = t.id WHERE t.kind = 'transcript' AND t.role IN (?, ?)"
        " GROUP BY s.recording_id, t.role", (TierRole.ADJUDICATED.value, TierRole.WORK.value))
    for r in sorted(rows, key=lambda r: r["role"] == TierRole.ADJUDICATED.value):  # adjudicated last: it wins
        counts[r["recording_id"]] = (r["n"], r["done"] or 0)
    out = []
    for rec in wb.recordings(project):
        n, done = counts.get(rec.id, (0, 0))
        out.append({"id": rec.id, "name": Path(rec.path).name, "duration_ms": rec.duration_ms,
                    "status": _STATUS_LABELS.get(rec.status, rec.status.value), "segments": n,
                    "progress": (done / n) if n else 0.0, "video": rec.has_video, "path": rec.path})
    return out

