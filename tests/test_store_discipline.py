"""Reads never take the write lock; SQLite's writers queue FIFO in one process; the quick
capture's lean write stores exactly what the ORM path stores, numbered without gaps."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.deps import Deps
from bot.services import requirements as reqs
from bot.services.actor import Actor
from storage.db import WriterLock
from storage.models import HistoryEvent, Requirement
from storage.search import SearchDoc
from tests.conftest import BOB, PM, PRODUCT, Env


def test_writer_lock_hands_over_in_arrival_order() -> None:
    lock = WriterLock()
    assert lock.acquire(1)
    order: list[int] = []
    threads = []

    def take(n: int) -> None:
        assert lock.acquire(5)
        order.append(n)
        lock.release()

    for n in range(6):
        t = threading.Thread(target=take, args=(n,))
        t.start()
        threads.append(t)
        # Each waiter is queued before the next starts.
        deadline = time.monotonic() + 5
        while len(lock._waiters) < n + 1:
            assert time.monotonic() < deadline
            time.sleep(0.001)
    lock.release()
    for t in threads:
        t.join(5)
    assert order == list(range(6))


def test_writer_lock_times_out_and_leaves_the_queue() -> None:
    lock = WriterLock()
    assert lock.acquire(1)
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(0.05)))
    t.start()
    t.join(5)
    assert got == [False] and not lock._waiters
    lock.release()
    assert lock.acquire(0.01)  # free again


def test_reads_go_on_while_a_writer_holds_the_lock_and_cannot_write(env: Env) -> None:
    env.req("new Export invoices")
    holding, release = threading.Event(), threading.Event()
    d = Deps(env.settings, env.sessions, env.clock, env.worker)

    def writer() -> None:
        with d.transaction() as session:
            session.execute(text("UPDATE requirements SET votes = votes + 1"))
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    assert holding.wait(10)
    try:
        begun = time.monotonic()
        with d.read() as session:
            titles = list(session.scalars(select(Requirement.title)))
        assert titles == ["Export invoices"]
        assert time.monotonic() - begun < 0.5
        # A list is a read: it answers while the write is in progress.
        reply = env.driver.command("/req", "list", user=PM, channel=PRODUCT)
        assert "Export invoices" in reply.body
    finally:
        release.set()
        t.join(10)
    with pytest.raises(DBAPIError), d.read() as session:
        session.execute(text("UPDATE requirements SET votes = 0"))
    with d.read() as session:
        assert session.scalar(select(Requirement.votes)) == 2  # the requester's, +1


def test_quick_capture_stores_what_the_orm_path_stores(env: Env) -> None:
    d = Deps(env.settings, env.sessions, env.clock, env.worker)
    actor = Actor(team_id="T0TEAMLOOP", user_id=PM, channel_id=PRODUCT, zone=env.settings.zone)
    now = env.clock.now()
    common: dict[str, Any] = {
        "actor": actor,
        "now": now,
        "priority": "P1",
        "owner_id": BOB,
        "due": date(2026, 12, 4),
        "labels": ["billing", "billing", "csv"],
    }
    fast = reqs.quick_capture(store=d.capture(), title="Export invoices", **common)
    assert fast is not None
    with d.transaction() as session:
        slow = reqs.create(session=session, title="Export invoices", **common)
    sqlite = env.settings.database_url.startswith("sqlite")
    with d.read() as session:
        # On SQLite the capture's search document is written after the ack.
        items = set(session.scalars(select(SearchDoc.item_id)))
        assert (fast.id in items) is not sqlite
    assert reqs.index_captures(store=d.capture()) == (1 if sqlite else 0)
    assert reqs.index_captures(store=d.capture()) == 0
    with d.read() as session:
        a, b = (session.get(Requirement, r.id) for r in (fast, slow))
        assert a is not None and b is not None
        assert (a.number, b.number) == (1, 2)
        skip = {"id", "number"}
        cols = [c.key for c in Requirement.__table__.columns if c.key not in skip]
        assert {c: getattr(a, c) for c in cols} == {c: getattr(b, c) for c in cols}
        made = fast.requirement()
        assert {c: getattr(made, c) for c in cols} == {c: getattr(a, c) for c in cols}
        docs = {
            d.item_id: (d.words, d.plain, d.scoped, d.channel_id)
            for d in session.scalars(select(SearchDoc))
        }
        assert docs[a.id] == docs[b.id]
        history = [
            (h.entity_id, h.field, h.new_value, h.at, h.actor_id)
            for h in session.scalars(select(HistoryEvent).order_by(HistoryEvent.id))
        ]
        assert history == [
            (a.id, "created", "Export invoices", now, PM),
            (b.id, "created", "Export invoices", now, PM),
        ]
    # The same delivery again stores nothing.
    key = "trigger:t-1"
    assert reqs.quick_capture(store=d.capture(), title="X", delivery_key=key, **common)
    assert reqs.quick_capture(store=d.capture(), title="X", delivery_key=key, **common) is None


def test_a_capture_whose_document_was_not_written_is_indexed_by_the_upkeep(env: Env) -> None:
    # A process that stored a quick capture and stopped before writing its search document
    # (on SQLite that write follows the ack): its own capture store, dropped unindexed.
    from bot.runtime.jobs import build_jobs
    from bot.services import search
    from storage.capture import CaptureStore

    d = Deps(env.settings, env.sessions, env.clock, env.worker)
    actor = Actor(team_id="T0TEAMLOOP", user_id=PM, channel_id=PRODUCT, zone=env.settings.zone)
    stopped = CaptureStore(env.sessions.kw["bind"])
    made = reqs.quick_capture(
        store=stopped, actor=actor, now=env.clock.now(), title="Export invoices to CSV"
    )
    assert made is not None
    del stopped

    def found() -> list[str]:
        with d.read() as session:
            hits = search.run(
                session=session, actor=actor, query="invoices", is_private=lambda _c: False
            )
        return [h.ref for h in hits.hits]

    if env.settings.database_url.startswith("sqlite"):
        assert found() == []
    jobs = build_jobs(env.settings, sessions=env.sessions, clock=env.clock)
    jobs.upkeep()
    assert found() == [f"REQ-{made.number}"]
    with d.read() as session:
        assert session.scalar(select(func.count()).select_from(SearchDoc)) == 1
    jobs.upkeep()  # nothing left to write
    with d.read() as session:
        assert session.scalar(select(func.count()).select_from(SearchDoc)) == 1


def test_a_busy_store_leaves_the_search_document_queued_not_lost(env: Env) -> None:
    if not env.settings.database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL writes the search document in the capture's own statement")
    import sqlite3

    d = Deps(env.settings, env.sessions, env.clock, env.worker)
    actor = Actor(team_id="T0TEAMLOOP", user_id=PM, channel_id=PRODUCT, zone=env.settings.zone)
    made = reqs.quick_capture(
        store=d.capture(), actor=actor, now=env.clock.now(), title="Export invoices to CSV"
    )
    assert made is not None
    # Another process holds SQLite's write lock past the lock timeout.
    other = sqlite3.connect(env.sessions.kw["bind"].url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        begun = time.monotonic()
        assert reqs.index_captures(store=d.capture()) == 0  # no error: the card still posts
        assert time.monotonic() - begun < 10
        assert d.capture().queued() == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert reqs.index_captures(store=d.capture()) == 1
    assert d.capture().queued() == 0
    with d.read() as session:
        assert session.scalar(select(SearchDoc.item_id)) == made.id


def test_concurrent_quick_captures_are_numbered_without_gaps(env: Env) -> None:
    replies: list[str] = []

    def capture(n: int) -> None:
        reply = env.driver.command("/req", f"new Item {n}", user=PM, channel=PRODUCT)
        replies.append(reply.body)

    threads = [threading.Thread(target=capture, args=(n,)) for n in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    env.drain()
    with env.sessions() as session:
        numbers = sorted(session.scalars(select(Requirement.number)))
    assert numbers == list(range(1, 25))
    assert replies == [""] * 24  # each card is posted after its ack
    posted = sorted(m["text"] for m in env.channel() if m["text"].startswith("REQ-"))
    assert len(posted) == 24


def test_the_lean_write_covers_every_column_of_a_requirement_and_its_history() -> None:
    from storage import capture

    assert set(capture._ROW) == {c.key for c in Requirement.__table__.columns} - {"id"}
    assert set(capture._HISTORY) == {c.key for c in HistoryEvent.__table__.columns} - {"id"}
