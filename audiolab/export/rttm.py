"""RTTM writer: one ``SPEAKER`` line per segment of the exported tier (NIST RT-09 layout).

``SPEAKER <uri> 1 <start s> <duration s> <NA> <NA> <speaker> <NA> <NA>``. Overlapping turns are
kept as they are (RTTM allows them). Fields are separated by whitespace, so a speaker name or file
id with whitespace cannot be written: it is refused, or with ``sanitize_labels`` written with
``_`` in place of each run of whitespace. Segments without a speaker are written as ``<NA>``.
A UEM (``<uri> 1 <start> <end>``: the scored region, the whole recording) can be written beside.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.records import clean_label, iter_segments, seconds, uri_of

EXTENSION = ".rttm"


def iter_lines(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    uri = uri_of(t, opts)
    for rec in iter_segments(t, opts):
        spk = clean_label(rec.speaker, "speaker", "RTTM", opts.sanitize_labels)
        yield f"SPEAKER {uri} 1 {seconds(rec.start_ms)} {seconds(rec.duration_ms)} <NA> <NA> {spk} <NA> <NA>\n"


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "".join(iter_lines(t, opts))


def uem(t: Transcript, opts: ExportOptions) -> str:
    """The UEM line covering the whole recording (in the export's clock)."""
    start, end = TimeMap(t.recording, opts).span(0, t.recording.duration_ms)
    return f"{uri_of(t, opts)} 1 {seconds(start)} {seconds(end)}\n"


def write(t: Transcript, opts: ExportOptions, out: Path) -> Path:
    from audiolab.export import write_text

    write_text(out, dumps(t, opts))
    if opts.uem:
        write_text(out.with_suffix(".uem"), uem(t, opts))
    return out
