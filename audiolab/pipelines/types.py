"""The values pipelines hand back: transcribed segments, speaker turns, attributed segments.

Plain frozen dataclasses over the core types (:class:`~audiolab.core.model.Span`,
:class:`~audiolab.core.model.Word`), so that the service layer never sees a model library's
objects, dicts or strings with data packed inside. Speaker *labels* (``SPEAKER_00``) appear here;
the service maps them to stored :class:`~audiolab.core.model.Speaker` ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audiolab.core.model import Span, Word
from audiolab.errors import AudiolabError


class Cancelled(AudiolabError):
    """The caller asked a pipeline to stop; nothing was written."""


@dataclass(frozen=True, slots=True)
class AsrSegment:
    """One decoded Whisper segment with its timed words (probabilities kept)."""

    span: Span
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Transcription:
    """What the ASR step produced for one signal."""

    segments: tuple[AsrSegment, ...]
    language: str | None
    language_probability: float | None
    duration_ms: int
    model: str
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Turn:
    """A stretch of time one speaker (a diarizer label) talks.

    >>> Turn(Span(0, 1500), "SPEAKER_00").span.duration_ms
    1500
    """

    span: Span
    speaker: str


@dataclass(frozen=True, slots=True)
class Diarization:
    """Speaker turns: ``turns`` may overlap (two people at once); ``exclusive`` never does."""

    turns: tuple[Turn, ...]
    exclusive: tuple[Turn, ...]
    speakers: tuple[str, ...]
    model: str
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttributedSegment:
    """A draft segment spoken by one speaker, with its words and review flags.

    ``speaker`` is a diarizer label (None without diarization); each word's ``speaker_id``
    carries the same kind of label until the service maps labels to stored speakers.
    """

    span: Span
    text: str
    speaker: str | None
    words: tuple[Word, ...] = ()
    confidence: float | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    language: str | None = None
    flags: tuple[str, ...] = ()
