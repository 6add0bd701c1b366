"""Word-speaker attribution with hand-made turns (pure, no models)."""

from __future__ import annotations

from audiolab.core.model import Span, Word
from audiolab.pipelines.assign import DEFAULT_PAUSE_MS, AssignOptions, attribute, speaker_for
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
    # edges come from the turns the words lie in (issue 14: they used to be the words' 0-900, 1500-2400)
    assert out[0].span == Span(0, 1000) and out[1].span == Span(1400, 2500)
    assert "speaker_change" in out[0].flags and "speaker_change" in out[1].flags
    assert "low_prob_words" in out[1].flags and "low_prob_words" not in out[0].flags
    assert out[1].confidence == (0.3 + 0.9) / 2
    assert all(x.speaker_id == "B" for x in out[1].words)


def test_single_speaker_keeps_whisper_text() -> None:
    s = seg([w(0, 400, "Hello,"), w(500, 900, "world.")], text="Hello, world.")
    out = attribute([s], [Turn(Span(0, 5000), "A")])
    assert len(out) == 1 and out[0].text == "Hello, world." and out[0].flags == ()
    assert out[0].span == Span(0, 5000)  # the whole turn: nothing else of A's is near


def test_overlap_and_no_speech_flags() -> None:
    s = seg([w(0, 400, "yes"), w(500, 900, "no")], no_speech=0.9)
    turns = [Turn(Span(0, 1000), "A"), Turn(Span(300, 600), "B")]
    out = attribute([s], turns, AssignOptions(no_speech_threshold=0.6))
    assert len(out) == 1 and out[0].speaker == "A"
    assert "overlap" in out[0].flags and "no_speech" in out[0].flags


def test_without_turns_no_speaker() -> None:
    out = attribute([seg([w(0, 400, "a"), w(500, 900, "b")])], [])
    assert len(out) == 1 and out[0].speaker is None and out[0].words[0].speaker_id is None


def test_split_at_a_pause_the_diarizer_hears() -> None:
    # Whisper stretched "one." over the pause; the diarizer hears A stop at 1000 and resume at 1600
    s = seg([w(0, 400, "Sentence"), w(400, 1500, "one."), w(1600, 2000, "Sentence"), w(2000, 2400, "two.")],
            text="Sentence one. Sentence two.")
    turns = [Turn(Span(100, 1000), "A"), Turn(Span(1600, 2500), "A")]
    out = attribute([s], turns)
    assert [(o.text, o.span) for o in out] == [("Sentence one.", Span(100, 1000)), ("Sentence two.", Span(1600, 2500))]
    assert all(o.flags == () for o in out)  # a pause is no reason to review
    # a shorter pause than the threshold keeps one segment
    short = [Turn(Span(100, 1400), "A"), Turn(Span(1400 + DEFAULT_PAUSE_MS - 50, 2500), "A")]
    assert [o.span for o in attribute([s], short)] == [Span(100, 2500)]
    # pause_ms=None: no pause split
    assert len(attribute([s], turns, AssignOptions(pause_ms=None))) == 1


def test_split_at_word_gaps_without_diarization() -> None:
    s = seg([w(0, 400, "a"), w(500, 900, "b"), w(2000, 2400, "c")])
    out = attribute([s], [])
    assert [(o.text, o.span) for o in out] == [("a b", Span(0, 900)), ("c", Span(2000, 2400))]
    assert all(o.speaker is None for o in out)


def test_edges_hug_the_speech_words_and_turns_agree_on() -> None:
    # "So" starts 600 ms before the speech (Whisper's usual early start) and "done." runs past it
    s = seg([w(400, 1200, "So"), w(1200, 1600, "we're"), w(1600, 2900, "done.")], text="So we're done.")
    out = attribute([s], [Turn(Span(1000, 2200), "A")])
    assert len(out) == 1 and out[0].span == Span(1000, 2200)
    assert [x.span for x in out[0].words] == [Span(1000, 1200), Span(1200, 1600), Span(1600, 2200)]
    # the rule before issue 14 is still there
    old = attribute([s], [Turn(Span(1000, 2200), "A")], AssignOptions(edges="words", pause_ms=None))
    assert old[0].span == Span(400, 2900) and old[0].words[0].span == Span(400, 1200)


def test_neighbours_of_one_speaker_meet_halfway() -> None:
    # two Whisper segments inside one long turn of A: they tile it, never overlap
    a = seg([w(500, 900, "first.")])
    b = seg([w(1300, 1700, "second.")])
    out = attribute([a, b], [Turn(Span(200, 2000), "A")])
    assert [o.span for o in out] == [Span(200, 1100), Span(1100, 2000)]


def test_overlapped_speech_stays_overlapped() -> None:
    # B talks over the end of A's sentence; each keeps their whole turn
    s1 = seg([w(0, 500, "I"), w(500, 1000, "think"), w(1000, 1800, "so.")], text="I think so.")
    s2 = seg([w(1500, 2000, "Yes,"), w(2000, 2600, "exactly.")], text="Yes, exactly.")
    turns = [Turn(Span(100, 1900), "A"), Turn(Span(1400, 2700), "B")]
    out = attribute([s1, s2], turns)
    assert [(o.speaker, o.span) for o in out] == [("A", Span(100, 1900)), ("B", Span(1400, 2700))]
    assert out[0].span.overlap_ms(out[1].span) == 500
    assert "overlap" in out[0].flags and "overlap" in out[1].flags


def test_pieces_keep_whisper_text_and_words_stay_inside() -> None:
    s = seg([w(0, 400, "the"), w(400, 700, "42"), w(700, 1000, "-line"), w(1000, 1400, "Bible,"),
             w(2000, 2400, "yes.")], text="the 42-line Bible, yes.")
    turns = [Turn(Span(0, 1400), "A"), Turn(Span(1900, 2500), "B")]
    out = attribute([s], turns)
    assert [o.text for o in out] == ["the 42-line Bible,", "yes."]
    for o in out:
        assert all(o.span.start_ms <= x.span.start_ms < x.span.end_ms <= o.span.end_ms for x in o.words)


def test_word_outside_every_turn_keeps_its_times() -> None:
    # "hm" lies in no turn (nearest: A's); the segment keeps its own time there
    s = seg([w(3000, 3300, "hm")])
    out = attribute([s], [Turn(Span(0, 1000), "A")])
    assert out[0].speaker == "A" and out[0].span == Span(3000, 3300)


def test_overlapped_speech_without_words_becomes_an_empty_draft() -> None:
    # B talks under A for 2 s and Whisper wrote none of B's words; B's 1 s alone later has none either
    s = seg([w(0, 500, "I"), w(500, 1000, "think"), w(1000, 3000, "so.")], text="I think so.")
    turns = [Turn(Span(0, 3000), "A"), Turn(Span(500, 2500), "B"), Turn(Span(2600, 2900), "B"),
             Turn(Span(5000, 6000), "B")]
    out = attribute([s], turns)
    assert [(o.speaker, o.span, o.text, len(o.words), o.flags) for o in out] == [
        ("A", Span(0, 3000), "I think so.", 3, ("overlap",)), ("B", Span(500, 2500), "", 0, ("no_words",))]
    # shorter than the threshold, or not under anyone's words (ASR's second pass had it): nothing
    assert len(attribute([s], turns, AssignOptions(speech_without_words_ms=2500))) == 1
    assert attribute([], turns) == []
    # None: every draft holds words
    assert [o.speaker for o in attribute([s], turns, AssignOptions(speech_without_words_ms=None))] == ["A"]
