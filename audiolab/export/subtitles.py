"""What SRT and WebVTT share: cues for their writers and the subtitle linter, cue blocks for their readers.

A cue is one segment of the exported tier in output time, its text shaped into lines. Segments
with empty text are not cues (subtitle formats cannot hold an empty cue). Reading, both formats
are blank-line separated blocks (:func:`blocks`) with a timing line ``start --> end``
(:func:`timing`); ``HH:`` is optional and the fraction may be ``,`` or ``.``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from audiolab.core.model import Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.reading import check_span
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


# -- reading ----------------------------------------------------------------------------------

_TS = r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TS}\s*-->\s*{_TS}(?:\s+(.*))?$")
#: Markup in cue text (``<i>``, ``<v Name>``, ``<c.loud>``...): removed when reading.
TAGS = re.compile(r"<[^>]*>")


def _ts_ms(h: str | None, m: str, s: str, frac: str) -> int:
    if int(m) > 59 or int(s) > 59:
        raise ValueError("minutes or seconds over 59")
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(frac.ljust(3, "0"))


def blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (first line number, lines without trailing blanks)."""
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 1
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not cur:
                start = i
            cur.append(line.rstrip())
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def timing(path: str, line: str, lineno: int) -> tuple[int, int]:
    """A cue's ``start --> end`` line (cue settings after the end are ignored) as milliseconds.

    Raises:
        ImportFormatError: the line is not a timing line, a time is malformed, or the span is
            empty or reversed; at ``lineno``.
    """
    m = _TIMING.match(line)
    if not m:
        raise ImportFormatError(path, f"unparseable timestamp line {line.strip()[:80]!r} "
                                      "(expected 00:00:01,000 --> 00:00:02,000)", lineno)
    try:
        start, end = _ts_ms(*m.group(1, 2, 3, 4)), _ts_ms(*m.group(5, 6, 7, 8))
    except ValueError as exc:
        raise ImportFormatError(path, f"unparseable timestamp {line.strip()[:80]!r}: {exc}", lineno) from None
    check_span(path, start, end, lineno)
    return start, end
