"""Word-speaker attribution: Whisper words + speaker turns -> speaker-attributed draft segments.

Pure functions, no model imports. Rules:

* each word goes to the speaker whose turn overlaps it most; a word no turn overlaps goes to the
  nearest turn (by gap), so no word is left without a speaker when there is any turn;
* a Whisper segment is split wherever the speaker changes between consecutive words (flag
  ``speaker_change`` on the pieces);
* each piece gets ``confidence`` = mean word probability and flags for review:
  ``low_prob_words`` (a word under ``low_word_prob``), ``overlap`` (a word overlapped by a second
  speaker's turn), ``no_speech`` (Whisper's ``no_speech_prob`` above ``no_speech_threshold``).

>>> from audiolab.core.model import Span, Word
>>> from audiolab.pipelines.types import AsrSegment, Turn
>>> seg = AsrSegment(Span(0, 2000), "hi there", (Word(Span(0, 500), "hi", 0.9),
...                  Word(Span(1200, 1800), "there", 0.8)), -0.2, 0.01, "en")
>>> turns = [Turn(Span(0, 1000), "A"), Turn(Span(1000, 2000), "B")]
>>> [(s.speaker, s.text, s.flags) for s in attribute([seg], turns)]
[('A', 'hi', ('speaker_change',)), ('B', 'there', ('speaker_change',))]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audiolab.core.model import Span, Word
from audiolab.pipelines.types import AsrSegment, AttributedSegment, Turn

FLAG_LOW_PROB = "low_prob_words"
FLAG_SPEAKER_CHANGE = "speaker_change"
FLAG_OVERLAP = "overlap"
FLAG_NO_SPEECH = "no_speech"


@dataclass(frozen=True, slots=True)
class AssignOptions:
    """Thresholds of the review flags."""

    low_word_prob: float = 0.5
    no_speech_threshold: float = 0.6
    min_overlap_ms: int = 1


def speaker_for(span: Span, turns: Sequence[Turn]) -> str | None:
    """The speaker whose turns overlap ``span`` most, else the nearest turn's speaker.

    >>> t = [Turn(Span(0, 1000), "A"), Turn(Span(900, 3000), "B")]
    >>> speaker_for(Span(800, 1200), t), speaker_for(Span(5000, 5100), t), speaker_for(Span(0, 10), [])
    ('B', 'B', None)
    """
    if not turns:
        return None
    overlap: dict[str, int] = {}
    for t in turns:
        ov = t.span.overlap_ms(span)
        if ov > 0:
            overlap[t.speaker] = overlap.get(t.speaker, 0) + ov
    if overlap:
        return max(overlap.items(), key=lambda kv: (kv[1], _neg_first(turns, kv[0])))[0]
    return min(turns, key=lambda t: (t.span.distance_ms(span), t.span.start_ms)).speaker


def _neg_first(turns: Sequence[Turn], speaker: str) -> int:
    """Tie-break: the speaker whose first turn starts earlier wins (negated for max())."""
    return -min(t.span.start_ms for t in turns if t.speaker == speaker)


def _overlapped(span: Span, speaker: str | None, turns: Sequence[Turn], min_ms: int) -> bool:
    """Whether another speaker's turn overlaps this span while the word's own speaker talks."""
    return any(t.speaker != speaker and t.span.overlap_ms(span) >= min_ms for t in turns) and \
        any(t.speaker == speaker and t.span.overlap_ms(span) >= min_ms for t in turns)


def _join(words: Iterable[Word]) -> str:
    return " ".join(w.text for w in words).strip()


def _piece(seg: AsrSegment, words: list[Word], speaker: str | None, split: bool, turns: Sequence[Turn],
           opts: AssignOptions) -> AttributedSegment:
    span = Span(words[0].span.start_ms, max(w.span.end_ms for w in words))
    probs = [w.probability for w in words if w.probability is not None]
    conf = sum(probs) / len(probs) if probs else None
    flags = []
    if any(p < opts.low_word_prob for p in probs):
        flags.append(FLAG_LOW_PROB)
    if split:
        flags.append(FLAG_SPEAKER_CHANGE)
    if any(_overlapped(w.span, speaker, turns, opts.min_overlap_ms) for w in words):
        flags.append(FLAG_OVERLAP)
    if seg.no_speech_prob is not None and seg.no_speech_prob > opts.no_speech_threshold:
        flags.append(FLAG_NO_SPEECH)
    text = seg.text if not split else _join(words)
    return AttributedSegment(span, text, speaker, tuple(words), conf, seg.avg_logprob, seg.no_speech_prob,
                             seg.language, tuple(flags))


def attribute(segments: Sequence[AsrSegment], turns: Sequence[Turn],
              options: AssignOptions | None = None) -> list[AttributedSegment]:
    """Attribute words to speakers and split segments at speaker changes.

    Args:
        segments: Whisper segments with timed words.
        turns: speaker turns (may overlap); empty when diarization was skipped.
        options: flag thresholds.

    Returns:
        Segments in time order; a segment without words keeps its text and gets the speaker of
        its span.
    """
    opts = options or AssignOptions()
    turns = sorted(turns, key=lambda t: (t.span, t.speaker))
    out: list[AttributedSegment] = []
    for seg in segments:
        if not seg.words:
            who = speaker_for(seg.span, turns)
            probs_flags = [FLAG_NO_SPEECH] if (seg.no_speech_prob or 0) > opts.no_speech_threshold else []
            out.append(AttributedSegment(seg.span, seg.text, who, (), None, seg.avg_logprob, seg.no_speech_prob,
                                         seg.language, tuple(probs_flags)))
            continue
        labelled = [dataclasses.replace(w, speaker_id=speaker_for(w.span, turns)) for w in seg.words]
        runs: list[list[Word]] = []
        for w in labelled:
            if runs and runs[-1][-1].speaker_id == w.speaker_id:
                runs[-1].append(w)
            else:
                runs.append([w])
        split = len(runs) > 1
        out.extend(_piece(seg, run, run[0].speaker_id, split, turns, opts) for run in runs)
    out.sort(key=lambda s: (s.span, s.text))
    return out


def untranscribed_speech(turns: Sequence[Turn], segments: Sequence[AsrSegment], min_ms: int = 1000,
                         pad_ms: int = 300) -> list[Span]:
    """Stretches the diarizer heard as speech that hold no transcribed word.

    Whisper's voice-activity filter sometimes drops whole stretches of real speech (a quieter
    channel, another room, a cold); the diarizer's segmentation model is the stronger speech
    detector, so what it found and ASR left empty deserves a second ASR pass.

    Args:
        turns: the diarizer's speaker turns (may overlap).
        segments: the ASR segments.
        min_ms: shorter stretches are ignored.
        pad_ms: words also cover this much around them (word times are approximate).

    >>> turns = [Turn(Span(0, 5000), "A"), Turn(Span(4000, 12000), "B")]
    >>> asr = [AsrSegment(Span(0, 3000), "hi", (Word(Span(500, 2500), "hi"),))]
    >>> untranscribed_speech(turns, asr)
    [Span(start_ms=2800, end_ms=12000)]
    """
    speech: list[Span] = []
    for t in sorted(turns, key=lambda t: t.span):
        if speech and t.span.start_ms <= speech[-1].end_ms:
            speech[-1] = speech[-1].union(t.span)
        else:
            speech.append(t.span)
    covered = sorted(
        Span(max(0, w.span.start_ms - pad_ms), w.span.end_ms + pad_ms)
        for s in segments for w in (s.words or ())
    )
    gaps: list[Span] = []
    for region in speech:
        start = region.start_ms
        for c in covered:
            if c.end_ms <= start or c.start_ms >= region.end_ms:
                continue
            if c.start_ms - start >= min_ms:
                gaps.append(Span(start, c.start_ms))
            start = max(start, c.end_ms)
        if region.end_ms - start >= min_ms:
            gaps.append(Span(start, region.end_ms))
    return gaps
