"""SubRip (.srt): writer and reader.

SRT has no speaker field: with ``speaker_prefix`` the speaker's name starts the cue text
(``Alice: hello``), which :func:`parse` reads back as the speaker. Text is plain (no tags);
a line ``-->`` inside text is impossible in SRT and is written as ``->``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from audiolab.core.model import Transcript
from audiolab.errors import ImportFormatError
from audiolab.export.options import ExportOptions
from audiolab.export.reading import ImportedDoc, ImportedSegment, ReadOptions
from audiolab.export.subtitles import TAGS, Cue, blocks, clock, iter_cues, timing

EXTENSION = ".srt"


def cue_block(cue: Cue, opts: ExportOptions) -> str:
    lines = [ln.replace("-->", "->") for ln in cue.lines]
    if opts.speaker_prefix and cue.speaker:
        lines[0] = f"{cue.speaker}: {lines[0]}"
    return f"{cue.index}\n{clock(cue.start_ms, ',')} --> {clock(cue.end_ms, ',')}\n" + "\n".join(lines) + "\n"


def iter_blocks(t: Transcript, opts: ExportOptions) -> Iterator[str]:
    for cue in iter_cues(t, opts):
        yield cue_block(cue, opts)


def dumps(t: Transcript, opts: ExportOptions) -> str:
    return "\n".join(iter_blocks(t, opts))


# -- reading ----------------------------------------------------------------------------------

#: A speaker's name opening a cue (``Alice: ``, ``SPEAKER_01: ``): capitalized, at most 32 characters.
_PREFIX = re.compile(r"^([A-Z\u00c0-\u024f][\w .'\-]{0,31}|SPEAKER_\d+):\s+(.*)$", re.S)


def parse(path: str | Path, text: str, options: ReadOptions | None = None) -> ImportedDoc:
    """SubRip: index line (optional), timing line, text lines; ``Name: `` prefixes as speakers.

    Args:
        path: the file (named in errors).
        text: its text.
        options: ``speaker_prefix`` (default on) reads a leading ``Name: `` as the speaker.

    Raises:
        ImportFormatError: a block without a timing line, or a malformed timing (with its line).
    """
    speaker_prefix = (options or ReadOptions()).speaker_prefix
    doc = ImportedDoc(str(path), "srt")
    for start_line, lines in blocks(text):
        k = 0
        if "-->" not in lines[0]:
            if not lines[0].strip().isdigit():
                raise ImportFormatError(doc.path, f"expected a cue number or timing, found {lines[0].strip()[:80]!r}",
                                        start_line)
            k = 1
        if k >= len(lines):
            raise ImportFormatError(doc.path, "cue number without a timing line", start_line)
        start, end = timing(doc.path, lines[k], start_line + k)
        body = "\n".join(TAGS.sub("", ln) for ln in lines[k + 1:]).strip()
        speaker = None
        if speaker_prefix:
            m = _PREFIX.match(body)
            if m:
                speaker, body = m.group(1).strip(), m.group(2)
        doc.segments.append(ImportedSegment(start, end, " ".join(body.split()), speaker, line=start_line + k))
    return doc
