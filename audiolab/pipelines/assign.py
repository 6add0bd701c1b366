"""Word-speaker attribution: Whisper words + speaker turns -> speaker-attributed draft segments.

Pure functions, no model imports. Rules:

* each word goes to the speaker whose turn overlaps it most; a word no turn overlaps goes to the
  nearest turn (by gap), so no word is left without a speaker when there is any turn;
* a Whisper segment is split wherever the speaker changes between consecutive words (flag
  ``speaker_change`` on the pieces);
* a piece is split again where its speaker pauses: between two consecutive words, a stretch of at
  least ``pause_ms`` (300 ms) in which the diarizer hears that speaker say nothing (without
  diarization: a gap of that length between the words' times). Whisper's word times do not show
  pauses: it stretches a word over the silence after it, so the diarizer decides;
* a piece's edges come from the speech that words and diarization agree on
  (``edges="turns"``): each word counts for the part of it inside its speaker's turns (the
  longest such part; the whole word when no turn of that speaker touches it), and the piece then
  reaches out to the start and end of the speaker's turns its first and last words lie in, never
  past the midpoint of the word gap to that speaker's neighbouring piece. Words are clipped to
  their piece, so a word Whisper started in the silence before a sentence starts where the
  speech does. Pieces of different speakers keep overlapping where the turns overlap;
  ``edges="words"`` keeps the first word's start and the last word's end;
* a speaker's diarized speech that none of their segments covers, at least
  ``speech_without_words_ms`` (500 ms) long and at least half under other speakers' segments,
  becomes an empty draft flagged ``no_words``: Whisper writes one of two people talking at once,
  and the annotator should see where the other's words are missing. Speech under nobody's words
  has had a second ASR pass already (:func:`untranscribed_speech`); what stays empty there is more
  often noise than speech, so it gets no draft;
* each piece gets ``confidence`` = mean word probability and flags for review:
  ``low_prob_words`` (a word under ``low_word_prob``), ``overlap`` (a word overlapped by a second
  speaker's turn), ``no_speech`` (Whisper's ``no_speech_prob`` above ``no_speech_threshold``).

Why 300 ms and turn edges (``bench/prelabel.py --only none --sweep-pause ...``): segments were
scored (pyannote.metrics, collar 0.25 s, overlap scored, pooled by reference speech) against
talks assembled from the shared single-speaker clips (seeds 1-8 and a 6-minute one, 101; reference
turns cut at pauses of 250 ms or more), next to the diarizer's own turns (8.33 %). Segments from
first to last word (the rule before) scored 16.15 %, mostly false alarm across the pauses between
sentences; edges from the turns without pause splits 12.31 %; splitting at diarizer pauses of
100 / 200 / 250 / 300 / 400 / 500 / 700 / 1000 ms 8.30 / 8.28 / 8.27 / 8.32 / 8.32 / 8.59 / 9.21 /
10.75 % with 253 / 245 / 241 / 240 / 240 / 235 / 227 / 215 segments. Up to 400 ms all are within
0.05 point of the best; 300 ms is the NIST RT evaluations' convention for the pauses a speaker's
turn bridges, and fewer splits mean fewer segments to review. On the shared diarization clips
(their RTTMs; diarizer 19.43 %) the pause hardly matters (21.59 % at 300 ms); what remained was
a talker Whisper wrote no word of under another (librispeech_2ch_overlap: 33.7 % missed). Empty
drafts for such speech from 300 / 500 / 1000 ms on gave 19.85 / 19.85 / 20.13 % there and 8.26 /
8.26 / 8.32 % on the talks; 500 ms is the longest that keeps the gain.

>>> from audiolab.core.model import Span, Word
>>> from audiolab.pipelines.types import AsrSegment, Turn
>>> seg = AsrSegment(Span(0, 2000), "hi there", (Word(Span(0, 500), "hi", 0.9),
...                  Word(Span(1200, 1800), "there", 0.8)), -0.2, 0.01, "en")
>>> turns = [Turn(Span(0, 1000), "A"), Turn(Span(1000, 2000), "B")]
>>> [(s.speaker, s.text, s.span.start_ms, s.span.end_ms, s.flags) for s in attribute([seg], turns)]
[('A', 'hi', 0, 1000, ('speaker_change',)), ('B', 'there', 1000, 2000, ('speaker_change',))]
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from audiolab.core.model import Span, Word
from audiolab.pipelines.types import AsrSegment, AttributedSegment, Turn

FLAG_LOW_PROB = "low_prob_words"
FLAG_SPEAKER_CHANGE = "speaker_change"
FLAG_OVERLAP = "overlap"
FLAG_NO_SPEECH = "no_speech"
FLAG_NO_WORDS = "no_words"

#: The pause (ms) at which a segment is split; see the module docstring for the measurement.
DEFAULT_PAUSE_MS = 300

#: The shortest untranscribed overlapped speech that gets an empty draft (module docstring).
DEFAULT_SPEECH_WITHOUT_WORDS_MS = 500

Edges = Literal["turns", "words"]


@dataclass(frozen=True, slots=True)
class AssignOptions:
    """How words become segments, and the thresholds of the review flags.

    Attributes:
        low_word_prob: a word under this probability flags its segment ``low_prob_words``.
        no_speech_threshold: Whisper's ``no_speech_prob`` above this flags ``no_speech``.
        min_overlap_ms: how much another speaker's turn must overlap a word to flag ``overlap``.
        pause_ms: split a segment where its speaker is silent at least this long between two
            words (300 ms: measured, see the module docstring); None never splits at pauses.
        edges: ``turns`` takes a segment's start and end from its speaker's diarized speech
            (the default), ``words`` from its first and last word (the rule before issue 14).
        speech_without_words_ms: also make an empty draft (flag ``no_words``) for each stretch
            of a speaker's diarized speech at least this long that none of their segments covers
            while other speakers' segments cover half of it or more (a talker Whisper did not
            transcribe under another: overlapped speech stays overlapped; 500 ms: measured);
            None makes none.
    """

    low_word_prob: float = 0.5
    no_speech_threshold: float = 0.6
    min_overlap_ms: int = 1
    pause_ms: int | None = DEFAULT_PAUSE_MS
    edges: Edges = "turns"
    speech_without_words_ms: int | None = DEFAULT_SPEECH_WITHOUT_WORDS_MS


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


class _Speech:
    """One speaker's diarized speech: the union of their turns, as sorted disjoint spans."""

    def __init__(self, spans: Iterable[Span]):
        merged: list[Span] = []
        for s in sorted(spans, key=lambda s: s.start_ms):
            if merged and s.start_ms <= merged[-1].end_ms:
                merged[-1] = merged[-1].union(s)
            else:
                merged.append(s)
        self.spans = merged
        self._starts = [s.start_ms for s in merged]

    def _from(self, t_ms: int) -> int:
        """Index of the first span that may reach past ``t_ms``."""
        return max(0, bisect.bisect_right(self._starts, t_ms) - 1)

    def agreed(self, span: Span) -> Span:
        """The longest part of ``span`` inside the speech; all of it when none is.

        >>> _Speech([Span(0, 400), Span(600, 2000)]).agreed(Span(300, 1000))
        Span(start_ms=600, end_ms=1000)
        """
        best: Span | None = None
        for s in self.spans[self._from(span.start_ms):]:
            if s.start_ms >= span.end_ms:
                break
            part = s.intersection(span)
            if part is not None and (best is None or part.duration_ms > best.duration_ms):
                best = part
        return best or span

    def longest_silence(self, start_ms: int, end_ms: int) -> int:
        """The longest stretch of ``[start_ms, end_ms)`` outside the speech (ms).

        >>> _Speech([Span(0, 400), Span(600, 700), Span(1500, 2000)]).longest_silence(300, 1600)
        800
        """
        longest, at = 0, start_ms
        for s in self.spans[self._from(start_ms):]:
            if s.start_ms >= end_ms or at >= end_ms:
                break
            if s.end_ms > at:
                longest, at = max(longest, s.start_ms - at), max(at, s.end_ms)
        return max(longest, end_ms - at)

    def around(self, t_ms: int, end: bool) -> Span | None:
        """The span holding time ``t_ms`` (its end when ``end``: ``start < t <= end``)."""
        for s in self.spans[self._from(t_ms - 1 if end else t_ms):]:
            if s.start_ms > t_ms:
                break
            if (s.start_ms < t_ms <= s.end_ms) if end else (s.start_ms <= t_ms < s.end_ms):
                return s
        return None


@dataclass
class _Piece:
    """A run of one speaker's words on its way to a segment (edges still to be settled)."""

    seg: AsrSegment
    first: int
    words: list[Word]
    speaker: str | None
    split: bool
    whole: bool
    start_ms: int
    end_ms: int


def _split_at_pauses(run: list[Word], speech: _Speech | None, pause_ms: int | None) -> list[list[tuple[Word, Span]]]:
    """Words of one speaker with their agreed spans, in groups separated by pauses."""
    agreed = [(w, speech.agreed(w.span) if speech else w.span) for w in run]
    groups = [[agreed[0]]]
    for w, span in agreed[1:]:
        end = max(a.end_ms for _, a in groups[-1])
        if pause_ms is None or span.start_ms <= end:
            silent = 0
        elif speech is None:
            silent = span.start_ms - end
        else:
            silent = speech.longest_silence(end, span.start_ms)
        if pause_ms is not None and silent >= pause_ms:
            groups.append([(w, span)])
        else:
            groups[-1].append((w, span))
    return groups


def _text_of(seg: AsrSegment, first: int, last: int) -> str:
    """The part of Whisper's text that words ``first..last`` of ``seg`` were decoded from.

    Keeps Whisper's spacing ("42-line", not "42 -line"); the words' texts joined by spaces when
    they cannot be found in order in the text.
    """
    at, found = 0, []
    for w in seg.words:
        i = seg.text.find(w.text, at)
        if i < 0:
            return _join(seg.words[first:last + 1])
        found.append(i)
        at = i + len(w.text)
    end = found[last] + len(seg.words[last].text)
    return seg.text[found[first]:end].strip()


def _settle_edges(pieces: list[_Piece], by_speaker: dict[str, _Speech]) -> None:
    """Reach out to the speaker's turn edges, meeting a same-speaker neighbour halfway at most."""
    per: dict[str | None, list[_Piece]] = {}
    for p in pieces:
        per.setdefault(p.speaker, []).append(p)
    for speaker, items in per.items():
        speech = by_speaker.get(speaker or "")
        if speech is None:
            continue
        items.sort(key=lambda p: (p.start_ms, p.end_ms))
        bounds = [(p.start_ms, p.end_ms) for p in items]
        for k, p in enumerate(items):
            start, end = bounds[k]
            lo, hi = 0, None  # how far the piece may reach: halfway to its neighbours' words
            if k:
                prev_end = bounds[k - 1][1]
                lo = (prev_end + start) // 2 if prev_end <= start else start
            if k + 1 < len(items):
                next_start = bounds[k + 1][0]
                hi = (end + next_start) // 2 if end <= next_start else end
            if (r := speech.around(start, end=False)) is not None:
                p.start_ms = min(start, max(r.start_ms, lo))
            if (r := speech.around(end, end=True)) is not None:
                p.end_ms = max(end, r.end_ms if hi is None else min(r.end_ms, hi))


def _clip(w: Word, start_ms: int, end_ms: int) -> Word:
    a, b = max(w.span.start_ms, start_ms), min(w.span.end_ms, end_ms)
    if (a, b) == (w.span.start_ms, w.span.end_ms) or b <= a:
        return w
    return dataclasses.replace(w, span=Span(a, b))


def _piece(p: _Piece, turns: Sequence[Turn], opts: AssignOptions) -> AttributedSegment:
    words = [_clip(w, p.start_ms, p.end_ms) for w in p.words]
    probs = [w.probability for w in words if w.probability is not None]
    conf = sum(probs) / len(probs) if probs else None
    flags = []
    if any(x < opts.low_word_prob for x in probs):
        flags.append(FLAG_LOW_PROB)
    if p.split:
        flags.append(FLAG_SPEAKER_CHANGE)
    if any(_overlapped(w.span, p.speaker, turns, opts.min_overlap_ms) for w in words):
        flags.append(FLAG_OVERLAP)
    seg = p.seg
    if seg.no_speech_prob is not None and seg.no_speech_prob > opts.no_speech_threshold:
        flags.append(FLAG_NO_SPEECH)
    text = seg.text if p.whole else _text_of(seg, p.first, p.first + len(words) - 1)
    return AttributedSegment(Span(p.start_ms, p.end_ms), text, p.speaker, tuple(words), conf, seg.avg_logprob,
                             seg.no_speech_prob, seg.language, tuple(flags))


def attribute(segments: Sequence[AsrSegment], turns: Sequence[Turn],
              options: AssignOptions | None = None) -> list[AttributedSegment]:
    """Attribute words to speakers; split segments at speaker changes and pauses; settle edges.

    Args:
        segments: Whisper segments with timed words.
        turns: speaker turns (may overlap); empty when diarization was skipped.
        options: pause, edges and flag thresholds.

    Returns:
        Segments in time order (see the module docstring for the rules); a Whisper segment
        without words keeps its text and span and gets the speaker of its span; empty drafts
        (flag ``no_words``) mark overlapped speech without words. Every word lies inside its
        segment.
    """
    opts = options or AssignOptions()
    turns = sorted(turns, key=lambda t: (t.span, t.speaker))
    spans: dict[str, list[Span]] = {}
    for t in turns:
        spans.setdefault(t.speaker, []).append(t.span)
    by_speaker = {k: _Speech(v) for k, v in spans.items()}
    out: list[AttributedSegment] = []
    pieces: list[_Piece] = []
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
        first = 0
        for run in runs:
            speech = by_speaker.get(run[0].speaker_id or "") if turns else None
            groups = _split_at_pauses(run, speech, opts.pause_ms)
            whole = not split and len(groups) == 1
            for g in groups:
                if opts.edges == "words":
                    start, end = g[0][0].span.start_ms, max(w.span.end_ms for w, _ in g)
                else:
                    start, end = min(a.start_ms for _, a in g), max(a.end_ms for _, a in g)
                pieces.append(_Piece(seg, first, [w for w, _ in g], run[0].speaker_id, split, whole, start, end))
                first += len(g)
    if opts.edges == "turns":
        _settle_edges(pieces, by_speaker)
    out.extend(_piece(p, turns, opts) for p in pieces)
    if opts.speech_without_words_ms is not None:
        out.extend(_speech_without_words(out, by_speaker, opts.speech_without_words_ms))
    out.sort(key=lambda s: (s.span, s.text))
    return out


def _speech_without_words(segments: Sequence[AttributedSegment], by_speaker: dict[str, _Speech],
                          min_ms: int) -> list[AttributedSegment]:
    """Empty drafts for a speaker's diarized speech that none of their segments covers, while
    other speakers' segments cover at least half of it (a talker Whisper did not hear under
    another). Speech without words and without anyone else's words was already given a second
    ASR pass (:func:`untranscribed_speech`); what stays empty there is more likely noise.

    >>> speech = {"A": _Speech([Span(0, 3000)]), "B": _Speech([Span(500, 2500), Span(5000, 7000)])}
    >>> segs = [AttributedSegment(Span(0, 3000), "So.", "A", (Word(Span(0, 3000), "So."),))]
    >>> [(s.speaker, s.span, s.flags) for s in _speech_without_words(segs, speech, 500)]
    [('B', Span(start_ms=500, end_ms=2500), ('no_words',))]
    """
    out = []
    for speaker, speech in by_speaker.items():
        own = _Speech(s.span for s in segments if s.speaker == speaker)
        others = _Speech(s.span for s in segments if s.speaker != speaker and s.words)
        for region in speech.spans:
            for gap in _uncovered(region, own):
                under = sum(o.overlap_ms(gap) for o in others.spans[others._from(gap.start_ms):]
                            if o.start_ms < gap.end_ms)
                if gap.duration_ms >= min_ms and 2 * under >= gap.duration_ms:
                    out.append(AttributedSegment(gap, "", speaker, flags=(FLAG_NO_WORDS,)))
    return out


def _uncovered(region: Span, covered: _Speech) -> list[Span]:
    """The parts of ``region`` outside ``covered``."""
    out, at = [], region.start_ms
    for c in covered.spans[covered._from(region.start_ms):]:
        if c.start_ms >= region.end_ms:
            break
        if c.start_ms > at:
            out.append(Span(at, c.start_ms))
        at = max(at, c.end_ms)
    if region.end_ms > at:
        out.append(Span(at, region.end_ms))
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
