"""Speakers known across recordings: enroll, name by voice when pre-labeling, re-diarize; real models and data.

The talk is assembled here from shared clips of six voices (JFK, the three Picovoice voices, LJ
Speech LJ001-0007, LibriSpeech 1272); the voice enrolled comes from another recording of LJ
Speech (LJ001-0001), pre-labeled first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audiolab.core.model import SegmentStatus
from tests.conftest import SHARED_DATA, shared_file

SR = 16000
TALK = ("asr_en/jfk.flac", "diarization/picovoice_3spk.wav", "asr_en/ljspeech_LJ001-0007.flac",
        "asr_en/librispeech_1272-128104-0000.wav")
ENROLLED_CLIP = "asr_en/ljspeech_LJ001-0007.flac"


def _speech_frames(audio: np.ndarray) -> np.ndarray:
    """Which 10 ms frames of a single-voice clip hold speech (within 25 dB of its loud frames, 6 dB over its floor)."""
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160).astype(np.float64)
    db = 10 * np.log10((frames ** 2).mean(axis=1) + 1e-12)
    return db > max(np.percentile(db, 95) - 25, np.percentile(db, 10) + 6)


def _assemble(out: Path) -> dict[str, tuple[int, int, np.ndarray]]:
    """The talk as a 16 kHz WAV; each clip's (start_ms, end_ms, speech frames)."""
    import soundfile as sf

    from audiolab.media.probe import load_audio

    noise = np.random.default_rng(0)
    parts, where, pos = [], {}, 0
    for rel in TALK:
        pause = (noise.standard_normal(int(0.8 * SR)) * 3e-4).astype(np.float32)
        parts.append(pause)
        pos += len(pause)
        a = load_audio(shared_file(rel))
        where[rel] = (pos * 1000 // SR, (pos + len(a)) * 1000 // SR, _speech_frames(a))
        parts.append(a)
        pos += len(a)
    sf.write(str(out), np.concatenate(parts), SR, subtype="PCM_16")
    return where


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - a small namespace
    """LJ001-0001 pre-labeled and enrolled as Linda (two segments corrected), then the talk pre-labeled."""
    if not (SHARED_DATA / "manifest.csv").exists():
        pytest.skip(f"shared test data not available at {SHARED_DATA} (set AUDIOLAB_SHARED_DATA)")
    from audiolab.cli import main
    from audiolab.services import Workbench, editing
    from audiolab.services.prelabel import prelabel

    d = tmp_path_factory.mktemp("speakers")
    db = d / "a.db"
    wb = Workbench(db)
    source = wb.ingest_file(shared_file("asr_en/ljspeech_LJ001-0001.flac")).recording
    prelabel(wb, source.id)
    segs = wb.transcript(source.id).segments_of(f"{source.id}-transcript")
    for s in segs[:2]:
        editing.set_segment_status(wb, s, SegmentStatus.CORRECTED, author="ann")
    wb.db.close()
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(["speaker", "enroll", "Linda", "--recording", source.id, "--speaker", "SPEAKER_00", "--db", str(db)])
    where = _assemble(d / "talk.wav")
    wb = Workbench(db)
    rec = wb.ingest_file(d / "talk.wav").recording
    run = prelabel(wb, rec.id)
    wb.db.close()

    class Talk:
        pass

    t = Talk()
    t.db, t.source, t.rid, t.run, t.where, t.enroll_rc, t.enroll_out = db, source, rec.id, run, where, rc, buf.getvalue()
    t.dir = d
    return t


def _copy(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite database that other connections may still hold open (WAL)."""
    import sqlite3

    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def _named_coverage(wb, rid: str, where: dict, name: str) -> tuple[float, list[str]]:  # noqa: ANN001
    """The share of the enrolled clip's speech frames under segments named ``name``; other clips it touches."""
    t = wb.transcript(rid)
    spans = [s.span for s in t.segments_of(f"{rid}-transcript")
             if (sp := t.speaker(s.speaker_id)) is not None and sp.name == name]
    start, _, frames = where[ENROLLED_CLIP]
    times = start + np.flatnonzero(frames) * 10 + 5
    covered = np.zeros(len(times), dtype=bool)
    for sp in spans:
        covered |= (times >= sp.start_ms) & (times < sp.end_ms)
    others = [rel for rel, (a, b, _) in where.items() if rel != ENROLLED_CLIP
              and any(sp.start_ms < b and a < sp.end_ms for sp in spans)]
    return float(covered.mean()), others


@pytest.mark.slow
def test_enroll_uses_checked_segments_and_says_how_much(talk) -> None:  # noqa: ANN001
    assert talk.enroll_rc == 0
    out = talk.enroll_out
    assert out.startswith("enrolled Linda in project default from ") and "from 2 corrected or reviewed segments" in out
    seconds = float(out.split(": ")[1].split(" s of speech")[0])
    assert 3.0 <= seconds <= 9.7  # two of the clip's three sentences, 9.7 s in all


@pytest.mark.slow
def test_the_enrolled_voice_is_named_in_another_recording_and_no_one_else(talk) -> None:  # noqa: ANN001
    from audiolab.services import Workbench

    wb = Workbench(talk.db)
    coverage, others = _named_coverage(wb, talk.rid, talk.where, "Linda")
    assert coverage >= 0.90, coverage
    assert others == []
    speakers = wb.transcript(talk.rid).speakers
    assert [s.name for s in speakers if s.name] == ["Linda"]
    assert len(speakers) >= 5  # the other voices stay SPEAKER_nn
    voices = talk.run.stats["enrolled_voices"]
    named = [v for v in voices if v["named"]]
    assert len(named) == 1 and named[0]["similarity"] >= 0.6
    assert all(v["similarity"] < 0.6 for v in voices if not v["named"])
    wb.db.close()


@pytest.mark.slow
def test_rediarize_changes_only_untouched_drafts_and_keeps_names(talk, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from audiolab.cli import main
    from audiolab.services import Workbench, editing
    from audiolab.storage import repository

    db = _copy(talk.db, tmp_path / "copy.db")
    wb = Workbench(db)
    tier = f"{talk.rid}-transcript"
    before = wb.transcript(talk.rid)
    segs = before.segments_of(tier)
    jfk = next(s for s in segs if "fellow" in s.text.lower())
    editing.set_text(wb, jfk, "And so, my fellow Americans", author="ann")
    named = next(s for s in before.speakers if s.name == "Linda")
    editing.rename_speaker(wb, named, "Linda Johnson", author="ann")
    before = wb.transcript(talk.rid)
    human = next(s for s in before.segments_of(tier) if s.id == jfk.id)
    untouched = [s for s in before.segments_of(tier) if s.id != jfk.id]
    wb.db.close()

    assert main(["prelabel", talk.rid, "--rediarize", "--num-speakers", "4", "--db", str(db)]) == 0
    assert "re-diarized" in capsys.readouterr().out
    wb = Workbench(db)
    after = wb.transcript(talk.rid)
    now = after.segments_of(tier)
    assert [s for s in now if s.id == human.id] == [human]  # the person's segment, as it was
    drafts = [s for s in now if s.id != human.id]
    assert not {s.id for s in drafts} & {s.id for s in untouched}  # every untouched draft was replaced
    assert [w.text for s in drafts for w in s.words] == [w.text for s in untouched for w in s.words]
    assert len({s.speaker_id for s in drafts} | {human.speaker_id}) == 4
    assert any(s.name == "Linda Johnson" for s in after.speakers)  # a name a person gave stays
    coverage, _ = _named_coverage(wb, talk.rid, talk.where, "Linda Johnson")
    assert coverage >= 0.9  # still on the voice it named (4 speakers for 6 voices: two of them share one)
    assert not any(s.name == "Linda" for s in after.speakers)  # and is not given twice
    runs = repository.get_runs(wb.db, talk.rid)
    assert runs[-1].options["rediarize"]["words_of_run"] == talk.run.id
    assert runs[-1].options["diarization"]["num_speakers"] == 4
    wb.db.close()


@pytest.mark.slow
def test_list_and_forget(talk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from audiolab.cli import main

    db = _copy(talk.db, tmp_path / "copy.db")
    assert main(["speaker", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("default\tLinda\t" + talk.source.id + "\tSPEAKER_00\t") and "checked" in out
    assert main(["speaker", "list", "--project", "other", "--db", str(db)]) == 0
    assert "no voices enrolled" in capsys.readouterr().out
    assert main(["speaker", "forget", "Linda", "--db", str(db)]) == 0
    assert "forgot Linda in project default (1 voiceprint)" in capsys.readouterr().out
    assert main(["speaker", "list", "--db", str(db)]) == 0
    assert "no voices enrolled" in capsys.readouterr().out


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("audiolab: error: ") and "Traceback" not in err, err
    return err


@pytest.mark.slow
def test_bad_input_is_one_line_and_exit_1(talk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from audiolab.cli import main
    from audiolab.services import Workbench
    from audiolab.services.review.users import add_user

    db = _copy(talk.db, tmp_path / "copy.db")
    enroll = ["speaker", "enroll", "X", "--db", str(db)]
    assert main([*enroll, "--recording", "nosuchrec", "--speaker", "SPEAKER_00"]) == 1
    assert "nosuchrec" in _one_error_line(capsys)
    assert main([*enroll, "--recording", talk.rid, "--speaker", "SPEAKER_99"]) == 1
    assert "has no speaker 'SPEAKER_99' (its speakers: SPEAKER_00" in _one_error_line(capsys)
    wb = Workbench(db)
    t = wb.transcript(talk.rid)
    short = next(sp for sp in t.speakers if any(s.speaker_id == sp.id and "begins" in s.text
                                                for s in t.segments_of(f"{talk.rid}-transcript")))
    add_user(wb, "annie", "annotator", "annie-pw")
    wb.db.close()
    assert main([*enroll, "--recording", talk.rid, "--speaker", short.label]) == 1  # "And so it begins": 2 s
    assert "enrolling a voice needs at least 3.0 s" in _one_error_line(capsys)
    assert main([*enroll, "--recording", talk.rid, "--speaker", "SPEAKER_00", "--project", "other"]) == 1
    assert "is in project default, not other" in _one_error_line(capsys)
    assert main([*enroll, "--recording", talk.rid, "--speaker", "SPEAKER_00", "--as", "annie"]) == 1
    assert "annie (annotator) may not enroll voices" in _one_error_line(capsys)
    assert main(["speaker", "forget", "Nobody", "--db", str(db)]) == 1
    assert "no voice named 'Nobody' is enrolled in project default (enrolled: Linda)" in _one_error_line(capsys)
    assert main(["prelabel", talk.rid, "--rediarize", "--no-diarization", "--db", str(db)]) == 1
    assert "--rediarize does not go with --no-diarization" in _one_error_line(capsys)
    wb = Workbench(db)
    fresh = wb.ingest_file(shared_file("asr_en/jfk.flac")).recording.id
    wb.db.close()
    assert main(["prelabel", fresh, "--rediarize", "--num-speakers", "2", "--db", str(db)]) == 1
    out = capsys.readouterr().out.strip()
    assert out == f"{fresh}  error: recording {fresh} has no finished pre-labeling run to re-diarize: pre-label it first"


def test_matching_takes_best_pairs_first_and_each_name_once() -> None:
    from audiolab.pipelines.voices import Voice
    from audiolab.services.speakers import match
    from audiolab.storage.voiceprints import Voiceprint

    def vp(name: str, vec: tuple[float, ...]) -> Voiceprint:
        return Voiceprint("id-" + name, "p", name, "r", "SPEAKER_00", "m", vec, 5000, 1, "checked")

    u = lambda *x: tuple(np.asarray(x) / np.linalg.norm(x))  # noqa: E731
    spk = {"S0": Voice(u(1, 0.2, 0), 5000, 1), "S1": Voice(u(1, 0.1, 0), 5000, 1), "S2": Voice(u(0, 0, 1), 5000, 1)}
    prints = [vp("Ann", u(1, 0.1, 0)), vp("Bob", u(0, 1, 0)), vp("Ann", u(0, 0.2, 1))]
    got = {m.label: m.named for m in match(spk, prints, threshold=0.6)}
    assert got == {"S0": None, "S1": "Ann", "S2": None}  # S1 is Ann's best; S2 would be Ann too, but only once
    got = {m.label: m.named for m in match(spk, prints, threshold=0.6, named_labels=frozenset({"S1"}))}
    assert got == {"S0": "Ann", "S1": None, "S2": None}
    assert all(m.named is None for m in match(spk, prints, threshold=0.6, taken_names=frozenset({"Ann"})))


def test_voiceprints_are_stored_replaced_and_forgotten(any_db_path, shared_data: Path) -> None:  # noqa: ANN001
    from audiolab.services import Workbench
    from audiolab.storage import voiceprints as store

    wb = Workbench(any_db_path)
    rid = wb.ingest_file(shared_data / "asr_en/jfk.flac").recording.id
    vec = tuple(float(x) for x in np.linspace(-1, 1, 192) / np.linalg.norm(np.linspace(-1, 1, 192)))
    with wb.db.transaction():
        store.put_voiceprint(wb.db, "default", "JFK", rid, "SPEAKER_00", "m", vec, 6000, 4, "all")
        store.put_voiceprint(wb.db, "default", "JFK", rid, "SPEAKER_00", "m", vec, 7000, 5, "checked")
        store.put_voiceprint(wb.db, "other", "JFK", rid, "SPEAKER_00", "m", vec, 7000, 5, "checked")
    got = store.list_voiceprints(wb.db, "default")
    assert [(v.name, v.speech_ms, v.source) for v in got] == [("JFK", 7000, "checked")]  # replaced, not added
    assert got[0].vector == vec and len(store.list_voiceprints(wb.db)) == 2
    with wb.db.transaction():
        assert store.delete_voiceprints(wb.db, "default", "JFK") == 1
    assert [v.project for v in store.list_voiceprints(wb.db)] == ["other"]
    wb.db.close()


@pytest.mark.parametrize("module", ["audiolab.pipelines.voices", "audiolab.services.speakers"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
