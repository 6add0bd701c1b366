"""WebVTT (.vtt): writer and reader.

The speaker is a voice span ``<v Name>`` opening the cue text (W3C WebVTT, section 4.2.2).
Cue text escapes ``&``, ``<`` and ``>`` as character references; a voice name has the same
escapes (and no ``>`` can end it early). Cue identifiers are the segment ids, so an edited file
can be matched back to its segments. Reading, ``<v Name>`` gives the speaker and NOTE, STYLE
and REGION blocks are skipped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

from audiolab.core.model import Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions
from audiolab.export.reading import ImportedDoc, ImportedSegment, ReadOptions
from audiolab.export.subtitles import TAGS, Cue, blocks, clock, iter_cues, timing

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


# -- reading ----------------------------------------------------------------------------------

#: A voice span ``<v Name>`` (with optional classes, ``<v.loud Name>``); group 1 is the name.
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>")


def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """WebVTT: ``<v Name>`` voice spans become speakers; NOTE, STYLE and REGION blocks are skipped.

    Args:
        path: the file (named in errors).
        text: its text.
        options: unused (WebVTT needs none).

    Raises:
        ImportFormatError: no ``WEBVTT`` header, a cue without a timing line, or a malformed
            timing (with its line).
    """
    doc = ImportedDoc(str(path), "vtt")
    found = blocks(text)
    if not found or not found[0][1][0].startswith("WEBVTT"):
        raise ImportFormatError(doc.path, "not a WebVTT file (the first line must be 'WEBVTT')", 1)
    for start_line, lines in found[1:]:
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        k = 0 if "-->" in lines[0] else 1
        if k >= len(lines) or "-->" not in lines[k]:
            raise ImportFormatError(doc.path, "expected a cue timing line, found "
                                              f"{lines[min(k, len(lines) - 1)].strip()[:80]!r}", start_line + k)
        start, end = timing(doc.path, lines[k], start_line + k)
        raw = "\n".join(lines[k + 1:])
        m = _VOICE.search(raw)
        speaker = html.unescape(m.group(1)).strip() if m else None
        body = html.unescape(TAGS.sub("", raw))
        doc.segments.append(ImportedSegment(start, end, " ".join(body.split()), speaker, line=start_line + k))
    return doc
