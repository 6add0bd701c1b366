"""Praat TextGrid (long text format, through ``praatio``): writer and reader.

Tiers, in order: for each speaker (by display name; ``(no speaker)`` for unattributed
segments) an interval tier ``<name>`` with the segments' text and ``<name> - words`` with the
timed words; then ``sound events`` and ``emotions`` (every emotion at its own time, those on a
segment included: :func:`parse` attaches an emotion that coincides with a segment). Interval
tiers cannot overlap, so overlapping intervals of one tier go to extra lanes ``<name> [2]``,
``<name> [3]`` (:func:`parse` folds lanes back). Gaps are filled with empty intervals, as Praat
expects; the TextGrid spans 0 to the end of the recording (in the export's clock). A segment
without text is an empty interval, which Praat and every reader take for a gap: the registry
lists TextGrid as not holding such segments.

Words follow their segment's lane: ``<name> - words [k]`` holds the words of the segments in
``<name> [k]``, so words never get a lane of their own. Within a segment they are laid out by
:func:`~audiolab.export.records.tier_words`: in time order, word-timing noise of up to 20 ms (a
frame when snapping) trimmed (a word that overlaps the previous one by a few ms starts where the
previous one ends; one a few ms past the segment is cut at its boundary), every word kept; words that
overlap or leave their segment by more are refused, naming the segment (export with
``include_words=False``, ``--no-words``, to leave words out).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from audiolab.core.model import TagKind, Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.reading import (
    ImportedDoc,
    ImportedSegment,
    ImportedTag,
    ImportedWord,
    ReadOptions,
    attach_words,
    check_span,
    line_of,
    seconds_ms,
    unlaned,
)
from audiolab.export.records import (
    SegmentRecord,
    check_tier_names,
    iter_segments,
    iter_tags,
    lane_name,
    lanes,
    one_line,
    tier_words,
    word_slack_ms,
)

EXTENSION = ".TextGrid"
NO_SPEAKER = "(no speaker)"
WORDS_SUFFIX = " - words"
EVENTS_TIER = "sound events"
EMOTIONS_TIER = "emotions"

Interval = tuple[int, int, str]
_WORDS_HOLD = "a TextGrid word tier holds a segment's words one after another, inside the segment"


def iter_tiers(t: Transcript, opts: ExportOptions) -> Iterator[tuple[str, list[Interval]]]:
    """(tier name, intervals in ms) for every tier to write."""
    tmap = TimeMap(t.recording, opts)
    slack = word_slack_ms(tmap)
    by_speaker: dict[str, list[SegmentRecord]] = {}
    for rec in iter_segments(t, opts, tmap):
        by_speaker.setdefault(rec.speaker or NO_SPEAKER, []).append(rec)
    check_tier_names({r.speaker for recs in by_speaker.values() for r in recs if r.speaker}, "TextGrid",
                     (NO_SPEAKER, EVENTS_TIER, EMOTIONS_TIER), (WORDS_SUFFIX,))
    for name in sorted(by_speaker):
        seg_lanes = lanes(by_speaker[name], lambda r: (r.start_ms, r.end_ms))
        for i, lane in enumerate(seg_lanes):
            yield lane_name(name, i), [(r.start_ms, r.end_ms, one_line(r.text)) for r in lane]
        if not opts.include_words:
            continue
        for i, lane in enumerate(seg_lanes):
            words = [(w.start_ms, w.end_ms, one_line(w.text)) for r in lane
                     for w in tier_words(r, "TextGrid", slack, _WORDS_HOLD)]
            if words:
                yield lane_name(name + WORDS_SUFFIX, i), words
    for kind, tier_name, on in ((TagKind.SOUND_EVENT, EVENTS_TIER, opts.include_events),
                                (TagKind.EMOTION, EMOTIONS_TIER, opts.include_emotions)):
        items = [(r.start_ms, r.end_ms, r.label) for r in iter_tags(t, opts, kind, tmap)]
        if on and items:
            yield from _laned(tier_name, items)


def _laned(name: str, items: list[Interval]) -> Iterator[tuple[str, list[Interval]]]:
    for i, lane in enumerate(lanes(items, lambda x: (x[0], x[1]))):
        yield lane_name(name, i), lane


def build(t: Transcript, opts: ExportOptions):  # noqa: ANN201 - praatio Textgrid
    from praatio.data_classes.interval_tier import IntervalTier
    from praatio.data_classes.textgrid import Textgrid

    tiers = list(iter_tiers(t, opts))
    start, end = TimeMap(t.recording, opts).span(0, t.recording.duration_ms)
    end = max([end] + [iv[1] for _, ivs in tiers for iv in ivs])
    start = min([start] + [iv[0] for _, ivs in tiers for iv in ivs])
    tg = Textgrid(start / 1000, end / 1000)
    for name, intervals in tiers:
        entries = [(a / 1000, b / 1000, text) for a, b, text in intervals]
        tg.addTier(IntervalTier(name, entries, start / 1000, end / 1000), reportingMode="error")
    return tg


def dumps(t: Transcript, opts: ExportOptions) -> str:
    tg = build(t, opts)
    fd, tmp = tempfile.mkstemp(suffix=EXTENSION)
    os.close(fd)
    try:
        tg.save(tmp, format="long_textgrid", includeBlankSpaces=True, minimumIntervalLength=None,
                reportingMode="error")
        with open(tmp, encoding="utf-8") as f:
            return f.read()
    finally:
        os.unlink(tmp)


# -- reading ----------------------------------------------------------------------------------

def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """Interval tiers as speakers (``X - words`` as X's words; ``sound events``; ``emotions``).

    Lanes (``X [2]``) fold back into their tier; an emotion interval that coincides with a
    segment belongs to it. Point tiers are skipped.

    Args:
        path: the file (named in errors).
        text: its text.
        options: unused (TextGrid needs none).

    Raises:
        ImportFormatError: praatio cannot read the file, or an interval is empty or reversed.
    """
    from praatio.utilities import textgrid_io

    doc = ImportedDoc(str(path), "textgrid")
    try:
        parsed = textgrid_io.parseTextgridStr(text, includeEmptyIntervals=False)
    except Exception as exc:  # praatio raises bare exceptions of many kinds on malformed files
        raise ImportFormatError(doc.path, f"not a readable TextGrid ({type(exc).__name__}: {exc})") from None
    words: dict[str | None, list[ImportedWord]] = {}
    for tier in parsed.get("tiers", []):
        if tier.get("class") != "IntervalTier":
            continue
        name = unlaned(tier["name"])
        for entry in tier["entries"]:
            start, end, label = entry[0], entry[1], entry[2]
            a = seconds_ms(doc.path, start, line_of(text, f"{start}"), f"start of interval '{label[:30]}'")
            b = seconds_ms(doc.path, end, line_of(text, f"{end}"), f"end of interval '{label[:30]}'")
            line = line_of(text, f"{start}") if b <= a else None
            check_span(doc.path, a, b, line, f"interval '{label[:30]}' of tier '{tier['name']}'")
            if name == EVENTS_TIER:
                doc.tags.append(ImportedTag(TagKind.SOUND_EVENT, a, b, label))
            elif name == EMOTIONS_TIER:
                doc.tags.append(ImportedTag(TagKind.EMOTION, a, b, label))
            elif name.endswith(WORDS_SUFFIX):
                spk = name[: -len(WORDS_SUFFIX)]
                words.setdefault(None if spk == NO_SPEAKER else spk, []).append(ImportedWord(a, b, label))
            else:
                doc.segments.append(ImportedSegment(a, b, " ".join(label.split()), None if name == NO_SPEAKER else name))
    doc.segments.sort(key=lambda s: (s.start_ms, s.end_ms))
    attach_words(doc, words)
    _attach_emotions(doc)
    return doc


def _attach_emotions(doc: ImportedDoc) -> None:
    """An emotion interval that coincides with a segment belongs to it."""
    index = {(s.start_ms, s.end_ms): i for i, s in enumerate(doc.segments)}
    for tag in doc.tags:
        if tag.kind == TagKind.EMOTION and tag.segment is None:
            tag.segment = index.get((tag.start_ms, tag.end_ms))
