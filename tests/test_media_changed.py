"""Media replaced, truncated or removed after ingest is detected before pre-labeling and export."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audiolab.errors import MediaError
from audiolab.services import Workbench
from audiolab.services.media_check import verify_media
from audiolab.storage import repository


@pytest.fixture
def ingested(wb: Workbench, speech_wav: Path, tmp_path: Path):
    media = tmp_path / "talk.wav"
    shutil.copy(speech_wav, media)
    return wb.ingest_file(media).recording, media


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audiolab", *args], capture_output=True, text=True, timeout=300)


def test_an_unchanged_or_touched_file_passes(wb, ingested) -> None:
    rec, media = ingested
    assert verify_media(wb, rec) == media
    os.utime(media, ns=(1_000_000_000, 1_000_000_000))  # touched (or copied back): same content
    assert verify_media(wb, rec) == media
    assert repository.media_mtime_ns(wb.db, rec.id) == 1_000_000_000  # the new time is trusted from now on


def test_truncated_replaced_and_missing_files_are_refused(wb, ingested) -> None:
    rec, media = ingested
    data = media.read_bytes()
    media.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="changed since ingest .*truncated"):
        verify_media(wb, rec)
    flipped = bytearray(data)
    flipped[-100] ^= 0xFF  # same size, one byte different
    media.write_bytes(bytes(flipped))
    with pytest.raises(MediaError, match="sha256 differs"):
        verify_media(wb, rec)
    media.unlink()
    with pytest.raises(MediaError, match="missing"):
        verify_media(wb, rec)


def test_prelabel_and_export_of_a_truncated_file_fail_in_one_line_and_write_nothing(ingested, db_path, tmp_path) -> None:
    rec, media = ingested
    Workbench(db_path).db.close()
    data = media.read_bytes()
    media.write_bytes(data[: len(data) // 3])
    proc = _cli("prelabel", rec.id, "--db", str(db_path), "--no-diarization")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{media}: changed since ingest" in proc.stdout + proc.stderr
    out = tmp_path / "out.srt"
    proc = _cli("export", rec.id, "-f", "srt", "-o", str(out), "--db", str(db_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "changed since ingest" in proc.stderr
    assert not out.exists()
    wb = Workbench(db_path)
    assert repository.get_runs(wb.db, rec.id) == []  # no run, no segments, status unchanged
    assert wb.transcript(rec.id).segments == () and wb.recording(rec.id).status.value == "new"


def test_the_editor_refuses_to_open_a_changed_file(wb, ingested) -> None:
    from audiolab.ui import editor_api

    rec, media = ingested
    assert editor_api.editor_state(wb, rec.id, "local")["recording"]["id"] == rec.id
    media.write_bytes(media.read_bytes()[:1000])
    with pytest.raises(MediaError, match="changed since ingest"):
        editor_api.editor_state(wb, rec.id, "local")
