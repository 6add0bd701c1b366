"""STM writer (NIST sclite reference transcripts): one line per segment.

``<uri> 1 <speaker> <start s> <end s> <text>``; lines are sorted by start time, as sclite wants.
The speaker field cannot hold whitespace (refused, or ``_`` with ``sanitize_labels``); segments
without a speaker use ``unknown``. Newlines in text become spaces.
"""

from __future__ import annotations

from collections.abc import Iterator

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.records import clean_label, iter_segments, one_line, seconds, uri_of

EXTENSION = ".stm"


def iter_lines(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    uri = uri_of(t, opts)
    for rec in iter_segments(t, opts):
        spk = clean_label(rec.speaker, "speaker", "STM", opts.sanitize_labels) if rec.speaker else "unknown"
        yield f"{uri} 1 {spk} {seconds(rec.start_ms)} {seconds(rec.end_ms)} {one_line(rec.text)}".rstrip() + "\n"


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "".join(iter_lines(t, opts))
