"""Subtitle lint: the cues of an export that break the shaping rules, before anyone ships them.

Rules (:class:`SubtitleRules`): characters per line (after wrapping to that width, so a word too
long for any line is what trips it), number of lines, reading speed in characters per second
(spaces count, line breaks do not), minimum and maximum duration, and a minimum gap to the next
cue in frames (at the video's rate, else the options' fps, else 25). Overlapping cues are
reported too: overlapping speech is legitimate in the transcript, but two subtitles on screen at
once usually are not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from audiolab.core.model import Transcript
from audiolab.export.options import ExportOptions, TimeMap
from audiolab.export.subtitles import iter_cues

DEFAULT_FPS = Fraction(25)


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One broken rule of one cue."""

    cue: int
    segment_id: str
    start_ms: int
    rule: str
    message: str

    def __str__(self) -> str:
        s = self.start_ms / 1000
        return f"cue {self.cue} at {int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f} [{self.rule}] {self.message}"


def lint(t: Transcript, options: ExportOptions | None = None) -> list[LintIssue]:
    """Every rule every cue breaks, in cue order."""
    opts = dataclasses.replace(options or ExportOptions(), wrap=True)
    rules = opts.rules
    tmap = TimeMap(t.recording, opts)
    fps = tmap.clock.fps if tmap.clock else (opts.fps or DEFAULT_FPS)
    min_gap_ms = rules.min_gap_frames * 1000 / fps
    cues = list(iter_cues(t, opts, tmap))
    issues: list[LintIssue] = []
    for i, cue in enumerate(cues):
        def add(rule: str, message: str, cue=cue) -> None:  # noqa: ANN001
            issues.append(LintIssue(cue.index, cue.record.segment.id, cue.start_ms, rule, message))

        longest = max(len(ln) for ln in cue.lines)
        if longest > rules.max_chars_per_line:
            add("chars-per-line", f"a line has {longest} characters (max {rules.max_chars_per_line})")
        if len(cue.lines) > rules.max_lines:
            add("lines", f"{len(cue.lines)} lines at {rules.max_chars_per_line} characters (max {rules.max_lines})")
        dur = cue.end_ms - cue.start_ms
        chars = sum(len(ln) for ln in cue.lines) + len(cue.lines) - 1
        cps = chars * 1000 / dur
        if cps > rules.max_cps:
            add("cps", f"{cps:.1f} characters per second (max {rules.max_cps:g})")
        if dur < rules.min_duration_ms:
            add("min-duration", f"on screen {dur} ms (min {rules.min_duration_ms} ms)")
        if dur > rules.max_duration_ms:
            add("max-duration", f"on screen {dur} ms (max {rules.max_duration_ms} ms)")
        if i + 1 < len(cues):
            nxt = cues[i + 1]
            gap = nxt.start_ms - cue.end_ms
            if gap < 0:
                add("overlap", f"overlaps cue {nxt.index} by {-gap} ms")
            elif gap < min_gap_ms:
                add("min-gap", f"{gap} ms before cue {nxt.index} (min {rules.min_gap_frames} frames = {float(min_gap_ms):.0f} ms)")
    return issues
