"""The pure data model: frozen value types in integer milliseconds, no I/O.

Everything else (storage, pipelines, exporters, UI) converts to and from these types.
Times are integer milliseconds; seconds, frames and timecode only exist at the edges.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from audiolab.errors import ValidationError


# The colors speakers get in the order they are created (a categorical palette, distinct in light
# and dark themes); the UI lets annotators change them.
SAMPLE_RATE = 16_000  # Hz: the rate audio is decoded to for every model, waveform and clip

SPEAKER_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def speaker_color(n: int) -> str:
    """The palette color of the n-th speaker (it wraps around)."""
    return SPEAKER_COLORS[n % len(SPEAKER_COLORS)]


def new_id() -> str:
    """A new random entity id (16 hex characters)."""
    return uuid.uuid4().hex[:16]


class TierKind(str, enum.Enum):
    """What a tier holds."""

    TRANSCRIPT = "transcript"
    SOUND_EVENT = "sound_event"
    EMOTION = "emotion"
    NOTE = "note"


class TierRole(str, enum.Enum):
    """Whose version of the annotation a tier is.

    ``work`` is the shared working copy (the draft and its corrections); ``annotation`` is one
    annotator's independent copy; ``adjudicated`` is the reviewer's merge that exports use
    when present; ``reference`` is gold imported from elsewhere.
    """

    WORK = "work"
    ANNOTATION = "annotation"
    ADJUDICATED = "adjudicated"
    REFERENCE = "reference"


class Origin(str, enum.Enum):
    """Where a segment or tag came from.

    ``machine`` is for tags only (the segments table refuses it): sound-event candidates and
    label suggestions made by :mod:`audiolab.services.events`, proposals until a person
    accepts them (which makes them ``human``).
    """

    ASR = "asr"
    DIARIZATION = "diarization"
    HUMAN = "human"
    IMPORT = "import"
    MACHINE = "machine"


class SegmentStatus(str, enum.Enum):
    """How far a segment is through correction."""

    DRAFT = "draft"
    CORRECTED = "corrected"
    REVIEWED = "reviewed"


class RecordingStatus(str, enum.Enum):
    """Where a recording stands in the workflow."""

    NEW = "new"
    PRELABELED = "prelabeled"
    IN_PROGRESS = "in_progress"
    REVIEWED = "reviewed"


class TagKind(str, enum.Enum):
    """Tags are sound events (regions), emotions (usually on a segment) or notes."""

    SOUND_EVENT = "sound_event"
    EMOTION = "emotion"
    NOTE = "note"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open time interval ``[start_ms, end_ms)`` in integer milliseconds.

    >>> Span(1000, 2500).duration_ms
    1500
    >>> Span(0, 1000).intersection(Span(500, 2000))
    Span(start_ms=500, end_ms=1000)
    >>> Span(0, 1000).overlap_ms(Span(2000, 3000))
    0
    """

    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if not isinstance(self.start_ms, int) or not isinstance(self.end_ms, int):
            raise ValidationError(f"span bounds must be integer milliseconds, got {self.start_ms!r}, {self.end_ms!r}")
        if self.start_ms < 0:
            raise ValidationError(f"span starts before 0 ms ({self.start_ms})")
        if self.end_ms <= self.start_ms:
            raise ValidationError(f"span must end after it starts ({self.start_ms} >= {self.end_ms} ms)")

    @classmethod
    def from_seconds(cls, start_s: float, end_s: float) -> Span:
        """Round seconds to the nearest millisecond.

        >>> Span.from_seconds(0.0004, 1.2346)
        Span(start_ms=0, end_ms=1235)
        """
        return cls(int(round(start_s * 1000)), int(round(end_s * 1000)))

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    @property
    def start_s(self) -> float:
        return self.start_ms / 1000.0

    @property
    def end_s(self) -> float:
        return self.end_ms / 1000.0

    def overlap_ms(self, other: Span) -> int:
        """Length of the intersection (0 when disjoint)."""
        return max(0, min(self.end_ms, other.end_ms) - max(self.start_ms, other.start_ms))

    def overlaps(self, other: Span) -> bool:
        return self.overlap_ms(other) > 0

    def intersection(self, other: Span) -> Span | None:
        start, end = max(self.start_ms, other.start_ms), min(self.end_ms, other.end_ms)
        return Span(start, end) if end > start else None

    def union(self, other: Span) -> Span:
        """The smallest span covering both."""
        return Span(min(self.start_ms, other.start_ms), max(self.end_ms, other.end_ms))

    def contains(self, t_ms: int) -> bool:
        return self.start_ms <= t_ms < self.end_ms

    def distance_ms(self, other: Span) -> int:
        """Gap between two spans (0 when they touch or overlap)."""
        return max(0, max(self.start_ms, other.start_ms) - min(self.end_ms, other.end_ms))


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a recording's video stream says about time.

    ``start_offset_ms`` is the video stream's start minus the audio stream's start: media time
    (audio time, what segments use) plus nothing is video time minus this offset.

    >>> VideoInfo(30000, 1001).fps
    Fraction(30000, 1001)
    """

    fps_num: int
    fps_den: int = 1
    start_timecode: str | None = None
    start_offset_ms: int = 0
    width: int | None = None
    height: int | None = None
    codec: str | None = None

    def __post_init__(self) -> None:
        if self.fps_num <= 0 or self.fps_den <= 0:
            raise ValidationError(f"frame rate must be positive, got {self.fps_num}/{self.fps_den}")

    @property
    def fps(self) -> Fraction:
        return Fraction(self.fps_num, self.fps_den)

    @property
    def fps_str(self) -> str:
        f = self.fps
        return f"{f.numerator}/{f.denominator}"

    @property
    def drop_frame(self) -> bool:
        """Drop-frame timecode applies to the NTSC rates 29.97 and 59.94."""
        return self.fps in (Fraction(30000, 1001), Fraction(60000, 1001))


@dataclass(frozen=True, slots=True)
class Recording:
    """A media file known to the workbench."""

    id: str
    path: str
    sha256: str
    duration_ms: int
    sample_rate: int
    channels: int
    audio_codec: str
    container: str
    size_bytes: int
    project: str = "default"
    status: RecordingStatus = RecordingStatus.NEW
    audio_start_ms: int = 0
    video: VideoInfo | None = None
    created_at: str = ""

    @property
    def has_video(self) -> bool:
        return self.video is not None


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker of one recording. ``label`` is the diarizer's id, ``name`` what people call them."""

    id: str
    recording_id: str
    label: str
    name: str = ""
    color: str = ""
    version: int = 1

    @property
    def display_name(self) -> str:
        return self.name or self.label


@dataclass(frozen=True, slots=True)
class Tier:
    """A layer of annotation of one recording (ELAN's tier).

    ``owner`` is the annotator whose independent copy this is (role ``annotation``).
    """

    id: str
    recording_id: str
    name: str
    kind: TierKind = TierKind.TRANSCRIPT
    role: TierRole = TierRole.WORK
    owner: str | None = None
    parent_id: str | None = None
    version: int = 1


# The fixed tiers every recording can have, by the suffix of their id (``{recording_id}-{suffix}``).
StandardTier = Literal["transcript", "events", "emotions", "reference", "adjudicated"]


def tier_id(recording_id: str, which: StandardTier) -> str:
    """The id of one of a recording's standard tiers (annotators' copies get random ids).

    >>> tier_id("abc123", "transcript")
    'abc123-transcript'
    """
    return f"{recording_id}-{which}"


@dataclass(frozen=True, slots=True)
class Word:
    """One timed word (faster-whisper's word, with the speaker it was attributed to)."""

    span: Span
    text: str
    probability: float | None = None
    speaker_id: str | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech by one speaker with its text and timed words.

    >>> s = Segment(id="s1", recording_id="r", tier_id="t", span=Span(0, 900), text="hi")
    >>> dataclasses.replace(s, text="hello").text
    'hello'
    """

    id: str
    recording_id: str
    tier_id: str
    span: Span
    text: str = ""
    speaker_id: str | None = None
    words: tuple[Word, ...] = ()
    language: str | None = None
    confidence: float | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    origin: Origin = Origin.HUMAN
    status: SegmentStatus = SegmentStatus.DRAFT
    flags: tuple[str, ...] = ()
    run_id: str | None = None
    touched: bool = False
    version: int = 1


@dataclass(frozen=True, slots=True)
class Tag:
    """A labelled region (sound event), a label on a segment (emotion), or a note."""

    id: str
    recording_id: str
    kind: TagKind
    span: Span
    label: str
    tier_id: str | None = None
    segment_id: str | None = None
    note: str = ""
    confidence: float | None = None
    origin: Origin = Origin.HUMAN
    version: int = 1


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    """One label of a taxonomy, with the key that applies it and its color."""

    label: str
    hotkey: str = ""
    color: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A project's closed set of labels for one tag kind."""

    project: str
    kind: TagKind
    entries: tuple[VocabularyEntry, ...] = ()

    def labels(self) -> list[str]:
        return [e.label for e in self.entries]


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """One run of a model pipeline over a recording, with what it used."""

    id: str
    recording_id: str
    kind: str
    model: str
    options: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str | None = None
    status: str = "running"
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Edit:
    """One row of the append-only history: an entity before and after a change."""

    id: int
    batch_id: str
    recording_id: str
    entity: str
    entity_id: str
    op: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    author: str
    at: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """Everything annotated on one recording: the aggregate exporters and the UI read."""

    recording: Recording
    tiers: tuple[Tier, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    segments: tuple[Segment, ...] = ()
    tags: tuple[Tag, ...] = ()

    def speaker(self, speaker_id: str | None) -> Speaker | None:
        for s in self.speakers:
            if s.id == speaker_id:
                return s
        return None

    def speaker_name(self, speaker_id: str | None) -> str:
        s = self.speaker(speaker_id)
        return s.display_name if s else ""

    def tier(self, tier_id: str | None) -> Tier | None:
        return next((t for t in self.tiers if t.id == tier_id), None)

    def segments_of(self, tier_id: str) -> list[Segment]:
        return sorted((s for s in self.segments if s.tier_id == tier_id), key=lambda s: (s.span, s.id))

    def tags_of(self, kind: TagKind) -> list[Tag]:
        return sorted((t for t in self.tags if t.kind == kind), key=lambda t: (t.span, t.id))

    def version_tags(self, tier: Tier, kind: TagKind | None = None) -> list[Tag]:
        """The tags that belong to the version of the annotation named by a transcript tier.

        A tag belongs to the version of the segment it is attached to; else to the version whose
        tier it names; tags on the recording's other working tiers (sound events, emotions) or on
        no tier belong to the shared working copy. An annotator's or the reviewer's tags thus never
        leak into another version's exports or scores.
        """
        seg_tier = {s.id: s.tier_id for s in self.segments}
        roles = {x.id: x.role for x in self.tiers}
        out = []
        for tag in self.tags:
            if kind is not None and tag.kind != kind:
                continue
            if tag.segment_id is not None and tag.segment_id in seg_tier:
                mine = seg_tier[tag.segment_id] == tier.id
            elif tag.tier_id is not None and tag.tier_id in roles:
                mine = tag.tier_id == tier.id or (tier.role == TierRole.WORK and roles[tag.tier_id] == TierRole.WORK)
            else:
                mine = tier.role == TierRole.WORK
            if mine:
                out.append(tag)
        return sorted(out, key=lambda x: (x.span, x.id))

    def main_tier(self) -> Tier | None:
        """The transcript tier exports use: adjudicated if present, else the shared working copy."""
        transcript = [t for t in self.tiers if t.kind == TierKind.TRANSCRIPT]
        for role in (TierRole.ADJUDICATED, TierRole.WORK):
            found = [t for t in transcript if t.role == role]
            if found:
                return found[0]
        return None

    def with_segments(self, tier_id: str) -> Transcript:
        """A copy restricted to one tier's segments (and the speakers and tags they use)."""
        segs = tuple(self.segments_of(tier_id))
        return dataclasses.replace(self, segments=segs)
