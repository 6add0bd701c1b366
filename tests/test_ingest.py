"""Media ingest: every real file in ../shared/data, dedupe, hostile input, peaks, the CLI contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audiolab.cli import main
from audiolab.media import peaks
from audiolab.media.probe import decode

AUDIOLAB = [sys.executable, "-m", "audiolab"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AUDIOLAB, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def ingested_shared(tmp_path_factory):
    from tests.conftest import SHARED_DATA

    if not (SHARED_DATA / "manifest.csv").exists():
        pytest.skip(f"shared test data not available at {SHARED_DATA}")
    db = tmp_path_factory.mktemp("shared") / "a.db"
    first = run_cli("ingest", str(SHARED_DATA), "--db", str(db))
    return db, first


def test_every_manifest_file_ingests_with_correct_metadata(ingested_shared, manifest) -> None:
    db, first = ingested_shared
    assert first.returncode == 0, first.stdout + first.stderr
    listing = json.loads(run_cli("ls", "--db", str(db), "--json").stdout)
    by_path = {Path(r["path"]).resolve(): r for r in listing}
    from tests.conftest import SHARED_DATA

    for row in manifest:
        rec = by_path[(SHARED_DATA / row["file"]).resolve()]
        assert abs(rec["duration_ms"] - float(row["duration_s"]) * 1000) <= 50, row["file"]
        assert rec["sample_rate"] == int(row["sample_rate"]), row["file"]
        assert rec["channels"] == int(row["channels"]), row["file"]
        assert set(rec) >= {"id", "path", "duration_ms", "sample_rate", "channels", "fps", "status"}
        if row["file"].startswith("video/grid"):
            assert rec["fps"] == "25/1"
        elif row["file"].startswith("video/big_buck_bunny"):
            assert rec["fps"] == "24/1"
            assert rec["video_start_offset_ms"] == 3  # video starts 3 ms after the audio
        else:
            assert rec["fps"] == ""


def test_ingesting_the_same_folder_twice_adds_nothing(ingested_shared, manifest) -> None:
    db, _ = ingested_shared
    from tests.conftest import SHARED_DATA

    again = run_cli("ingest", str(SHARED_DATA), "--db", str(db))
    assert again.returncode == 0
    assert again.stdout.count("already ingested") == len(manifest)
    assert len(json.loads(run_cli("ls", "--db", str(db), "--json").stdout)) == len(manifest)


def _hostile_folder(root: Path, good: Path) -> Path:
    folder = root / "batch"
    folder.mkdir()
    (folder / "good.wav").write_bytes(good.read_bytes())
    (folder / "empty.wav").write_bytes(b"")
    (folder / "random.wav").write_bytes(np.random.default_rng(0).bytes(40_000))
    mp3 = Path(__file__).resolve().parent.parent.parent / "shared/data/asr_en/librivox_sonnet001.mp3"
    if not mp3.exists():
        pytest.skip(f"shared test data not available: {mp3}")
    data = mp3.read_bytes()
    (folder / "truncated.mp3").write_bytes(data[: len(data) // 2])
    return folder


def test_hostile_files_are_reported_and_the_good_ones_ingested(tmp_path, speech_wav) -> None:
    folder = _hostile_folder(tmp_path, speech_wav)
    db = tmp_path / "h.db"
    res = run_cli("ingest", str(folder), "--db", str(db))
    assert res.returncode == 1
    lines = res.stdout.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error")]
    assert len(errors) == 3, res.stdout
    assert any("empty.wav" in e and "empty" in e for e in errors)
    assert any("random.wav" in e and "invalid data" in e for e in errors)
    assert any("truncated.mp3" in e and "truncated" in e for e in errors)
    assert "Traceback" not in res.stderr
    listing = json.loads(run_cli("ls", "--db", str(db), "--json").stdout)
    assert [Path(r["path"]).name for r in listing] == ["good.wav"]


def test_failures_leave_the_database_exactly_as_it_was(wb, tmp_path, speech_wav) -> None:
    wb.ingest_file(speech_wav)

    def dump() -> list[str]:
        return list(wb.db.conn.iterdump())

    before = dump()
    batch = tmp_path / "batch"
    bad_dir = batch / "named_like.wav"
    bad_dir.mkdir(parents=True)
    unreadable = batch / "locked.wav"
    unreadable.write_bytes(speech_wav.read_bytes()[:-10] + b"xxxxxxxxxx")
    unreadable.chmod(0)
    text = batch / "notes.wav"
    text.write_text("this is not audio\n" * 100)
    if os.geteuid() == 0:  # root reads anything: nothing to test there
        unreadable.unlink()
    results = wb.ingest([batch, tmp_path / "missing.flac"])
    assert all(not r.ok for r in results)
    reasons = {Path(r.path).name: r.error for r in results}
    assert "is a directory" in reasons["named_like.wav"]
    assert "invalid data" in reasons["notes.wav"]
    assert reasons["missing.flac"] == "no such file"
    if os.geteuid() != 0:
        assert "permission denied" in reasons["locked.wav"]
    assert dump() == before
    assert len(list((wb.db.cache_dir / "peaks").iterdir())) == 1


def test_a_directory_named_like_a_media_file_is_reported(tmp_path) -> None:
    d = tmp_path / "take1.wav"
    d.mkdir()
    (tmp_path / "sub").mkdir()
    res = run_cli("ingest", str(d / ".."), "--db", str(tmp_path / "x.db"))
    assert res.returncode == 1 and "take1.wav: is a directory" in res.stdout


def test_peaks_are_written_multi_resolution_and_match_the_signal(wb, speech_wav) -> None:
    rec = wb.ingest_file(speech_wav).recording
    levels = peaks.read_peaks(wb.peaks_path(rec.id))
    assert [lv.samples_per_bin for lv in levels] == [160, 640, 2560, 10240, 40960]
    signal, n, _ = decode(speech_wav)
    assert levels[0].data.shape[0] == -(-n // 160)
    # The finest level's max equals the quantized max of the signal in each 10 ms bin.
    full = signal[: (n // 160) * 160].reshape(-1, 160)
    expected = np.clip(np.round(full.max(axis=1) * 127), -127, 127).astype(np.int8)
    assert np.array_equal(levels[0].data[: full.shape[0], 1], expected)
    # Coarser levels are exact reductions of the finer ones.
    assert levels[1].data[0, 1] == levels[0].data[:4, 1].max()
    assert levels[1].data[0, 0] == levels[0].data[:4, 0].min()


def test_cli_usage_version_and_help(tmp_path, capsys) -> None:
    assert run_cli("--version").stdout.startswith("audiolab ")
    for cmd in ("ingest", "ls", "show", "undo", "redo"):
        res = run_cli(cmd, "--help")
        assert res.returncode == 0 and "usage:" in res.stdout
    bad = run_cli("ingest")
    assert bad.returncode == 2
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2


def test_show_unknown_recording_is_one_clear_line(tmp_path) -> None:
    res = run_cli("show", "nope", "--db", str(tmp_path / "x.db"))
    assert res.returncode == 1
    assert res.stderr.strip() == "audiolab: error: no recording 'nope' (see `audiolab ls`)"


def test_db_path_from_environment(tmp_path, speech_wav) -> None:
    env = dict(os.environ, AUDIOLAB_DB=str(tmp_path / "env.db"))
    res = subprocess.run([*AUDIOLAB, "ingest", str(speech_wav)], env=env, capture_output=True, text=True)
    assert res.returncode == 0 and (tmp_path / "env.db").exists()


def _wav_with_format_tag(path: Path, tag: int) -> Path:
    import struct

    data = np.zeros(16000, dtype="<i2").tobytes()
    fmt = struct.pack("<HHIIHH", tag, 1, 16000, 32000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def test_unsupported_codec_and_video_without_audio_are_clear_errors(wb, tmp_path) -> None:
    import shutil

    bad_codec = _wav_with_format_tag(tmp_path / "odd_codec.wav", 0x7777)
    results = {Path(r.path).name: r.error for r in wb.ingest([bad_codec])}
    assert results["odd_codec.wav"] == "unsupported audio codec (FFmpeg has no decoder for it)"
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (the README's set-up installs it)")
    silent_video = tmp_path / "silent.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1",
                    "-c:v", "libx264", str(silent_video)], check=True)
    err = wb.ingest([silent_video])[0].error
    assert err == "no audio stream (streams: video)"
    assert wb.recordings() == []


def test_huge_files_are_refused_before_reading(wb, speech_wav) -> None:
    res = wb.ingest([speech_wav], max_bytes=1000)
    assert "over the" in res[0].error and "limit" in res[0].error
