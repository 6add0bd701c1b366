"""The browser editor's JSON: payloads in, answers out, one handler per edit action.

The services speak core types (:mod:`audiolab.services.editor`, :mod:`audiolab.services.editing`);
this module is the only place that knows the shape of what the editor's JavaScript sends and
receives. Times are integer milliseconds in every payload; the browser converts to seconds for
media. An edit names each entity it changes as ``{"id", "version"}`` with the version it saw; a
stale one is refused (:class:`ConflictError`) and the answer carries the entity as stored now so
the editor can show it.

:func:`answers_refusals` is the one error wrapper of every server function of the Editor and the
Review tab: an error a user can cause becomes ``{"ok": False, "message": ...}``.
"""

from __future__ import annotations

import base64
import math
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audiolab.core.model import (
    Recording,
    RecordingStatus,
    Segment,
    SegmentStatus,
    Speaker,
    Tag,
    TagKind,
    Vocabulary,
    VocabularyEntry,
)
from audiolab.errors import AudiolabError, ConflictError, NotFoundError, ValidationError
from audiolab.services import Workbench, editing, library, realign, speakers, waveform
from audiolab.services import editor as svc
from audiolab.services import events as sound_events
from audiolab.services.editor import EditTarget

JSON = dict[str, Any]
REFUSALS = (AudiolabError, ValueError, TypeError)  # what a request can cause; anything else is a bug

STATUS_LABELS = {
    RecordingStatus.NEW: "new",
    RecordingStatus.PRELABELED: "pre-labeled",
    RecordingStatus.IN_PROGRESS: "in progress",
    RecordingStatus.REVIEWED: "reviewed",
}


# -- the error wrapper -------------------------------------------------------------------------
def refused(exc: Exception) -> JSON:
    """The answer to a refused request: ``{"ok": False, "message": <why>}``."""
    return {"ok": False, "message": str(exc)}


def answers_refusals(fn: Callable[..., Any] | None = None, *,
                     answer: Callable[[Exception], Any] = refused) -> Any:
    """Wrap a server function so an error a request can cause (:data:`REFUSALS`) becomes an answer.

    Used bare (``@answers_refusals``) the answer is :func:`refused`; ``answer`` gives a function
    its own shape (the history's empty ``rows``, the spectrogram's ``zoom`` flag). The wrapper
    keeps the wrapped function's name and signature, which Gradio reads to hand it the request.
    """
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return f(*args, **kwargs)
            except REFUSALS as exc:
                return answer(exc)
        return call
    return wrap(fn) if fn is not None else wrap


# -- serializers -------------------------------------------------------------------------------
def segment_json(s: Segment) -> JSON:
    return {
        "id": s.id, "tier_id": s.tier_id, "start": s.span.start_ms, "end": s.span.end_ms, "text": s.text,
        "speaker_id": s.speaker_id, "status": s.status.value, "origin": s.origin.value, "version": s.version,
        "confidence": s.confidence, "flags": list(s.flags),
        "words": [[w.span.start_ms, w.span.end_ms, w.text, w.probability] for w in s.words],
    }


def speaker_json(s: Speaker) -> JSON:
    return {"id": s.id, "label": s.label, "name": s.name, "display": s.display_name, "color": s.color,
            "version": s.version}


def tag_json(t: Tag) -> JSON:
    return {"id": t.id, "kind": t.kind.value, "start": t.span.start_ms, "end": t.span.end_ms, "label": t.label,
            "segment_id": t.segment_id, "tier_id": t.tier_id, "note": t.note, "version": t.version,
            "origin": t.origin.value, "confidence": t.confidence}


def vocab_json(v: Vocabulary) -> list[dict[str, str]]:
    return [{"label": e.label, "hotkey": e.hotkey, "color": e.color} for e in v.entries]


def video_json(rec: Recording) -> JSON | None:
    v = rec.video
    if v is None:
        return None
    return {"fps_num": v.fps_num, "fps_den": v.fps_den, "drop_frame": v.drop_frame,
            "start_timecode": v.start_timecode or "00:00:00:00", "start_offset_ms": v.start_offset_ms,
            "width": v.width, "height": v.height}


_JSON_BY_KIND: dict[str, Callable[[Any], JSON]] = {"segment": segment_json, "speaker": speaker_json, "tag": tag_json}


def state_json(view: svc.EditorView) -> JSON:
    """The editor's state: the recording, the user's tier, its annotation, vocabularies, peaks."""
    rec = view.recording
    return {
        "recording": {
            "id": rec.id, "name": Path(rec.path).name, "duration": rec.duration_ms, "status": rec.status.value,
            "project": rec.project, "video": video_json(rec), "audio_start_ms": rec.audio_start_ms,
        },
        "user": view.user,
        "tier": {"id": view.tier.id, "role": view.tier.role.value, "owner": view.tier.owner, "scope": view.scope},
        "speakers": [speaker_json(s) for s in view.speakers],
        "segments": [segment_json(s) for s in view.segments],
        "tags": [tag_json(t) for t in view.tags],
        "vocab": {v.kind.value: vocab_json(v) for v in view.vocabularies},
        "peaks": [{"ms_per_bin": p.ms_per_bin, "bins": p.bins, "chunk": p.chunk_bins} for p in view.peaks],
        "can_undo": view.can_undo, "can_redo": view.can_redo, "seq": view.seq, "assignment": view.assignment,
    }


def _entities_json(cs: svc.ChangeSet) -> JSON:
    return {"segments": [segment_json(s) for s in cs.segments], "speakers": [speaker_json(s) for s in cs.speakers],
            "tags": [tag_json(t) for t in cs.tags], "deleted": list(cs.deleted)}


# -- payloads ----------------------------------------------------------------------------------
def recording_of(payload: Any) -> str:
    """The recording id a request names (``payload["recording"]``)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("recording"), str):
        raise AudiolabError("the request names no recording")
    return payload["recording"]


def ms(payload: JSON, key: str) -> int:
    """``payload[key]`` as integer milliseconds (a float is rounded; a bool is refused)."""
    v = payload.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValidationError(f"'{key}' must be a number of milliseconds")
    return int(round(v))


def seen(wb: Workbench, kind: svc.EntityKind, ref: Any, recording_id: str) -> Any:
    """The stored entity named by the reference ``{"id", "version"}``, refused if the browser saw another version."""
    if not isinstance(ref, dict):
        raise ValidationError(f"expected a {kind} reference with id and version")
    version = ref.get("version")
    return svc.seen(wb, kind, recording_id, ref.get("id"), version if isinstance(version, int) else None)


def _speaker_id(wb: Workbench, a: JSON, recording_id: str) -> Any:
    """``a["speaker_id"]``: None, or a speaker of the recording."""
    spk = a.get("speaker_id")
    if spk is not None:
        svc.entity(wb, "speaker", recording_id, spk)
    return spk


def vocabulary_entries(entries: Any) -> list[VocabularyEntry]:
    """The vocabulary editor's rows ``[{label, hotkey, color}]`` (hotkey: one lower-case key)."""
    return [VocabularyEntry(str(e.get("label", "")).strip(), str(e.get("hotkey", ""))[:1].lower(), str(e.get("color", "")))
            for e in list(entries or [])]


# -- one handler per edit action ---------------------------------------------------------------
Handler = Callable[[Workbench, EditTarget, JSON], editing.BatchResult]


def _set_text(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return editing.set_text(wb, seen(wb, "segment", a.get("segment"), t.recording_id), str(a.get("text", "")),
                            t.user, t.scope)


def _replace_text(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return editing.replace_text(wb, svc.segments(wb, t.recording_id, t.tier.id), str(a.get("find", "")),
                                str(a.get("replace", "")), t.user, t.scope, bool(a.get("match_case")),
                                bool(a.get("whole_words", True)))


def _set_span(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    seg = seen(wb, "segment", a.get("segment"), t.recording_id)
    return editing.set_span(wb, seg, ms(a, "start"), ms(a, "end"), t.user, t.scope)


def _set_speaker(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    seg = seen(wb, "segment", a.get("segment"), t.recording_id)
    return editing.set_speaker(wb, seg, _speaker_id(wb, a, t.recording_id), t.user, t.scope)


def _set_status(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    seg = seen(wb, "segment", a.get("segment"), t.recording_id)
    return editing.set_segment_status(wb, seg, SegmentStatus(str(a.get("status"))), t.user, t.scope)


def _split(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return editing.split(wb, seen(wb, "segment", a.get("segment"), t.recording_id), ms(a, "at"), t.user, t.scope)


def _merge(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    """Merge ``other`` into ``segment``; the speaker is ``speaker_id`` when given (null: none),
    else the one of the two holding more speech (:func:`editing.speaker_with_more_speech`)."""
    first = seen(wb, "segment", a.get("segment"), t.recording_id)
    second = seen(wb, "segment", a.get("other"), t.recording_id)
    speaker = _speaker_id(wb, a, t.recording_id) if "speaker_id" in a else editing.MOST_SPEECH
    return editing.merge(wb, first, second, svc.tags_of_segment(wb, t.recording_id, second.id), t.user, t.scope,
                         speaker=speaker)


def _cursor(a: JSON) -> tuple[str, int]:
    """The text the editor's box holds and the text cursor in it (a character offset)."""
    text, cursor = a.get("text"), a.get("cursor")
    if not isinstance(text, str) or isinstance(cursor, bool) or not isinstance(cursor, int):
        raise ValidationError("'text' must be the segment's text and 'cursor' a character offset in it")
    return text, cursor


def _split_text(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    text, cursor = _cursor(a)
    return editing.split_at_text(wb, seen(wb, "segment", a.get("segment"), t.recording_id), text, cursor, t.user,
                                 t.scope)


def _move_words(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    text, cursor = _cursor(a)
    seg = seen(wb, "segment", a.get("segment"), t.recording_id)
    other = seen(wb, "segment", a.get("other"), t.recording_id)
    return editing.move_words(wb, seg, text, cursor, other, str(a.get("direction")),
                              svc.tags_of_segment(wb, t.recording_id, seg.id), t.user, t.scope)


def _words_to_speaker(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    text, cursor = _cursor(a)
    seg = seen(wb, "segment", a.get("segment"), t.recording_id)
    return editing.words_to_speaker(wb, seg, text, cursor, _speaker_id(wb, a, t.recording_id), t.user, t.scope)


def _create_segment(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    spk = _speaker_id(wb, a, t.recording_id)
    return editing.create_segment(wb, t.recording_id, t.tier.id, ms(a, "start"), ms(a, "end"), t.user, spk,
                                  str(a.get("text", "")), t.scope)


def _delete_segment(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    seg = seen(wb, "segment", a.get("segment"), t.recording_id)
    return editing.delete_segment(wb, seg, svc.tags_of_segment(wb, t.recording_id, seg.id), t.user, t.scope)


def _add_speaker(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return editing.add_speaker(wb, t.recording_id, str(a.get("name", "")), t.user, svc.speakers(wb, t.recording_id))


def _rename_speaker(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return editing.rename_speaker(wb, seen(wb, "speaker", a.get("speaker"), t.recording_id), str(a.get("name", "")),
                                  t.user)


def _merge_speakers(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    keep = seen(wb, "speaker", a.get("keep"), t.recording_id)
    drop = seen(wb, "speaker", a.get("drop"), t.recording_id)
    everywhere = svc.segments(wb, t.recording_id)
    mine = [s for s in everywhere if s.tier_id == t.tier.id]
    elsewhere = any(s.tier_id != t.tier.id and editing.uses_speaker(s, drop.id) for s in everywhere)
    return editing.merge_speakers(wb, keep, drop, mine, t.user, delete_drop=not elsewhere)


def _add_tag(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    kind = TagKind(str(a.get("kind")))
    seg_id = a.get("segment_id")
    if seg_id is not None:
        svc.entity(wb, "segment", t.recording_id, seg_id)
    tier = svc.tag_tier(wb, t, kind)
    return editing.add_tag(wb, t.recording_id, kind, ms(a, "start"), ms(a, "end"), str(a.get("label", "")), t.user,
                           seg_id, tier, str(a.get("note", "")), t.scope)


def _update_tag(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    tag = seen(wb, "tag", a.get("tag"), t.recording_id)
    changes: dict[str, Any] = {f"{key}_ms": ms(a, key) for key in ("start", "end") if key in a}
    changes.update({key: str(a[key]) for key in ("label", "note") if key in a})
    return editing.update_tag(wb, tag, t.user, t.scope, **changes)


def _delete_tag(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return editing.delete_tag(wb, seen(wb, "tag", a.get("tag"), t.recording_id), t.user, t.scope)


# -- sound-event proposals (services/events.py): a person's answer, and runs asked for in the editor
_NOTHING_WRITTEN = editing.BatchResult("", {})  # a run that found nothing to change: an empty answer


def _accept_tag(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    """Accept a proposal as it is, or (``label``) under that label: it becomes a human tag."""
    label = a.get("label")
    return sound_events.accept(wb, seen(wb, "tag", a.get("tag"), t.recording_id), t.user,
                               None if label is None else str(label), t.scope)


def _reject_tag(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return sound_events.reject(wb, seen(wb, "tag", a.get("tag"), t.recording_id), t.user, t.scope)


def _accept_suggestions(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    """Accept every suggestion of the editor's sound-event lane scoring at least ``min_score`` (0-1)."""
    score = a.get("min_score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise ValidationError("'min_score' must be a number from 0 to 1")
    return sound_events.accept_suggestions(wb, svc.event_tags(wb, t), t.user, float(score), t.scope)


def _detect_events(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    res = sound_events.detect_candidates(wb, t.recording_id, tier=svc.event_tier(wb, t), by=t.user, scope=t.scope)
    return res.batch or _NOTHING_WRITTEN


def _suggest_events(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    """Label the lane's untouched proposals by likeness to the project's human sound-event tags."""
    res = sound_events.suggest(wb, [t.recording_id], tier=svc.event_tier(wb, t), by=t.user, scope=t.scope)
    return res.batches.get(t.recording_id) or _NOTHING_WRITTEN


def _undo(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return wb.undo(t.recording_id, t.user, t.scope)


def _redo(wb: Workbench, t: EditTarget, a: JSON) -> editing.BatchResult:
    return wb.redo(t.recording_id, t.user, t.scope)


OPS: dict[str, Handler] = {
    "set_text": _set_text, "replace_text": _replace_text, "set_span": _set_span, "set_speaker": _set_speaker,
    "set_status": _set_status, "split": _split, "merge": _merge, "split_text": _split_text,
    "move_words": _move_words, "words_to_speaker": _words_to_speaker, "create_segment": _create_segment,
    "delete_segment": _delete_segment, "add_speaker": _add_speaker, "rename_speaker": _rename_speaker,
    "merge_speakers": _merge_speakers, "add_tag": _add_tag, "update_tag": _update_tag, "delete_tag": _delete_tag,
    "accept_tag": _accept_tag, "reject_tag": _reject_tag, "accept_suggestions": _accept_suggestions,
    "detect_events": _detect_events, "suggest_events": _suggest_events, "undo": _undo, "redo": _redo,
}


# -- what the server functions answer ----------------------------------------------------------
def conflict_json(wb: Workbench, exc: ConflictError) -> JSON:
    """The answer to a stale edit: what it was about and that entity as stored now (None when deleted)."""
    kind, current = svc.stored_conflict(wb, exc)
    to_json = _JSON_BY_KIND.get(kind)
    return {"ok": False, "conflict": True, "entity": kind, "id": exc.entity_id,
            "message": f"This {kind} was changed by someone else meanwhile; showing the stored version. "
                       "Your change was not applied.",
            "current": to_json(current) if current is not None and to_json else None}


_RETIMED_RETRIES = 3  # an edit made again when re-timing raced it (each try reads afresh)


def apply_action(wb: Workbench, recording_id: str, username: str, action: Any) -> JSON:
    """Apply one editor action; the answer lists what changed, or why nothing did.

    Returns:
        ``{"ok": True, "segments": [...], "speakers": [...], "tags": [...], "deleted": [ids],
        "can_undo", "can_redo"}``; on a stale version ``{"ok": False, "conflict": True, "entity",
        "id", "message", "current": <entity as stored now, or None when deleted>}``; on any other
        refusal ``{"ok": False, "message"}``.
    """
    if not isinstance(action, dict):
        return {"ok": False, "message": "malformed action"}
    target = svc.edit_target(wb, recording_id, username)
    for attempt in range(_RETIMED_RETRIES + 1):
        try:
            op = action.get("op")
            handler = OPS.get(op) if isinstance(op, str) else None
            if handler is None:
                raise ValidationError(f"unknown editor action {op!r}")
            result = handler(wb, target, action)
            break
        except ConflictError as exc:
            # the background re-timing of words wrote between this edit's read and its write:
            # not someone else's change (seen() accepts it), so the edit is made again on it
            if attempt < _RETIMED_RETRIES and svc.retimed_meanwhile(wb, exc):
                continue
            return conflict_json(wb, exc)
        except (AudiolabError, ValueError) as exc:
            return refused(exc)
    realign.schedule_unaligned(wb, result)  # word times follow the audio, in the background
    cs = svc.batch_changes(wb, target, result)
    return {"ok": True, **_entities_json(cs), "can_undo": cs.can_undo, "can_redo": cs.can_redo}


def changes_since(wb: Workbench, recording_id: str, username: str, since: int) -> JSON:
    """What others changed since batch ``since``, as the editor's poll receives it.

    Returns:
        ``{"ok": True, "seq", "segments", "speakers", "tags", "deleted", "by", "authors"}`` and,
        when anything changed, ``"can_undo", "can_redo"``; ``by`` maps each entity another person
        changed last to that person, ``authors`` lists them.
    """
    cs = svc.changes_since(wb, recording_id, username, since)
    out = {"ok": True, "seq": cs.seq, **_entities_json(cs), "by": dict(cs.by), "authors": cs.authors}
    if cs.can_undo is not None:
        out["can_undo"], out["can_redo"] = cs.can_undo, cs.can_redo
    return out


def editor_state(wb: Workbench, recording_id: str, username: str) -> JSON:
    """Everything the editor shows for one recording, as the user's working tier sees it."""
    return state_json(svc.editor_view(wb, recording_id, username))


def peaks_chunk(wb: Workbench, recording_id: str, level: int, chunk: int) -> JSON:
    """One chunk of one peak level as base64 int8 (min, max) pairs."""
    c = waveform.peaks_chunk(wb, recording_id, level, chunk)
    return {"level": c.level, "chunk": c.chunk, "start_bin": c.start_bin, "bins": c.bins,
            "data": base64.b64encode(c.data).decode("ascii")}


def set_vocabulary(wb: Workbench, recording_id: str, kind: Any, entries: Any, user: str | None = None
                   ) -> list[dict[str, str]]:
    """Replace the recording's project vocabulary for ``kind`` (emotion or sound_event); the rows as stored."""
    return vocab_json(svc.set_vocabulary(wb, recording_id, TagKind(str(kind)), vocabulary_entries(entries), user))


def history_rows(wb: Workbench, recording_id: str, limit: int = 100, user: str | None = None) -> list[JSON]:
    """The newest edit batches of a recording (who, when, what) that ``user`` may see, newest first."""
    return [{"at": b.at, "author": b.author, "action": b.action, "description": b.description, "changes": b.changes}
            for b in svc.history_batches(wb, recording_id, limit, user)]


def voices_json(wb: Workbench, recording_id: str, username: str) -> JSON:
    """The voices the speaker panel offers: ``{"ok", "project", "names", "may_enroll"}``."""
    v = svc.enrolled_voices(wb, recording_id, username)
    return {"ok": True, "project": v.project, "names": list(v.names), "may_enroll": v.may_enroll}


def enroll_voice(wb: Workbench, recording_id: str, username: str, speaker: Any, name: Any) -> JSON:
    """Enroll the voice of ``speaker`` (``{"id", ...}``) under ``name`` for the recording's project.

    Returns:
        ``{"ok": True, "name", "project", "speech_ms", "segments", "source", "names"}`` (``names``:
        every name the project has enrolled now); refusals (the role, too little speech) raise.
    """
    rec_id = wb.recording(recording_id).id
    sid = speaker.get("id") if isinstance(speaker, dict) else None
    sp = next((s for s in svc.speakers(wb, rec_id) if s.id == sid), None)
    if sp is None:
        raise NotFoundError(f"recording {rec_id} has no speaker {sid!r} (merged or deleted meanwhile?): reload the editor")
    vp = speakers.enroll(wb, str(name or ""), rec_id, sp.label, actor=username)
    return {"ok": True, "name": vp.name, "project": vp.project, "speech_ms": vp.speech_ms, "segments": vp.segments,
            "source": vp.source, "names": list(svc.enrolled_voices(wb, rec_id, username).names)}


def library_rows(wb: Workbench, project: str | None = None) -> list[JSON]:
    """One row per recording: id, name, duration, status label, segments, share corrected, video, path."""
    return [{"id": r.recording.id, "name": Path(r.recording.path).name, "duration_ms": r.recording.duration_ms,
             "status": STATUS_LABELS.get(r.recording.status, r.recording.status.value), "segments": r.segments,
             "progress": r.progress, "video": r.recording.has_video, "path": r.recording.path}
            for r in library.library_rows(wb, project)]
