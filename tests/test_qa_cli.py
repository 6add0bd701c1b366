"""Acceptance: two annotators correct the same real recording differently; `audiolab qa --json`
reports the scores the reference libraries give; adjudication makes the exported version."""

from __future__ import annotations

import json

import jiwer
import krippendorff
import numpy as np
import pytest
from pyannote.core import Annotation, Timeline
from pyannote.core import Segment as PSegment
from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate
from sklearn.metrics import cohen_kappa_score

from audiolab.cli import main
from audiolab.core.model import Segment, SegmentStatus, Span, Speaker, TagKind, TierRole, new_id
from audiolab.services import editing
from audiolab.services import review as rv
from audiolab.storage.edits import Change
from tests.conftest import shared_file

NORMALIZE = jiwer.Compose([jiwer.ToLowerCase(), jiwer.SubstituteRegexes({r"-": " "}), jiwer.RemovePunctuation(),
                           jiwer.RemoveMultipleSpaces(), jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])


def read_stm(path):
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split(maxsplit=5)
        rows.append((parts[2], float(parts[3]), float(parts[4]), parts[5]))
    return rows


@pytest.fixture
def scenario(wb, db_path):
    """pyannote_sample.wav with its STM as the draft; alice and bob correct independent copies."""
    wav = shared_file("diarization/pyannote_sample.wav")
    stm = read_stm(wav.with_suffix(".stm"))
    rec = wb.ingest_file(wav).recording
    speakers = {n: Speaker(new_id(), rec.id, f"SPEAKER_0{i}", n) for i, n in enumerate(sorted({r[0] for r in stm}))}
    segs = [Segment(new_id(), rec.id, f"{rec.id}-transcript", Span.from_seconds(s, e), text, speakers[who].id,
                    status=SegmentStatus.DRAFT) for who, s, e, text in stm]
    wb.apply(rec.id, [Change.create(x) for x in (*speakers.values(), *segs)], "prelabel", "draft")
    for name, role in (("alice", "annotator"), ("bob", "annotator"), ("rita", "reviewer")):
        rv.add_user(wb, name, role, f"{name}-secret")
    rv.assign(wb, [rec.id], "alice", independent=True)
    rv.assign(wb, [rec.id], "bob", independent=True)
    ta, tb = rv.working_tier(wb, rec.id, "alice"), rv.working_tier(wb, rec.id, "bob")
    diane = speakers["Diane"].id

    def mine(tier, k):
        return wb.transcript(rec.id).segments_of(tier.id)[k]

    # alice: fixes a word, moves a boundary, gives one turn to the wrong speaker
    editing.set_text(wb, mine(ta, 5), "Okay, then I thought, you know, I heard a peep.", "alice", scope=ta.id)
    editing.set_span(wb, mine(ta, 2), 8300, 8876, "alice", scope=ta.id)
    editing.set_speaker(wb, mine(ta, 4), diane, "alice", scope=ta.id)
    # bob: rewrites another segment, splits one, deletes one
    editing.set_text(wb, mine(tb, 7), "And I am Sheila in Texas, from Chicago originally.", "bob", scope=tb.id)
    editing.split(wb, mine(tb, 11), 26000, "bob", scope=tb.id)
    editing.delete_segment(wb, mine(tb, 0), author="bob", scope=tb.id)
    # sound events (tier_id = the version's tier) and emotions
    for who, tier, evs in (("alice", ta, [("beep", 2300, 2600), ("laughter", 15000, 16000), ("noise", 20000, 21000)]),
                           ("bob", tb, [("beep", 2400, 2700), ("laughter", 15500, 16000), ("music", 25000, 27000)])):
        for label, s, e in evs:
            editing.add_tag(wb, rec.id, TagKind.SOUND_EVENT, s, e, label, who, tier_id=tier.id, scope=tier.id)
    emo = {"alice": [("neutral", 6680, 12000), ("happy", 14444, 21475), ("neutral", 21935, 29987)],
           "bob": [("neutral", 6680, 10000), ("happy", 10000, 20000), ("surprised", 24058, 28425)]}
    for who, tier in (("alice", ta), ("bob", tb)):
        for label, s, e in emo[who]:
            editing.add_tag(wb, rec.id, TagKind.EMOTION, s, e, label, who, tier_id=tier.id, scope=tier.id)
    return wb, rec, ta, tb, db_path


def _annotation(segs):
    ann = Annotation(uri="x")
    for s in segs:
        ann[PSegment(s.span.start_ms / 1000, s.span.end_ms / 1000), s.id] = s.speaker_id
    return ann


def _frames(tags, n):
    out = np.full(n, "", dtype=object)
    centres = np.arange(n) * 10 + 5
    for t in sorted(tags, key=lambda t: t.span.start_ms):
        out[(centres >= t.span.start_ms) & (centres < t.span.end_ms)] = t.label
    return out


def test_qa_json_equals_reference_libraries_and_adjudication_is_exported(scenario, capsys):
    wb, rec, ta, tb, db_path = scenario
    assert main(["qa", rec.id, "--db", str(db_path), "--json", "--collar", "0.25"]) == 0
    report = json.loads(capsys.readouterr().out)
    (c,) = report["comparisons"]
    assert (c["reference"], c["hypothesis"]) == ("alice", "bob")

    t = wb.transcript(rec.id)
    sa, sb = t.segments_of(ta.id), t.segments_of(tb.id)
    ref_text = " ".join(s.text for s in sa)
    hyp_text = " ".join(s.text for s in sb)
    expected_wer = jiwer.wer(ref_text, hyp_text, reference_transform=NORMALIZE, hypothesis_transform=NORMALIZE)
    assert 0 < expected_wer < 0.5
    assert c["wer"] == pytest.approx(expected_wer, abs=1e-12)

    uem = Timeline([PSegment(0, rec.duration_ms / 1000)])
    der = DiarizationErrorRate(collar=0.25, skip_overlap=False)(_annotation(sa), _annotation(sb), uem=uem)
    jer = JaccardErrorRate(collar=0.25, skip_overlap=False)(_annotation(sa), _annotation(sb), uem=uem)
    assert der > 0.01
    assert c["der"] == pytest.approx(der, abs=1e-12)
    assert c["jer"] == pytest.approx(jer, abs=1e-12)

    n = -(-rec.duration_ms // 10)
    ea = _frames([x for x in t.tags if x.kind == TagKind.EMOTION and x.tier_id == ta.id], n)
    eb = _frames([x for x in t.tags if x.kind == TagKind.EMOTION and x.tier_id == tb.id], n)
    keep = (ea != "") | (eb != "")
    la, lb = [x or "none" for x in ea[keep]], [x or "none" for x in eb[keep]]
    assert c["emotion_kappa"] == pytest.approx(cohen_kappa_score(la, lb), abs=1e-12)
    cats = sorted(set(la) | set(lb))
    data = np.array([[cats.index(x) for x in la], [cats.index(x) for x in lb]], dtype=float)
    alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert report["emotion_alpha"] == pytest.approx(alpha, abs=1e-12)

    # events by hand (Mesaros et al. 2016): beep matches (onsets 100 ms apart, offsets 100 ms);
    # laughter onset 500 ms > 200 ms: no; noise / music unmatched -> TP 1, FP 2, FN 2.
    assert c["event_counts_event"] == {"tp": 1, "fp": 2, "fn": 2}
    assert c["event_f1_event"] == pytest.approx(2 / 6)
    # 1 s segments: beep in s2 both (TP); laughter s15 both (TP); noise s20 (FN); music s25, s26 (FP x2)
    assert c["event_counts_segment"] == {"tp": 2, "fp": 2, "fn": 1}
    assert c["event_f1_segment"] == pytest.approx(4 / 7)

    # alice's boundary move (8436 -> 8300 ms) shows in the matched-segment shift
    assert c["boundary_shift_ms"] > 0

    # adjudication: a reviewer makes a third version, which exports use
    assert main(["submit", rec.id, "--as", "alice", "--db", str(db_path)]) == 0
    assert main(["submit", rec.id, "--as", "bob", "--db", str(db_path)]) == 0
    assert main(["adjudicate", rec.id, "--reviewer", "alice", "--db", str(db_path)]) == 1  # not a reviewer
    assert "needs the role" in capsys.readouterr().err
    assert main(["adjudicate", rec.id, "--reviewer", "rita", "--prefer", "bob", "--db", str(db_path)]) == 0
    capsys.readouterr()
    t = wb.transcript(rec.id)
    main_tier = t.main_tier()
    assert main_tier.role == TierRole.ADJUDICATED and main_tier.id not in (ta.id, tb.id)
    adj = t.segments_of(main_tier.id)
    assert [s.text for s in adj] == [s.text for s in t.segments_of(tb.id)]
    assert not {s.id for s in adj} & {s.id for s in t.segments_of(tb.id)}

    # project report and dashboard numbers
    assert main(["qa", "--project", "default", "--db", str(db_path), "--json"]) == 0
    proj = json.loads(capsys.readouterr().out)
    assert proj["annotators"]["bob"]["wer"] == pytest.approx(c["wer"])
    stats = {s.annotator: s for s in rv.annotator_stats(wb, "default")}
    assert stats["alice"].segments_edited == 3 and stats["bob"].segments_edited == 4
    assert stats["alice"].submitted == 1 and stats["alice"].throughput > 0
    assert stats["alice"].agreement_wer is not None


def test_user_cli_password_stdin_and_assign(db_path, capsys, monkeypatch, wb, speech_wav):
    import io

    rec = wb.ingest_file(speech_wav).recording
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pw\n"))
    assert main(["user", "add", "ann", "--role", "annotator", "--password-stdin", "--db", str(db_path)]) == 0
    out = capsys.readouterr()
    assert "s3cret" not in out.out + out.err
    assert rv.authenticate(wb, "ann", "s3cret-pw") and not rv.authenticate(wb, "ann", "s3cret")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "add", "x", "--role", "annotator", "--db", str(db_path)]) == 1  # no tty, no stdin flag
    assert main(["user", "ls", "--db", str(db_path), "--json"]) == 0
    assert [u["name"] for u in json.loads(capsys.readouterr().out)] == ["ann"]
    assert main(["assign", rec.id, "--to", "ann", "--independent", "--db", str(db_path)]) == 0
    assert "independent" in capsys.readouterr().out
    assert main(["gold", rec.id, "--db", str(db_path)]) == 0
    assert "gold:" in capsys.readouterr().out
    assert main(["queue", "--db", str(db_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
