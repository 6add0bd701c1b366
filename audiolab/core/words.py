"""Word timing after a text edit: keep the times of words that still match, spread the rest.

Pure logic over core types (no I/O), shared by the editor's text edits, find / replace and
adjudication.
"""

from __future__ import annotations

import dataclasses
import difflib
import re

from audiolab.core.model import Span, Word

_TOKEN = re.compile(r"\S+")
_NORM = re.compile(r"[^\w']+")


def _norm(token: str) -> str:
    return _NORM.sub("", token.lower())


def realign_words(words: tuple[Word, ...], new_text: str, span: Span) -> tuple[Word, ...]:
    """Keep the timings of words that still match after a text edit.

    Tokens of the new text that match an old word (case and punctuation aside, in order) keep that
    word's span, probability and speaker; new tokens get times interpolated between their matched
    neighbours and no probability (a human wrote them).

    >>> old = (Word(Span(0, 400), "helo", 0.3), Word(Span(500, 900), "world", 0.9))
    >>> [(w.text, w.span.start_ms, w.probability) for w in realign_words(old, "Hello world!", Span(0, 1000))]
    [('Hello', 0, None), ('world!', 500, 0.9)]
    """
    tokens = _TOKEN.findall(new_text)
    if not tokens:
        return ()
    if not words:
        return _spread(tokens, span.start_ms, span.end_ms, None)
    matcher = difflib.SequenceMatcher(a=[_norm(w.text) for w in words], b=[_norm(t) for t in tokens], autojunk=False)
    out: list[Word | None] = [None] * len(tokens)
    for a, b, n in matcher.get_matching_blocks():
        for k in range(n):
            w = words[a + k]
            out[b + k] = dataclasses.replace(w, text=tokens[b + k])
    # Fill the gaps between matched words with evenly spread timings.
    i = 0
    speaker = words[0].speaker_id
    while i < len(out):
        if out[i] is not None:
            speaker = out[i].speaker_id  # type: ignore[union-attr]
            i += 1
            continue
        j = i
        while j < len(out) and out[j] is None:
            j += 1
        left = out[i - 1].span.end_ms if i > 0 and out[i - 1] else span.start_ms  # type: ignore[union-attr]
        right = out[j].span.start_ms if j < len(out) and out[j] else span.end_ms  # type: ignore[union-attr]
        if right <= left:
            # Unmatched words squeezed between touching neighbours: borrow from the gap word's
            # own replacement region (the words that were replaced there).
            left, right = _replaced_region(matcher, words, i, j, span)
        for k, w in enumerate(_spread(tokens[i:j], left, right, speaker)):
            out[i + k] = w
        i = j
    return tuple(w for w in out if w is not None)


def _replaced_region(matcher: difflib.SequenceMatcher, words: tuple[Word, ...], i: int, j: int, span: Span) -> tuple[int, int]:
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag in ("replace", "insert") and b0 <= i < b1 and a1 > a0:
            return words[a0].span.start_ms, words[a1 - 1].span.end_ms
    return span.start_ms, span.end_ms


def _spread(tokens: list[str], start: int, end: int, speaker: str | None) -> tuple[Word, ...]:
    n = len(tokens)
    if end - start < n:  # not even 1 ms each: widen to the right
        end = start + n
    step = (end - start) / n
    return tuple(
        Word(Span(int(start + k * step), max(int(start + (k + 1) * step), int(start + k * step) + 1)), t, None, speaker)
        for k, t in enumerate(tokens)
    )
