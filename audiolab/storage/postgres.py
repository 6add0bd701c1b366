"""The PostgreSQL connection layer, for a team server: same schema, same SQL, same edit semantics.

:class:`~audiolab.storage.db.Database` hands a ``postgresql://USER[:PASS]@HOST[:PORT]/NAME`` URL to
:class:`PostgresDatabase`; everything above this module is the same for both engines.

How it keeps SQLite's guarantees:

- **Writers are serialized**, as SQLite's ``BEGIN IMMEDIATE`` does: every write transaction starts
  with a transaction-scoped advisory lock (one per database) at ``READ COMMITTED``, so each statement
  after the lock sees every commit before it. The version checks in :mod:`audiolab.storage.edits`
  (read the version, compare, write) are then race-free without retry loops, undo/redo stacks are
  read and extended atomically, and ``edit_batches.seq`` is allocated in commit order (a reader
  polling ``seq > n`` never misses a batch committed late). ``SERIALIZABLE`` was the alternative;
  it refuses harmless concurrent writes with serialization failures that every caller would have to
  retry, which the edit API's "refused means stale" contract cannot express. Readers never wait.
  A writer waits at most ``lock_timeout`` (30 s, SQLite's busy timeout) and then fails as "locked".
- ``snapshot()`` is a ``REPEATABLE READ READ ONLY`` transaction: several reads, one state.
- DDL types are widened to SQLite's meaning: ``INTEGER`` → ``BIGINT`` (millisecond times, sizes and
  nanosecond mtimes pass 2**31), ``REAL`` → ``DOUBLE PRECISION`` (a float4 would change confidences
  and break undo's content comparison), ``TEXT`` → ``TEXT COLLATE "C"`` (byte order, as SQLite sorts,
  whatever the server's locale). ``numeric`` results (``SUM`` of integers) come back as ``int``.
- ``?`` placeholders become ``%s``; a literal ``%`` is doubled, so ``LIKE 'a%'`` stays literal SQL.
- Every operational failure is a :class:`~audiolab.errors.StorageError` of one line that names the
  database with its password masked; constraint violations (``psycopg.IntegrityError``) pass through
  like ``sqlite3.IntegrityError`` does. Connecting gives up after 10 s (``connect_timeout`` in the URL
  overrides it; libpq applies it to each address a host name resolves to).
- Derived files (waveform peaks, playback proxies) cannot live beside a server's database: they go to
  ``$AUDIOLAB_CACHE`` (else the per-user cache folder) ``/databases/<host>_<port>_<name>-<hash>``, one
  folder per database, so two databases never share peaks.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from audiolab.errors import StorageError
from audiolab.storage.db import Database, mask_url

try:
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.pq import TransactionStatus
    from psycopg.rows import dict_row
except ImportError as exc:  # pragma: no cover - psycopg is a dependency; this guards broken installs
    raise StorageError("PostgreSQL needs psycopg: pip install 'psycopg[binary]>=3.2,<4'") from exc

CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT = "30s"
# pg_advisory_xact_lock key of the write lock ("audiolab" in ASCII); advisory locks are per database.
WRITE_LOCK_KEY = 0x617564696F6C6162


# -- SQL translation ---------------------------------------------------------------------------

_DDL = re.compile(r"\s*(CREATE|ALTER)\s+TABLE\b", re.IGNORECASE)
_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/)", re.DOTALL)
_TYPES = ((re.compile(r"\bINTEGER\b"), "BIGINT"), (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
          (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'))


@functools.lru_cache(maxsize=2048)
def translate(statement: str) -> str:
    """Portable SQL (``?`` placeholders, SQLite's column types) to psycopg's dialect.

    Quoted literals, quoted names and comments are left alone, except that every ``%`` is doubled
    (psycopg reads one as the start of a placeholder, even inside a literal).

    >>> translate("SELECT * FROM t WHERE a = ? AND b LIKE 'x%' AND c = 'why?' -- or not?")
    "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%' AND c = 'why?' -- or not?"
    >>> print(translate("CREATE TABLE t (n INTEGER NOT NULL, f REAL, s TEXT DEFAULT 'TEXT')"))
    CREATE TABLE t (n BIGINT NOT NULL, f DOUBLE PRECISION, s TEXT COLLATE "C" DEFAULT 'TEXT')
    """
    ddl = _DDL.match(statement) is not None
    parts = _QUOTED.split(statement)  # odd items: the literals, quoted names and comments
    for i in range(0, len(parts), 2):
        code = parts[i]
        if ddl:
            for pattern, replacement in _TYPES:
                code = pattern.sub(replacement, code)
        parts[i] = code.replace("%", "%%").replace("?", "%s")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("%", "%%")
    return "".join(parts)


class _NumberLoader(Loader):
    """``numeric`` as SQLite returns it: ``int`` when whole (``SUM`` of integers), else ``float``."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode("ascii")
        try:
            return int(text)
        except ValueError:  # a fraction, NaN or Infinity
            return float(text)


# -- errors -------------------------------------------------------------------------------------

# (SQLSTATE or its class prefix, what to tell the person who ran the command)
_STATES = (
    ("28P01", "wrong user name or password"),
    ("28", "the server refused the sign-in ({detail})"),
    ("3D000", "the database does not exist on the server (create it first: createdb NAME)"),
    ("53100", "the server's disk is full; nothing was written"),
    ("53", "the server is out of resources ({detail}); nothing was written"),
    ("25006", "the database is read-only (a standby or a read-only user); nothing was written"),
    ("42501", "permission denied ({detail}); nothing was written"),
    ("55P03", "the database is locked by another process; try again"),
    ("40", "a concurrent change got in the way ({detail}); nothing was written, try again"),
    ("57P01", "the server closed the connection ({detail}); try again"),
    ("57P", "the server is restarting or not ready ({detail}); try again"),
    ("08", "the connection to the database server was lost ({detail}); try again"),
    ("57014", "the server cancelled the statement ({detail})"),
)
# What libpq says when it cannot connect (no SQLSTATE), and what to tell.
_CONNECT_REASONS = (
    ("password authentication failed", "wrong user name or password"),
    ("no password supplied", "the server wants a password and the URL has none"),
    ("connection refused", "cannot reach the database server (connection refused: is it running, and are the "
                           "host and port right?)"),
    ("timeout expired", "cannot reach the database server (no answer within {timeout} s)"),
    ("could not translate host name", "cannot reach the database server (unknown host name)"),
    ("no route to host", "cannot reach the database server (no route to host)"),
    ("network is unreachable", "cannot reach the database server (network is unreachable)"),
    ("no pg_hba.conf entry", "the server does not accept this user from this machine (pg_hba.conf)"),
    ("does not exist", "{detail}"),
    ("server closed the connection", "the connection to the database server was lost; try again"),
    ("connection is lost", "the connection to the database server was lost; try again"),
    ("connection is closed", "the connection to the database server was lost; try again"),
)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    first = re.sub(r"^connection failed: (connection to server at [^:]+ failed: )?", "", first)
    first = re.sub(r"\s+in URI: .*$", "", first)  # libpq quotes the whole URL, password and all
    first = re.sub(r"postgres(ql)?://\S+", lambda m: mask_url(m.group()), first)
    return re.sub(r"^(FATAL|ERROR):\s+", "", first).strip()


def _reason(exc: BaseException, connecting: bool, timeout: object) -> str:
    detail = _one_line(exc)
    state = getattr(exc, "sqlstate", None) or ""
    if state:
        for prefix, reason in _STATES:
            if state.startswith(prefix):
                return reason.format(detail=detail)
    lowered = str(exc).lower()
    if isinstance(exc, psycopg.errors.ConnectionTimeout):
        lowered += " timeout expired"
    if connecting or isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        for key, reason in _CONNECT_REASONS:
            if key in lowered:
                return reason.format(detail=detail, timeout=timeout)
    if "nul (0x00)" in lowered:
        return "text with a NUL character cannot be stored in PostgreSQL; nothing was written"
    if connecting:
        return f"cannot connect to the database server ({detail})"
    return f"database error ({detail})"


# -- the connection layer -----------------------------------------------------------------------


class PostgresDatabase(Database):
    """A handle on one PostgreSQL database, with a connection per thread.

    Args:
        url: ``postgresql://USER[:PASS]@HOST[:PORT]/NAME`` (libpq's URL; query parameters such as
            ``sslmode`` or ``connect_timeout`` pass through).
    """

    dialect = "postgres"
    driver_error = psycopg.Error

    def __init__(self, url: str):
        self.url = str(url)
        self.path = mask_url(self.url)  # what messages name (Database.path is the SQLite file)
        try:
            self._params = conninfo_to_dict(self.url)
        except psycopg.Error as exc:
            raise StorageError(f"{self.path}: not a valid PostgreSQL URL ({_one_line(exc)})") from exc
        self._timeout = self._params.get("connect_timeout") or CONNECT_TIMEOUT_S
        self._local = threading.local()
        self._all: list[psycopg.Connection[Any]] = []
        self._busy: dict[int, threading.Lock] = {}  # none: a psycopg connection serializes its own use
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.path

    # -- connections -----------------------------------------------------------------------
    @property
    def conn(self) -> psycopg.Connection[Any]:
        conn = getattr(self._local, "conn", None)
        busy = getattr(self._local, "depth", 0) or getattr(self._local, "snapshot", False)
        if conn is not None and (conn.closed or conn.broken) and not busy:
            # The server restarted or the network dropped: the next call (never one inside a
            # transaction or snapshot, which must fail whole) connects again.
            self._forget(conn)
            conn = None
        if conn is None:
            with self.errors(connecting=True):
                conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _connect(self) -> psycopg.Connection[Any]:
        extra: dict[str, Any] = {} if "connect_timeout" in self._params else {"connect_timeout": CONNECT_TIMEOUT_S}
        if "application_name" not in self._params:
            extra["application_name"] = "audiolab"
        # No server-side prepared statements: they break behind a transaction-pooling pgbouncer and
        # after a migration changes a table under ``SELECT *``; these small statements plan quickly.
        conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row, prepare_threshold=None, **extra)
        try:
            conn.adapters.register_loader("numeric", _NumberLoader)
            conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        except BaseException:
            conn.close()
            raise
        return conn

    def _forget(self, conn: psycopg.Connection[Any]) -> None:
        with contextlib.suppress(psycopg.Error):
            conn.close()
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        self._local.conn = None

    @property
    def cache_dir(self) -> Path:
        """``$AUDIOLAB_CACHE`` (else the per-user cache) ``/databases/<host>_<port>_<name>-<hash>``."""
        env = os.environ.get("AUDIOLAB_CACHE")
        if env:
            base = Path(env).expanduser()
        else:
            from platformdirs import user_cache_dir

            base = Path(user_cache_dir("audiolab"))
        p = self._params
        host = p.get("host") or p.get("hostaddr") or "localhost"
        port = str(p.get("port") or 5432)
        name = p.get("dbname") or p.get("user") or os.environ.get("PGDATABASE") or "postgres"
        key = hashlib.sha256("\0".join((str(host), port, str(name))).encode()).hexdigest()[:10]
        label = re.sub(r"[^A-Za-z0-9.-]+", "-", f"{host}_{port}_{name}")[:80]
        return base / "databases" / f"{label}-{key}"

    @contextlib.contextmanager
    def errors(self, connecting: bool = False) -> Iterator[None]:
        """Turn psycopg's failures into one :class:`StorageError` line naming the database."""
        try:
            yield
        except psycopg.IntegrityError:
            raise
        except psycopg.Error as exc:
            raise StorageError(f"{self.path}: {_reason(exc, connecting, self._timeout)}") from exc

    # -- SQL -------------------------------------------------------------------------------
    def sql(self, statement: str) -> str:
        return translate(super().sql(statement))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        conn = self.conn
        with self.errors():
            return conn.execute(self.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        conn = self.conn
        with self.errors(), conn.cursor() as cur:
            cur.executemany(self.sql(statement), [tuple(r) for r in rows])

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.execute(statement, params)
        with self.errors():
            return cur.fetchall()

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        cur = self.execute(statement, params)
        with self.errors():
            return cur.fetchone()

    def table_exists(self, table: str) -> bool:
        return self.query_one("SELECT 1 AS found FROM information_schema.tables"
                              " WHERE table_schema = current_schema() AND table_name = ?", (table,)) is not None

    def _in_transaction(self, conn: psycopg.Connection[Any]) -> bool:
        return conn.info.transaction_status != TransactionStatus.IDLE

    def _rollback(self, conn: psycopg.Connection[Any]) -> None:
        if not conn.closed and self._in_transaction(conn):
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """One write transaction; nested use joins the outer one.

        It starts by taking the database's write lock (see the module docstring), so writers run
        one at a time, as on SQLite; the commit is durable on the server before this returns.
        """
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield self
            finally:
                self._local.depth = depth
            return
        if getattr(self._local, "snapshot", False):
            raise StorageError(f"{self.path}: cannot write inside a read snapshot")
        conn = self.conn
        try:
            with self.errors():
                conn.execute(f"BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        except StorageError:
            self._rollback(conn)
            raise
        self._local.depth = 1
        try:
            yield self
        except BaseException:
            self._local.depth = 0
            self._rollback(conn)
            raise
        else:
            self._local.depth = 0
            try:
                with self.errors():
                    conn.execute("COMMIT")
            except StorageError:
                self._rollback(conn)
                raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Database]:
        """Several reads that see one consistent state (joins a transaction in progress)."""
        conn = self.conn
        if self._in_transaction(conn):
            yield self
            return
        with self.errors():
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._local.snapshot = True
        try:
            yield self
        finally:
            self._local.snapshot = False
            self._rollback(conn)  # read only: nothing to commit

    def integrity_ok(self) -> bool:
        """The server answers and every constraint of the schema is validated.

        PostgreSQL enforces foreign keys and checks as it writes (SQLite needs a scan for that);
        a constraint added ``NOT VALID`` and never validated is the one way rows can break them.
        """
        row = self.query_one(
            "SELECT COUNT(*) AS n FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace"
            " WHERE s.nspname = current_schema() AND NOT c.convalidated")
        return row is not None and row["n"] == 0
