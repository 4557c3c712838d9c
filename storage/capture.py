"""The quick-capture write, the bot's hottest path, straight on the driver.

Everything a capture stores is built before the transaction (`bot.services.requirements.
quick_capture`); here it is written with the fewest round trips and no ORM or SQLAlchemy
statement machinery per request:

- PostgreSQL: one statement (data-modifying CTEs) records the delivery key, takes the next
  number from the workspace's counter row (an upsert, so a first capture creates it), inserts
  the requirement, its search document and its history row, and commits at once
  (autocommit): the counter row's lock is held for that one statement, never across a round
  trip to the app. The statement is atomic, so numbers stay gap-free per workspace.
- SQLite: the process's FIFO writer lock, then, on the one kept-open connection it guards
  (the same pragmas as the engine's), `BEGIN IMMEDIATE`, four prepared statements and
  `COMMIT`. The search document is not in that transaction: indexing it in SQLite's two FTS5
  tables flushed two new segments per commit and made the commit 4x dearer (about 190 of
  the write's 250 us, measured on a quiet machine), all on the person's wait. It is queued
  and written after the ack (`index_pending`, which the capture's card work calls before
  the duplicate lookup, so a batch of captures is indexed in one transaction); one the
  process did not get to write (it stopped) is written by the daily upkeep, which also runs
  at start (`bot.services.search_index.missing`). The requirement itself is durable
  when the ack is sent; only its findability waits for those few milliseconds.

A delivery key already recorded (Slack delivered the command twice) writes nothing and
returns None.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event

from storage.db import (
    LOCK_TIMEOUT,
    POOL_TIMEOUT,
    begin_immediate,
    connect_args_of,
    take,
    writer_lock,
)

_ROW = (
    "team_id", "number", "title", "description", "status", "priority", "owner_id",
    "requester_id", "channel_id", "labels", "due_date", "permalink", "source_channel_id",
    "source_ts", "votes", "close_reason", "created_at", "updated_at", "closed_at",
)  # fmt: skip
_DOC = ("team_id", "kind", "item_id", "channel_id", "words", "plain", "scoped")
_HISTORY = (
    "team_id", "entity_type", "entity_id", "channel_id", "actor_id", "at", "field",
    "old_value", "new_value",
)  # fmt: skip

_ROW_GIVEN = set(_ROW) - {"number"}
_DOC_GIVEN = set(_DOC) - {"item_id"}
_HIST_GIVEN = set(_HISTORY) - {"entity_id"}


def _pg_statement(keyed: bool) -> str:
    row = [c for c in _ROW if c != "number"]
    doc = [c for c in _DOC if c != "item_id"]
    hist = [c for c in _HISTORY if c != "entity_id"]
    gate = "WHERE EXISTS (SELECT 1 FROM k)" if keyed else ""
    key = (
        "k AS (INSERT INTO processed_events (event_id, team_id, received_at) "
        "VALUES (%(key)s, %(team_id)s, %(created_at)s) ON CONFLICT DO NOTHING RETURNING 1), "
        if keyed
        else ""
    )
    return (
        "WITH " + key + "w AS (INSERT INTO workspaces (team_id, created_at) "
        f"SELECT %(team_id)s, %(created_at)s {gate} ON CONFLICT DO NOTHING), "
        "n AS (INSERT INTO counters (team_id, kind, value) "
        f"SELECT %(team_id)s, %(kind)s, 1 {gate} "
        "ON CONFLICT (team_id, kind) DO UPDATE SET value = counters.value + 1 RETURNING value), "
        f"r AS (INSERT INTO requirements ({', '.join(row)}, number) "
        f"SELECT {', '.join(f'%({c})s' for c in row)}, n.value FROM n RETURNING id, number), "
        f"d AS (INSERT INTO search_docs ({', '.join(doc)}, item_id) "
        f"SELECT {', '.join(f'%(d_{c})s' for c in doc)}, r.id FROM r), "
        f"h AS (INSERT INTO history_events ({', '.join(hist)}, entity_id) "
        f"SELECT {', '.join(f'%(h_{c})s' for c in hist)}, r.id FROM r) "
        "SELECT id, number FROM r"
    )


_PG = {True: _pg_statement(True), False: _pg_statement(False)}

_SQLITE_KEY = (
    "INSERT INTO processed_events (event_id, team_id, received_at) "
    "VALUES (:key, :team_id, :created_at) ON CONFLICT DO NOTHING"
)
_SQLITE_WORKSPACE = (
    "INSERT INTO workspaces (team_id, created_at) VALUES (:team_id, :created_at) "
    "ON CONFLICT DO NOTHING"
)
_SQLITE_COUNTER = (
    "INSERT INTO counters (team_id, kind, value) VALUES (:team_id, :kind, 1) "
    "ON CONFLICT (team_id, kind) DO UPDATE SET value = value + 1 RETURNING value"
)
_SQLITE_ROW = (
    f"INSERT INTO requirements ({', '.join(_ROW)}) "
    f"VALUES ({', '.join(':' + c for c in _ROW)}) RETURNING id"
)
# A document written already (by the upkeep, say) is not written twice.
_SQLITE_DOC = (
    f"INSERT INTO search_docs ({', '.join(_DOC)}) VALUES ({', '.join(':' + c for c in _DOC)}) "
    "ON CONFLICT (kind, item_id) DO NOTHING"
)
_SQLITE_HISTORY = (
    f"INSERT INTO history_events ({', '.join(_HISTORY)}) "
    f"VALUES ({', '.join(':h_' + c for c in _HISTORY)})"
)


def _sqlite_time(value: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME format (UTC), so both paths read back alike.
    if value is None:
        return None
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


class CaptureStore:
    """Writes one captured requirement (with its search document and history row).

    Built once per engine (`for_engine`); thread-safe.
    """

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect.name
        self._lock = writer_lock(engine)
        self._path = engine.url.database or ""
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        # SQLite: search documents of captures stored but not yet indexed (`index_pending`).
        self._unindexed: list[tuple[Callable[[], dict[str, Any]], int]] = []
        self._queue = threading.Lock()
        self._engine: Engine | None = None
        if self.dialect == "postgresql":
            # Its own small pool, in autocommit, without the per-checkout ping: the one
            # statement is retried once on a fresh connection if the old one was dead.
            fast = create_engine(
                engine.url,
                pool_size=2,
                max_overflow=6,
                pool_timeout=POOL_TIMEOUT,
                pool_reset_on_return=None,
                connect_args=connect_args_of(engine),
            )

            @event.listens_for(fast, "connect")
            def _autocommit(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.autocommit = True

            # Closed with the engine it serves, not left open until garbage collection.
            event.listen(engine, "engine_disposed", lambda _engine: fast.dispose())
            self._engine = fast

    def dispose(self) -> None:
        """Close the PostgreSQL pool (SQLite's connection closes with this store, a thread's
        own with its thread; SQLite is never served by forked processes)."""
        if self._engine is not None:
            self._engine.dispose(close=False)

    def requirement(
        self,
        *,
        row: dict[str, Any],
        doc: Callable[[], dict[str, Any]],
        history: dict[str, Any],
        kind: str,
        key: str | None,
    ) -> tuple[int, int] | None:
        """Store one requirement: (id, number), or None when `key` was recorded before.

        `row` holds the requirements columns except `number`; `history` the history row's
        columns except the item id; `doc` makes the search document's (without the item id:
        on SQLite it is called after the ack, by `index_pending`). Raises the driver's
        errors wrapped by SQLAlchemy (`OperationalError` when the database is unreachable,
        `WriteLockTimeout` when SQLite's write lock does not come within `LOCK_TIMEOUT`)."""
        if row.keys() != _ROW_GIVEN or history.keys() != _HIST_GIVEN:
            # A column added to a model must be written here too.
            raise ValueError("quick capture: the columns given differ from the statements'")
        if self.dialect == "postgresql":
            return self._pg(row, _checked(doc()), history, kind, key)
        return self._sqlite(row, doc, history, kind, key)

    def _pg(
        self,
        row: dict[str, Any],
        doc: dict[str, Any],
        history: dict[str, Any],
        kind: str,
        key: str | None,
    ) -> tuple[int, int] | None:
        from psycopg.types.json import Json

        assert self._engine is not None
        params = {**row, "labels": Json(row["labels"]), "kind": kind, "key": key}
        params.update({f"d_{c}": v for c, v in doc.items()})
        params.update({f"h_{c}": v for c, v in history.items()})
        sql = _PG[key is not None]
        dbapi = self._engine.dialect.loaded_dbapi
        for attempt in (1, 2):
            try:
                conn = self._engine.raw_connection()
            except dbapi.Error as exc:  # refused, timed out: the pool does not wrap these
                raise _wrapped(exc, "connect", dbapi.Error) from exc
            try:
                cur = conn.cursor()
                try:
                    cur.execute(sql, params)
                    found = cur.fetchone()
                finally:
                    cur.close()
                return None if found is None else (int(found[0]), int(found[1]))
            except dbapi.OperationalError as exc:
                dead = self._engine.dialect.is_disconnect(exc, conn.driver_connection, None)
                conn.invalidate(exc)
                if not dead or attempt == 2:
                    raise _wrapped(exc, sql, dbapi.Error) from exc
                # A pooled connection the server closed (a restart): so are its siblings.
                self._engine.dispose()
            finally:
                conn.close()
        raise AssertionError("unreachable")

    def _connection(self) -> sqlite3.Connection:
        """The connection to write on; with a writer lock, call it holding the lock."""
        if self._lock is not None:
            # Captures take turns on the writer lock, so one connection serves every thread:
            # one per thread only cost memory (each parses the schema and keeps its own page
            # cache, about 0.6 MiB a thread in bench.footprint).
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            # No checkpoint on the ack's path: the WAL is copied back into the file by the
            # next commit on another connection (the card's record right after the ack,
            # any job's write) at SQLite's default 1000 pages. A checkpoint in a capture's
            # commit made it that capture's p99 (several ms).
            "wal_autocheckpoint=0",
            "foreign_keys=ON",
            f"busy_timeout={int(LOCK_TIMEOUT * 1000)}",
        ):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _sqlite(
        self,
        row: dict[str, Any],
        doc: Callable[[], dict[str, Any]],
        history: dict[str, Any],
        kind: str,
        key: str | None,
    ) -> tuple[int, int] | None:
        params = {
            **row,
            "labels": json.dumps(row["labels"]),
            "due_date": _sqlite_date(row["due_date"]),
            "created_at": _sqlite_time(row["created_at"]),
            "updated_at": _sqlite_time(row["updated_at"]),
            "closed_at": _sqlite_time(row["closed_at"]),
            "kind": kind,
            "key": key,
        }
        params.update({f"h_{c}": v for c, v in history.items()})
        params["h_at"] = _sqlite_time(history["at"])
        with self._immediate("quick capture") as conn:
            if key is not None and conn.execute(_SQLITE_KEY, params).rowcount == 0:
                conn.execute("ROLLBACK")
                return None
            conn.execute(_SQLITE_WORKSPACE, params)
            params["number"] = conn.execute(_SQLITE_COUNTER, params).fetchone()[0]
            item_id = conn.execute(_SQLITE_ROW, params).fetchone()[0]
            params["h_entity_id"] = item_id
            conn.execute(_SQLITE_HISTORY, params)
        with self._queue:
            self._unindexed.append((doc, int(item_id)))
        return int(item_id), int(params["number"])

    def queued(self) -> int:
        """How many captures' search documents wait to be written (`index_pending`)."""
        with self._queue:
            return len(self._unindexed)

    def index_pending(self) -> int:
        """Write the search documents of the captures stored so far (SQLite; on PostgreSQL the
        capture's own statement wrote it): one transaction for all of them. Returns how many.

        Raises like `requirement`; the documents then stay queued for the next call."""
        with self._queue:
            docs, self._unindexed = self._unindexed, []
        if not docs:
            return 0
        written = False
        try:
            self._write_docs([{**_checked(make()), "item_id": item} for make, item in docs])
            written = True
        finally:
            if not written:
                with self._queue:
                    self._unindexed[:0] = docs
        return len(docs)

    def _write_docs(self, docs: list[dict[str, Any]]) -> None:
        with self._immediate("search documents") as conn:
            conn.executemany(_SQLITE_DOC, docs)

    @contextmanager
    def _immediate(self, what: str) -> Iterator[sqlite3.Connection]:
        """A write transaction on the guarded connection: the FIFO writer lock, `BEGIN
        IMMEDIATE`, then `COMMIT` (the body may end it itself), or `ROLLBACK` on any error;
        the driver's errors are raised as SQLAlchemy's, naming `what`."""
        left = take(self._lock) if self._lock is not None else None
        try:
            conn = self._connection()
            try:
                begin_immediate(conn, left)
                yield conn
                if conn.in_transaction:
                    conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _wrapped(exc, what, sqlite3.Error) from exc
                raise
        finally:
            if self._lock is not None:
                self._lock.release()


def _checked(doc: dict[str, Any]) -> dict[str, Any]:
    if doc.keys() != _DOC_GIVEN:
        # A column added to `doc_values` must be written here too.
        raise ValueError("quick capture: the search document's columns differ")
    return doc


def _wrapped(exc: Exception, statement: str, base: type[Exception]) -> Exception:
    """The driver's error as SQLAlchemy's (what the error handler recognises)."""
    from sqlalchemy.exc import DBAPIError

    return DBAPIError.instance(statement, None, exc, base)


_STORES: WeakKeyDictionary[Engine, CaptureStore] = WeakKeyDictionary()
_REGISTRY = threading.Lock()


def for_engine(engine: Engine) -> CaptureStore:
    """The capture store of an engine (made on first use, in the process using it)."""
    store = _STORES.get(engine)
    if store is None:
        with _REGISTRY:
            store = _STORES.get(engine)
            if store is None:
                store = _STORES[engine] = CaptureStore(engine)
    return store


def forget_after_fork() -> None:
    """Drop stores a parent process made (their connections are the parent's)."""
    with _REGISTRY:
        for store in list(_STORES.values()):
            store.dispose()
        _STORES.clear()
