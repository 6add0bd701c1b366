"""Agreement between annotators: aligning two versions in time, and chance-corrected label agreement.

- :func:`align_annotations` pairs the segments of two tiers by time overlap, one-to-one, the
  largest overlaps first (greedy); segments left without a partner are paired with None. It is
  what the side-by-side adjudication view shows and what boundary agreement is measured on.
- Emotion labels are compared *time-weighted*: the timeline is sampled every ``frame_ms``
  (10 ms) and each annotator gets one label per frame (the tag covering the frame's centre; when
  their own tags overlap, the one that starts last wins). Only frames that at least one
  annotator labelled are counted, and a frame one annotator left unlabelled carries the
  category ``"none"`` for them, so silence everyone agrees on does not inflate agreement.
  Cohen's kappa (two annotators) is ``sklearn.metrics.cohen_kappa_score`` on those frames;
  Krippendorff's alpha (any number) is ``krippendorff.alpha(..., level_of_measurement="nominal")``.
  Both are None when undefined (no labelled frame, or a single category everywhere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from audiolab.core.model import Segment, Tag, Tier, Transcript

NO_LABEL = "none"
FRAME_MS = 10

Pair = tuple[Segment | None, Segment | None]


def align_annotations(transcript: Transcript, tier_a: Tier | str, tier_b: Tier | str) -> list[Pair]:
    """Pair two tiers' segments in time, for side-by-side comparison.

    Args:
        transcript: the recording's transcript (holds both tiers' segments).
        tier_a: first tier (or its id).
        tier_b: second tier (or its id).

    Returns:
        ``(a, b)`` pairs sorted by time; ``(a, None)`` / ``(None, b)`` where a segment overlaps
        nothing still free in the other tier.
    """
    a_id = tier_a if isinstance(tier_a, str) else tier_a.id
    b_id = tier_b if isinstance(tier_b, str) else tier_b.id
    return align_segments(transcript.segments_of(a_id), transcript.segments_of(b_id))


def align_segments(a: Sequence[Segment], b: Sequence[Segment]) -> list[Pair]:
    """:func:`align_annotations` on two lists of segments."""
    candidates = []
    j0 = 0
    a = sorted(a, key=lambda s: s.span)
    b_sorted = sorted(b, key=lambda s: s.span)
    for i, sa in enumerate(a):
        while j0 < len(b_sorted) and b_sorted[j0].span.end_ms <= sa.span.start_ms - 600_000:
            j0 += 1  # segments are rarely longer than 10 min: skip far-left ones cheaply
        for j in range(j0, len(b_sorted)):
            sb = b_sorted[j]
            if sb.span.start_ms >= sa.span.end_ms:
                break
            ov = sa.span.overlap_ms(sb.span)
            if ov > 0:
                candidates.append((-ov, sa.span.start_ms, i, j))
    candidates.sort()
    used_a: dict[int, int] = {}
    used_b: set[int] = set()
    for _, _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a[i] = j
            used_b.add(j)
    pairs: list[Pair] = [(sa, b_sorted[used_a[i]] if i in used_a else None) for i, sa in enumerate(a)]
    pairs += [(None, sb) for j, sb in enumerate(b_sorted) if j not in used_b]

    def key(p: Pair) -> tuple[int, int]:
        s = p[0] if p[0] is not None else p[1]
        return (s.span.start_ms, s.span.end_ms)  # type: ignore[union-attr]

    return sorted(pairs, key=key)


def frame_labels(tags: Sequence[Tag], n_frames: int, frame_ms: int = FRAME_MS) -> list[str | None]:
    """One label per frame (None where no tag covers the frame's centre)."""
    out: list[str | None] = [None] * n_frames
    for tag in sorted(tags, key=lambda t: (t.span.start_ms, t.label)):
        first = max(0, math.ceil((tag.span.start_ms - frame_ms / 2) / frame_ms))
        k = first
        while k < n_frames and k * frame_ms + frame_ms / 2 < tag.span.end_ms:
            out[k] = tag.label
            k += 1
    return out


def _labelled_frames(versions: Sequence[Sequence[Tag]], duration_ms: int, frame_ms: int) -> list[list[str]]:
    n = max(1, -(-duration_ms // frame_ms))
    per = [frame_labels(tags, n, frame_ms) for tags in versions]
    keep = [k for k in range(n) if any(p[k] is not None for p in per)]
    return [[p[k] or NO_LABEL for k in keep] for p in per]


def emotion_kappa(tags_a: Sequence[Tag], tags_b: Sequence[Tag], duration_ms: int,
                  frame_ms: int = FRAME_MS) -> float | None:
    """Cohen's kappa of two annotators' labels, time-weighted (see the module docstring)."""
    from sklearn.metrics import cohen_kappa_score

    a, b = _labelled_frames([tags_a, tags_b], duration_ms, frame_ms)
    if not a or len(set(a) | set(b)) < 2:
        return None
    value = float(cohen_kappa_score(a, b))
    return None if math.isnan(value) else value


def emotion_alpha(versions: Sequence[Sequence[Tag]], duration_ms: int, frame_ms: int = FRAME_MS) -> float | None:
    """Krippendorff's alpha (nominal) of several annotators' labels, time-weighted."""
    import krippendorff
    import numpy as np

    if len(versions) < 2:
        return None
    frames = _labelled_frames(versions, duration_ms, frame_ms)
    categories = sorted({v for row in frames for v in row})
    if not frames[0] or len(categories) < 2:
        return None
    code = {c: i for i, c in enumerate(categories)}
    data = np.array([[code[v] for v in row] for row in frames], dtype=float)
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    return None if math.isnan(value) else value
