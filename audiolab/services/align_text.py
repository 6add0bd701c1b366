"""Align a transcript that has no times (plain text, one turn a line) to its recording.

A vendor or a client often has the words already (a script, minutes, a human transcript) but no
times. :func:`align_transcript` reads the text (one turn per line, an optional ``NAME:`` prefix
naming the speaker), places its words in the audio window by window with the Whisper model
(:func:`audiolab.pipelines.align_long.align_long`, reading the media forward so memory does not grow
with length) and stores one segment per line, with timed words and the named speakers, as **one
undoable batch** in the recording's shared working tier.

The text may not match the audio exactly. A line whose words the model does not hear is left out
and reported (:attr:`AlignTextResult.unplaced`); a word that came out much longer than words are
is reported too (:attr:`AlignTextResult.stretched`): the audio there probably holds speech the
text skips. Segments are drafts of origin ``import``; a word the model found doubtful (probability
under :data:`LOW_WORD_PROB`) flags its segment ``low_prob_words``, as pre-labeling does.

A working tier that already has segments is refused, unless ``replace`` is given: then its
untouched drafts (origin ``asr`` or ``import``, status ``draft``, never edited) are removed in the
same batch; edited or reviewed segments are never removed, and while any remain the alignment is
refused too (its lines would double them).
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiolab.core.model import Origin, Segment, SegmentStatus, Speaker, Span, Word, new_id, speaker_color, tier_id
from audiolab.errors import NotFoundError, ValidationError
from audiolab.pipelines.align import AlignOptions
from audiolab.pipelines.align_long import align_long
from audiolab.storage import repository
from audiolab.storage.edits import Change
from audiolab.storage.repository import MAPPERS

AUTHOR = "audiolab-align"
LOW_WORD_PROB = 0.25
_SPEAKER = re.compile(r"^\s*([^\W\d_][\w .'-]{0,39}?)\s*:\s+(\S.*)$")
MAX_TEXT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TextLine:
    """One turn of a transcript: its line number in the file (1-based), speaker name and text."""

    number: int
    speaker: str | None
    text: str


def parse_lines(text: str) -> list[TextLine]:
    """The turns of a plain-text transcript: one per non-empty line, ``NAME:`` naming the speaker.

    A prefix is a name of at most 40 characters that starts with a letter, then a colon and a
    space: ``Dr. Smith: hello`` is Dr. Smith saying "hello", ``10:30 we met`` has no speaker.

    >>> [(t.number, t.speaker, t.text) for t in parse_lines("Ann: Hi there.\\n\\nhow are you\\nBob:  fine")]
    [(1, 'Ann', 'Hi there.'), (3, None, 'how are you'), (4, 'Bob', 'fine')]
    """
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = " ".join(raw.split())
        if not line:
            continue
        m = _SPEAKER.match(line)
        if m:
            out.append(TextLine(number, m.group(1).strip(), " ".join(m.group(2).split())))
        else:
            out.append(TextLine(number, None, line))
    return out


@dataclass(frozen=True, slots=True)
class AlignTextResult:
    """What aligning a transcript stored.

    Attributes:
        batch_id: the edit batch (undo takes it back whole).
        segments: segments created (one per placed line).
        words: words placed.
        speakers_created: names of the speakers that did not exist yet.
        replaced: untouched drafts removed (with ``replace``).
        unplaced: lines not heard in the audio (not stored): ``(line number, text)``.
        stretched: words much longer than words are: ``(line number, word, start ms, end ms)``.
        windows: encoder windows used.
        seconds: wall time.
    """

    batch_id: str
    segments: int
    words: int
    speakers_created: tuple[str, ...]
    replaced: int
    unplaced: tuple[tuple[int, str], ...]
    stretched: tuple[tuple[int, str, int, int], ...]
    windows: int
    seconds: float


def read_text(path: str | Path) -> str:
    """The transcript file's text (UTF-8, a BOM allowed).

    Raises:
        ValidationError: missing, too large, not text, or empty.
    """
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"{p}: no such transcript file")
    if p.stat().st_size > MAX_TEXT_BYTES:
        raise ValidationError(f"{p}: larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB; is it a transcript?")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise ValidationError(f"{p}: the transcript is empty")
    return text


def align_transcript(wb: Any, recording_id: str, text_path: str | Path, options: AlignOptions | None = None,
                     replace: bool = False, author: str = AUTHOR,
                     progress: Callable[[int, int, str], None] | None = None) -> AlignTextResult:
    """Align a plain-text transcript to a recording and store it (see the module docstring).

    Args:
        wb: the :class:`~audiolab.services.Workbench`.
        recording_id: id, unique prefix or path of an ingested recording.
        text_path: the transcript: UTF-8, one turn per line, optional ``NAME:`` prefixes.
        options: alignment options (language, model).
        replace: remove the working tier's untouched drafts first.
        author: who the history names.
        progress: ``(words done, words, "align")``.

    Raises:
        ValidationError: the file is unusable, the tier already has segments (see ``replace``),
            or none of the text is heard in the audio.
        MediaError, ModelError: the media or the model cannot be used.
    """
    from audiolab.media.probe import SignalReader
    from audiolab.services.media_check import verify_media

    t0 = time.perf_counter()
    options = options or AlignOptions()
    lines = parse_lines(read_text(text_path))
    rec = wb.recording(recording_id)
    work = tier_id(rec.id, "transcript")
    if MAPPERS["tier"].get(wb.db, work) is None:
        raise NotFoundError(f"recording {rec.id} has no work transcript tier {work}")
    existing = repository.get_segments(wb.db, rec.id, work)
    drafts = [s for s in existing if _untouched_draft(s)]
    if existing and not replace:
        raise ValidationError(f"the working transcript of {rec.id} already has {len(existing)} segments; "
                              "--replace removes its untouched drafts first")
    if len(drafts) < len(existing):
        raise ValidationError(f"the working transcript of {rec.id} has {len(existing) - len(drafts)} edited or "
                              "reviewed segments, which an alignment never removes; align into a recording "
                              "without them")
    path = verify_media(wb, rec)
    words, groups = [], []
    for k, line in enumerate(lines):
        for w in line.text.split():
            words.append(w)
            groups.append(k)
    step = None if progress is None else (lambda done, total: progress(done, total, "align"))
    with SignalReader(path) as reader:
        got = align_long(reader, words, options, 0, Span(0, max(1, rec.duration_ms)), groups, drop_unheard=True,
                         total_ms=rec.duration_ms, progress=step)
    placed: dict[int, list[Word]] = {}
    for g, w in zip(groups, got.words):
        if w is not None:
            placed.setdefault(g, []).append(w)
    if not placed:
        raise ValidationError(f"none of {Path(text_path).name} was heard in recording {rec.id}: "
                              "is it the transcript of this recording (and its language)?")
    speakers, new_speakers = _speakers(wb, rec.id, {ln.speaker for ln in lines if ln.speaker})
    changes: list[Change] = [Change.create(s) for s in new_speakers]
    changes += [Change.delete(s) for s in drafts]
    language = options.lang
    n_words = 0
    for k, ws in placed.items():
        spk = speakers.get(lines[k].speaker) if lines[k].speaker else None
        ws = [dataclasses.replace(w, speaker_id=spk) for w in ws]
        n_words += len(ws)
        probs = [w.probability for w in ws if w.probability is not None]
        seg = Segment(id=new_id(), recording_id=rec.id, tier_id=work,
                      span=Span(ws[0].span.start_ms, ws[-1].span.end_ms), text=lines[k].text, speaker_id=spk,
                      words=tuple(ws), language=language,
                      confidence=round(sum(probs) / len(probs), 4) if probs else None, origin=Origin.IMPORT,
                      status=SegmentStatus.DRAFT,
                      flags=("low_prob_words",) if any(p < LOW_WORD_PROB for p in probs) else ())
        changes.append(Change.create(seg))
    result = wb.apply(rec.id, changes, author, f"align transcript {Path(text_path).name}")
    unplaced = tuple((lines[g].number, lines[g].text) for g in got.unheard)
    stretched = tuple((lines[groups[j]].number, words[j], got.words[j].span.start_ms, got.words[j].span.end_ms)
                      for j in got.stretched if got.words[j] is not None)
    return AlignTextResult(result.batch_id, len(placed), n_words, tuple(s.name for s in new_speakers), len(drafts),
                           unplaced, stretched, got.windows, round(time.perf_counter() - t0, 3))


def _untouched_draft(s: Segment) -> bool:
    return s.origin in (Origin.ASR, Origin.IMPORT) and s.status == SegmentStatus.DRAFT and not s.touched


def _speakers(wb: Any, recording_id: str, names: set[str]) -> tuple[dict[str, str], list[Speaker]]:
    """Speaker ids by name: existing speakers whose name (or label) matches, else new ones."""
    known = repository.get_speakers(wb.db, recording_id)
    by_name = {}
    for s in known:
        by_name.setdefault(s.label.casefold(), s.id)
        if s.name:
            by_name[s.name.casefold()] = s.id
    labels = {s.label for s in known}
    out: dict[str, str] = {}
    created: list[Speaker] = []
    n = len(known)
    for name in sorted(names, key=str.casefold):
        sid = by_name.get(name.casefold())
        if sid is None:
            while f"SPEAKER_{n:02d}" in labels:
                n += 1
            sp = Speaker(id=new_id(), recording_id=recording_id, label=f"SPEAKER_{n:02d}", name=name,
                         color=speaker_color(n))
            labels.add(sp.label)
            created.append(sp)
            sid = by_name[name.casefold()] = sp.id
        out[name] = sid
    return out, created
