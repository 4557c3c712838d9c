"""Engine and session setup; SQLite is tuned for a bot, PostgreSQL uses the same code.

Two kinds of unit of work (`transaction` writes, `read` only reads):

- SQLite has one writer. A write transaction first takes the process's writer lock (FIFO:
  waiting writers go in the order they came, handed the lock one by one), then `BEGIN
  IMMEDIATE`, so in one process no thread ever busy-sleeps on SQLite's lock (its busy handler
  sleeps in growing steps of up to 100 ms, which was the whole ack tail). A read transaction
  takes neither: `BEGIN` (deferred) reads a WAL snapshot while a writer works, and
  `PRAGMA query_only` makes any write in it fail loudly instead of taking the lock late.
- PostgreSQL: write transactions are ordinary; read ones are `READ ONLY`.

Timeouts (so a database that hangs fails fast with a clear error instead of holding every
request): PostgreSQL connects within `CONNECT_TIMEOUT`, statements stop after
`STATEMENT_TIMEOUT` and row-lock waits after `LOCK_TIMEOUT` (server side), a pooled connection
is waited for at most `POOL_TIMEOUT`; SQLite waits at most `LOCK_TIMEOUT` for the write lock
(the FIFO lock, then the file's busy timeout for other processes).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

CONNECT_TIMEOUT = 2  # seconds; libpq's minimum
STATEMENT_TIMEOUT = 15.0  # seconds, PostgreSQL, server side
LOCK_TIMEOUT = 5.0  # seconds: row locks on PostgreSQL, the write lock on SQLite
POOL_TIMEOUT = 5.0  # seconds waiting for a free pooled connection


def _normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


class WriterLock:
    """A FIFO lock for SQLite's single writer, re-entrant for the thread holding it.

    `acquire` queues the caller behind earlier waiters; `release` hands the lock to the
    oldest waiter directly, so a thread arriving later can never overtake it. A re-entrant
    acquire (a write transaction opened inside another on the same thread) is let through:
    SQLite then refuses the second `BEGIN IMMEDIATE` itself, as it always did.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Event]] = deque()

    def acquire(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the lock, in arrival order; False on timeout."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner is None and not self._waiters:
                self._owner, self._depth = me, 1
                return True
            if self._owner == me:
                self._depth += 1
                return True
            turn = threading.Event()
            self._waiters.append((me, turn))
        if turn.wait(timeout):
            return True
        with self._mutex:
            if self._owner == me:  # handed over just as the wait ran out
                return True
            self._waiters.remove((me, turn))
            return False

    def release(self) -> None:
        """Give the lock up; the oldest waiter (if any) owns it from now on."""
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                owner, turn = self._waiters.popleft()
                self._owner, self._depth = owner, 1
                turn.set()
            else:
                self._owner = None


# One writer lock per SQLite file in this process (two engines on one file share it).
_FILE_LOCKS: dict[str, WriterLock] = {}
_ENGINE_LOCKS: WeakKeyDictionary[Engine, WriterLock] = WeakKeyDictionary()
_READERS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_CONNECT_ARGS: WeakKeyDictionary[Engine, dict[str, Any]] = WeakKeyDictionary()
_REGISTRY = threading.Lock()


def writer_lock(engine: Engine) -> WriterLock | None:
    """The FIFO writer lock of a SQLite engine's file (None on PostgreSQL or in memory)."""
    return _ENGINE_LOCKS.get(engine)


def connect_args_of(engine: Engine) -> dict[str, Any]:
    """The driver arguments (timeouts) a PostgreSQL engine was made with."""
    return dict(_CONNECT_ARGS.get(engine, {}))


def make_engine(url: str, *, timeouts: bool = True) -> Engine:
    """Create an engine; SQLite gets WAL, synchronous=NORMAL, foreign keys and a busy timeout.

    `timeouts=False` (migrations) leaves PostgreSQL's statement and lock timeouts off: an
    index build on a large table may rightly take minutes.
    """
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": LOCK_TIMEOUT, "check_same_thread": False}
        )
        _tune_sqlite(engine)
        path = engine.url.database or ""
        if path and path != ":memory:" and not path.startswith("file::memory:"):
            with _REGISTRY:
                _ENGINE_LOCKS[engine] = _FILE_LOCKS.setdefault(path, WriterLock())
        return engine
    options = ""
    if timeouts:
        options = (
            f"-c statement_timeout={int(STATEMENT_TIMEOUT * 1000)} "
            f"-c lock_timeout={int(LOCK_TIMEOUT * 1000)}"
        )
    connect_args: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT,
        # A peer that vanished (no FIN, no RST) is noticed in seconds, not hours.
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
    }
    if options:
        # Options in the URL (a search_path) are kept: connect_args would replace them.
        given = make_url(url).query.get("options")
        given = given if isinstance(given, str) else " ".join(given or ())
        connect_args["options"] = f"{given} {options}".strip()
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=POOL_TIMEOUT,
        connect_args=connect_args,
    )
    with _REGISTRY:
        _CONNECT_ARGS[engine] = connect_args
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself so transactions mean what they say.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight to the driver: this runs on every transaction.
        driver = conn.connection.driver_connection
        if conn.get_execution_options().get("teamloop_read"):
            # A snapshot read: no lock; a write attempted in it fails at once.
            driver.execute("BEGIN")
            driver.execute("PRAGMA query_only=1")
        else:
            # IMMEDIATE takes the write lock up front, so two writers queue instead of
            # deadlocking (in this process they already queue on the FIFO writer lock).
            begin_immediate(driver, getattr(_BUDGET, "left", None))

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Any) -> None:
        if conn.get_execution_options().get("teamloop_read"):
            conn.connection.driver_connection.execute("PRAGMA query_only=0")


def reader(engine: Engine) -> Engine:
    """The engine for read transactions: same pool, no write lock (SQLite), READ ONLY (PG)."""
    found = _READERS.get(engine)
    if found is None:
        options: dict[str, Any] = {"teamloop_read": True}
        if engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        found = engine.execution_options(**options)
        with _REGISTRY:
            _READERS[engine] = found
    return found


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions keep loaded objects usable after commit (views render them afterwards)."""
    return sessionmaker(engine, expire_on_commit=False)


def unavailable(error: BaseException) -> bool:
    """Whether an error means the database could not be used right now (refused or dropped
    connection, a timeout, the write lock not coming): retrying later may succeed."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout, sqlite3.OperationalError)):
        return True
    # The driver's own errors reach here unwrapped from connection events (SQLite's BEGIN).
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(error, psycopg.OperationalError)


class WriteLockTimeout(OperationalError):
    """The write lock did not come within `LOCK_TIMEOUT` (another writer held it)."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            f"waited {waited:.0f} s for the database's write lock", None, Exception("locked")
        )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One write unit of work: commit on success, roll back on any error.

    On SQLite the FIFO writer lock is taken first and held until the commit or rollback is
    done; waiting for it and then for the file's lock (another process) takes at most
    `LOCK_TIMEOUT` seconds together (raises `WriteLockTimeout` or OperationalError).
    """
    lock = _ENGINE_LOCKS.get(factory.kw["bind"])
    if lock is None:
        with factory() as session, session.begin():
            yield session
        return
    left = take(lock)
    _BUDGET.left = left
    try:
        with factory() as session, session.begin():
            yield session
    finally:
        _BUDGET.left = None
        lock.release()


# The time a write transaction has left for the file's lock, once it holds the FIFO lock.
_BUDGET = threading.local()
BUSY_STEP = 0.25  # seconds: the busy timeout's granularity once the FIFO lock was waited for


def take(lock: WriterLock) -> float:
    """Acquire the FIFO writer lock; the seconds left of `LOCK_TIMEOUT` for the file's lock.

    Raises `WriteLockTimeout` when the lock does not come in time."""
    begun = time.monotonic()
    if not lock.acquire(LOCK_TIMEOUT):
        raise WriteLockTimeout(LOCK_TIMEOUT)
    return LOCK_TIMEOUT - (time.monotonic() - begun)


def begin_immediate(driver: Any, left: float | None) -> None:
    """`BEGIN IMMEDIATE` on a sqlite3 connection, waiting at most `left` seconds for the file's
    lock (the full busy timeout when None, or when the FIFO lock came at once)."""
    if left is None or left > LOCK_TIMEOUT - 0.01:
        driver.execute("BEGIN IMMEDIATE")
        return
    # In whole steps of `BUSY_STEP` (rounded down, so never longer than left): sqlite3 keeps
    # each distinct statement text prepared per connection, and a timeout to the millisecond
    # filled every connection's statement cache with PRAGMAs.
    steps = int(left / BUSY_STEP)
    driver.execute(f"PRAGMA busy_timeout={max(1, int(steps * BUSY_STEP * 1000))}")
    try:
        driver.execute("BEGIN IMMEDIATE")
    finally:
        driver.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT * 1000)}")


@contextmanager
def read(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One read-only unit of work: a consistent snapshot, no write lock; a write in it fails.

    Objects loaded here stay usable after the block (nothing is expired)."""
    with factory(bind=reader(factory.kw["bind"])) as session, session.begin():
        yield session


def upsert_insert(dialect: str) -> Any:
    """The `insert` construct with ON CONFLICT of a dialect: PostgreSQL's for "postgresql",
    SQLite's otherwise. Imported when asked for: a SQLite process never loads the PostgreSQL
    dialect (tens of milliseconds of its start)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def insert_ignore(
    session: Session, model: Any, values: dict[str, Any], *, conflict: Sequence[str]
) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING; the new row's id, or None when the row existed."""
    insert = upsert_insert(session.get_bind().dialect.name)
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    return session.execute(stmt.returning(model.id)).scalar_one_or_none()
