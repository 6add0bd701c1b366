"""Word-speaker attribution with hand-made turns (pure, no models)."""

from __future__ import annotations

from audiolab.core.model import Span, Word
from audiolab.pipelines.assign import AssignOptions, attribute, speaker_for
from audiolab.pipelines.types import AsrSegment, Turn


def w(start: int, end: int, text: str, p: float = 0.9) -> Word:
    return Word(Span(start, end), text, p)


def seg(words: list[Word], text: str | None = None, no_speech: float = 0.01) -> AsrSegment:
    return AsrSegment(Span(words[0].span.start_ms, words[-1].span.end_ms), text or " ".join(x.text for x in words),
                      tuple(words), -0.3, no_speech, "en")



def test_tie_and_majority() -> None:
    turns = [Turn(Span(0, 1000), "A"), Turn(Span(800, 2000), "B")]
    # word 700-1000: A overlaps 300 ms, B 200 ms -> A
    assert speaker_for(Span(700, 1000), turns) == "A"
    # equal overlap -> the speaker whose first turn starts earlier
    assert speaker_for(Span(900, 1100), [Turn(Span(0, 1000), "A"), Turn(Span(1000, 2000), "B")]) == "A"


def test_nearest_turn_when_none_overlaps() -> None:
    turns = [Turn(Span(0, 1000), "A"), Turn(Span(5000, 6000), "B")]
    assert speaker_for(Span(1200, 1300), turns) == "A"
    assert speaker_for(Span(4500, 4600), turns) == "B"
    assert speaker_for(Span(0, 10), []) is None


def test_split_at_speaker_change_with_flags() -> None:
    s = seg([w(0, 400, "hello"), w(500, 900, "there"), w(1500, 1900, "hi", 0.3), w(2000, 2400, "you")])
    turns = [Turn(Span(0, 1000), "A"), Turn(Span(1400, 2500), "B")]
    out = attribute([s], turns)
    assert [(o.speaker, o.text) for o in out] == [("A", "hello there"), ("B", "hi you")]
    assert out[0].span == Span(0, 900) and out[1].span == Span(1500, 2400)
    assert "speaker_change" in out[0].flags and "speaker_change" in out[1].flags
    assert "low_prob_words" in out[1].flags and "low_prob_words" not in out[0].flags
    assert out[1].confidence == (0.3 + 0.9) / 2
    assert all(x.speaker_id == "B" for x in out[1].words)


def test_single_speaker_keeps_whisper_text() -> None:
    s = seg([w(0, 400, "Hello,"), w(500, 900, "world.")], text="Hello, world.")
    out = attribute([s], [Turn(Span(0, 5000), "A")])
    assert len(out) == 1 and out[0].text == "Hello, world." and out[0].flags == ()


def test_overlap_and_no_speech_flags() -> None:
    s = seg([w(0, 400, "yes"), w(500, 900, "no")], no_speech=0.9)
    turns = [Turn(Span(0, 1000), "A"), Turn(Span(300, 600), "B")]
    out = attribute([s], turns, AssignOptions(no_speech_threshold=0.6))
    assert len(out) == 1 and out[0].speaker == "A"
    assert "overlap" in out[0].flags and "no_speech" in out[0].flags


def test_without_turns_no_speaker() -> None:
    out = attribute([seg([w(0, 400, "a"), w(500, 900, "b")])], [])
    assert len(out) == 1 and out[0].speaker is None and out[0].words[0].speaker_id is None
