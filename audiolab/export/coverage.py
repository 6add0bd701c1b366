"""What an export leaves out by design, counted, so that ``audiolab export`` can say it in one line.

A format that cannot hold a kind of data at all (SRT has no tags, RTTM no text) is not dropping
it, but a user exporting a version that has such data should hear so. :func:`left_out` counts,
for one transcript and one format, what of the exported version the format does not carry, from
the registry's :attr:`~audiolab.export.FormatInfo.holds` and the options that turn content off;
:class:`LeftOut` adds the counts of several exports up and words them:

    srt: 3 sound-event tags, 2 emotions and 40 words are not part of this format (use textgrid, eaf
    or json); 2 speakers are left out by the options (--speaker-prefix writes them)

What a format holds but cannot hold in one instance (two emotions on one ELAN segment) is not
counted here: its writer refuses it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from audiolab.core.model import TagKind, Transcript
from audiolab.export import CONTENT, FORMATS, Content, ExportOptions, FormatInfo, format_info
from audiolab.export.records import select_tier

#: What each count is called: (one, many).
_NAMES: dict[str, tuple[str, str]] = {
    "segments": ("segment", "segments"),
    "text": ("the text of 1 segment", "the text of {n} segments"),
    "words": ("word", "words"),
    "speakers": ("speaker", "speakers"),
    "sound_events": ("sound-event tag", "sound-event tags"),
    "events_outside": ("sound-event tag outside every segment", "sound-event tags outside every segment"),
    "emotions": ("emotion", "emotions"),
    "emotions_free": ("emotion not on a segment", "emotions not on a segment"),
    "empty_segments": ("segment without text", "segments without text"),
}
#: The CLI flag that turns a switched-off content back on (or off), for the note.
_FLAGS: dict[str, str] = {"speaker_prefix": "--speaker-prefix writes them", "include_words": "--no-words"}


def held(t: Transcript, opts: ExportOptions) -> Counter[str]:
    """What the exported version holds, counted by the names of :data:`_NAMES`."""
    tier = select_tier(t, opts)
    segs = t.segments_of(tier.id)
    ids = {s.id for s in segs}
    events = t.version_tags(tier, TagKind.SOUND_EVENT)
    emotions = t.version_tags(tier, TagKind.EMOTION)
    return Counter({
        "segments": len(segs),
        "text": sum(1 for s in segs if s.text.strip()),
        "empty_segments": sum(1 for s in segs if not s.text.strip()),
        "words": sum(len(s.words) for s in segs),
        "speakers": len({s.speaker_id for s in segs if s.speaker_id}),
        "sound_events": len(events),
        "events_outside": sum(1 for e in events if not any(s.span.overlaps(e.span) for s in segs)),
        "emotions": len(emotions),
        "emotions_free": sum(1 for e in emotions if e.segment_id not in ids),
    })


def left_out(t: Transcript, info: FormatInfo, opts: ExportOptions) -> tuple[Counter[str], Counter[str]]:
    """What of the exported version an export does not carry.

    Returns:
        (left out by the format's design, left out by the options), each a count by the names
        of :data:`_NAMES` (zero counts removed).
    """
    have = held(t, opts)
    by_design: Counter[str] = Counter()
    by_options: Counter[str] = Counter()
    carries = info.carries(opts)

    def miss(content: Content, key: str | None = None) -> None:
        key = key or content
        if content in info.holds:
            if content not in carries:
                by_options[key] += have[key]
        else:
            by_design[key] += have[key]

    if "segments" not in info.holds:
        by_design["segments"] += have["segments"]
    elif "empty_segments" not in info.holds:
        by_design["empty_segments"] += have["empty_segments"]
    for content in ("text", "words", "speakers"):
        miss(content)
    for content, outside in (("sound_events", "events_outside"), ("emotions", "emotions_free")):
        if "segment_tags" in info.holds and content not in info.holds:
            by_design[outside] += have[outside]
        else:
            miss(content)
    return +by_design, +by_options


def _phrase(counts: Counter[str]) -> tuple[str, int]:
    parts = []
    for key, (one, many) in _NAMES.items():
        n = counts.get(key, 0)
        if n:
            if "{n}" in many or one.startswith("the "):
                parts.append(one if n == 1 else many.format(n=n))
            else:
                parts.append(f"{n} {one if n == 1 else many}")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text, sum(counts.values())


def _alternatives(info: FormatInfo, missing: set[str]) -> list[str]:
    """The other formats that hold what this one does and what it left out.

    Segments without text count only when nothing else is missing (most formats with a reason
    to be chosen instead of this one cannot hold them either).
    """
    need = {{"events_outside": "sound_events", "emotions_free": "emotions"}.get(k, k) for k in missing}
    need = (need | set(info.holds)) & set(CONTENT)
    if {"sound_events", "emotions"} <= need:
        need.discard("segment_tags")
    if missing != {"empty_segments"}:
        need.discard("empty_segments")
    return [f.name for f in FORMATS.values() if f.name != info.name and need <= f.holds]


@dataclass
class LeftOut:
    """What a run of exports to one format left out, added up over recordings.

    >>> LeftOut("json").note() is None
    True
    """

    fmt: str
    by_design: Counter[str] = field(default_factory=Counter)
    by_options: Counter[str] = field(default_factory=Counter)

    def add(self, t: Transcript, opts: ExportOptions) -> None:
        """Count what exporting ``t`` with ``opts`` leaves out."""
        design, options = left_out(t, format_info(self.fmt), opts)
        self.by_design.update(design)
        self.by_options.update(options)

    def note(self) -> str | None:
        """One line saying what was left out, or None when nothing was."""
        info = format_info(self.fmt)
        clauses = []
        if self.by_design:
            text, n = _phrase(self.by_design)
            verb = "is" if n == 1 else "are"
            alt = _alternatives(info, set(self.by_design))
            hint = f" (use {', '.join(alt[:-1])} or {alt[-1]})" if len(alt) > 1 else (f" (use {alt[0]})" if alt else "")
            clauses.append(f"{text} {verb} not part of this format{hint}")
        if self.by_options:
            text, n = _phrase(self.by_options)
            verb = "is" if n == 1 else "are"
            flags = sorted({_FLAGS[flag] for c, flag in info.switches if flag in _FLAGS and
                            self.by_options.get(c)})
            clauses.append(f"{text} {verb} left out by the options" + (f" ({'; '.join(flags)})" if flags else ""))
        return f"{info.name}: " + "; ".join(clauses) if clauses else None
