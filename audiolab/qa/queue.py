"""The review queue: draft segments ranked by how many errors a reviewer can expect to find.

A reviewer with an hour should spend it where the draft is weakest. Each segment's score is an
*expected number of errors* in it, the sum of these parts (a part of 0.5 or more adds its name
to the segment's reasons, and so does a single word under ``QueueOptions.low_word_prob``):

| reason | part (expected errors) |
|---|---|
| ``low_word_prob`` | the sum over its words of (1 - probability): the expected number of misrecognised words if Whisper's word probabilities are calibrated |
| ``low_avg_logprob`` | only for a segment without word probabilities: its number of words times (1 - exp(avg_logprob)), the mean chance of a wrong token |
| ``no_speech`` | its number of words times ``no_speech_prob`` times how far ``avg_logprob`` is below -0.5 (0 at -0.5, all of it at -1.0 or lower): Whisper's own rule (no-speech > 0.6 with avg_logprob < -1: the text may be invented) made gradual |
| ``speaker_change`` | 0.5: the words carry more than one speaker, or the pipeline flagged ``speaker_change`` |
| ``overlap`` | 0.5: another segment of the tier with a different speaker overlaps it, or the pipeline flagged ``overlap`` |
| ``short_turn`` | 0.75: shorter than ``short_turn_ms``, both neighbours longer than ``long_turn_ms`` and by other speakers than this one (A-long, B-short, A-long: a classic diarization slip) |
| ``disagreement`` | where independent copies exist: the largest WER between this segment's text and a copy's text over the same time, times its number of words (at least 1); plus 1 if a copy gives it another speaker |
| ``no_text`` | 1: a speech turn without any text (diarization found speech, ASR did not) |

The three speaker parts together count at most 1: a segment has one speaker, right or wrong.
Counting errors rather than averaging risk makes a long, uncertain segment outrank a short one
with the same word probabilities, which is what a reviewer's time is worth. A segment already
``corrected`` counts half, one ``reviewed`` a tenth: the queue is for the draft. Missing model
values (a human-made segment has no probabilities) contribute 0. Scores are absolute, so
segments of several recordings can be ranked together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from audiolab.core.model import Segment, SegmentStatus, Transcript
from audiolab.qa import metrics
from audiolab.qa.agreement import align_segments
from audiolab.qa.normalize import normalize_text

# The fixed parts (expected errors); the word parts scale with the segment (see the docstring).
SPEAKER_PARTS = {"speaker_change": 0.5, "overlap": 0.5, "short_turn": 0.75}
NO_TEXT = 1.0
STATUS_FACTOR = {SegmentStatus.DRAFT: 1.0, SegmentStatus.CORRECTED: 0.5, SegmentStatus.REVIEWED: 0.1}


@dataclass(frozen=True, slots=True)
class QueueOptions:
    """Thresholds of the risk score (see the module docstring)."""

    low_word_prob: float = 0.5
    short_turn_ms: int = 1000
    long_turn_ms: int = 2000


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One segment of the review queue, its risk score and why."""

    segment: Segment
    score: float
    reasons: tuple[str, ...]
    parts: tuple[tuple[str, float], ...] = ()

    @property
    def recording_id(self) -> str:
        return self.segment.recording_id


def score_segments(segments: Sequence[Segment], copies: Sequence[Sequence[Segment]] = (),
                   options: QueueOptions | None = None) -> list[QueueItem]:
    """Risk-score one tier's segments (time-ordered), best candidates for review first.

    Args:
        segments: the tier to review (usually the draft).
        copies: other versions of the same recording (annotators' copies) to compare with.
        options: thresholds.
    """
    options = options or QueueOptions()
    segs = sorted(segments, key=lambda s: (s.span, s.id))
    partner_maps = [{id(a): b for a, b in align_segments(segs, c) if a is not None} for c in copies]
    items = []
    for i, seg in enumerate(segs):
        parts = _parts(seg, segs, i, options)
        if copies:
            parts["disagreement"] = _disagreement(seg, copies, partner_maps)
        speaker = sum(parts.get(k, 0.0) for k in SPEAKER_PARTS)
        raw = sum(v for k, v in parts.items() if k not in SPEAKER_PARTS) + min(1.0, speaker)
        weak_word = any(w.probability is not None and w.probability < options.low_word_prob for w in seg.words)
        reasons = tuple(k for k, v in parts.items() if v >= 0.5 or (k == "low_word_prob" and weak_word))
        score = round(raw * STATUS_FACTOR[seg.status], 6)
        items.append(QueueItem(seg, score, reasons, tuple((k, round(v, 4)) for k, v in parts.items() if v > 0)))
    return rank(items)


def rank(items: Sequence[QueueItem]) -> list[QueueItem]:
    """Highest score first; ties in time order."""
    return sorted(items, key=lambda q: (-q.score, q.segment.recording_id, q.segment.span.start_ms, q.segment.id))


def score_transcript(t: Transcript, tier_id: str | None = None, copy_tier_ids: Sequence[str] = (),
                     options: QueueOptions | None = None) -> list[QueueItem]:
    """:func:`score_segments` on a transcript's tier (default: its main tier)."""
    tier = t.tier(tier_id) if tier_id else t.main_tier()
    if tier is None:
        return []
    copies = [t.segments_of(c) for c in copy_tier_ids if c != tier.id]
    return score_segments(t.segments_of(tier.id), copies, options)


def _parts(seg: Segment, segs: list[Segment], i: int, o: QueueOptions) -> dict[str, float]:
    parts: dict[str, float] = {}
    probs = [w.probability for w in seg.words if w.probability is not None]
    n_words = max(len(seg.words), len(seg.text.split()))
    if probs:
        parts["low_word_prob"] = sum(1.0 - p for p in probs)
    elif seg.avg_logprob is not None:
        parts["low_avg_logprob"] = n_words * (1.0 - math.exp(min(0.0, seg.avg_logprob)))
    if seg.no_speech_prob is not None and seg.avg_logprob is not None:
        # Whisper trusts its no-speech probability only together with a low avg_logprob
        # (its rule: > 0.6 and < -1.0); a confident decode of "silence" is usually speech.
        gap = _clip((-seg.avg_logprob - 0.5) / 0.5)
        parts["no_speech"] = n_words * _clip(seg.no_speech_prob) * gap
    word_speakers = {w.speaker_id for w in seg.words if w.speaker_id is not None}
    if len(word_speakers) > 1 or "speaker_change" in seg.flags:
        parts["speaker_change"] = SPEAKER_PARTS["speaker_change"]
    overlapping = any(o2.speaker_id != seg.speaker_id and o2.span.overlaps(seg.span)
                      for o2 in segs[max(0, i - 20): i + 20] if o2 is not seg)
    if overlapping or "overlap" in seg.flags:
        parts["overlap"] = SPEAKER_PARTS["overlap"]
    if 0 < i < len(segs) - 1 and seg.span.duration_ms < o.short_turn_ms:
        prev, nxt = segs[i - 1], segs[i + 1]
        long_both = min(prev.span.duration_ms, nxt.span.duration_ms) > o.long_turn_ms
        if long_both and seg.speaker_id not in (prev.speaker_id, nxt.speaker_id):
            parts["short_turn"] = SPEAKER_PARTS["short_turn"]
    if not seg.text.strip():
        parts["no_text"] = NO_TEXT
    return parts


def _disagreement(seg: Segment, copies: Sequence[Sequence[Segment]], partner_maps: list[dict[int, Segment | None]]) -> float:
    mine = normalize_text(seg.text)
    worst = 0.0
    for copy, partners in zip(copies, partner_maps, strict=True):
        over = [c for c in copy if c.span.overlaps(seg.span)
                and c.span.overlap_ms(seg.span) * 2 >= min(c.span.duration_ms, seg.span.duration_ms)]
        theirs = metrics.version_text(over)
        if not mine and not theirs:
            continue
        rate = metrics.wer(mine, theirs) if mine else 1.0
        value = _clip(rate if rate is not None else 1.0) * max(1, len(mine.split()), len(theirs.split()))
        partner = partners.get(id(seg))
        if partner is not None and partner.speaker_id != seg.speaker_id:
            value += 1.0
        worst = max(worst, value)
    return worst


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))
