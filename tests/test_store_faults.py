"""A database that hangs, refuses or drops connections, and SQLite's lock held elsewhere:
requests fail fast with a clear answer, events get a non-2xx (Slack delivers them again), and
the app recovers without a restart. Everything runs for real: a TCP port that accepts and
never answers, a proxy in front of PostgreSQL that is shut and reopened, pg_terminate_backend,
and a second SQLite connection holding the write lock."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import build
from bot.clock import FrozenClock
from bot.deps import Deps, Worker
from bot.runtime.web import Served, wsgi_app
from sandbox.driver import Driver, Reply
from sandbox.workspace import Workspace
from storage.db import LOCK_TIMEOUT, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Requirement
from tests.conftest import BOB, PG_URL, PM, PRODUCT, SECRET, START, make_settings

pg_only = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")


class Blackhole:
    """A TCP port whose kernel accepts connections that nothing ever answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        """Stop listening."""
        self.sock.close()


class Proxy:
    """A TCP forwarder to PostgreSQL that can be shut (connections refused, open ones cut)
    and opened again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        """Listen (again) and forward every connection."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._socks += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def shut(self) -> None:
        """Refuse new connections and cut the open ones."""
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


@dataclass
class Live:
    """The app served over HTTP on some database, with the stand-in."""

    ws: Workspace
    driver: Driver
    deps: Deps
    served: Served

    def get(self, path: str) -> tuple[int, float]:
        """GET a path: (status, seconds taken)."""
        begun = time.monotonic()
        try:
            with urllib.request.urlopen(self.served.url + path, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as err:
            status = err.code
        return status, time.monotonic() - begun

    def timed(self, send: object) -> tuple[Reply, float]:
        """Run a driver call: (reply, seconds taken)."""
        begun = time.monotonic()
        reply = send() if callable(send) else None
        assert isinstance(reply, Reply)
        return reply, time.monotonic() - begun

    def count(self, sessions: sessionmaker[Session]) -> int:
        """Requirements stored."""
        with sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Requirement)) or 0)


@pytest.fixture
def live_factory(standin: tuple[Workspace, Served]) -> Iterator[object]:
    made: list[tuple[Served, Deps]] = []
    ws, api = standin

    def make(url: str) -> Live:
        settings = make_settings(url, api.url + "/api/")
        sessions = make_session_factory(make_engine(url))
        app, deps = build(settings, sessions=sessions, clock=FrozenClock(START), worker=Worker())
        served = Served(wsgi_app(app, sessions)).start()
        made.append((served, deps))
        driver = Driver(
            ws, signing_secret=SECRET, target=served.url + "/slack/events", standin_url=api.url
        )
        return Live(ws, driver, deps, served)

    yield make
    for served, deps in made:
        served.stop()
        deps.worker.shutdown(wait=False, cancel_futures=True)
        deps.sessions.kw["bind"].dispose()


def test_a_database_that_never_answers_fails_fast_with_a_clear_answer(live_factory: object) -> None:
    hole = Blackhole()
    try:
        assert callable(live_factory)
        live: Live = live_factory(f"postgresql://postgres@127.0.0.1:{hole.port}/teamloop")
        status, took = live.get("/healthz")
        assert status == 503
        assert took < 2.0, f"/healthz took {took:.1f} s"
        # A quick capture answers inside Slack's 3 s with what happened and what was typed.
        reply, took = live.timed(
            lambda: live.driver.command(
                "/req", "new Ship the pricing page", user=PM, channel=PRODUCT
            )
        )
        assert reply.status == 200 and took < 3.0, (reply, took)
        answer = reply.json()["text"]
        assert "can't reach its database" in answer and "Ship the pricing page" in answer
        # A read (a list) too.
        reply, took = live.timed(
            lambda: live.driver.command("/req", "list", user=PM, channel=PRODUCT)
        )
        assert "can't reach its database" in reply.json()["text"] and took < 3.0
        # An event is refused (non-2xx), so Slack delivers it again later.
        msg = live.driver.say("Export invoices to CSV", user=BOB, channel=PRODUCT)
        reply, took = live.timed(
            lambda: live.driver.react("bulb", user=PM, channel=PRODUCT, ts=msg["ts"])
        )
        assert reply.status >= 500 and took < 3.0, (reply, took)
    finally:
        hole.close()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    assert PG_URL
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema},public"
    upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def _wait_for(check: object, seconds: float = 10.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.05)


@pg_only
def test_a_reaction_while_postgres_refuses_is_retried_by_slack_and_captured_once(
    live_factory: object, pg_schema: str
) -> None:
    target = urlsplit(pg_schema)
    proxy = Proxy(target.hostname or "127.0.0.1", target.port or 5432)
    proxy.open()
    try:
        assert callable(live_factory)
        live: Live = live_factory(_via(pg_schema, proxy.port))
        assert live.get("/healthz")[0] == 200
        assert live.driver.command("/req", "new Warm up", user=PM, channel=PRODUCT).status == 200
        proxy.shut()
        msg = live.driver.say("Export invoices to CSV", user=BOB, channel=PRODUCT)
        first = live.driver.react("bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1")
        assert first.status >= 500, first
        status, took = live.get("/healthz")
        assert status == 503 and took < 2.0
        # The database is back: no restart, Slack's retry is handled, once.
        proxy.open()
        again = live.driver.react(
            "bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1", retry_num=1
        )
        assert again.status == 200
        live.deps.worker.drain()
        later = live.driver.react(
            "bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev1", retry_num=2
        )
        assert later.status == 200
        live.deps.worker.drain()
        reader = make_session_factory(make_engine(pg_schema))
        with reader() as s:
            rows = s.scalars(select(Requirement).where(Requirement.source_ts == msg["ts"])).all()
        assert [r.title for r in rows] == ["Export invoices to CSV"]
        assert len(live.ws.thread(PRODUCT, msg["ts"])) == 1
        assert live.get("/healthz")[0] == 200
        reader.kw["bind"].dispose()
    finally:
        proxy.shut()


@pg_only
def test_terminated_backends_are_replaced_without_a_restart(
    live_factory: object, pg_schema: str
) -> None:
    name = "teamloop_" + uuid.uuid4().hex[:8]
    url = f"{pg_schema}&application_name={name}"
    assert callable(live_factory)
    live: Live = live_factory(url)
    for n in range(3):
        reply = live.driver.command("/req", f"new Before {n}", user=PM, channel=PRODUCT)
        assert reply.status == 200 and not reply.body  # the card is posted after the ack
    live.driver.command("/req", "list", user=PM, channel=PRODUCT)
    admin = create_engine(pg_schema.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": name},
        ).scalar()
    admin.dispose()
    assert killed and killed >= 2  # the pool's and the capture path's connections
    reply = live.driver.command("/req", "new After the restart", user=PM, channel=PRODUCT)
    assert reply.status == 200 and not reply.body, reply.body
    live.deps.worker.drain()
    assert "REQ-4" in live.ws.channel_messages(PRODUCT)[-1]["text"]
    assert "After the restart" in live.driver.command("/req", "list", user=PM, channel=PRODUCT).body
    assert live.get("/healthz")[0] == 200


def test_sqlite_lock_held_elsewhere_refuses_events_but_reads_go_on(
    live_factory: object, tmp_path: object
) -> None:
    path = f"{tmp_path}/teamloop.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    assert callable(live_factory)
    live: Live = live_factory(url)
    assert live.driver.command("/req", "new Before", user=PM, channel=PRODUCT).status == 200
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer, say a backup tool
    try:
        # Reads take no write lock: health, lists and search still answer at once.
        status, took = live.get("/healthz")
        assert status == 200 and took < 1.0
        reply, took = live.timed(
            lambda: live.driver.command("/req", "list", user=PM, channel=PRODUCT)
        )
        assert "Before" in reply.body and took < 1.0
        msg = live.driver.say("Export invoices to CSV", user=BOB, channel=PRODUCT)
        reply, took = live.timed(
            lambda: live.driver.react(
                "bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev7"
            )
        )
        assert reply.status >= 500 and took < LOCK_TIMEOUT + 2, (reply, took)
    finally:
        other.execute("ROLLBACK")
        other.close()
    again = live.driver.react(
        "bulb", user=PM, channel=PRODUCT, ts=msg["ts"], event_id="Ev7", retry_num=1
    )
    assert again.status == 200
    live.deps.worker.drain()
    with live.deps.read() as s:
        titles = s.scalars(select(Requirement.title).where(Requirement.source_ts == msg["ts"]))
        assert list(titles) == ["Export invoices to CSV"]
