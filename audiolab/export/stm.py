"""STM (NIST sclite reference transcripts), one line per segment: writer and reader.

``<uri> 1 <speaker> <start s> <end s> <text>``; lines are sorted by start time, as sclite wants.
The speaker field cannot hold whitespace (refused, or ``_`` with ``sanitize_labels``); segments
without a speaker use ``unknown``. Newlines in text become spaces. Reading skips ``;;`` comments
and sclite's ``inter_segment_gap`` / ``excluded_region`` lines, and drops a ``<labels>`` field.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from audiolab.core.model import Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions
from audiolab.export.reading import ImportedDoc, ImportedSegment, ReadOptions, check_span, seconds_ms
from audiolab.export.records import clean_label, iter_segments, one_line, seconds, uri_of

EXTENSION = ".stm"


def iter_lines(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    uri = uri_of(t, opts)
    for rec in iter_segments(t, opts):
        spk = clean_label(rec.speaker, "speaker", "STM", opts.sanitize_labels) if rec.speaker else "unknown"
        yield f"{uri} 1 {spk} {seconds(rec.start_ms)} {seconds(rec.end_ms)} {one_line(rec.text)}".rstrip() + "\n"


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "".join(iter_lines(t, opts))


# -- reading ----------------------------------------------------------------------------------

def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """STM ``<uri> <channel> <speaker> <start> <end> [<labels>] text``; ``;;`` comments skipped.

    Args:
        path: the file (named in errors).
        text: its text.
        options: unused (STM needs none).

    Raises:
        ImportFormatError: a short or malformed line, or an empty or reversed span (with its line).
    """
    doc = ImportedDoc(str(path), "stm")
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith(";;"):
            continue
        f = line.split(None, 5)
        if len(f) < 5:
            raise ImportFormatError(doc.path, f"STM lines need at least 5 fields, found {len(f)}", n)
        spk = f[2]
        if spk in ("inter_segment_gap", "excluded_region"):
            continue
        start, end = seconds_ms(doc.path, f[3], n, "start time"), seconds_ms(doc.path, f[4], n, "end time")
        check_span(doc.path, start, end, n, "segment")
        body = f[5] if len(f) > 5 else ""
        if body.startswith("<"):
            body = body.split(">", 1)[1] if ">" in body else ""
        doc.segments.append(ImportedSegment(start, end, " ".join(body.split()), spk, line=n))
    return doc
