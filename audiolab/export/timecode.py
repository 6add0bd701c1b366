"""Frame rates, SMPTE timecode and the video clock, exact to the frame.

Exports meant for a video editor must land on frames of the video, not on the audio's
milliseconds. This module keeps frame rates as exact fractions (29.97 is ``30000/1001``; a float
cannot hold it and drifts by a frame every ~9 hours of 1e-12 errors compounding in rounding),
converts between milliseconds, frame numbers and SMPTE timecode, and models the video clock of a
recording: its rate, drop-frame mode, start timecode and the offset between its audio and video
streams.

Rules (documented in the README and tested in ``tests/test_timecode.py``):

* **Frame of a time**: ``ms_to_frame`` rounds to the *nearest* frame boundary (ties go up), so
  ``ms -> frame -> ms`` is within half a frame. ``ms_to_frame_floor`` gives the frame that is
  showing at a time.
* **Snapping**: both a segment's start and its end move to the nearest frame boundary; if that
  collapses the segment, its end moves one frame past its start. Rounding both ends the same
  way keeps abutting segments abutting and keeps the error of each boundary under half a frame.
* **Timecode labels**: frames are counted at the *nominal* rate (``ceil(fps)``: 24 for 23.976,
  30 for 29.97, 60 for 59.94). Drop-frame (``;`` before the frames) is only defined for 29.97 and
  59.94: it skips frame labels 0-1 (0-3 at 59.94) at the start of every minute except each tenth,
  so the label follows the wall clock. Non-drop (``:``) is used otherwise. Labels wrap after
  23:59:59:ff, as broadcast timecode does.
* **Video clock**: ``video_ms = media_ms - start_offset_ms`` (the offset is the video stream's
  start minus the audio stream's start, as ``VideoInfo`` stores it); the timecode of a media time
  is ``start_timecode + frames(video_ms)``.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from audiolab.errors import ValidationError

NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)

#: The rates people name, with their exact value.
COMMON_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001), "24": Fraction(24), "25": Fraction(25), "29.97": NTSC_30,
    "30": Fraction(30), "50": Fraction(50), "59.94": NTSC_60, "60": Fraction(60),
    "47.952": Fraction(48000, 1001), "48": Fraction(48), "119.88": Fraction(120000, 1001), "120": Fraction(120),
}

_TC = re.compile(r"^(\d{1,2})[:;.](\d{2})[:;.](\d{2})([:;.,])(\d{2,3})$")


def parse_fps(value: str | int | float | Fraction) -> Fraction:
    """Read a frame rate: ``"30000/1001"``, ``"29.97"`` (a known NTSC rate), ``25``.

    >>> parse_fps("29.97"), parse_fps("24000/1001"), parse_fps(25)
    (Fraction(30000, 1001), Fraction(24000, 1001), Fraction(25, 1))
    """
    if isinstance(value, Fraction):
        fps = value
    elif isinstance(value, int):
        fps = Fraction(value)
    else:
        text = str(value).strip()
        if text in COMMON_RATES:
            fps = COMMON_RATES[text]
        else:
            try:
                fps = Fraction(text)
            except (ValueError, ZeroDivisionError):
                raise ValidationError(f"not a frame rate: {value!r} (use e.g. 25 or 30000/1001)") from None
            # 29.97 written with more digits is still NTSC: snap to the nearest x000/1001.
            ntsc = Fraction(round(fps * 1001 / 1000) * 1000, 1001)
            if fps.denominator != 1 and ntsc and abs(fps - ntsc) < Fraction(1, 100):
                fps = ntsc
    if fps <= 0:
        raise ValidationError(f"frame rate must be positive, got {value!r}")
    return fps


def nominal_rate(fps: Fraction) -> int:
    """Frame labels per timecode second: ``ceil(fps)``.

    >>> nominal_rate(Fraction(30000, 1001)), nominal_rate(Fraction(25))
    (30, 25)
    """
    return math.ceil(fps)


def drop_frame_default(fps: Fraction) -> bool:
    """Drop-frame is the default (and only allowed) for 29.97 and 59.94."""
    return fps in (NTSC_30, NTSC_60)


def _drop_per_minute(fps: Fraction) -> int:
    return 2 if fps == NTSC_30 else 4


def check_drop_frame(fps: Fraction, drop_frame: bool) -> None:
    if drop_frame and fps not in (NTSC_30, NTSC_60):
        raise ValidationError(f"drop-frame timecode exists only at 29.97 and 59.94 fps, not {fps}")


# -- milliseconds <-> frames -----------------------------------------------------------------


def frame_to_seconds(frame: int, fps: Fraction) -> Fraction:
    """Exact start time of a frame."""
    return frame / fps


def frame_to_ms(frame: int, fps: Fraction) -> int:
    """Start of a frame in milliseconds, rounded to the nearest ms (ties up).

    >>> frame_to_ms(1, Fraction(30000, 1001))
    33
    """
    num, den = fps.numerator, fps.denominator  # integer arithmetic: exact and fast
    return (2000 * frame * den + num) // (2 * num)


def ms_to_frame(ms: int, fps: Fraction) -> int:
    """The frame boundary nearest to ``ms`` (ties go to the later frame).

    >>> ms_to_frame(1001, Fraction(30000, 1001)), ms_to_frame(20, Fraction(25))
    (30, 1)
    """
    num, den = fps.numerator, fps.denominator
    return (2 * ms * num + 1000 * den) // (2000 * den)


def ms_to_frame_floor(ms: int, fps: Fraction) -> int:
    """The frame showing at ``ms`` (the last boundary at or before it)."""
    return (ms * fps.numerator) // (1000 * fps.denominator)


def snap_ms(ms: int, fps: Fraction) -> int:
    """``ms`` moved to the nearest frame boundary (in ms, rounded)."""
    return frame_to_ms(ms_to_frame(ms, fps), fps)


def snap_span(start_ms: int, end_ms: int, fps: Fraction) -> tuple[int, int]:
    """Snap both ends to the nearest frame; a collapsed span keeps one frame.

    >>> snap_span(10, 15, Fraction(25))
    (0, 40)
    """
    a, b = ms_to_frame(start_ms, fps), ms_to_frame(end_ms, fps)
    if b <= a:
        b = a + 1
    return frame_to_ms(a, fps), frame_to_ms(b, fps)


# -- frames <-> timecode ---------------------------------------------------------------------


def frames_per_day(fps: Fraction, drop_frame: bool) -> int:
    n = nominal_rate(fps)
    if drop_frame:
        d = _drop_per_minute(fps)
        return 24 * 6 * (n * 600 - 9 * d)
    return 24 * 3600 * n


def frame_to_timecode(frame: int, fps: Fraction, drop_frame: bool | None = None) -> str:
    """SMPTE timecode label of a frame number (wrapping after 24 hours).

    >>> frame_to_timecode(17982, Fraction(30000, 1001))
    '00:10:00;00'
    >>> frame_to_timecode(107892, Fraction(30000, 1001))
    '01:00:00;00'
    >>> frame_to_timecode(1800, Fraction(30000, 1001), drop_frame=False)
    '00:01:00:00'
    """
    if drop_frame is None:
        drop_frame = drop_frame_default(fps)
    check_drop_frame(fps, drop_frame)
    if frame < 0:
        raise ValidationError(f"negative frame number {frame}")
    n = nominal_rate(fps)
    frame %= frames_per_day(fps, drop_frame)
    if drop_frame:
        d = _drop_per_minute(fps)
        per_10min = n * 600 - 9 * d
        per_min = n * 60 - d
        tens, rem = divmod(frame, per_10min)
        frame += 9 * d * tens
        if rem > d:
            frame += d * ((rem - d) // per_min)
    ff = frame % n
    total_s = frame // n
    sep = ";" if drop_frame else ":"
    return f"{total_s // 3600:02d}:{total_s // 60 % 60:02d}:{total_s % 60:02d}{sep}{ff:02d}"


@functools.lru_cache(maxsize=256)
def timecode_to_frame(tc: str, fps: Fraction, drop_frame: bool | None = None) -> int:
    """Frame number of a timecode label; ``;`` or ``,`` before the frames means drop-frame.

    >>> timecode_to_frame("00:10:00;00", Fraction(30000, 1001))
    17982
    >>> timecode_to_frame("01:00:00:00", Fraction(25))
    90000
    """
    m = _TC.match(tc.strip())
    if not m:
        raise ValidationError(f"not a timecode: {tc!r} (expected HH:MM:SS:FF, or HH:MM:SS;FF for drop-frame)")
    h, mi, s, sep, f = int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5])
    if drop_frame is None:
        drop_frame = sep in ";," or (sep == "." and drop_frame_default(fps))
    check_drop_frame(fps, drop_frame)
    n = nominal_rate(fps)
    if h > 23 or mi > 59 or s > 59 or f >= n:
        raise ValidationError(f"timecode {tc!r} is out of range at {n} frames per second")
    total_min = 60 * h + mi
    frame = (3600 * h + 60 * mi + s) * n + f
    if drop_frame:
        d = _drop_per_minute(fps)
        if s == 0 and f < d and mi % 10 != 0:
            raise ValidationError(f"timecode {tc!r} does not exist in drop-frame (labels 00-{d - 1:02d} are skipped)")
        frame -= d * (total_min - total_min // 10)
    return frame


def ms_to_timecode(ms: int, fps: Fraction, drop_frame: bool | None = None) -> str:
    """Timecode of the frame boundary nearest ``ms`` (counting from 00:00:00:00)."""
    return frame_to_timecode(ms_to_frame(ms, fps), fps, drop_frame)


def timecode_to_ms(tc: str, fps: Fraction, drop_frame: bool | None = None) -> int:
    """Start of a timecode's frame in milliseconds since 00:00:00:00 (real time)."""
    return frame_to_ms(timecode_to_frame(tc, fps, drop_frame), fps)


def timecode_label_ms(tc: str, fps: Fraction) -> int:
    """A timecode read as a clock: ``HH:MM:SS`` plus frames at the nominal rate.

    This is how subtitle files in video time show a start timecode: ``01:00:00;00`` becomes
    ``01:00:00,000`` even at 29.97 fps, where that frame's real time is 3599.996 s.

    >>> timecode_label_ms("01:00:00;15", Fraction(30000, 1001))
    3600500
    """
    m = _TC.match(tc.strip())
    if not m:
        raise ValidationError(f"not a timecode: {tc!r}")
    timecode_to_frame(tc, fps)  # validates the label
    n = nominal_rate(fps)
    return (int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])) * 1000 + round(int(m[5]) * 1000 / n)


# -- the video clock of a recording ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VideoClock:
    """How media time maps to a video's frames and timecode.

    Args:
        fps: exact frame rate.
        drop_frame: drop-frame labels (29.97 / 59.94 only).
        start_timecode: label of the video's first frame (``00:00:00:00`` when None).
        offset_ms: video stream start minus audio stream start.

    >>> clock = VideoClock(Fraction(30000, 1001), True, "01:00:00;00", 0)
    >>> clock.timecode(600_000)
    '01:10:00;00'
    """

    fps: Fraction
    drop_frame: bool
    start_timecode: str | None = None
    offset_ms: int = 0

    def __post_init__(self) -> None:
        check_drop_frame(self.fps, self.drop_frame)
        if self.start_timecode:
            timecode_to_frame(self.start_timecode, self.fps, self.drop_frame)

    @property
    def start_frame(self) -> int:
        if not self.start_timecode:
            return 0
        return timecode_to_frame(self.start_timecode, self.fps, self.drop_frame)

    def video_ms(self, media_ms: int) -> int:
        """Milliseconds since the video's first frame."""
        return media_ms - self.offset_ms

    def frame(self, media_ms: int) -> int:
        """Frame index (from the first frame, start timecode not added) nearest a media time."""
        return ms_to_frame(self.video_ms(media_ms), self.fps)

    def timecode(self, media_ms: int) -> str:
        """Timecode label nearest to a media time (before the video's start: its first frame)."""
        return frame_to_timecode(self.start_frame + max(0, self.frame(media_ms)), self.fps, self.drop_frame)

    def clock_ms(self, media_ms: int, snap: bool = False) -> int:
        """Video-clock milliseconds: the start timecode read as a clock, plus video time.

        Times before the video's first frame clamp to it.
        """
        v = max(0, self.video_ms(media_ms))
        if snap:
            v = snap_ms(v, self.fps)
        start = timecode_label_ms(self.start_timecode, self.fps) if self.start_timecode else 0
        return start + v
