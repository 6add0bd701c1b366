"""Database faults give one clear line naming the file, never a traceback, and write nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from audiolab.core.model import tier_id
from audiolab.errors import StorageError
from audiolab.services import Workbench, editing
from audiolab.storage import history


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audiolab", *args], capture_output=True, text=True, timeout=120)


def _one_clear_line(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def test_a_corrupt_database_file_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"this is not sqlite\n" * 300)
    before = db.read_bytes()
    _one_clear_line(_cli("ls", "--db", str(db)), str(db), "not a database file, or corrupt")
    assert db.read_bytes() == before


def test_a_database_that_is_no_file_is_one_line(tmp_path: Path) -> None:
    _one_clear_line(_cli("ls", "--db", str(tmp_path)), str(tmp_path), "is a directory")


@pytest.fixture
def immutable(tmp_path: Path):
    """Make paths unwritable even for root (ext4's immutable flag); skip where that is not possible."""
    made: list[Path] = []
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")

    def make(p: Path) -> None:
        r = subprocess.run(["chattr", "+i", str(p)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot make {p} immutable here: {r.stderr.strip()}")
        made.append(p)

    yield make
    for p in reversed(made):
        subprocess.run(["chattr", "-i", str(p)], check=False)


def test_a_read_only_database_is_listed_and_refuses_writes_in_one_line(tmp_path: Path, speech_wav: Path,
                                                                       immutable) -> None:
    db = tmp_path / "team.db"
    assert _cli("ingest", "--db", str(db), str(speech_wav)).returncode == 0
    Workbench(db).db.close()  # checkpointed and closed: the file holds everything
    immutable(db)
    listed = _cli("ls", "--db", str(db))
    assert listed.returncode == 0 and "speech.wav" in listed.stdout, listed.stderr
    other = tmp_path / "other.wav"
    subprocess.run(["sox", str(speech_wav), str(other), "pad", "0", "0.5"], check=True)
    proc = _cli("ingest", "--db", str(db), str(other))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{db}: the database is read-only" in proc.stdout + proc.stderr
    assert len(list((tmp_path / "team.cache" / "peaks").glob("*.peaks"))) == 1  # none left for the refused file


def test_a_full_disk_refuses_the_edit_whole(wb, speech_wav: Path) -> None:
    rec = wb.ingest_file(speech_wav).recording
    seq = history.latest_seq(wb.db, rec.id)
    pages = wb.db.query_one("PRAGMA page_count")["page_count"]
    wb.db.execute(f"PRAGMA max_page_count = {pages + 1}")  # the file may not grow: as on a full disk
    with pytest.raises(StorageError, match="disk is full"):
        editing.create_segment(wb, rec.id, tier_id(rec.id, "transcript"), 0, 500, "ann", text="w" * 200_000)
    wb.db.execute("PRAGMA max_page_count = 1073741823")
    assert history.latest_seq(wb.db, rec.id) == seq
    assert wb.transcript(rec.id).segments == ()
