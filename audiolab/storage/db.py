"""The connection layer: the only place that knows which SQL engine is underneath.

SQLite is the default (one file, WAL, foreign keys on, ``synchronous=FULL`` so that an edit
acknowledged to the user survives a crash or a power cut). A ``postgresql://`` URL instead of a
file opens :class:`~audiolab.storage.postgres.PostgresDatabase` (a team server), chosen here by
:class:`Database` itself so that callers only ever write ``Database(target)``; any other
``scheme://`` is refused. All SQL elsewhere is written with ``?`` placeholders and portable
constructs (``ON CONFLICT``, no ``AUTOINCREMENT``, no ``INSERT OR REPLACE``); the connection layer
translates placeholders and the few DDL tokens that differ.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from audiolab.errors import AudiolabError, StorageError

DB_ENV = "AUDIOLAB_DB"

# DDL tokens that differ between engines; migrations use the placeholders on the left.
_DDL_TOKENS = {
    "sqlite": {"{autoinc_pk}": "INTEGER PRIMARY KEY", "{blob}": "BLOB"},
    "postgres": {"{autoinc_pk}": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "{blob}": "BYTEA"},
}


def default_db_path() -> Path:
    """The per-user database file used when neither ``--db`` nor ``AUDIOLAB_DB`` is given."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("audiolab", appauthor=False)) / "audiolab.db"


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")
URL_SCHEMES = ("postgresql", "postgres")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (fit for messages and logs).

    >>> mask_url("postgresql://ann:s3cret@db.example:5433/audiolab?password=x&sslmode=require")
    'postgresql://ann:***@db.example:5433/audiolab?password=***&sslmode=require'
    """
    url = re.sub(r"^([^:/]+://[^:/@]*):[^@]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


def db_url_scheme(target: object) -> str | None:
    """The scheme of a database URL (``postgresql``), or None for a file path.

    Raises:
        StorageError: a URL whose scheme is not a supported engine (``mysql://``, ``foo://``).
    """
    if not isinstance(target, str):
        return None
    m = _URL.match(target.strip())
    if m is None:
        return None
    scheme = m.group(1).lower()
    if scheme not in URL_SCHEMES:
        raise StorageError(f"{mask_url(target.strip())}: unsupported database URL scheme '{scheme}' (give a SQLite "
                           "file path, or postgresql://USER[:PASS]@HOST[:PORT]/NAME)")
    return scheme


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path | str:
    """``--db`` if given, else ``$AUDIOLAB_DB``, else the per-user default.

    A file path comes back as a :class:`Path`, a ``postgresql://`` URL as the string itself.
    """
    for value in (explicit, os.environ.get(DB_ENV)):
        if value:
            if db_url_scheme(value) is not None:
                return str(value).strip()
            return Path(value).expanduser()
    return default_db_path()


# What SQLite says, and what to tell the person who ran the command.
_REASONS = (
    ("file is not a database", "not a database file, or corrupt"),
    ("malformed", "the database is corrupt (database disk image is malformed)"),
    ("readonly", "the database is read-only (check the permissions of the file and its folder)"),
    ("unable to open", "cannot open the database (check that its folder exists and is writable)"),
    ("disk is full", "the disk is full; nothing was written"),
    ("disk i/o error", "disk I/O error; nothing was written"),
    ("locked", "the database is locked by another process; try again"),
)


@contextlib.contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's operational failures into one :class:`StorageError` line naming the file.

    Constraint violations (``sqlite3.IntegrityError``) pass through: the layers above validate
    before they write, so one reaching here is a bug and keeps its traceback.
    """
    try:
        yield
    except sqlite3.IntegrityError:
        raise
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        reason = next((r for key, r in _REASONS if key in text.lower()), f"database error ({text})")
        raise StorageError(f"{path}: {reason}") from exc


def utcnow() -> str:
    """An ISO-8601 UTC timestamp with microseconds (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Database:
    """A handle on one database, with a connection per thread.

    Opening does not change the schema: :func:`audiolab.storage.migrations.migrate` does (the
    :class:`~audiolab.services.Workbench` runs it), so this layer depends on nothing above it.

    Args:
        path: the SQLite file (created with its folder if missing), or a ``postgresql://`` URL,
            which makes the instance a :class:`~audiolab.storage.postgres.PostgresDatabase`.
    """

    dialect = "sqlite"

    def __new__(cls, path: str | os.PathLike[str], *args: Any, **kwargs: Any) -> Database:
        if cls is Database and db_url_scheme(path) is not None:
            from audiolab.storage.postgres import PostgresDatabase

            return super().__new__(PostgresDatabase)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AudiolabError(f"{self.path}: cannot create the database folder ({exc.strerror})") from exc
        if self.path.is_dir():
            raise AudiolabError(f"{self.path}: is a directory, not a database file")
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # a lock per connection, held while a statement runs or its rows are read: close() takes it
        # before closing, so a connection is never closed under another thread's statement
        self._busy: dict[int, threading.Lock] = {}

    # -- connections -----------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn_and_lock()[0]

    def _conn_and_lock(self) -> tuple[sqlite3.Connection, threading.Lock]:
        """This thread's connection (opened on first use) and the lock held while it is in use."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None:
            with storage_errors(self.path):
                conn = self._connect()
            local.conn, local.lock = conn, threading.Lock()
            with self._lock:
                self._all.append(conn)
                self._busy[id(conn)] = local.lock
        return conn, local.lock

    @contextlib.contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        conn, lock = self._conn_and_lock()
        with lock:
            yield conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA schema_version").fetchone()  # reads the header: a corrupt file fails here
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":  # e.g. a file system without shared memory
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()
            raise
        return conn

    driver_error: type[Exception] = sqlite3.Error  # what the engine's driver raises

    def close(self) -> None:
        """Close every thread's connection, each once no statement of it is running.

        A thread using the database afterwards opens a new connection; one inside a transaction
        meanwhile gets a StorageError at its next statement.
        """
        with self._lock:
            conns, busy = list(self._all), dict(self._busy)
            self._all.clear()
            self._busy.clear()
        self._local = threading.local()
        for c in conns:
            with busy.get(id(c)) or contextlib.nullcontext(), contextlib.suppress(self.driver_error):
                c.close()

    @property
    def name(self) -> str:
        """The database as messages name it (the file; a server URL with its password masked)."""
        return str(self.path)

    @property
    def cache_dir(self) -> Path:
        """Folder beside the database for derived files (waveform peaks, playback proxies)."""
        return self.path.with_name(self.path.stem + ".cache")

    def table_exists(self, table: str) -> bool:
        return self.query_one("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) is not None

    # -- SQL -------------------------------------------------------------------------------
    def sql(self, statement: str) -> str:
        """Translate portable SQL to this engine (placeholders and DDL tokens)."""
        for token, value in _DDL_TOKENS[self.dialect].items():
            statement = statement.replace(token, value)
        return statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._using() as conn, storage_errors(self.path):
            return conn.execute(self.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._using() as conn, storage_errors(self.path):
            conn.executemany(self.sql(statement), rows)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._using() as conn, storage_errors(self.path):
            return [dict(r) for r in conn.execute(self.sql(statement), tuple(params)).fetchall()]

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        with self._using() as conn, storage_errors(self.path):
            row = conn.execute(self.sql(statement), tuple(params)).fetchone()
        return dict(row) if row is not None else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested use joins the outer one.

        SQLite takes the write lock at ``BEGIN IMMEDIATE`` so two writers never deadlock on an
        upgrade; the commit is durable (``synchronous=FULL``) before this returns.
        """
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield self
            finally:
                self._local.depth = depth
            return
        conn, lock = self._conn_and_lock()
        with lock, storage_errors(self.path):
            conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield self
        except BaseException:
            self._local.depth = 0
            with lock, contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            raise
        else:
            self._local.depth = 0
            try:
                with lock, storage_errors(self.path):
                    conn.execute("COMMIT")
            except StorageError:
                with lock, contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Database]:
        """Several reads that see one consistent state (joins a write transaction in progress)."""
        conn, lock = self._conn_and_lock()
        if conn.in_transaction:
            yield self
            return
        with lock, storage_errors(self.path):
            conn.execute("BEGIN")  # a deferred read transaction: one snapshot under WAL
        try:
            yield self
        finally:
            with lock, contextlib.suppress(sqlite3.Error):
                conn.execute("COMMIT")

    def integrity_ok(self) -> bool:
        row = self.query_one("PRAGMA integrity_check")
        fk = self.query("PRAGMA foreign_key_check")
        return next(iter(row.values())) == "ok" and not fk
