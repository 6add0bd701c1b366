"""What an export can be asked to do, as one dataclass shared by every format.

Formats read only the fields that apply to them; :func:`clock_for` turns the video fields and the
recording's :class:`VideoInfo` into the :class:`VideoClock` every exporter uses for times.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from audiolab.core.model import Recording, Vocabulary
from audiolab.errors import ValidationError
from audiolab.export.timecode import VideoClock, drop_frame_default, parse_fps, snap_span

Clock = Literal["media", "video"]


@dataclass(frozen=True, slots=True)
class SubtitleRules:
    """Shaping rules for subtitles; :mod:`audiolab.export.lint` reports cues that break them.

    Defaults follow common broadcast practice: 42 characters a line, 2 lines, 17 characters
    a second, at least 5/6 s (20 frames at 24 fps) and at most 7 s on screen, 2 frames between cues.
    """

    max_chars_per_line: int = 42
    max_lines: int = 2
    max_cps: float = 17.0
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_frames: int = 2


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Options of an export.

    Args:
        fps: frame rate; default: the recording's video rate (25 when it has no video and one is
            needed).
        drop_frame: drop-frame timecode; default: True at 29.97 / 59.94, else False.
        start_tc: timecode of the video's first frame; default: the recording's
            ``VideoInfo.start_timecode``.
        offset_ms: video start minus audio start; default: the recording's ``start_offset_ms``.
        clock: ``media`` (the audio's time, what is stored) or ``video`` (time since the video's
            first frame plus the start timecode read as a clock).
        snap_to_frames: move every start and end to the nearest frame boundary.
        tier: transcript tier to export by name or id; default ``Transcript.main_tier()``.
        speaker_prefix: SRT only: put ``Name: `` before each cue's text.
        wrap: shape subtitle text into lines of ``rules.max_chars_per_line``.
        rules: subtitle shaping rules (lint and wrap).
        include_words / include_events / include_emotions: TextGrid/EAF tiers to write.
        sanitize_labels: RTTM/STM/CTM: replace whitespace in speaker labels with ``_``
            instead of refusing them.
        uem: RTTM: also write a ``.uem`` beside the file (the recording's full extent).
        audio_path: JSONL/Label Studio: the audio path written in each line (default: the
            recording's path).
        clips_dir: JSONL: cut each segment into a WAV there and point ``audio_filepath`` at it.
        uri: file id for RTTM/STM/CTM (default: the media file's stem, spaces replaced).
        media_url: EAF: media to link (default: the recording's path).
        vocabularies: EAF: the project's taxonomies, written as controlled vocabularies
            (services fill them in from the repository).
    """

    fps: Fraction | None = None
    drop_frame: bool | None = None
    start_tc: str | None = None
    offset_ms: int | None = None
    clock: Clock = "media"
    snap_to_frames: bool = False
    tier: str | None = None
    speaker_prefix: bool = False
    wrap: bool = False
    rules: SubtitleRules = dataclasses.field(default_factory=SubtitleRules)
    include_words: bool = True
    include_events: bool = True
    include_emotions: bool = True
    sanitize_labels: bool = False
    uem: bool = False
    audio_path: str | None = None
    clips_dir: str | None = None
    uri: str | None = None
    media_url: str | None = None
    vocabularies: tuple[Vocabulary, ...] = ()

    def __post_init__(self) -> None:
        if self.fps is not None and not isinstance(self.fps, Fraction):
            object.__setattr__(self, "fps", parse_fps(self.fps))
        if self.clock not in ("media", "video"):
            raise ValidationError(f"clock must be 'media' or 'video', not {self.clock!r}")


def clock_for(rec: Recording, opts: ExportOptions) -> VideoClock | None:
    """The video clock an export uses, or None when there is no frame rate to use."""
    video = rec.video
    fps = opts.fps if opts.fps is not None else (video.fps if video else None)
    if fps is None:
        if opts.clock == "video" or opts.snap_to_frames or opts.start_tc:
            raise ValidationError(f"recording {rec.id} has no video: give a frame rate (--fps) for video time or snapping")
        return None
    drop = opts.drop_frame if opts.drop_frame is not None else drop_frame_default(fps)
    start = opts.start_tc if opts.start_tc is not None else (video.start_timecode if video else None)
    offset = opts.offset_ms if opts.offset_ms is not None else (video.start_offset_ms if video else 0)
    return VideoClock(fps, drop, start or None, int(offset))


class TimeMap:
    """Maps stored (media) spans to the times an export writes, per the options."""

    def __init__(self, rec: Recording, opts: ExportOptions):
        self.clock = clock_for(rec, opts)
        self.video = opts.clock == "video"
        self.snap = opts.snap_to_frames
        c = self.clock
        # The start timecode read as a clock, added to every time in video time.
        self.base = c.clock_ms(c.offset_ms) if (c is not None and self.video and c.start_timecode) else 0

    def span(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Output start and end in ms (video clock and snapping applied); end > start."""
        c = self.clock
        if c is None:
            return start_ms, end_ms
        if self.video:
            start_ms, end_ms = max(0, c.video_ms(start_ms)), max(0, c.video_ms(end_ms))
            if end_ms <= start_ms:
                end_ms = start_ms + 1
        if self.snap:
            start_ms, end_ms = snap_span(start_ms, end_ms, c.fps)
        if self.base:
            start_ms, end_ms = start_ms + self.base, end_ms + self.base
        return start_ms, end_ms

    def to_media(self, ms: int) -> int:
        """The inverse of :meth:`span` for one time written in video time: back to media time.

        Snapping is not undone (it moved each time less than half a frame); media-time options
        give the time unchanged.
        """
        c = self.clock
        if c is None or not self.video:
            return ms
        return ms - self.base + c.offset_ms

    def timecode(self, media_ms: int) -> str:
        """Timecode of a media time (needs a frame rate)."""
        if self.clock is None:
            raise ValidationError("timecode needs a frame rate")
        return self.clock.timecode(media_ms)
