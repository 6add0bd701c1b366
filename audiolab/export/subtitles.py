"""Cues shared by the SRT and WebVTT writers and the subtitle linter.

A cue is one segment of the exported tier in output time, its text shaped into lines. Segments
with empty text are not cues (subtitle formats cannot hold an empty cue).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.records import SegmentRecord, iter_segments, one_line


@dataclass(frozen=True, slots=True)
class Cue:
    index: int
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    speaker: str
    record: SegmentRecord

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def shape(text: str, opts: ExportOptions) -> tuple[str, ...]:
    """Text as cue lines: one line, or wrapped to ``rules.max_chars_per_line`` when ``opts.wrap``."""
    flat = one_line(text)
    if not opts.wrap:
        return (flat,) if flat else ()
    return tuple(textwrap.wrap(flat, opts.rules.max_chars_per_line, break_long_words=False, break_on_hyphens=False))


def iter_cues(t: Transcript, opts: ExportOptions, tmap: TimeMap | None = None) -> Iterator[Cue]:
    n = 0
    for rec in iter_segments(t, opts, tmap):
        lines = shape(rec.text, opts)
        if not lines:
            continue
        n += 1
        yield Cue(n, rec.start_ms, rec.end_ms, lines, rec.speaker, rec)


def clock(ms: int, frac_sep: str) -> str:
    """``HH:MM:SS,mmm`` (SRT, ``frac_sep=','``) or ``HH:MM:SS.mmm`` (WebVTT)."""
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{frac_sep}{milli:03d}"
