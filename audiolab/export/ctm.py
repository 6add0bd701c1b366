"""CTM writer (NIST sclite hypothesis words): one line per timed word.

``<uri> 1 <start s> <duration s> <word> [<confidence>]``. A segment without word timings
contributes its tokens with the segment's span divided equally among them and no confidence
(the only way CTM can carry them). A stored word that contains whitespace is split into tokens
sharing its span.
"""

from __future__ import annotations

from collections.abc import Iterator

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.records import iter_segments, seconds, uri_of

EXTENSION = ".ctm"


def iter_lines(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    uri = uri_of(t, opts)
    for rec in iter_segments(t, opts):
        if rec.words:
            items = [(w.start_ms, w.end_ms, w.text, w.probability) for w in rec.words]
        else:
            tokens = rec.text.split()
            n = len(tokens)
            items = [(rec.start_ms + rec.duration_ms * k // n, rec.start_ms + rec.duration_ms * (k + 1) // n, tok, None)
                     for k, tok in enumerate(tokens)]
        for start, end, text, prob in items:
            for tok in text.split():
                conf = f" {prob:.3f}" if prob is not None else ""
                yield f"{uri} 1 {seconds(start)} {seconds(max(0, end - start))} {tok}{conf}\n"


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "".join(iter_lines(t, opts))
