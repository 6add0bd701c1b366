"""Shared fixtures: a fresh database per test, the real recordings in ../shared/data, generated speech.

PostgreSQL: ``postgres_server`` starts one throwaway cluster per session (skipped, saying why, when
the server binaries are absent); ``postgres_url`` gives a test its own new database on it; test
modules that run on both engines override ``db_path`` with ``any_db_path`` (parametrized
``sqlite`` / ``postgres`` through the ``backend`` fixture). Every other test keeps SQLite.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("AUDIOLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs the throwaway PostgreSQL server (server binaries)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the PostgreSQL server ``postgres`` (``-m "not postgres"`` skips them)."""
    for item in items:
        if "postgres_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def wait_until(page, predicate, what: str, timeout_s: float = 20.0, step_ms: int = 100) -> None:  # noqa: ANN001
    """Poll ``predicate`` (checked outside the browser, e.g. in the database) while the page works."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(step_ms)
    try:  # what the page said meanwhile (a refusal, a conflict) makes a failure readable
        said = page.evaluate("[...document.querySelectorAll('.al-toast')].map((t) => t.className + ': ' + t.textContent)")
    except Exception as exc:  # noqa: BLE001 - the page itself may be gone
        said = f"(page unreadable: {exc})"
    raise AssertionError(f"timed out waiting for {what}; the page's messages: {said}")


def shared_file(rel: str) -> Path:
    """A file of ../shared/data, or skip the test saying which file is missing."""
    p = SHARED_DATA / rel
    if not p.exists():
        pytest.skip(f"shared test data not available: {p} (set AUDIOLAB_SHARED_DATA or place ../shared/data)")
    return p


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "manifest.csv").exists():
        pytest.skip(f"shared test data not available at {SHARED_DATA} (set AUDIOLAB_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def manifest(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def db_path(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    if os.environ.get("AUDIOLAB_TEST_DB") == "postgres":  # opt-in: try the whole suite on PostgreSQL
        return request.getfixturevalue("postgres_url")
    return tmp_path / "audiolab.db"


@pytest.fixture
def wb(db_path: Path):
    from audiolab.services import Workbench

    w = Workbench(db_path)
    yield w
    from audiolab.services.realign import QUEUE

    QUEUE.wait_idle(60)  # a re-timing the test's edits scheduled finishes on this database first
    w.db.close()


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few seconds of synthetic English speech (espeak-ng), 16 kHz mono WAV."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (the README's set-up installs it)")
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(out), "-s", "150", "Hello there. This is a test of the workbench."],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium (driven by Playwright) shared by the browser tests."""
    from playwright.sync_api import sync_playwright

    from audiolab.ui.devserver import chromium_path, launch_chromium

    if chromium_path() is None:
        pytest.skip("chromium is not installed (the README's set-up installs Debian's chromium)")
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


# ---------------------------------------------------------------------------------------------
# PostgreSQL: one throwaway cluster per session, a new database per test.

PG_USER = "audiolab"
PG_PASSWORD_USER, PG_PASSWORD = "audiolab_pw", "right-password"  # the one role that must give a password


def _pg_bin() -> Path | None:
    """The folder of initdb/pg_ctl: ``$AUDIOLAB_PG_BIN``, Debian's newest, else ``$PATH``."""
    env = os.environ.get("AUDIOLAB_PG_BIN")
    candidates = [Path(env)] if env else sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                                               key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                                               reverse=True)
    if not env and shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).parent)  # type: ignore[arg-type]
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """A running throwaway cluster on 127.0.0.1 (trust auth, except for ``PG_PASSWORD_USER``)."""

    port: int
    data: Path

    def url(self, dbname: str = "postgres", user: str = PG_USER, password: str | None = None) -> str:
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)

    def create_database(self, owner: str = PG_USER) -> str:
        """A new, empty database (owned by ``owner``, who may then create its tables); its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.admin(f"CREATE DATABASE {name} OWNER {owner}")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server():
    """initdb + pg_ctl start in a temporary folder owned by ``postgres``; stopped at the end."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: the README's set-up installs Debian's "
                    "postgresql; or set AUDIOLAB_PG_BIN")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e .[dev])")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="audiolab-pg-"))  # in /tmp: postgres cannot enter pytest's 0700 folders
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            shutil.chown(root, "postgres", "postgres")
        except (LookupError, OSError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip(f"running as root and cannot hand a folder to the 'postgres' user: {exc}")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)

    init = run(str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "-E", "UTF8",
               "--locale=C", "--no-sync")
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr.strip()}")
    hba = data / "pg_hba.conf"
    hba.write_text("local all all trust\n"
                   f"host all {PG_PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
                   "host all all 127.0.0.1/32 trust\n")
    started = None
    for _ in range(3):  # a port picked free can be taken before the server binds it: try another
        port = free_port()
        opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
                " -c fsync=off -c full_page_writes=off")  # a throwaway cluster: no flushes to wait for
        started = run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "pg.log"), "-w",
                      "-t", "60", "start")
        if started.returncode == 0:
            break
    if started is None or started.returncode != 0:
        log = (root / "pg.log").read_text(errors="replace") if (root / "pg.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed: {started.stderr.strip() if started else ''}\n{log[-2000:]}")
    server = PgServer(port, data)
    try:
        server.admin(f"CREATE ROLE {PG_PASSWORD_USER} LOGIN PASSWORD '{PG_PASSWORD}'")
        yield server
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new database of its own for the test; derived files go to the test's folder."""
    monkeypatch.setenv("AUDIOLAB_CACHE", str(tmp_path / "cache"))
    return postgres_server.create_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def any_db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A fresh database on each engine: a SQLite file, or a ``postgresql://`` URL."""
    if backend == "postgres":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "audiolab.db"
