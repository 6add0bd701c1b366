"""PostgreSQL as the database: URLs, the CLI on a server, clear failures, and the SQL dialect layer.

The edit API's semantics on PostgreSQL are tested by the storage, crash, span and concurrency tests
(parametrized on both engines); this file covers what only a server has.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from audiolab.errors import StorageError
from audiolab.storage.db import Database, resolve_db_path

def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "audiolab", *args], capture_output=True, text=True, timeout=60,
                          env=env, cwd=cwd)
    return proc, time.monotonic() - t0


def _one_clear_line(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


# -- choosing the engine ----------------------------------------------------------------------


def test_a_url_opens_postgres_and_a_path_stays_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiolab.storage.postgres import PostgresDatabase

    monkeypatch.delenv("AUDIOLAB_DB", raising=False)
    url = "postgresql://ann:secret@db.example:5433/team"
    assert resolve_db_path(url) == url  # not a Path: "postgresql://" would lose a slash
    assert isinstance(Database(url), PostgresDatabase) and isinstance(Database("postgres://h/x"), PostgresDatabase)
    assert Database(url).name == "postgresql://ann:***@db.example:5433/team"  # nothing connects yet
    monkeypatch.setenv("AUDIOLAB_DB", url)
    assert resolve_db_path() == url and resolve_db_path(tmp_path / "a.db") == tmp_path / "a.db"
    assert type(Database(tmp_path / "a.db")) is Database
    with pytest.raises(StorageError, match="not a valid PostgreSQL URL") as exc:
        Database("postgresql://ann:secret@[::1/team")
    assert "secret" not in str(exc.value)


def test_an_unknown_scheme_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from audiolab.cli import main

    proc, _ = _cli("ls", "--db", "mysql://ann:secret@db.example/team", cwd=tmp_path)
    line = _one_clear_line(proc, "mysql://ann:***@db.example/team: unsupported database URL scheme 'mysql'",
                           "postgresql://USER[:PASS]@HOST[:PORT]/NAME")
    assert "secret" not in line
    monkeypatch.chdir(tmp_path)
    for url in ("foo://", "sqlite:///tmp/x.db", "MySQL://h/x"):
        with pytest.raises(StorageError, match="unsupported database URL scheme"):
            Database(url)
        monkeypatch.setenv("AUDIOLAB_DB", url)
        assert main(["ls"]) == 1
        assert "unsupported database URL scheme" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no local database (or folder named "mysql:") was made


def test_cli_ingest_ls_show_on_a_server(postgres_url: str, speech_wav: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from audiolab.cli import main

    assert main(["ingest", "--db", postgres_url, str(speech_wav)]) == 0
    rec_id = capsys.readouterr().out.split()[0]
    assert main(["ls", "--db", postgres_url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == [rec_id] and listed[0]["path"].endswith("speech.wav")
    monkeypatch.setenv("AUDIOLAB_DB", postgres_url)  # the environment variable takes a URL too
    assert main(["show", rec_id[:6].upper()]) == 0  # a prefix, in any case
    out = capsys.readouterr().out
    assert rec_id in out and "[transcript / work] transcript: 0 segments" in out
    peaks = list((Path(os.environ["AUDIOLAB_CACHE"]) / "databases").glob("*/peaks/*.peaks"))
    assert [p.stem for p in peaks] == [rec_id]  # derived files go to the cache, per database


# -- failures are one line --------------------------------------------------------------------


def test_an_unreachable_server_is_one_line_exit_1(tmp_path: Path) -> None:
    from tests.conftest import free_port

    url = f"postgresql://ann:secret@127.0.0.1:{free_port()}/audiolab"  # nothing listens there
    proc, took = _cli("ls", "--db", url, cwd=tmp_path)
    line = _one_clear_line(proc, "postgresql://ann:***@127.0.0.1:", "cannot reach the database server",
                           "connection refused")
    assert "secret" not in line and took < 10


def test_a_wrong_password_is_one_line_exit_1(postgres_server, tmp_path: Path) -> None:
    from tests.conftest import PG_PASSWORD, PG_PASSWORD_USER

    name = postgres_server.create_database(owner=PG_PASSWORD_USER).rsplit("/", 1)[1]
    env = dict(os.environ, AUDIOLAB_CACHE=str(tmp_path / "cache"))
    ok, _ = _cli("ls", "--db", postgres_server.url(name, PG_PASSWORD_USER, PG_PASSWORD), env=env)
    assert ok.returncode == 0 and "no recordings" in ok.stdout, ok.stderr  # the right password gets in
    proc, took = _cli("ls", "--db", postgres_server.url(name, PG_PASSWORD_USER, "not-the-password"), env=env)
    line = _one_clear_line(proc, f"postgresql://{PG_PASSWORD_USER}:***@", "wrong user name or password")
    assert "not-the-password" not in line and took < 10
    nopw, _ = _cli("ls", "--db", postgres_server.url(name, PG_PASSWORD_USER), env=env)
    _one_clear_line(nopw, "the server wants a password and the URL has none")


def test_a_server_that_does_not_answer_times_out_in_one_line() -> None:
    with socket.socket() as silent:  # accepts TCP connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        t0 = time.monotonic()
        with pytest.raises(StorageError, match="no answer within 2 s") as exc:
            Database(f"postgresql://ann@127.0.0.1:{port}/x?connect_timeout=2").query("SELECT 1")
        assert time.monotonic() - t0 < 6
    assert "\n" not in str(exc.value)


def test_a_missing_database_is_one_line(postgres_server) -> None:
    with pytest.raises(StorageError, match='database "no_such_db" does not exist'):
        Database(postgres_server.url("no_such_db")).query("SELECT 1")


# -- the dialect layer ------------------------------------------------------------------------


@pytest.fixture
def pg(postgres_url: str):
    from audiolab.storage.migrations import migrate

    db = Database(postgres_url)
    migrate(db)
    yield db
    db.close()


def test_placeholders_literals_and_types_mean_what_they_mean_on_sqlite(pg: Database) -> None:
    row = pg.query_one("SELECT 'a%' AS pct, '?' AS mark, ? AS param, 'x' LIKE 'x%' AS ok", ("50%",))
    assert row == {"pct": "a%", "mark": "?", "param": "50%", "ok": True}
    assert pg.query_one("SELECT 'b%' AS pct") == {"pct": "b%"}  # no parameters: the same translation holds
    pg.execute("CREATE TABLE t (n INTEGER, f REAL, s TEXT)")
    big, third = 1_732_000_000_123_456_789, 1 / 3  # an mtime in ns; a float that float4 would round
    pg.executemany("INSERT INTO t (n, f, s) VALUES (?, ?, ?)", [(big, third, "a"), (2, 0.5, "B"), (3, 0.25, "_")])
    assert pg.query_one("SELECT n, f FROM t WHERE s = ?", ("a",)) == {"n": big, "f": third}
    assert [r["s"] for r in pg.query("SELECT s FROM t ORDER BY s")] == ["B", "_", "a"]  # byte order, as SQLite
    total = pg.query_one("SELECT SUM(n) AS total, COUNT(*) AS k FROM t WHERE n < ?", (10,))
    assert total == {"total": 5, "k": 2} and type(total["total"]) is int
    assert pg.execute("UPDATE t SET s = ? WHERE n < ?", ("z", 10)).rowcount == 2


def test_transactions_nest_and_roll_back_whole(pg: Database) -> None:
    pg.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
    with pytest.raises(RuntimeError), pg.transaction():
        pg.execute("INSERT INTO t (n) VALUES (1)")
        with pg.transaction():  # joins the outer one
            pg.execute("INSERT INTO t (n) VALUES (2)")
        raise RuntimeError("boom")
    assert pg.query("SELECT n FROM t") == []
    with pg.transaction():
        pg.execute("INSERT INTO t (n) VALUES (3)")
    assert pg.query("SELECT n FROM t") == [{"n": 3}]


def test_a_snapshot_sees_one_state_while_others_commit(pg: Database, postgres_url: str) -> None:
    pg.execute("CREATE TABLE t (n INTEGER)")
    other = Database(postgres_url)
    with pg.snapshot():
        before = pg.query_one("SELECT COUNT(*) AS k FROM t")["k"]
        with other.transaction():
            other.execute("INSERT INTO t (n) VALUES (1)")
        assert pg.query_one("SELECT COUNT(*) AS k FROM t")["k"] == before == 0
    assert pg.query_one("SELECT COUNT(*) AS k FROM t")["k"] == 1
    other.close()


def test_servers_starting_together_migrate_once(postgres_url: str) -> None:
    from audiolab.storage.migrations import MIGRATIONS, migrate

    dbs = [Database(postgres_url) for _ in range(4)]
    errors: list[BaseException] = []
    applied: list[list[str]] = []

    def run(db: Database) -> None:
        try:
            applied.append(migrate(db))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    done = [name for names in applied for name in names]  # each migration is its own transaction
    assert sorted(done) == sorted(name for name, _ in MIGRATIONS)  # every one applied once, by someone
    assert dbs[0].query_one("SELECT COUNT(*) AS n FROM schema_migrations")["n"] == len(MIGRATIONS)
    for db in dbs:
        db.close()


def test_the_history_panel_and_prefix_lookup_work_on_a_server(postgres_url: str, speech_wav: Path) -> None:
    from audiolab.core.model import tier_id
    from audiolab.services import Workbench, editing
    from audiolab.storage import history

    wb = Workbench(postgres_url)
    rec = wb.ingest_file(speech_wav).recording
    editing.create_segment(wb, rec.id, tier_id(rec.id, "transcript"), 0, 500, "ann", text="hi")
    [batch] = history.batches(wb.db, rec.id)
    assert (batch.author, batch.action, batch.changes) == ("ann", "do", 1)
    assert wb.recording(rec.id[:5]).id == rec.id == wb.recording(rec.path).id
    wb.db.close()


def test_text_with_nul_is_refused_in_one_line(pg: Database) -> None:
    pg.execute("CREATE TABLE t (s TEXT)")
    with pytest.raises(StorageError, match="NUL character"):
        pg.execute("INSERT INTO t (s) VALUES (?)", ("a\x00b",))


def test_two_databases_never_share_a_cache(postgres_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AUDIOLAB_CACHE", str(tmp_path))
    a, b = Database(postgres_server.url("one")), Database(postgres_server.url("two"))
    assert a.cache_dir != b.cache_dir and a.cache_dir.parent == b.cache_dir.parent == tmp_path / "databases"
    assert Database(postgres_server.url("one", "someone", "pw")).cache_dir == a.cache_dir  # same database


def test_doctests_of_the_connection_layers() -> None:
    import doctest

    from audiolab.storage import db, postgres

    for module in (db, postgres):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module.__name__
