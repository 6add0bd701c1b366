"""The records every exporter iterates: segments of the chosen tier, in output time.

Exporters are layered (iterate records, serialize, write); this is the first layer, shared so that
tier selection, speaker naming and the video clock behave the same in every format.
"""

from __future__ import annotations

import re
import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from audiolab.core.model import Segment, Span, Tag, TagKind, Tier, TierKind, Transcript
from audiolab.errors import ValidationError
from audiolab.export.options import ExportOptions, TimeMap

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class WordRecord:
    start_ms: int
    end_ms: int
    text: str
    speaker: str
    probability: float | None


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """One segment as exporters see it: times already in the output clock."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str
    """The speaker's display name ('' when unattributed)."""
    label: str
    """The speaker's stable label (``SPEAKER_00``), '' when unattributed."""
    words: tuple[WordRecord, ...]
    segment: Segment
    media_start_ms: int
    media_end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class TagRecord:
    start_ms: int
    end_ms: int
    label: str
    kind: TagKind
    tag: Tag


def select_tier(t: Transcript, opts: ExportOptions) -> Tier:
    """The transcript tier to export: ``opts.tier`` (name or id) or ``main_tier()``."""
    if opts.tier:
        found = [x for x in t.tiers if x.id == opts.tier] or [x for x in t.tiers if x.name == opts.tier]
        if not found:
            names = ", ".join(sorted(x.name for x in t.tiers if x.kind == TierKind.TRANSCRIPT))
            raise ValidationError(f"no tier '{opts.tier}' on recording {t.recording.id} (tiers: {names})")
        return found[0]
    tier = t.main_tier()
    if tier is None:
        raise ValidationError(f"recording {t.recording.id} has no transcript tier")
    return tier


def iter_segments(t: Transcript, opts: ExportOptions, tmap: TimeMap | None = None) -> Iterator[SegmentRecord]:
    """Segments of the selected tier, ordered by time, with output times."""
    tmap = tmap or TimeMap(t.recording, opts)
    tier = select_tier(t, opts)
    speakers = {s.id: s for s in t.speakers}
    for seg in t.segments_of(tier.id):
        spk = speakers.get(seg.speaker_id) if seg.speaker_id else None
        start, end = tmap.span(seg.span.start_ms, seg.span.end_ms)
        words = []
        for w in seg.words:
            ws, we = tmap.span(w.span.start_ms, w.span.end_ms)
            wspk = speakers.get(w.speaker_id or seg.speaker_id or "")
            words.append(WordRecord(ws, we, w.text, wspk.display_name if wspk else "", w.probability))
        yield SegmentRecord(start, end, seg.text, spk.display_name if spk else "", spk.label if spk else "",
                            tuple(words), seg, seg.span.start_ms, seg.span.end_ms)


def iter_tags(t: Transcript, opts: ExportOptions, kind: TagKind, tmap: TimeMap | None = None) -> Iterator[TagRecord]:
    tmap = tmap or TimeMap(t.recording, opts)
    # Only the exported version's tags: annotators' private copies never leak into an export.
    for tag in t.version_tags(select_tier(t, opts), kind):
        start, end = tmap.span(tag.span.start_ms, tag.span.end_ms)
        yield TagRecord(start, end, tag.label, kind, tag)


def clean_label(label: str, what: str, fmt: str, sanitize: bool) -> str:
    """A label without whitespace, for formats that split fields on whitespace.

    Raises:
        ValidationError: the label has whitespace and ``sanitize`` is off.
    """
    label = label.strip()
    if not label:
        return "<NA>"
    if _SPACE.search(label):
        if not sanitize:
            raise ValidationError(f"{fmt} cannot hold {what} '{label}' (it contains whitespace); "
                                  "rename it or export with sanitize_labels (--sanitize-labels) to write '_'")
        return _SPACE.sub("_", label)
    return label


def uri_of(t: Transcript, opts: ExportOptions) -> str:
    """The file id written in RTTM/STM/CTM: the media stem, whitespace replaced by ``_``."""
    return _SPACE.sub("_", opts.uri or Path(t.recording.path).stem) or t.recording.id


def seconds(ms: int) -> str:
    """Milliseconds as seconds with 3 decimals (exact, no float rounding)."""
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    return f"{sign}{ms // 1000}.{ms % 1000:03d}"


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def overlap_index(tags: list[Tag]) -> Callable[[Span], list[Tag]]:
    """A lookup of the tags overlapping a span, in O(log n + k) for sorted tags."""
    tags = sorted(tags, key=lambda x: (x.span, x.id))
    starts = [x.span.start_ms for x in tags]
    longest = max((x.span.duration_ms for x in tags), default=0)

    def find(span: Span) -> list[Tag]:
        lo = bisect.bisect_left(starts, span.start_ms - longest)
        hi = bisect.bisect_left(starts, span.end_ms)
        return [x for x in tags[lo:hi] if x.span.overlaps(span)]

    return find


def lanes(items: list, span: Callable[[object], tuple[int, int]]) -> list[list]:
    """Split items into lanes in which no two overlap (first lane that fits, in time order).

    Interval tiers of TextGrid and ELAN cannot hold overlapping intervals; overlapping speech of
    one speaker goes to a second (third, ...) lane instead of being cut.

    >>> lanes([(0, 10), (5, 15), (10, 20)], lambda x: x)
    [[(0, 10), (10, 20)], [(5, 15)]]
    """
    out: list[list] = []
    ends: list[int] = []
    for item in sorted(items, key=span):
        start, end = span(item)
        for i, last in enumerate(ends):
            if last <= start:
                out[i].append(item)
                ends[i] = end
                break
        else:
            out.append([item])
            ends.append(end)
    return out


def lane_name(base: str, index: int) -> str:
    """``base`` for the first lane, ``base [2]`` for the second, ..."""
    return base if index == 0 else f"{base} [{index + 1}]"
