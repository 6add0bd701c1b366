"""Timecode: exact frame rates, drop-frame labels, round trips over 24 hours, snapping, the video clock."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiolab.errors import ValidationError
from audiolab.export.timecode import (
    VideoClock,
    frame_to_ms,
    frame_to_seconds,
    frame_to_timecode,
    frames_per_day,
    ms_to_frame,
    ms_to_timecode,
    parse_fps,
    snap_span,
    timecode_label_ms,
    timecode_to_frame,
    timecode_to_ms,
)

RATES = [Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30), Fraction(50),
         Fraction(60000, 1001), Fraction(60), Fraction(12), Fraction(48000, 1001)]
MODES = [(fps, False) for fps in RATES] + [(Fraction(30000, 1001), True), (Fraction(60000, 1001), True)]
DAY_MS = 24 * 3600 * 1000


def test_known_drop_frame_values() -> None:
    ntsc = Fraction(30000, 1001)
    assert frame_to_timecode(17982, ntsc) == "00:10:00;00"
    assert frame_to_timecode(107892, ntsc) == "01:00:00;00"
    assert timecode_to_frame("01:00:00;00", ntsc) == 107892
    assert frame_to_timecode(1799, ntsc) == "00:00:59;29"
    assert frame_to_timecode(1800, ntsc) == "00:01:00;02"  # labels ;00 and ;01 are skipped
    assert frame_to_timecode(1800, ntsc, drop_frame=False) == "00:01:00:00"
    assert frame_to_timecode(3600, Fraction(60000, 1001)) == "00:01:00;04"
    assert frame_to_timecode(215784, Fraction(60000, 1001)) == "01:00:00;00"
    # One hour of 29.97 DF is (within 3.6 ms) one hour of real time; NDF drifts 3.6 s.
    assert abs(frame_to_seconds(107892, ntsc) - 3600) < Fraction(4, 1000)
    assert timecode_to_ms("01:00:00:00", ntsc, drop_frame=False) == 3603600


def test_invalid_timecodes_are_refused() -> None:
    ntsc = Fraction(30000, 1001)
    with pytest.raises(ValidationError, match="does not exist"):
        timecode_to_frame("00:01:00;00", ntsc)
    with pytest.raises(ValidationError, match="out of range"):
        timecode_to_frame("00:00:00:25", Fraction(25))
    with pytest.raises(ValidationError, match="drop-frame"):
        frame_to_timecode(10, Fraction(25), drop_frame=True)
    with pytest.raises(ValidationError, match="not a timecode"):
        timecode_to_frame("1h", Fraction(25))


def test_parse_fps() -> None:
    assert parse_fps("29.97") == Fraction(30000, 1001)
    assert parse_fps("30000/1001") == Fraction(30000, 1001)
    assert parse_fps("23.976") == Fraction(24000, 1001)
    assert parse_fps("29.970029") == Fraction(30000, 1001)
    assert parse_fps("12.5") == Fraction(25, 2)
    with pytest.raises(ValidationError):
        parse_fps("fast")


@pytest.mark.parametrize(("fps", "drop"), MODES, ids=[f"{f}-{'df' if d else 'ndf'}" for f, d in MODES])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_round_trips_over_24_hours(fps: Fraction, drop: bool, data: st.DataObject) -> None:
    frame = data.draw(st.integers(0, frames_per_day(fps, drop) - 1))
    tc = frame_to_timecode(frame, fps, drop)
    assert (";" in tc) == drop
    assert timecode_to_frame(tc, fps, drop) == frame
    ms = data.draw(st.integers(0, int((frames_per_day(fps, drop) - 1) / fps * 1000)))  # labels wrap after a day
    half_frame = Fraction(500) / fps
    exact = frame_to_seconds(timecode_to_frame(ms_to_timecode(ms, fps, drop), fps, drop), fps) * 1000
    assert abs(exact - ms) <= half_frame
    assert abs(timecode_to_ms(ms_to_timecode(ms, fps, drop), fps, drop) - ms) <= half_frame + Fraction(1, 2)
    assert ms_to_frame(frame_to_ms(frame, fps), fps) == frame


@pytest.mark.parametrize("fps", RATES)
def test_every_label_of_a_day_is_distinct_and_ordered(fps: Fraction) -> None:
    # Consecutive frames across minute and ten-minute boundaries differ by exactly one label step.
    drop = fps in (Fraction(30000, 1001), Fraction(60000, 1001))
    for start in (0, 1795, 17978, frames_per_day(fps, drop) - 3):
        frames = [start + k for k in range(6) if start + k < frames_per_day(fps, drop)]
        labels = [frame_to_timecode(f, fps, drop) for f in frames]
        assert len(set(labels)) == len(labels)
        assert [timecode_to_frame(x, fps, drop) for x in labels] == frames


@given(st.integers(0, DAY_MS), st.integers(1, 60_000), st.sampled_from(RATES))
def test_snapping_rule(start: int, length: int, fps: Fraction) -> None:
    a, b = snap_span(start, start + length, fps)
    assert b > a
    frame_ms = Fraction(1000) / fps
    # Each end moves to the nearest frame boundary (< half a frame, plus ms rounding)...
    assert abs(a - start) <= frame_ms / 2 + 1
    # ...unless the span collapsed, when it keeps exactly one frame.
    if ms_to_frame(start, fps) != ms_to_frame(start + length, fps):
        assert abs(b - (start + length)) <= frame_ms / 2 + 1
    else:
        assert ms_to_frame(b, fps) == ms_to_frame(a, fps) + 1
    assert frame_to_ms(ms_to_frame(a, fps), fps) == a


def test_video_clock() -> None:
    clock = VideoClock(Fraction(30000, 1001), True, "01:00:00;00", 40)
    assert clock.video_ms(1040) == 1000
    assert clock.timecode(40) == "01:00:00;00"
    assert clock.timecode(0) == "01:00:00;00"  # before the first frame: clamps to it
    assert clock.timecode(600_040) == "01:10:00;00"  # 10 min real time = 17982 frames
    assert clock.clock_ms(1040) == 3_601_000
    assert timecode_label_ms("00:00:01:12", Fraction(25)) == 1480
    with pytest.raises(ValidationError):
        VideoClock(Fraction(25), True)
