"""SubRip (.srt) writer.

SRT has no speaker field: with ``speaker_prefix`` the speaker's name starts the cue text
(``Alice: hello``), which the importer reads back as the speaker. Text is plain (no tags);
a line ``-->`` inside text is impossible in SRT and is written as ``->``.
"""

from __future__ import annotations

from collections.abc import Iterator

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions
from audiolab.export.subtitles import Cue, clock, iter_cues

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
