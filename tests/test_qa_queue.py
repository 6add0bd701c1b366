"""The review queue's risk score: each documented part, and the ranking."""

from __future__ import annotations

import math

import pytest

from audiolab.core.model import Segment, SegmentStatus, Span, Speaker, Word, new_id
from audiolab.qa.queue import NO_TEXT, score_segments
from audiolab.services import editing
from audiolab.services import review as rv
from audiolab.storage.edits import Change


def seg(i, start, end, text="some words here", spk="A", probs=(0.95, 0.95, 0.95), **kw):
    n = len(probs)
    step = (end - start) // max(1, n)
    word_spk = kw.pop("word_spk", [spk] * n)
    words = tuple(Word(Span(start + k * step, start + (k + 1) * step), f"w{k}", p, word_spk[k])
                  for k, p in enumerate(probs))
    return Segment(id=i, recording_id="r", tier_id="t", span=Span(start, end), text=text, speaker_id=spk,
                   words=words, **kw)


def by_id(items):
    return {q.segment.id: q for q in items}


def test_each_part_and_its_reason():
    segs = [
        seg("clean", 0, 3000, avg_logprob=-0.1, no_speech_prob=0.01),
        seg("lowprob", 3000, 6000, probs=(0.2, 0.9, 0.3)),
        seg("logprob", 6000, 9000, probs=(), avg_logprob=-1.2),
        seg("nospeech", 9000, 12000, no_speech_prob=0.9, avg_logprob=-1.0),
        seg("nospeech_confident", 30000, 33000, no_speech_prob=0.9, avg_logprob=-0.2),
        seg("change", 12000, 15000, word_spk=["A", "B", "B"]),
        seg("short", 15000, 15600, spk="B"),
        seg("long2", 15600, 19000),
        seg("ovl", 18500, 21000, spk="C"),
        seg("flagged", 22000, 23000, flags=("overlap", "speaker_change")),
        seg("empty", 24000, 25000, text="", probs=()),
        seg("done", 26000, 29000, probs=(0.2, 0.2, 0.2), status=SegmentStatus.REVIEWED),
    ]
    q = by_id(score_segments(segs))
    words = 3 * 0.05  # three words at probability 0.95: 0.15 expected errors
    assert q["clean"].score == pytest.approx(words) and q["clean"].reasons == ()
    assert q["lowprob"].reasons == ("low_word_prob",)
    assert q["lowprob"].score == pytest.approx(0.8 + 0.1 + 0.7)
    # Without word probabilities: words x (1 - exp(avg_logprob)).
    assert q["logprob"].reasons == ("low_avg_logprob",)
    assert q["logprob"].score == pytest.approx(3 * (1 - math.exp(-1.2)))
    assert q["nospeech"].reasons == ("no_speech",) and q["nospeech"].score == pytest.approx(words + 3 * 0.9)
    assert q["nospeech_confident"].reasons == () and q["nospeech_confident"].score == pytest.approx(words)
    assert q["change"].reasons == ("speaker_change",) and q["change"].score == pytest.approx(words + 0.5)
    assert "short_turn" in q["short"].reasons
    assert "overlap" in q["ovl"].reasons and "overlap" in q["long2"].reasons
    # The speaker parts together count at most one error.
    assert q["flagged"].reasons == ("speaker_change", "overlap") and q["flagged"].score == pytest.approx(words + 1.0)
    assert q["empty"].reasons == ("no_text",) and q["empty"].score == pytest.approx(NO_TEXT)
    assert q["done"].score == pytest.approx(0.1 * 2.4)  # reviewed segments count a tenth
    ranked = score_segments(segs)
    assert ranked[-1].segment.id in ("clean", "nospeech_confident")
    assert [x.score for x in ranked] == sorted((x.score for x in ranked), reverse=True)


def test_longer_uncertain_segments_outrank_short_ones_with_the_same_probabilities():
    short = seg("short", 0, 1000, probs=(0.6,) * 2)
    long = seg("long", 2000, 9000, probs=(0.6,) * 12)
    assert [q.segment.id for q in score_segments([short, long])] == ["long", "short"]


def test_disagreement_between_copies_ranks_first(wb, speech_wav, db_path, capsys):
    r = wb.ingest_file(speech_wav).recording
    spk = Speaker(new_id(), r.id, "SPEAKER_00")
    segs = [Segment(new_id(), r.id, f"{r.id}-transcript", Span(0, 1500), "hello there", spk.id),
            Segment(new_id(), r.id, f"{r.id}-transcript", Span(1500, 3000), "this is a test", spk.id)]
    wb.apply(r.id, [Change.create(x) for x in (spk, *segs)], "prelabel")
    for who in ("ann1", "ann2"):
        rv.add_user(wb, who, "annotator", "pw-pw")
        rv.assign(wb, [r.id], who, independent=True)
        rv.working_tier(wb, r.id, who)
    tier = rv.working_tier(wb, r.id, "ann2")
    editing.set_text(wb, wb.transcript(r.id).segments_of(tier.id)[1], "this was the best", "ann2", scope=tier.id)
    items = rv.review_queue(wb, r.id)
    assert items[0].segment.id == segs[1].id and items[0].reasons == ("disagreement",)
    assert items[1].score == 0.0
    from audiolab.cli import main

    assert main(["queue", r.id, "--db", str(db_path), "--top", "1"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "disagreement" in out[0]
