"""Drafts measured back: two pre-labeling runs (fake models through the real service) on a real
recording, corrected through the edit API, scored per model against the corrected version; on
SQLite and on PostgreSQL (the history read of audiolab/storage/runs.py runs on both)."""

from __future__ import annotations

import json

import jiwer
import pytest
from pyannote.core import Annotation, Segment as PSegment, Timeline
from pyannote.metrics.diarization import DiarizationErrorRate

from audiolab.cli import main
from audiolab.core.model import SegmentStatus, Span, Word
from audiolab.pipelines.types import AsrSegment, Diarization, Transcription, Turn
from audiolab.pipelines.whisper import TranscribeOptions
from audiolab.services import editing
from audiolab.services import prelabel as pl
from audiolab.services.model_scores import corrected_version, model_scores
from audiolab.storage import runs as run_store
from tests.conftest import shared_file

NORM = jiwer.Compose([jiwer.ToLowerCase(), jiwer.SubstituteRegexes({r"-": " "}), jiwer.RemovePunctuation(),
                      jiwer.RemoveMultipleSpaces(), jiwer.Strip()])


@pytest.fixture
def db_path(any_db_path):
    return any_db_path


def read_stm(path):
    rows = []
    for line in path.read_text().splitlines():
        p = line.split(maxsplit=5)
        rows.append((p[2], int(round(float(p[3]) * 1000)), int(round(float(p[4]) * 1000)), p[5]))
    return rows


def fake_asr(rows, replace: dict[str, str], shift_ms: int) -> Transcription:
    """One Whisper-like segment per reference utterance, words spread over it (times shifted)."""
    segs = []
    for _, start, end, text in rows:
        tokens = [replace.get(t, t) for t in text.split()]
        step = (end - start) // len(tokens)
        words = tuple(Word(Span(start + shift_ms + i * step, start + shift_ms + (i + 1) * step - 10), t, 0.9)
                      for i, t in enumerate(tokens))
        segs.append(AsrSegment(Span(words[0].span.start_ms, words[-1].span.end_ms), " ".join(tokens), words,
                               -0.2, 0.01, "en"))
    return Transcription(tuple(segs), "en", 1.0, 30000, "fake")


def fake_diarization(rows, swap_last: bool) -> Diarization:
    labels = {"Diane": "SPEAKER_00", "Sheila": "SPEAKER_01"}
    turns = [Turn(Span(s, e), labels[who]) for who, s, e, _ in rows]
    if swap_last:  # the last turn given to the wrong speaker
        turns[-1] = Turn(turns[-1].span, "SPEAKER_01")
    return Diarization(tuple(turns), tuple(turns), ("SPEAKER_00", "SPEAKER_01"), "fake")


def run_fake(monkeypatch, wb, rid, model: str, asr: Transcription, dia: Diarization):
    monkeypatch.setattr(pl, "check_models", lambda options: None)
    monkeypatch.setattr(pl, "_run_models", lambda audio, options, progress, cancel: (asr, dia))
    options = pl.PrelabelOptions(asr=TranscribeOptions(model=model), fill_gaps=False)
    return pl.prelabel(wb, rid, options, force=True)


def der(ref_segs, hyp_segs, duration_ms):
    def ann(segs):
        a = Annotation()
        for s in segs:
            a[PSegment(s.span.start_s, s.span.end_s), s.id] = s.speaker_id
        return a

    return DiarizationErrorRate(collar=0.25, skip_overlap=False)(
        ann(ref_segs), ann(hyp_segs), uem=Timeline([PSegment(0, duration_ms / 1000)]))


def test_runs_scored_against_the_corrected_version(monkeypatch, wb, db_path, capsys) -> None:
    wav = shared_file("diarization/pyannote_sample.wav")
    rows = read_stm(wav.with_suffix(".stm"))
    rec = wb.ingest_file(wav).recording
    work = f"{rec.id}-transcript"

    # run 1, "tiny.en": three wrong words, words 120 ms late, one turn to the wrong speaker
    run1 = run_fake(monkeypatch, wb, rec.id, "tiny.en",
                    fake_asr(rows, {"Diane": "Dan", "Chicago": "Chicago,", "Yankee": "yank"}, 120),
                    fake_diarization(rows, swap_last=True))
    drafts1 = wb.transcript(rec.id).segments_of(work)
    # run 2, "base": one wrong word, right times and speakers; it replaces run 1's untouched drafts
    run2 = run_fake(monkeypatch, wb, rec.id, "base", fake_asr(rows, {"beep.": "peep."}, 0),
                    fake_diarization(rows, swap_last=False))
    drafts2 = wb.transcript(rec.id).segments_of(work)
    assert {s.run_id for s in drafts2} == {run2.id}
    assert run_store.run_drafts(wb.db, rec.id, run1.id) == drafts1  # gone from the tier, kept in the history

    # nothing corrected yet: both runs wait
    scores = model_scores(wb)
    assert scores.models == () and len(scores.waiting) == 2

    # one segment corrected: scored over that segment only
    beep = next(s for s in drafts2 if "peep" in s.text)
    editing.set_text(wb, beep, "Okay, then I thought you know, I heard a beep.", "ann")
    partial = corrected_version(wb.transcript(rec.id))
    assert partial.kind == "work (corrected segments)" and partial.uem == (beep.span,)

    # the annotator corrects every draft to the reference text
    for seg in wb.transcript(rec.id).segments_of(work):
        ref = min(rows, key=lambda r: abs(r[1] - seg.span.start_ms) + abs(r[2] - seg.span.end_ms))
        if seg.status == SegmentStatus.DRAFT:
            editing.set_text(wb, seg, ref[3], "ann")
    corrected = wb.transcript(rec.id).segments_of(work)
    assert all(s.status == SegmentStatus.CORRECTED for s in corrected)
    assert run_store.run_drafts(wb.db, rec.id, run2.id) == drafts2  # the edits did not change the run's output

    scores = model_scores(wb)
    by_model = {m.model.split(" + ")[0]: m for m in scores.models}
    assert set(by_model) == {"faster-whisper:tiny.en", "faster-whisper:base"}
    assert [m.model.split(" + ")[0] for m in scores.models] == ["faster-whisper:base", "faster-whisper:tiny.en"]
    ref_text = NORM(" ".join(s.text for s in sorted(corrected, key=lambda s: s.span)))
    for model, drafts in (("faster-whisper:tiny.en", drafts1), ("faster-whisper:base", drafts2)):
        m = by_model[model]
        hyp_text = NORM(" ".join(s.text for s in sorted(drafts, key=lambda s: s.span)))
        assert m.runs == 1 and m.recordings == 1 and m.references == {"work": 1}
        assert m.wer == pytest.approx(jiwer.wer(ref_text, hyp_text))
        assert m.der == pytest.approx(der(corrected, drafts, rec.duration_ms))
    assert by_model["faster-whisper:base"].wer == pytest.approx(1 / len(ref_text.split()))
    assert by_model["faster-whisper:tiny.en"].der > by_model["faster-whisper:base"].der
    # words keep their times through text edits, so run 2 matches them exactly and run 1 is late
    assert by_model["faster-whisper:base"].word_boundary_ms == 0
    assert by_model["faster-whisper:tiny.en"].word_boundary_ms == pytest.approx(120, abs=1)
    assert by_model["faster-whisper:base"].label == "asr.model=base"

    # the CLI prints the same numbers
    assert main(["stats", "--models", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "faster-whisper:tiny.en" in out and "faster-whisper:base" in out and f"run {run1.id}" in out
    assert f"WER {100 * by_model['faster-whisper:tiny.en'].wer:.1f}%" in out
    assert main(["stats", "--models", "--project", "default", "--json", "--db", str(db_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["run_id"] for r in data["runs"]} == {run1.id, run2.id}
    assert data["models"][0]["wer"] == pytest.approx(by_model["faster-whisper:base"].wer)
    assert main(["stats", "--models", "--project", "elsewhere", "--db", str(db_path)]) == 0
    assert "no pre-labeling run" in capsys.readouterr().out

    # gold, once marked, is what the runs are measured against
    from audiolab.services import review as rv

    rv.mark_gold(wb, rec.id)
    assert {m.references.get("reference") for m in model_scores(wb).models} == {1}


def test_dashboard_models_table(monkeypatch, wb) -> None:
    from audiolab.services import review as rv
    from audiolab.ui import dashboard

    wav = shared_file("diarization/pyannote_sample.wav")
    rows = read_stm(wav.with_suffix(".stm"))
    rec = wb.ingest_file(wav).recording
    run_fake(monkeypatch, wb, rec.id, "tiny.en", fake_asr(rows, {}, 0), fake_diarization(rows, swap_last=False))
    rv.add_user(wb, "rev", "reviewer", "rev-secret")
    rv.add_user(wb, "ann", "annotator", "ann-secret")
    assert dashboard.refresh_values(wb, "default", "rev")[2].empty  # nothing corrected yet
    rv.mark_gold(wb, rec.id)  # gold made from the drafts: the run scores 0
    msg, _, models = dashboard.refresh_values(wb, "default", "rev")
    assert list(models.columns) == dashboard.MODEL_COLUMNS and len(models) == 1
    assert models.iloc[0]["WER"] == 0 and models.iloc[0]["against"] == "1 reference" and "1 pre-labeling runs" in msg
    assert dashboard.refresh_values(wb, "default", "ann")[2].empty  # an annotator gets no numbers
