"""Unit tests of the pure QA scores: normalization, event F1, alignment, kappa/alpha."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from audiolab.core.model import Segment, Span, Tag, TagKind
from audiolab.qa import agreement, events, metrics
from audiolab.qa.normalize import NormalizeOptions, normalize_text, whisper_english_available
from audiolab.errors import ValidationError


def seg(i: str, start: int, end: int, text: str = "", spk: str | None = "A") -> Segment:
    return Segment(id=i, recording_id="r", tier_id="t", span=Span(start, end), text=text, speaker_id=spk)


def tag(label: str, start: int, end: int, kind: TagKind = TagKind.EMOTION) -> Tag:
    return Tag(id=f"{label}{start}", recording_id="r", kind=kind, span=Span(start, end), label=label)


def test_normalization_is_the_documented_one():
    assert normalize_text("  Oh, I'm  FORTY-two!\tYes…  ") == "oh im forty two yes"
    assert normalize_text("") == ""
    if not whisper_english_available():
        with pytest.raises(ValidationError, match="whisper-normalizer"):
            normalize_text("x", NormalizeOptions(whisper_english=True))


def test_wer_edge_cases():
    assert metrics.wer("", "") == 0.0
    assert metrics.wer("", "hello") is None
    assert metrics.wer("a b", "") == 1.0
    assert metrics.wer("a b c d", "a x c") == pytest.approx(0.5)
    assert metrics.cer("abcd", "abxd") == pytest.approx(0.25)


def test_event_based_f1_counts_collars_by_hand():
    ref = [events.Event("dog", Span(1000, 2000)), events.Event("dog", Span(5000, 9000)),
           events.Event("horn", Span(3000, 3500))]
    est = [events.Event("dog", Span(1150, 2150)),   # onset 150 <= 200, offset 150 <= max(200, 500): TP
           events.Event("dog", Span(5300, 9000)),   # onset 300 > 200: FP (and the ref is a FN)
           events.Event("horn", Span(3100, 3800)),  # onset ok, offset 300 > max(200, 250): FP
           events.Event("bird", Span(0, 500))]      # label never in reference: FP
    s = events.event_based(ref, est, t_collar_s=0.2, percentage_of_length=0.5)
    assert (s.tp, s.fp, s.fn) == (1, 3, 2)
    assert s.f1 == pytest.approx(2 / (2 + 3 + 2))
    # a longer reference event tolerates a longer offset error (50 % of 4 s = 2 s)
    s2 = events.event_based([events.Event("dog", Span(5000, 9000))], [events.Event("dog", Span(5100, 7100))])
    assert (s2.tp, s2.fp, s2.fn) == (1, 0, 0)


def test_event_based_matching_is_one_to_one_and_maximal():
    ref = [events.Event("x", Span(1000, 2000)), events.Event("x", Span(1100, 2100))]
    est = [events.Event("x", Span(1050, 2050))]
    s = events.event_based(ref, est)
    assert (s.tp, s.fp, s.fn) == (1, 0, 1)
    # greedy would pair est0 with ref0 and leave est1 unmatched; the maximum matching finds 2
    ref = [events.Event("x", Span(1000, 2000)), events.Event("x", Span(1250, 2250))]
    est = [events.Event("x", Span(1100, 2100)), events.Event("x", Span(900, 1900))]
    assert events.event_based(ref, est).tp == 2


def test_segment_based_f1_by_hand():
    ref = [events.Event("dog", Span(500, 2500))]          # active in segments 0, 1, 2
    est = [events.Event("dog", Span(1200, 2000)),          # active in segment 1
           events.Event("horn", Span(3000, 4000))]         # segment 3, ends on a boundary: not segment 4
    s = events.segment_based(ref, est, duration_ms=5000, resolution_s=1.0)
    assert (s.tp, s.fp, s.fn) == (1, 1, 2)
    assert s.f1 == pytest.approx(2 / 5)
    assert events.segment_based([], [], 5000).f1 == 1.0


def test_align_pairs_by_largest_overlap_one_to_one():
    a = [seg("a1", 0, 1000), seg("a2", 1000, 3000)]
    b = [seg("b1", 100, 1900), seg("b2", 1900, 2900), seg("b3", 5000, 6000)]
    pairs = agreement.align_segments(a, b)
    ids = [(x.id if x else None, y.id if y else None) for x, y in pairs]
    assert ids == [("a1", "b1"), ("a2", "b2"), (None, "b3")]
    assert metrics.boundary_shift_ms(pairs) == pytest.approx((100 + 900 + 900 + 100) / 4)


def test_frame_labels_use_frame_centres():
    labels = agreement.frame_labels([tag("happy", 10, 30), tag("sad", 25, 45)], 6, 10)
    # centres 5, 15, 25, 35, 45, 55 ms; the later-starting tag wins where both cover
    assert labels == [None, "happy", "sad", "sad", None, None]


def test_kappa_and_alpha_equal_the_libraries_on_labelled_frames():
    a = [tag("happy", 0, 1000), tag("neutral", 1000, 2000), tag("sad", 3000, 3500)]
    b = [tag("happy", 0, 700), tag("neutral", 700, 2000), tag("angry", 2500, 3200)]
    c = [tag("happy", 0, 1000), tag("sad", 1000, 1500)]
    n = 400
    def frames(tags):  # noqa: E306 - an independent re-implementation: label at each 10 ms centre
        out = np.full(n, "", dtype=object)
        for t in tags:
            centres = np.arange(n) * 10 + 5
            out[(centres >= t.span.start_ms) & (centres < t.span.end_ms)] = t.label
        return out
    fa, fb, fc = frames(a), frames(b), frames(c)
    keep = (fa != "") | (fb != "")
    ra, rb = [x or "none" for x in fa[keep]], [x or "none" for x in fb[keep]]
    assert agreement.emotion_kappa(a, b, 4000) == pytest.approx(cohen_kappa_score(ra, rb), abs=1e-12)
    keep3 = (fa != "") | (fb != "") | (fc != "")
    cats = sorted({x or "none" for f in (fa, fb, fc) for x in f[keep3]})
    data = np.array([[cats.index(x or "none") for x in f[keep3]] for f in (fa, fb, fc)], dtype=float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert agreement.emotion_alpha([a, b, c], 4000) == pytest.approx(expected, abs=1e-12)
    assert agreement.emotion_kappa([], [], 4000) is None
