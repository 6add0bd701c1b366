"""The records every exporter iterates: segments of the chosen tier, in output time.

Exporters are layered (iterate records, serialize, write); this is the first layer, shared so that
tier selection, speaker naming and the video clock behave the same in every format.

Word tiers (TextGrid, ELAN) hold a segment's words in time order, one after another, inside the
segment. A stored segment's words need not be (an aligner writes word ends a few ms past the next
word's start; edits leave words out of order, overlapping or reaching past a boundary), so
:func:`tier_words` lays them out for such a tier: words are put in time order (a tier is ordered
by time; the stored sequence stays in JSON), and what is timing noise, an overlap with the
previous word or a spill past the segment of at most :func:`word_slack_ms` (20 ms, a frame when
snapping to frames), is trimmed: the later word starts where the previous one ends (or, when
that would leave it nothing, the previous one ends where it starts) and a spilling word is cut
at the boundary. No word is ever dropped: anything more is refused with a
:class:`~audiolab.errors.ValidationError` naming the segment, the word and the problem.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from audiolab.core.model import Segment, Span, Tag, TagKind, Tier, TierKind, Transcript
from audiolab.errors import ValidationError
from audiolab.export.options import ExportOptions, TimeMap

#: Word-timing noise a word tier absorbs: overlaps and spills up to this are trimmed (ms).
WORD_SLACK_MS = 20

_SPACE = re.compile(r"\s+")
_LANE_SUFFIX = re.compile(r" \[\d+\]$")


@dataclass(frozen=True, slots=True)
class WordRecord:
    """One word as exporters see it: times in the output clock, ``index`` its place in ``Segment.words``."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str
    probability: float | None
    index: int = 0


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
        for i, w in enumerate(seg.words):
            ws, we = tmap.span(w.span.start_ms, w.span.end_ms)
            wspk = speakers.get(w.speaker_id or seg.speaker_id or "")
            words.append(WordRecord(ws, we, w.text, wspk.display_name if wspk else "", w.probability, i))
        yield SegmentRecord(start, end, seg.text, spk.display_name if spk else "", spk.label if spk else "",
                            tuple(words), seg, seg.span.start_ms, seg.span.end_ms)


def check_speaker_names(t: Transcript, opts: ExportOptions, fmt: str) -> None:
    """Refuse two speakers of the exported segments that share a display name.

    Formats name speakers by display name (a tier, a label, a voice), so two such speakers would
    become one.

    Raises:
        ValidationError: naming the format, the name and the speakers' labels.
    """
    used = {s.speaker_id for s in t.segments_of(select_tier(t, opts).id) if s.speaker_id}
    seen: dict[str, str] = {}
    for spk in sorted((x for x in t.speakers if x.id in used), key=lambda x: x.label):
        other = seen.setdefault(spk.display_name, spk.label)
        if other != spk.label:
            raise ValidationError(f"{fmt}: speakers {other} and {spk.label} are both named '{spk.display_name}'; "
                                  "the format tells speakers apart by name, so they would become one: rename one "
                                  "(or merge them)")


def check_tier_names(names: Iterable[str], fmt: str, reserved: Iterable[str], suffixes: Iterable[str]) -> None:
    """Refuse speaker names that would collide with the other tiers a TextGrid or ELAN file has.

    Tiers are named after speakers, and the format's own tiers (``sound events``, ``<name> -
    words``, lanes ``<name> [2]``) after fixed names and suffixes; a speaker so named would share
    a tier with them (or be read back as one).

    Raises:
        ValidationError: naming the format and the speaker.
    """
    reserved, suffixes = set(reserved), tuple(suffixes)
    for name in names:
        clash = ("is the name of another tier" if name in reserved else
                 "ends like a dependent tier's name" if name.endswith(suffixes) else
                 "ends like a lane's name" if _LANE_SUFFIX.search(name) else "")
        if clash:
            raise ValidationError(f"{fmt}: speaker '{name}' cannot name a tier: it {clash} "
                                  f"({', '.join(sorted(reserved))}; {', '.join(f'<name>{x}' for x in suffixes)}; "
                                  "<name> [2]); "
                                  "rename the speaker")


def iter_tags(t: Transcript, opts: ExportOptions, kind: TagKind, tmap: TimeMap | None = None) -> Iterator[TagRecord]:
    tmap = tmap or TimeMap(t.recording, opts)
    # Only the exported version's tags: annotators' private copies never leak into an export.
    for tag in t.version_tags(select_tier(t, opts), kind):
        start, end = tmap.span(tag.span.start_ms, tag.span.end_ms)
        yield TagRecord(start, end, tag.label, kind, tag)


def segment_tags(t: Transcript, opts: ExportOptions) -> tuple[dict[str, list[str]], Callable[[Span], list[Tag]]]:
    """The exported version's tags as formats with one row per segment carry them (CSV, JSONL).

    Returns:
        The emotion labels of each segment id (in time order), and a lookup of the sound events
        overlapping a span. Emotions on no exported segment and events overlapping none are
        not carried by such formats (:mod:`audiolab.export.coverage` counts them).
    """
    tier = select_tier(t, opts)
    emotions: dict[str, list[str]] = {}
    for tag in t.version_tags(tier, TagKind.EMOTION):
        if tag.segment_id:
            emotions.setdefault(tag.segment_id, []).append(tag.label)
    return emotions, overlap_index(t.version_tags(tier, TagKind.SOUND_EVENT))


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


def where(rec: SegmentRecord) -> str:
    """The segment as messages name it: ``segment <id> (1.200-3.400 s, Alice)``, in stored (media) time."""
    who = f", {rec.speaker}" if rec.speaker else ""
    return f"segment {rec.segment.id} ({seconds(rec.media_start_ms)}-{seconds(rec.media_end_ms)} s{who})"


def word_slack_ms(tmap: TimeMap) -> int:
    """The word-timing noise :func:`tier_words` trims: 20 ms, or one frame when snapping to frames."""
    if tmap.snap and tmap.clock is not None:
        fps = tmap.clock.fps
        return max(WORD_SLACK_MS, -(-1000 * fps.denominator // fps.numerator))
    return WORD_SLACK_MS


def tier_words(rec: SegmentRecord, fmt: str, slack_ms: int = WORD_SLACK_MS, holds: str = "") -> list[WordRecord]:
    """A segment's words as a word tier holds them: in time order, inside the segment, one after another.

    Overlaps with the previous word and spills past the segment of up to ``slack_ms`` are trimmed
    (see the module docstring); every word is kept.

    Args:
        rec: the segment, its words in the output clock.
        fmt: the format's name, for the message.
        slack_ms: the most a word's start or end may move.
        holds: what the format's word tier holds, for the message.

    Returns:
        The words, in time order, with the trimmed times.

    Raises:
        ValidationError: a word that cannot be laid out so (it overlaps the previous one, or
            reaches out of the segment, by more than ``slack_ms``); the message names the
            segment (id and time), the word and the problem.
    """
    order = sorted(rec.words, key=lambda w: (w.start_ms, w.end_ms, w.index))
    out: list[WordRecord] = []
    for w in order:
        floor = out[-1].end_ms if out else rec.start_ms
        a, b = max(w.start_ms, floor), min(w.end_ms, rec.end_ms)
        if b <= a and out and out[-1].start_ms < w.start_ms and floor - w.start_ms <= slack_ms:
            # No room after the previous word: end the previous word where this one starts.
            out[-1] = dataclasses.replace(out[-1], end_ms=w.start_ms)
            a = max(w.start_ms, rec.start_ms)
        if b <= a or a - w.start_ms > slack_ms or w.end_ms - b > slack_ms:
            raise ValidationError(_word_problem(rec, w, out[-1] if out else None, fmt, slack_ms, holds))
        out.append(w if (a, b) == (w.start_ms, w.end_ms) else dataclasses.replace(w, start_ms=a, end_ms=b))
    return out


def _word_problem(rec: SegmentRecord, w: WordRecord, prev: WordRecord | None, fmt: str, slack_ms: int,
                  holds: str) -> str:
    seg = rec.segment

    def stored(x: WordRecord) -> str:
        span = seg.words[x.index].span if x.index < len(seg.words) else Span(x.start_ms, x.end_ms)
        return f"'{one_line(x.text)}' ({seconds(span.start_ms)}-{seconds(span.end_ms)} s)"

    if w.end_ms <= rec.start_ms or w.start_ms >= rec.end_ms:
        problem = "lies outside the segment"
    elif rec.start_ms - w.start_ms > slack_ms:
        problem = f"starts {rec.start_ms - w.start_ms} ms before the segment"
    elif w.end_ms - rec.end_ms > slack_ms:
        problem = f"ends {w.end_ms - rec.end_ms} ms after the segment"
    elif prev is not None:
        problem = f"overlaps the word {stored(prev)} by {min(prev.end_ms, w.end_ms) - w.start_ms} ms"
    else:
        problem = "has no room in the segment"
    holds = holds or f"a {fmt} word tier holds a segment's words one after another, inside the segment"
    return (f"{fmt}: {where(rec)}: the word {stored(w)} {problem}; {holds} (overlaps and spills of up to "
            f"{slack_ms} ms are trimmed). Re-time the segment's words (retype its text or move its boundaries), "
            "or export without words (--no-words)")
