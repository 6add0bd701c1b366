"""WebVTT (.vtt) writer.

The speaker is a voice span ``<v Name>`` opening the cue text (W3C WebVTT, section 4.2.2).
Cue text escapes ``&``, ``<`` and ``>`` as character references; a voice name has the same
escapes (and no ``>`` can end it early). Cue identifiers are the segment ids, so an edited file
can be matched back to its segments.
"""

from __future__ import annotations

from collections.abc import Iterator

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.subtitles import Cue, clock, iter_cues

EXTENSION = ".vtt"


def escape(text: str) -> str:
    """WebVTT cue-text escaping.

    >>> escape("a < b & c")
    'a &lt; b &amp; c'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cue_block(cue: Cue) -> str:
    lines = [escape(ln).replace("-->", "--&gt;") for ln in cue.lines]
    if cue.speaker:
        lines[0] = f"<v {escape(cue.speaker)}>{lines[0]}"
    ident = cue.record.segment.id.replace("-->", "")
    return f"{ident}\n{clock(cue.start_ms, '.')} --> {clock(cue.end_ms, '.')}\n" + "\n".join(lines) + "\n"


def iter_blocks(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    yield "WEBVTT\n"
    for cue in iter_cues(t, opts):
        yield cue_block(cue)


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "\n".join(iter_blocks(t, opts))
