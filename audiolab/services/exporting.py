"""Export and import use cases over the database, shared by the CLI and the UI's export panel.

``export_recording`` reads a recording's transcript (and its project's vocabularies) and writes a
file; ``import_file`` reads a file with :func:`audiolab.export.read_file` (the format's reader,
found in the registry) and writes it into a recording as drafts on the working transcript tier,
or as a new reference (gold) tier, in ONE edit batch: a file that fails to parse or to validate
writes nothing, and an import is undone with one ``audiolab undo``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from audiolab.core.model import (
    Origin,
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
    Word,
    new_id,
    speaker_color,
    tier_id,
)
from audiolab.errors import ImportFormatError, ValidationError
from audiolab.export import FORMATS, ExportOptions, FormatInfo, ReadOptions, format_info, read_file, write_transcript
from audiolab.export.coverage import LeftOut
from audiolab.export.options import TimeMap
from audiolab.export.reading import ImportedDoc, to_media_time
from audiolab.services import Workbench, access
from audiolab.services.media_check import verify_media
from audiolab.storage import repository
from audiolab.storage.edits import Change

__all__ = ["FORMATS", "FormatInfo", "ImportResult", "LeftOut", "export_all", "export_recording", "format_choices", "import_file"]

Progress = Callable[[int, int, str], None]
ImportAs = Literal["draft", "reference"]
#: How far past the recording's end an imported time may reach before the file is refused.
END_TOLERANCE_MS = 1000
#: Formats whose exports ignore the video clock (their times are always the media's).
MEDIA_TIME_ONLY = ("json", "labelstudio")


def format_choices() -> list[tuple[str, str]]:
    """(label, name) pairs for a dropdown: ``"srt: SubRip subtitles ..."``."""
    return [(f"{f.name}: {f.description}", f.name) for f in FORMATS.values()]


def _with_vocabularies(wb: Workbench, t: Transcript, options: ExportOptions | None) -> ExportOptions:
    opts = options or ExportOptions()
    if opts.vocabularies:
        return opts
    vocabs = tuple(repository.get_vocabulary(wb.db, t.recording.project, k) for k in (TagKind.EMOTION, TagKind.SOUND_EVENT))
    return dataclasses.replace(opts, vocabularies=vocabs)


def export_recording(wb: Workbench, recording_id: str, fmt: str, out_path: str | os.PathLike[str],
                     options: ExportOptions | None = None, actor: str | None = None, *,
                     left_out: LeftOut | None = None) -> Path:
    """Export one stored recording; ``out_path`` may be a folder. Returns the file written.

    Args:
        left_out: where to count what of the version the format does not carry by design
            (its :meth:`~audiolab.export.coverage.LeftOut.note` says it in one line).

    Raises:
        AuthError: ``actor`` is a registered annotator (a delivery is a reviewer's or manager's).
        MediaError: the media file changed since ingest, so the stored times may not fit it.
        ValidationError: the version holds what the format cannot (the message names what and
            where); nothing is written.
    """
    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "export recordings")
    t = wb.transcript(recording_id)
    verify_media(wb, t.recording)
    # Machine proposals (sound-event candidates and suggestions) are not annotations until a
    # person accepts them (services/events.py): they never leave in an export.
    t = dataclasses.replace(t, tags=tuple(x for x in t.tags if x.origin != Origin.MACHINE))
    opts = _with_vocabularies(wb, t, options)
    path = write_transcript(t, fmt, out_path, opts)
    if left_out is not None:
        left_out.add(t, opts)
    return path


def export_all(wb: Workbench, fmt: str, out_dir: str | os.PathLike[str], options: ExportOptions | None = None,
               project: str | None = None, progress: Progress | None = None, *,
               left_out: LeftOut | None = None) -> list[Path]:
    """Export every recording (of a project) into a folder, one file each.

    Files are named after the media file's stem; when two recordings share a stem, the
    recording id is added (``talk.3f2a9c1b0d4e.srt``). ``left_out`` adds up what the format
    leaves out of every recording.
    """
    info = format_info(fmt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    recs = wb.recordings(project)
    stems = [Path(r.path).stem for r in recs]
    written = []
    for i, rec in enumerate(recs):
        if progress:
            progress(i, len(recs), Path(rec.path).name)
        stem = stems[i] if stems.count(stems[i]) == 1 else f"{stems[i]}.{rec.id}"
        written.append(export_recording(wb, rec.id, fmt, out / f"{stem}{info.extension}", options,
                                        left_out=left_out))
    if progress:
        progress(len(recs), len(recs), "")
    return written


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import wrote.

    ``replaced``: untouched draft segments the imported ones replaced (``replace_drafts``);
    ``kept``: cues left out because a human-edited segment is there; ``speakers_named``: unnamed
    speakers of the replaced draft that took the name the file gives them.
    """

    tier: Tier
    segments: int
    speakers_created: int
    tags: int
    batch_id: str
    replaced: int = 0
    kept: int = 0
    speakers_named: int = 0


def _work_tier(t: Transcript, kind: TierKind) -> Tier | None:
    return next((x for x in t.tiers if x.kind == kind and x.role == TierRole.WORK), None)


def import_file(wb: Workbench, path: str | os.PathLike[str], recording_id: str, fmt: str | None = None,
                as_: ImportAs = "draft", encoding: str | None = None, author: str = "import",
                tier_name: str | None = None, speaker_prefix: bool = True,
                time: ExportOptions | None = None, replace_drafts: bool = False) -> ImportResult:
    """Import a file into a recording, all in one edit batch (nothing is written on any error).

    Args:
        path: the file (srt, vtt, rttm, TextGrid, eaf, stm, audiolab json, Label Studio json).
        recording_id: the recording (id, unique prefix or path).
        fmt: the format; default from the extension (and, for .json, the content).
        as_: ``draft`` adds segments to the working transcript tier (origin ``import``, status
            ``draft``); ``reference`` creates a new transcript tier with role ``reference``.
        encoding: the file's text encoding when it is not UTF-8 and declares none.
        tier_name: name of the reference tier (default ``reference: <file name>``).
        speaker_prefix: SRT: read ``Name: text`` as a speaker.
        replace_drafts: with ``as_="draft"``, replace the working tier's untouched draft segments
            (machine drafts no one edited: pre-labeling's, an earlier import's) that overlap the
            file's segments, and keep every human-edited segment, leaving out the file's segments
            that overlap one (the rule pre-labeling re-runs follow). Speakers are mapped: a file
            speaker that matches no speaker's label or name takes over the unnamed speaker of
            the replaced draft it overlaps most (which gets its name), and a segment without a
            speaker takes the speaker of the draft it replaces.
        time: how the file's times were written, for a file exported in video time
            (``clock="video"``, with the frame rate, drop-frame, start timecode and offset the
            export used; each defaults to the recording's video as an export's does): its times
            are mapped back to media time. Default: the file is in media time.

    Raises:
        ImportFormatError: the file is malformed (with the line where known), or a time lands
            before the start of the media once mapped back.
        ValidationError: the file does not fit the recording (times past its end).
    """
    if as_ not in ("draft", "reference"):
        raise ValidationError(f"import as 'draft' or 'reference', not {as_!r}")
    rec = wb.recording(recording_id)
    doc = read_file(path, fmt, ReadOptions(encoding=encoding, speaker_prefix=speaker_prefix, recording_id=rec.id))
    if time is not None and time.clock == "video":
        if doc.format in MEDIA_TIME_ONLY:
            raise ValidationError(f"{Path(path).name}: {doc.format} files are always written in media time; "
                                  "import it without --clock video")
        to_media_time(doc, TimeMap(rec, time))
    t = wb.transcript(rec.id)
    plan = _changes(doc, t, as_, tier_name or f"reference: {Path(path).name}", replace_drafts and as_ == "draft")
    changes = plan.changes
    if not any(c.op != "delete" for c in changes):
        raise ImportFormatError(path, "the file holds no segments or tags to import"
                                + (" outside the human-edited segments" if plan.kept else ""))
    how = " replacing the untouched draft" if replace_drafts and as_ == "draft" else ""
    result = wb.apply(rec.id, changes, author, f"import {Path(path).name} as {as_}{how}")
    n_seg = sum(1 for c in changes if isinstance(c.value, Segment) and c.op == "create")
    n_tag = sum(1 for c in changes if isinstance(c.value, Tag) and c.op == "create")
    return ImportResult(plan.tier, n_seg, plan.created, n_tag, result.batch_id, plan.replaced, plan.kept, plan.named)


def untouched_draft(s: Segment) -> bool:
    """A machine draft no one has edited (pre-labeling's or an import's): an import may replace it."""
    return s.status == SegmentStatus.DRAFT and not s.touched and s.origin in (Origin.ASR, Origin.IMPORT)


@dataclass
class _Plan:
    changes: list[Change]
    tier: Tier
    created: int = 0
    replaced: int = 0
    kept: int = 0
    named: int = 0


def _overlap(a0: int, a1: int, b: Segment) -> int:
    return max(0, min(a1, b.span.end_ms) - max(a0, b.span.start_ms))


def _replacing(doc: ImportedDoc, t: Transcript, tier: Tier) -> tuple[list[Segment], int]:
    """Which untouched drafts the file's segments replace; drops the segments over human edits.

    Returns the replaced drafts and how many of the file's segments were left out.
    """
    mine = t.segments_of(tier.id) if any(x.id == tier.id for x in t.tiers) else []
    protected = [s for s in mine if not untouched_draft(s)]
    cues = [c for c in doc.segments
            if not any(_overlap(c.start_ms, c.end_ms, p) > 0 for p in protected)]
    left_out = len(doc.segments) - len(cues)
    doc.segments[:] = cues
    replaced = [s for s in mine if untouched_draft(s) and any(_overlap(c.start_ms, c.end_ms, s) > 0 for c in cues)]
    return replaced, left_out


def _changes(doc: ImportedDoc, t: Transcript, as_: ImportAs, tier_name: str, replace: bool = False) -> _Plan:
    rec = t.recording
    limit = rec.duration_ms + END_TOLERANCE_MS
    for s in doc.segments:
        if s.end_ms > limit:
            raise ImportFormatError(doc.path, f"segment ends at {s.end_ms / 1000:.3f} s, past the end of recording "
                                              f"{rec.id} ({rec.duration_ms / 1000:.3f} s); if it was exported in video time, "
                                              "import it with --clock video (and the export's --start-tc)",
                                    s.line)
    changes: list[Change] = []
    if as_ == "reference":
        tier = Tier(new_id(), rec.id, tier_name, TierKind.TRANSCRIPT, TierRole.REFERENCE)
        changes.append(Change.create(tier))
    else:
        found = _work_tier(t, TierKind.TRANSCRIPT)
        if found is None:
            found = Tier(tier_id(rec.id, "transcript"), rec.id, "transcript", TierKind.TRANSCRIPT, TierRole.WORK)
            changes.append(Change.create(found))
        tier = found
    plan = _Plan(changes, tier)
    replaced: list[Segment] = []
    if replace:
        replaced, plan.kept = _replacing(doc, t, tier)
        plan.replaced = len(replaced)

    def draft_under(start: int, end: int, pool: list[Segment]) -> Segment | None:
        best = max(pool, key=lambda d: _overlap(start, end, d), default=None)
        return best if best is not None and _overlap(start, end, best) > 0 else None

    # Speakers: reuse by label, then by name (case-insensitive); when replacing a draft, take over
    # its unnamed speaker; create the rest.
    speakers: dict[str, str] = {}
    by_label = {s.label: s for s in t.speakers}
    by_name = {s.name.casefold(): s for s in t.speakers if s.name}
    by_id = {s.id: s for s in t.speakers}
    claimed: set[str] = set()
    n = len(t.speakers)
    for s in doc.segments:
        key = s.speaker
        if not key or key in speakers:
            continue
        found_spk = by_label.get(key) or by_name.get(key.casefold())
        if found_spk is None and replaced:
            votes: dict[str, int] = {}
            for c in doc.segments:
                if c.speaker == key:
                    for d in replaced:
                        if d.speaker_id and _overlap(c.start_ms, c.end_ms, d):
                            votes[d.speaker_id] = votes.get(d.speaker_id, 0) + _overlap(c.start_ms, c.end_ms, d)
            for sid in sorted(votes, key=lambda k: -votes[k]):
                cand = by_id.get(sid)
                if cand is not None and not cand.name and sid not in claimed:
                    found_spk = dataclasses.replace(cand, name=doc.speaker_names.get(key) or key)
                    changes.append(Change.update(found_spk))
                    by_name[key.casefold()] = found_spk
                    plan.named += 1
                    break
        if found_spk is None:
            found_spk = Speaker(new_id(), rec.id, key, doc.speaker_names.get(key, ""), speaker_color(n))
            changes.append(Change.create(found_spk))
            by_label[key] = found_spk
            plan.created += 1
            n += 1
        claimed.add(found_spk.id)
        speakers[key] = found_spk.id
    seg_ids: list[str] = []
    for s in doc.segments:
        spk = speakers.get(s.speaker or "")
        if spk is None and not s.speaker and replaced:
            under = draft_under(s.start_ms, s.end_ms, replaced)
            spk = under.speaker_id if under is not None else None
        words = tuple(Word(Span(w.start_ms, w.end_ms), w.text, None, spk) for w in s.words if w.end_ms > w.start_ms)
        extra = s.extra
        seg = Segment(
            id=new_id(), recording_id=rec.id, tier_id=tier.id, span=Span(s.start_ms, s.end_ms), text=s.text,
            speaker_id=spk, words=words, language=extra.get("language"), confidence=extra.get("confidence"),
            avg_logprob=extra.get("avg_logprob"), no_speech_prob=extra.get("no_speech_prob"), origin=Origin.IMPORT,
            status=SegmentStatus(extra.get("status", "draft")) if as_ == "reference" else SegmentStatus.DRAFT,
            flags=tuple(extra.get("flags", ())),
        )
        seg_ids.append(seg.id)
        changes.append(Change.create(seg))
    if replaced:
        gone = {d.id for d in replaced}
        new_segs = [c.value for c in changes if isinstance(c.value, Segment)]
        for tag in t.tags:  # tags on a replaced draft go to the imported segment over it (or stand alone)
            if tag.segment_id in gone:
                home = max(new_segs, key=lambda g: _overlap(tag.span.start_ms, tag.span.end_ms, g), default=None)
                keep = home if home is not None and _overlap(tag.span.start_ms, tag.span.end_ms, home) > 0 else None
                changes.append(Change.update(dataclasses.replace(tag, segment_id=keep.id if keep else None)))
        changes.extend(Change.delete(d) for d in replaced)
    tag_tiers: dict[TagKind, Tier] = {}
    for tag in doc.tags:
        if tag.kind not in tag_tiers:
            kind_tier = TierKind(tag.kind.value)
            if as_ == "reference":
                tt = Tier(new_id(), rec.id, f"{tier_name} ({tag.kind.value})", kind_tier, TierRole.REFERENCE, parent_id=tier.id)
                changes.append(Change.create(tt))
            else:
                tt = _work_tier(t, kind_tier) or Tier(new_id(), rec.id, tag.kind.value, kind_tier, TierRole.WORK)
                if tt.id not in {x.id for x in t.tiers}:
                    changes.append(Change.create(tt))
            tag_tiers[tag.kind] = tt
        if not tag.label.strip():
            continue
        changes.append(Change.create(Tag(
            new_id(), rec.id, tag.kind, Span(tag.start_ms, tag.end_ms), tag.label.strip(), tag_tiers[tag.kind].id,
            seg_ids[tag.segment] if tag.segment is not None else None, tag.note, tag.confidence, Origin.IMPORT)))
    return plan
