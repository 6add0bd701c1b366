"""RTTM: one ``SPEAKER`` line per segment of the exported tier (NIST RT-09 layout); writer and reader.

``SPEAKER <uri> 1 <start s> <duration s> <NA> <NA> <speaker> <NA> <NA>``. Overlapping turns are
kept as they are (RTTM allows them). Fields are separated by whitespace, so a speaker name or file
id with whitespace cannot be written: it is refused, or with ``sanitize_labels`` written with
``_`` in place of each run of whitespace. Segments without a speaker are written as ``<NA>``.
A UEM (``<uri> 1 <start> <end>``: the scored region, the whole recording) can be written beside.
Reading keeps the ``SPEAKER`` lines of one file id and skips every other type.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from audiolab.core.model import Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.reading import ImportedDoc, ImportedSegment, ReadOptions, check_span, seconds_ms
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


# -- reading ----------------------------------------------------------------------------------

def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """RTTM ``SPEAKER`` lines (other types are skipped). One file id per import (or ``options.uri``).

    Args:
        path: the file (named in errors).
        text: its text.
        options: ``uri`` keeps only that file id's turns.

    Raises:
        ImportFormatError: a short or malformed line (with its number), or turns of several
            file ids and no ``uri``.
    """
    uri = (options or ReadOptions()).uri
    doc = ImportedDoc(str(path), "rttm")
    uris: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        f = line.split()
        if not f or f[0].startswith((";", "#")):
            continue
        if len(f) < 8:
            raise ImportFormatError(doc.path, f"RTTM lines have 9 or 10 fields, found {len(f)}", n)
        if f[0] != "SPEAKER":
            continue
        if uri is not None and f[1] != uri:
            continue
        uris.add(f[1])
        start = seconds_ms(doc.path, f[3], n, "start time")
        dur = seconds_ms(doc.path, f[4], n, "duration")
        if dur <= 0:
            raise ImportFormatError(doc.path, f"turn ends before it starts (duration {f[4]})", n)
        check_span(doc.path, start, start + dur, n, "turn")
        doc.segments.append(ImportedSegment(start, start + dur, "", None if f[7] == "<NA>" else f[7], line=n))
    if len(uris) > 1:
        raise ImportFormatError(doc.path, f"the RTTM holds {len(uris)} files ({', '.join(sorted(uris)[:4])}); "
                                          "choose one with --uri")
    return doc
