"""Sound-event pre-labeling without a tagger model: candidates from the signal, labels by example.

No registry package ships a sound-event tagger, so the workbench proposes *where* something
sounds (:func:`detect_candidates`, signal processing in :mod:`audiolab.pipelines.events`) and
*what* it may be by likeness to the sounds annotators have already labelled in the project
(:func:`suggest`). Both write machine proposals to the recording's sound-event tier
(``<rid>-events``) through the edit API, each run one batch authored ``audiolab-events``, so a
person can undo them like any edit.

**What the proposals look like.** Every proposal is a sound-event tag with origin ``machine``:

- a *candidate* has label ``?``, confidence = the detector's score (the share of its peak energy
  the floor or the voice does not explain) and a note saying how far above what it stands;
- a *suggestion* is a candidate :func:`suggest` gave a label: label = the suggested label,
  confidence = its similarity (cosine, 0-1) to the nearest example of that label, note
  ``suggested: LABEL 0.81; OTHER 0.42; ...`` (the three best labels).

Tags with origin ``machine`` are proposals, and exports are to leave them out; :func:`accept` (a
person confirming or renaming one) makes it ``human``, :func:`reject` deletes it. A person's other
edit of a proposal (moving it, relabelling it through the ordinary tag edit) protects it from
re-runs but leaves it a proposal until it is accepted.

**Re-running never destroys human work.** A re-run of :func:`detect_candidates` replaces only
*untouched* proposals: origin ``machine`` and every edit in their history authored by
``audiolab-events``. Human tags (and proposals a person edited) stay, and new candidates that
overlap one of them are dropped. :func:`suggest` re-labels untouched proposals only.

**Where the voice is.** From the recording's stored segments (its main transcript tier: the
pre-labeling output, corrected or not) when there are any, else from Silero VAD
(:func:`audiolab.pipelines.whisper.speech_regions`).

Proposals are written with :func:`audiolab.storage.edits.apply` (history, undo, version checks)
rather than ``Workbench.apply``, which would mark the recording in progress: a machine guess is no
progress, as with pre-labeling. A run a person asks for (``by``: the editor's Find sound events,
the Library) is checked first against :mod:`audiolab.services.access` for the tier it writes: the
shared sound-event tier, or (``tier``) an annotator's own copy, where their editor shows it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from audiolab.core.model import (
    Origin,
    PipelineRun,
    Recording,
    Span,
    Tag,
    TagKind,
    new_id,
    tier_id,
)
from audiolab.errors import NotFoundError, NothingToDoError, ValidationError
from audiolab.pipelines import events as ev
from audiolab.services import Workbench, access
from audiolab.storage import edits, repository
from audiolab.storage.db import utcnow

AUTHOR = "audiolab-events"
CANDIDATE_LABEL = "?"
RUN_KIND = "events"
HUMAN_ORIGINS = (Origin.HUMAN, Origin.IMPORT)

Progress = Callable[[int, int, str], None]
SpeechSource = Literal["segments", "vad"]


@dataclass(frozen=True, slots=True)
class DetectOptions:
    """How candidates are found.

    Attributes:
        events: the detector's thresholds.
        use_segments: take the voice from stored segments when the recording has any.
        vad_min_silence_ms: with VAD, a pause this long ends a speech region.
        vad_pad_ms: with VAD, speech regions are widened by this much.
    """

    events: ev.EventOptions = field(default_factory=ev.EventOptions)
    use_segments: bool = True
    vad_min_silence_ms: int = 300
    vad_pad_ms: int = 100

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class DetectResult:
    """What one detection run stored.

    Attributes:
        recording_id: the recording.
        candidates: the candidate tags as stored now.
        replaced: untouched proposals of an earlier run removed.
        kept: human tags and edited proposals left as they were.
        dropped: new candidates not stored because they overlap a kept tag.
        speech_source: where the voice came from (``segments`` or ``vad``).
        speech_ms: how much of the recording is speech.
        batch: the edit batch written (None when nothing changed).
    """

    recording_id: str
    candidates: tuple[Tag, ...]
    replaced: int
    kept: int
    dropped: int
    speech_source: SpeechSource
    speech_ms: int
    batch: edits.BatchResult | None = None


@dataclass(frozen=True, slots=True)
class SuggestOptions:
    """How labels are suggested.

    Attributes:
        min_score: a proposal gets a label only when its nearest example of it is at least this
            similar (cosine, 0-1); otherwise it stays (or becomes again) a ``?`` candidate. On
            the benchmark's tuning seeds, candidates that were no sound at all had a median best
            similarity of 0.22 (90th percentile 0.40), correct suggestions a 10th percentile of
            0.48: 0.4 leaves most stray candidates unlabelled and keeps nine in ten right ones.
        features: the feature set (see :func:`audiolab.pipelines.events.features`).
        detect: how the voice is found (the features compare sound above it).
    """

    min_score: float = 0.4
    features: str = "mfcc"
    detect: DetectOptions = field(default_factory=DetectOptions)


@dataclass(frozen=True, slots=True)
class SuggestResult:
    """What :func:`suggest` did.

    Attributes:
        labels: the labels that had examples, with how many examples each.
        suggested: proposals labelled now, per recording id.
        unlabelled: proposals left ``?`` (no label similar enough), per recording id.
        ranking: per label, the proposals ranked by similarity (tag id, score), best first.
        batches: the edit batch written, per recording id (none where nothing changed).
    """

    labels: dict[str, int]
    suggested: dict[str, int]
    unlabelled: dict[str, int]
    ranking: dict[str, list[tuple[str, float]]]
    batches: dict[str, edits.BatchResult] = field(default_factory=dict)


# -- which tags are proposals ----------------------------------------------------------------------

def is_proposal(tag: Tag) -> bool:
    """A machine candidate or suggestion (origin ``machine``): not a person's annotation."""
    return tag.origin == Origin.MACHINE


def is_suggestion(tag: Tag) -> bool:
    """A proposal with a suggested label (a candidate's label is ``?``)."""
    return is_proposal(tag) and tag.label != CANDIDATE_LABEL


def _untouched(wb: Workbench, tag: Tag) -> bool:
    if not is_proposal(tag):
        return False
    return all(e.author == AUTHOR for e in edits.history(wb.db, tag.recording_id, tag.id, limit=10_000))


def _as_detected(wb: Workbench, tag: Tag) -> tuple[float | None, str]:
    """The confidence and note a proposal was created with (the detector's score and reason)."""
    created = [e for e in edits.history(wb.db, tag.recording_id, tag.id, limit=10_000) if e.op == "create"]
    after = created[-1].after if created else None
    if not after:
        return tag.confidence, tag.note
    return after.get("confidence"), str(after.get("note") or "")


def _event_tags(wb: Workbench, rec: Recording, tid: str | None = None) -> list[Tag]:
    tid = tid or tier_id(rec.id, "events")
    return [t for t in repository.get_tags(wb.db, rec.id) if t.kind == TagKind.SOUND_EVENT and t.tier_id == tid]


def _events_tier(wb: Workbench, rec: Recording, tier: str | None = None, by: str | None = None) -> str:
    """The tier proposals go to (``tier``, else the sound-event tier), refused unless ``by`` may write it."""
    tid = tier or tier_id(rec.id, "events")
    found = repository.MAPPERS["tier"].get(wb.db, tid)
    if found is None or found.recording_id != rec.id:
        raise NotFoundError(f"recording {rec.id} has no sound-event tier {tid}")
    if tier is not None and tid != tier_id(rec.id, "events") and found.owner is None:
        raise ValidationError(f"proposals go to the sound-event tier or an annotator's copy, not {found.name}")
    if by is not None and (user := access.registered(wb.db, by)) is not None:
        access.require(wb.db, user, rec.id, found, "write")
    return tid


# -- signal --------------------------------------------------------------------------------------

def _audio(wb: Workbench, rec: Recording) -> np.ndarray:
    from audiolab.media.probe import load_audio
    from audiolab.services.media_check import verify_media

    return load_audio(verify_media(wb, rec))


def speech_spans(wb: Workbench, rec: Recording, audio: np.ndarray,
                 options: DetectOptions | None = None) -> tuple[tuple[Span, ...], SpeechSource]:
    """Where the recording's voice is: its stored segments, else Silero VAD on ``audio``."""
    opts = options or DetectOptions()
    if opts.use_segments:
        transcript = repository.get_transcript(wb.db, rec.id)
        main = transcript.main_tier()
        segs = transcript.segments_of(main.id) if main is not None else []
        if segs:
            return tuple(s.span for s in segs), "segments"
    from audiolab.pipelines.whisper import speech_regions

    return speech_regions(audio, opts.vad_min_silence_ms, opts.vad_pad_ms), "vad"


def _covered_ms(spans: Iterable[Span]) -> int:
    total, end = 0, -1
    for s in sorted(spans):
        start = max(s.start_ms, end)
        if s.end_ms > start:
            total += s.end_ms - start
        end = max(end, s.end_ms)
    return total


# -- detection -----------------------------------------------------------------------------------

def detect_candidates(wb: Workbench, recording_id: str, options: DetectOptions | None = None,
                      progress: Progress | None = None, *, tier: str | None = None, by: str | None = None,
                      scope: str = "") -> DetectResult:
    """Find candidate sound events in one recording and store them as ``?`` proposals.

    Untouched proposals of an earlier run are replaced in the same batch; human tags stay and new
    candidates overlapping them are dropped (see the module docstring).

    Args:
        wb: the workbench.
        recording_id: id, unique prefix or path of an ingested recording.
        options: detector and voice settings.
        progress: ``(done, total, step)`` after each step (decode, voice, detect, store).
        tier: where the proposals go (default the sound-event tier; an annotator's copy).
        by: the person asking, checked before anything is read (None: the system).
        scope: the undo stack the batch goes on (an annotator's copy: its tier id).

    Raises:
        MediaError: the media file is missing or changed since ingest.
        NotFoundError: no such recording, or it has no sound-event tier.
        AuthError: ``by`` may not write the tier.
    """
    opts = options or DetectOptions()
    rec = wb.recording(recording_id)
    tid = _events_tier(wb, rec, tier, by)
    step = _stepper(progress, 4)
    audio = _audio(wb, rec)
    step("decode")
    speech, source = speech_spans(wb, rec, audio, opts)
    step("voice")
    found = ev.detect(audio, speech, opts.events)
    step("detect")
    limit = rec.duration_ms + edits.END_SLACK_MS
    with wb.db.transaction():  # what is replaced and kept is read where it is written
        existing = _event_tags(wb, rec, tid)
        replaceable = [t for t in existing if _untouched(wb, t)]
        kept = [t for t in existing if t not in replaceable]
        fresh = [c for c in found if not any(c.span.overlaps(k.span) for k in kept)]
        tags = [Tag(id=new_id(), recording_id=rec.id, kind=TagKind.SOUND_EVENT, span=c.span, label=CANDIDATE_LABEL,
                    tier_id=tid, note=_candidate_note(c), confidence=c.score, origin=Origin.MACHINE)
                for c in fresh if c.span.end_ms <= limit]
        changes = [edits.Change.delete(t) for t in replaceable] + [edits.Change.create(t) for t in tags]
        stats = {"candidates": len(tags), "replaced": len(replaceable), "kept": len(kept),
                 "dropped_overlapping_kept": len(found) - len(fresh), "speech_source": source,
                 "speech_ms": _covered_ms(speech)}
        batch = edits.apply(wb.db, rec.id, changes, AUTHOR, f"sound-event candidates ({len(tags)})",
                            scope) if changes else None
        now = utcnow()
        repository.insert_run(wb.db, PipelineRun(id=new_id(), recording_id=rec.id, kind=RUN_KIND,
                                                 model="audiolab-events (signal)", options=opts.to_dict(),
                                                 started_at=now, finished_at=now, status="done", stats=stats))
    step("store")
    stored = tuple(sorted((t for t in _event_tags(wb, rec, tid) if t.id in {x.id for x in tags}),
                          key=lambda t: t.span))
    return DetectResult(rec.id, stored, len(replaceable), len(kept), len(found) - len(fresh), source,
                        stats["speech_ms"], batch)


def _candidate_note(c: ev.EventCandidate) -> str:
    what = "the voice" if c.in_speech else "the floor"
    return f"candidate: {c.peak_db:.1f} dB above {what}"


def _stepper(progress: Progress | None, total: int) -> Callable[[str], None]:
    done = [0]

    def step(name: str) -> None:
        done[0] += 1
        if progress:
            progress(done[0], total, name)

    return step


# -- label by example ------------------------------------------------------------------------------

def _analysis(wb: Workbench, rec: Recording, opts: SuggestOptions) -> ev.Analysis:
    audio = _audio(wb, rec)
    speech, _ = speech_spans(wb, rec, audio, opts.detect)
    return ev.analyse(audio, speech, opts.detect.events)


def examples(wb: Workbench, project: str) -> list[Tag]:
    """The project's human sound-event tags with a label (the examples suggestions learn from)."""
    out = []
    for rec in wb.recordings(project):
        out.extend(t for t in _event_tags(wb, rec)
                   if t.origin in HUMAN_ORIGINS and t.label.strip() and t.label != CANDIDATE_LABEL)
    return out


def suggest(wb: Workbench, recording_ids: Sequence[str] | None = None, project: str | None = None,
            options: SuggestOptions | None = None, progress: Progress | None = None, *, tier: str | None = None,
            by: str | None = None, scope: str = "") -> SuggestResult:
    """Label the untouched proposals of recordings by likeness to the project's human examples.

    For every label with at least one human example tag in the recording's project, each
    proposal is compared with that label's examples (the nearest counts); the proposal takes the
    best label when it is at least ``options.min_score`` similar, else it is (again) a ``?``
    candidate. One batch per recording, authored ``audiolab-events``.

    Args:
        wb: the workbench.
        recording_ids: recordings whose proposals to label (default: every recording of
            ``project``, or of the database).
        project: limit to this project (and take examples from it).
        options: threshold and features.
        progress: ``(done, total, recording_id)`` per recording.
        tier, by, scope: as for :func:`detect_candidates` (``tier`` only with one recording).

    Raises:
        ValidationError: no human examples in the project(s), or a recording outside ``project``.
        AuthError: ``by`` may not write a tier the proposals are in.
    """
    opts = options or SuggestOptions()
    if recording_ids:
        recs = [wb.recording(r) for r in recording_ids]
        if project is not None and (other := [r.id for r in recs if r.project != project]):
            raise ValidationError(f"recordings {', '.join(other)} are not in project {project!r}")
    else:
        recs = wb.recordings(project)
    if tier is not None and len(recs) != 1:
        raise ValidationError("a tier to suggest labels in names one recording")
    tids = {r.id: _events_tier(wb, r, tier, by) if tier or by else tier_id(r.id, "events") for r in recs}
    by_project: dict[str, tuple[list[Tag], np.ndarray]] = {}
    for proj in sorted({r.project for r in recs}):
        by_project[proj] = _example_features(wb, proj, opts)
    if recs and not any(tags for tags, _ in by_project.values()):
        raise ValidationError(f"no human sound-event tags to learn from in project {', '.join(sorted(by_project))}: "
                              "label a few sounds first")
    result = SuggestResult({}, {}, {}, {})
    for tags, _ in by_project.values():
        for t in tags:
            result.labels[t.label] = result.labels.get(t.label, 0) + 1
    for i, rec in enumerate(recs):
        if progress:
            progress(i, len(recs), rec.id)
        ex_tags, ex_feats = by_project[rec.project]
        _suggest_one(wb, rec, ex_tags, ex_feats, opts, result, tids[rec.id], scope)
    if progress:
        progress(len(recs), len(recs), "")
    for ranked in result.ranking.values():
        ranked.sort(key=lambda x: -x[1])
    return result


def _example_features(wb: Workbench, project: str, opts: SuggestOptions) -> tuple[list[Tag], np.ndarray]:
    tags = examples(wb, project)
    rows: list[np.ndarray] = []
    for rid in dict.fromkeys(t.recording_id for t in tags):
        mine = [t for t in tags if t.recording_id == rid]
        rows.extend(ev.features(_analysis(wb, wb.recording(rid), opts), [t.span for t in mine], opts.features))
    order = [t for rid in dict.fromkeys(t.recording_id for t in tags) for t in tags if t.recording_id == rid]
    return order, np.asarray(rows)


def _suggest_one(wb: Workbench, rec: Recording, ex_tags: list[Tag], ex_feats: np.ndarray,
                 opts: SuggestOptions, result: SuggestResult, tid: str, scope: str) -> None:
    if not ex_tags:
        return
    tags = _event_tags(wb, rec, tid)
    people = [t for t in tags if not is_proposal(t)]
    targets = [t for t in tags if _untouched(wb, t) and not any(t.span.overlaps(p.span) for p in people)]
    if not targets:
        return
    analysis = _analysis(wb, rec, opts)
    ranked = ev.rank_labels(ev.features(analysis, [t.span for t in targets], opts.features), ex_feats,
                            [t.label for t in ex_tags])
    changes = []
    suggested = unlabelled = 0
    for tag, labels in zip(targets, ranked, strict=True):
        for label, score in labels:
            result.ranking.setdefault(label, []).append((tag.id, round(max(0.0, score), 4)))
        label, score = labels[0]
        if score >= opts.min_score:
            top = "; ".join(f"{lab} {max(0.0, s):.2f}" for lab, s in labels[:3])
            new = dataclasses.replace(tag, label=label, confidence=round(min(1.0, score), 4), note=f"suggested: {top}")
            suggested += 1
        else:
            confidence, note = _as_detected(wb, tag)
            best = f"no label similar enough (best: {label} {max(0.0, score):.2f})"
            new = dataclasses.replace(tag, label=CANDIDATE_LABEL, confidence=confidence,
                                      note=f"{note}; {best}" if note else best)
            unlabelled += 1
        if (new.label, new.confidence, new.note) != (tag.label, tag.confidence, tag.note):
            changes.append(edits.Change.update(new))
    with wb.db.transaction():  # a proposal a person edited meanwhile is left to them
        now = {t.id: t for t in _event_tags(wb, rec, tid)}
        changes = [c for c in changes if c.value.id in now and now[c.value.id].version == c.value.version
                   and _untouched(wb, now[c.value.id])]
        if changes:
            result.batches[rec.id] = edits.apply(wb.db, rec.id, changes, AUTHOR,
                                                 f"sound-event suggestions ({suggested})", scope)
    result.suggested[rec.id] = suggested
    result.unlabelled[rec.id] = unlabelled


# -- a person's answer ------------------------------------------------------------------------------

def accept(wb: Workbench, tag: Tag, author: str, label: str | None = None, scope: str = "") -> edits.BatchResult:
    """A person confirms a proposal (optionally under another label): it becomes a human tag.

    Raises:
        ValidationError: not a proposal, or no label (a ``?`` candidate needs one).
        ConflictError: the tag changed since ``tag`` was read.
    """
    if not is_proposal(tag):
        raise ValidationError(f"tag {tag.id} is not a machine proposal")
    name = (label if label is not None else tag.label).strip()
    if not name or name == CANDIDATE_LABEL:
        raise ValidationError("name the sound to accept a candidate")
    new = dataclasses.replace(tag, label=name, origin=Origin.HUMAN, confidence=None, note="")
    return wb.apply(tag.recording_id, [edits.Change.update(new)], author, "accept sound-event proposal", scope)


def reject(wb: Workbench, tag: Tag, author: str, scope: str = "") -> edits.BatchResult:
    """A person discards a proposal (deleted through the edit API, so undoable)."""
    if not is_proposal(tag):
        raise ValidationError(f"tag {tag.id} is not a machine proposal")
    return wb.apply(tag.recording_id, [edits.Change.delete(tag)], author, "reject sound-event proposal", scope)


def accept_suggestions(wb: Workbench, tags: Iterable[Tag], author: str, min_score: float,
                       scope: str = "") -> edits.BatchResult:
    """Accept, as one undoable batch, every suggestion among ``tags`` scoring at least ``min_score``.

    Raises:
        NothingToDoError: no suggestion scores that much.
        AuthError: ``author`` may not write a tier one of them is in (nothing is written).
    """
    chosen = [t for t in tags if is_suggestion(t) and (t.confidence or 0.0) >= min_score]
    if not chosen:
        raise NothingToDoError(f"no suggestion scores {min_score:.2f} or more")
    changes = [edits.Change.update(dataclasses.replace(t, origin=Origin.HUMAN, confidence=None, note=""))
               for t in chosen]
    return wb.apply(chosen[0].recording_id, changes, author, f"accept {len(chosen)} sound-event suggestions", scope)
