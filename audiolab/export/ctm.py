"""CTM writer (NIST sclite hypothesis words): one line per timed word.

``<uri> 1 <start s> <duration s> <word> [<confidence>]``. A segment without word timings
contributes its tokens with the segment's span divided equally among them and no confidence
(the only way CTM can carry them). A stored word that contains whitespace is split into tokens
sharing its span.

Lines are in time order (by start, then end) on the one channel written, as sclite and meeteval
read hypotheses: overlapping speech, and words a segment stores out of order, are interleaved
by time rather than written segment after segment. Every word is written at its stored time;
CTM has no segments or speakers to keep words inside of. It holds no tags.
"""

from __future__ import annotations

from collections.abc import Iterator

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.records import iter_segments, seconds, uri_of

EXTENSION = ".ctm"


Item = tuple[int, int, str, float | None]


def iter_items(t: Transcript, opts: ExportOptions) -> Iterator[Item]:
    """(start ms, end ms, token, confidence) for every token, segment after segment."""
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
                yield start, end, tok, prob


def iter_lines(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    """The CTM lines, in time order (a stable sort: tokens of one word keep their order)."""
    uri = uri_of(t, opts)
    for start, end, tok, prob in sorted(iter_items(t, opts), key=lambda x: (x[0], x[1])):
        conf = f" {prob:.3f}" if prob is not None else ""
        yield f"{uri} 1 {seconds(start)} {seconds(max(0, end - start))} {tok}{conf}\n"


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "".join(iter_lines(t, opts))
