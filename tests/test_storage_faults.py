"""Database faults give one clear line naming the database, never a traceback, and write nothing.

The file faults (corrupt, a folder, read-only, full disk) are SQLite's; a PostgreSQL server has its
own (a read-only database, a writer blocked too long, a dropped connection), tested at the end.
The unreachable server and the wrong password are in ``test_postgres.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audiolab.core.model import tier_id
from audiolab.errors import StorageError
from audiolab.services import Workbench, editing
from audiolab.storage import history
from audiolab.storage.db import Database


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


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def pg(postgres_url: str):
    from audiolab.storage.migrations import migrate

    db = Database(postgres_url)
    migrate(db)
    yield db
    db.close()


def test_a_read_only_server_database_is_listed_and_refuses_writes_in_one_line(postgres_server, postgres_url: str,
                                                                              tmp_path: Path, speech_wav: Path) -> None:
    assert _cli("ingest", "--db", postgres_url, str(speech_wav)).returncode == 0
    postgres_server.admin(f"ALTER DATABASE {postgres_url.rsplit('/', 1)[1]} SET default_transaction_read_only = on")
    listed = _cli("ls", "--db", postgres_url)
    assert listed.returncode == 0 and "speech.wav" in listed.stdout, listed.stderr
    other = tmp_path / "other.wav"
    subprocess.run(["sox", str(speech_wav), str(other), "pad", "0", "0.5"], check=True)
    proc = _cli("ingest", "--db", postgres_url, str(other))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{postgres_url}: the database is read-only" in proc.stdout + proc.stderr
    peaks = list(Database(postgres_url).cache_dir.glob("peaks/*.peaks"))
    assert len(peaks) == 1  # none left for the refused file


def test_a_blocked_writer_gives_up_in_one_line(pg: Database, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiolab.storage import postgres

    monkeypatch.setattr(postgres, "LOCK_TIMEOUT", "300ms")
    waiting = Database(postgres_url)
    with pg.transaction():  # holds the write lock
        t0 = time.monotonic()
        with pytest.raises(StorageError, match="locked by another process; try again"), waiting.transaction():
            waiting.execute("CREATE TABLE never (n INTEGER)")
        assert time.monotonic() - t0 < 5
    assert not waiting.table_exists("never")
    with waiting.transaction():  # the same handle works once the lock is free
        waiting.execute("CREATE TABLE later (n INTEGER)")
    waiting.close()


def test_a_dropped_connection_is_one_line_and_the_next_call_reconnects(pg: Database, postgres_server) -> None:
    pid = pg.query_one("SELECT pg_backend_pid() AS pid")["pid"]
    postgres_server.admin(f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(StorageError) as exc:
        pg.query("SELECT 1 AS one")
    assert pg.name in str(exc.value) and "\n" not in str(exc.value)
    assert pg.query("SELECT 1 AS one") == [{"one": 1}]
    # Dropped in the middle of a write transaction: one line, and nothing of it was written.
    pg.execute("CREATE TABLE t (n INTEGER)")
    with pytest.raises(StorageError, match="server closed the connection"), pg.transaction():
        pg.execute("INSERT INTO t (n) VALUES (1)")
        postgres_server.admin(f"SELECT pg_terminate_backend({pg.query_one('SELECT pg_backend_pid() AS p')['p']})")
        pg.execute("INSERT INTO t (n) VALUES (2)")
    assert pg.query("SELECT n FROM t") == []
    assert pg.integrity_ok()


_CLOSE_UNDER_QUERIES = r"""
import sys, threading
from audiolab.errors import StorageError
from audiolab.storage.db import Database

db = Database(sys.argv[1])
db.query("SELECT 1")
done, errors = [], []

def reader():
    for _ in range(20):
        try:  # a statement that runs for a while: a closing thread must wait for it, not pull it away
            db.query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) "
                     "SELECT count(*) AS c FROM n")
            done.append(1)
        except StorageError as exc:
            errors.append(str(exc))

threads = [threading.Thread(target=reader) for _ in range(3)]
for t in threads:
    t.start()
for _ in range(40):
    db.close()  # as a server's shutdown does while background work still reads
for t in threads:
    t.join()
print("ok", len(done), len(errors))
"""


def test_closing_while_other_threads_run_statements_never_crashes(tmp_path: Path) -> None:
    """close() waits for each connection's running statement (closing under one crashed the process)."""
    db = tmp_path / "a.db"
    Database(db).close()
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", _CLOSE_UNDER_QUERIES, str(db)], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0 and proc.stdout.startswith("ok"), (proc.returncode, proc.stdout, proc.stderr[-2000:])
