"""Core model: spans, value types, codec, doctests."""

from __future__ import annotations

import dataclasses
import doctest
import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audiolab.core import codec
from audiolab.core.model import Segment, SegmentStatus, Span, Speaker, Tag, TagKind, VideoInfo, Word
from audiolab.errors import ValidationError


@pytest.mark.parametrize("module", ["audiolab.core.model", "audiolab.core.codec", "audiolab.services.editing"])
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("start,end", [(10, 10), (10, 5), (-1, 5)])
def test_span_rejects_empty_reversed_or_negative(start: int, end: int) -> None:
    with pytest.raises(ValidationError):
        Span(start, end)


def test_span_rejects_float_milliseconds() -> None:
    with pytest.raises(ValidationError):
        Span(0.5, 10)  # type: ignore[arg-type]


def test_values_are_frozen() -> None:
    s = Span(0, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.start_ms = 5  # type: ignore[misc]


@given(st.integers(0, 10**8), st.integers(1, 10**7), st.integers(0, 10**8), st.integers(1, 10**7))
def test_span_algebra(a0: int, alen: int, b0: int, blen: int) -> None:
    a, b = Span(a0, a0 + alen), Span(b0, b0 + blen)
    inter = a.intersection(b)
    assert (inter is None) == (a.overlap_ms(b) == 0)
    if inter:
        assert inter.duration_ms == a.overlap_ms(b) == b.overlap_ms(a)
    u = a.union(b)
    assert u.start_ms <= min(a.start_ms, b.start_ms) and u.end_ms >= max(a.end_ms, b.end_ms)
    assert a.distance_ms(b) == b.distance_ms(a)


def test_video_info_fps_is_exact_and_drop_frame_only_for_ntsc() -> None:
    assert VideoInfo(30000, 1001).drop_frame and VideoInfo(60000, 1001).drop_frame
    assert not VideoInfo(25, 1).drop_frame and not VideoInfo(24000, 1001).drop_frame
    assert VideoInfo(30000, 1001).fps_str == "30000/1001"


text = st.text(max_size=30)
spans = st.builds(lambda a, n: Span(a, a + n), st.integers(0, 10**7), st.integers(1, 10**5))
words = st.builds(Word, spans, text, st.one_of(st.none(), st.floats(0, 1)), st.one_of(st.none(), st.just("spk")))


@given(spans, text, st.lists(words, max_size=5), st.sampled_from(list(SegmentStatus)))
def test_codec_round_trips_segments(span: Span, t: str, ws: list[Word], status: SegmentStatus) -> None:
    seg = Segment(id="s", recording_id="r", tier_id="t", span=span, text=t, words=tuple(ws), status=status,
                  flags=("overlap",), confidence=0.5)
    assert codec.from_dict(Segment, codec.to_dict(seg)) == seg


def test_codec_round_trips_other_entities() -> None:
    spk = Speaker("a", "r", "SPEAKER_00", "Ann", "#fff", 3)
    tag = Tag("t", "r", TagKind.EMOTION, Span(5, 9), "happy", segment_id="s", note="<b>")
    assert codec.from_dict(Speaker, codec.to_dict(spk)) == spk
    assert codec.from_dict(Tag, codec.to_dict(tag)) == tag
