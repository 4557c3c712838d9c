"""Monday 09:00 at scale: the tick spreads channel work and never calls Slack inside a
transaction; retention purges only what is old and done; DM channels survive a restart;
the Home tab's lookups use their indexes. Real app, real stores, fixed clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text

from bot.outbox import store as outbox
from bot.outbox.sender import Limits
from bot.runtime.jobs import Jobs, build_jobs
from bot.scheduling.occurrences import offset
from bot.services import home, retention
from sandbox.workspace import Fault
from storage.db import make_engine, make_session_factory, transaction
from storage.items import Blocker
from storage.models import ProcessedEvent, Requirement, Workspace
from storage.reminders import ReminderLog
from storage.scheduling import Occurrence, OutboxMessage, Schedule
from storage.standups import Person
from storage.statuses import OutboxStatus
from tests.conftest import (
    BOB,
    ENG,
    FAST,
    PRODUCT,
    SECRET_CHANNEL,
    JobsEnv,
    Team,
    make_settings,
)
from tests.test_digest_and_reminders import a_week_of_work, digests, say, utc

MONDAY_0900_BERLIN = utc(2026, 11, 23, 8, 0)


class OpenTransactions:
    """The database transactions open at any instant on one engine, by thread name."""

    def __init__(self, engine: Any) -> None:
        self.open: dict[int, str] = {}
        self.lock = threading.Lock()
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, conn: Any) -> None:
        with self.lock:
            self.open[id(conn)] = threading.current_thread().name

    def _end(self, conn: Any) -> None:
        with self.lock:
            self.open.pop(id(conn), None)

    def threads(self) -> list[str]:
        with self.lock:
            return sorted(self.open.values())


class Observed(list[Any]):
    """The stand-in's call log, noting how many transactions were open at each call."""

    def __init__(self, watch: OpenTransactions) -> None:
        super().__init__()
        self.watch = watch
        self.open_at_call: list[tuple[str, list[str]]] = []

    def append(self, call: Any) -> None:
        self.open_at_call.append((call.method, self.watch.threads()))
        super().append(call)


def spread_jobs(team: Team, spread: float) -> Jobs:
    """The team's jobs with one sender thread (so "open transactions" are all the tick's)."""
    settings = make_settings(
        team.env.settings.database_url,
        team.env.settings.slack_api_url,
        teamloop_tick_spread=spread,
    )
    return build_jobs(
        settings,
        sessions=team.env.sessions,
        clock=team.env.clock,
        limits=Limits(**{**FAST, "workers": 1}),
    )


def test_monday_tick_is_spread_sent_once_and_never_calls_slack_in_a_transaction(
    team: Team,
) -> None:
    a_week_of_work(team)
    team.env.clock.set(utc(2026, 11, 16, 11, 0))
    say(team, "/req", "new Flaky deploys P1", channel=ENG, user=BOB)
    jobs = spread_jobs(team, spread=300)
    try:
        team.env.clock.set(MONDAY_0900_BERLIN - timedelta(minutes=30))
        jobs.tick()  # creates the default digest and reminders of each channel with items
        watch = OpenTransactions(team.env.sessions.kw["bind"])
        calls = Observed(watch)
        team.env.ws.calls = calls
        with team.env.sessions() as s:
            scheds = s.execute(select(Schedule.id, Schedule.channel_id, Schedule.kind)).all()
        lag = {
            sid: offset(team_id=team.env.ws.team_id, channel_id=ch, spread=timedelta(seconds=300))
            for sid, ch, _kind in scheds
        }
        assert len({lag[s] for s, _c, _k in scheds}) == 3, "each channel has its own offset"
        assert all(timedelta(0) <= v < timedelta(seconds=300) for v in lag.values())

        now = MONDAY_0900_BERLIN - timedelta(seconds=20)
        while now <= MONDAY_0900_BERLIN + timedelta(seconds=320):
            team.env.clock.set(now)
            before = len(calls)
            jobs.tick()
            assert len(calls) == before, "the tick itself never calls Slack"
            jobs.deliver()
            with team.env.sessions() as s:
                fired = set(
                    s.scalars(
                        select(Occurrence.schedule_id).where(
                            Occurrence.due_at == MONDAY_0900_BERLIN
                        )
                    )
                )
            # Each channel's digest and reminders start at 09:00 plus its offset, not before.
            expected = {sid for sid, _c, _k in scheds if MONDAY_0900_BERLIN + lag[sid] <= now}
            assert fired == expected, now
            now += timedelta(seconds=20)
        for _ in range(3):  # ticks after the window add nothing
            jobs.tick()
        with team.env.sessions() as s:
            occurrences = s.execute(
                select(Occurrence.schedule_id, Occurrence.due_at).where(
                    Occurrence.due_at > MONDAY_0900_BERLIN - timedelta(hours=1)
                )
            ).all()
            sent = s.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT))
            sent_keys = [row.dedupe_key for row in sent]
        assert sorted(occurrences) == sorted((sid, MONDAY_0900_BERLIN) for sid, _c, _k in scheds)
        assert len(sent_keys) == len(set(sent_keys))
        assert len(digests(team)) == 1 and len(digests(team, ENG)) == 1
        assert len(digests(team, SECRET_CHANNEL)) == 1
        uploads = [m for m, _open in calls.open_at_call if m == "files.completeUploadExternal"]
        assert len(uploads) == 3, "one chart per channel, drawn and uploaded by the sender"
        # The one sending thread holds no transaction while it talks to Slack (the claim loop
        # beside it may: it only reads and reserves rows).
        posts = [(m, t) for m, t in calls.open_at_call if m.startswith(("chat.", "files."))]
        sender = jobs.sender.name
        assert posts and not [p for p in posts if any(n.startswith(sender) for n in p[1])], posts
    finally:
        jobs.leadership.release()  # PostgreSQL: the ticker lock and its connection


def old_outbox(session: Any, key: str, status: OutboxStatus, at: datetime, **kw: Any) -> None:
    session.execute(
        insert(OutboxMessage).values(
            team_id="T1", dedupe_key=key, target=PRODUCT, channel_id=PRODUCT, text=key,
            status=status, attempts=1, next_attempt_at=at, created_at=at,
            sent_at=at if status == OutboxStatus.SENT else None, **kw,
        )
    )  # fmt: skip


def test_retention_purges_only_what_is_old_and_done(
    jobs_env: JobsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)  # several small transactions, not one
    now = jobs_env.clock.now()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    with transaction(jobs_env.sessions) as s:
        old_outbox(s, "sent-old-chart", OutboxStatus.SENT, old, file=b"png" * 1000)
        old_outbox(s, "sent-old", OutboxStatus.SENT, old)
        old_outbox(s, "dead-old", OutboxStatus.DEAD, old)
        old_outbox(s, "cancelled-old", OutboxStatus.CANCELLED, old)
        old_outbox(s, "expired-old", OutboxStatus.EXPIRED, old)
        old_outbox(s, "sent-recent", OutboxStatus.SENT, recent)
        old_outbox(s, "pending-old", OutboxStatus.PENDING, old)
        old_outbox(s, "parent-old", OutboxStatus.SENT, old)
        old_outbox(s, "reply-waiting", OutboxStatus.PENDING, old, thread_key="parent-old")
        s.execute(
            insert(ProcessedEvent),
            [{"event_id": f"Ev{n}", "team_id": "T1", "received_at": at}
             for n, at in enumerate([old, old, old, recent])],
        )  # fmt: skip
        log = [("REQ-1", BOB, 40), ("REQ-1", BOB, 35), ("REQ-1", BOB, 32), ("REQ-1", BOB, 31),
               ("REQ-2", BOB, 60), ("REQ-3", BOB, 45), ("REQ-3", BOB, 2)]  # fmt: skip
        s.execute(
            insert(ReminderLog),
            [{"team_id": "T1", "rule": "due_soon", "item": item, "sent_to": to,
              "day": (now - timedelta(days=d)).date(), "at": now - timedelta(days=d)}
             for item, to, d in log],
        )  # fmt: skip
    deleted = jobs_env.jobs.purge()
    assert deleted == {"outbox": 5, "processed_events": 3, "reminder_log": 2}
    with jobs_env.sessions() as s:
        keys = set(s.scalars(select(OutboxMessage.dedupe_key)))
        events = set(s.scalars(select(ProcessedEvent.event_id)))
        kept = sorted(
            (item, (now - at).days)
            for item, at in s.execute(select(ReminderLog.item, ReminderLog.at))
        )
    assert keys == {"sent-recent", "pending-old", "parent-old", "reply-waiting"}
    assert events == {"Ev3"}
    # The latest two of each item and person stay: the reminder cadence reads them.
    assert kept == [("REQ-1", 31), ("REQ-1", 32), ("REQ-2", 60), ("REQ-3", 2), ("REQ-3", 45)]
    assert jobs_env.jobs.purge() == {"outbox": 0, "processed_events": 0, "reminder_log": 0}


def dm(jobs_env: JobsEnv, jobs: Jobs, key: str) -> None:
    with transaction(jobs.sessions) as s:
        outbox.enqueue(
            session=s, team_id=jobs_env.ws.team_id, dedupe_key=key, target=BOB, text=key,
            now=jobs_env.clock.now(),
        )  # fmt: skip
    jobs.deliver()


def new_process(jobs_env: JobsEnv, engines: list[Any]) -> Jobs:
    """The jobs of a freshly started process on the same database (its engine in `engines`,
    to dispose of)."""
    settings = make_settings(jobs_env.db_url, jobs_env.api_url)
    engines.append(make_engine(jobs_env.db_url))
    sessions = make_session_factory(engines[-1])
    return build_jobs(settings, sessions=sessions, clock=jobs_env.clock, limits=Limits(**FAST))


def test_dm_channels_survive_a_restart_and_are_reopened_when_gone(jobs_env: JobsEnv) -> None:
    engines: list[Any] = []
    try:
        _dm_channels(jobs_env, engines)
    finally:
        for engine in engines:
            engine.dispose()


def _dm_channels(jobs_env: JobsEnv, engines: list[Any]) -> None:
    ws = jobs_env.ws
    opens = lambda: len(ws.calls_of("conversations.open"))  # noqa: E731
    dm(jobs_env, jobs_env.jobs, "first")
    assert opens() == 1
    dm(jobs_env, new_process(jobs_env, engines), "after-restart")
    assert opens() == 1, "the stored DM channel is used after a restart"
    texts = [m["text"] for m in ws.channel_messages(ws.dm_channel(BOB))]
    assert texts == ["first", "after-restart"]
    # Slack no longer knows the stored channel: forgotten, reopened, the message still sent.
    ws.inject(Fault(kind="error", method="chat.postMessage", error="channel_not_found"))
    restarted = new_process(jobs_env, engines)
    dm(jobs_env, restarted, "after-loss")
    jobs_env.clock.set(jobs_env.clock.now() + timedelta(minutes=1))
    restarted.deliver()
    assert opens() == 2
    assert [m["text"] for m in ws.channel_messages(ws.dm_channel(BOB))][-1] == "after-loss"
    with jobs_env.sessions() as s:
        assert s.get_one(Person, (ws.team_id, BOB)).dm_channel_id == ws.dm_channel(BOB)


def fill(jobs_env: JobsEnv, *, count: int) -> None:
    """`count` requirements and blockers over 20 channels and 50 people."""
    team, at = jobs_env.ws.team_id, jobs_env.clock.now()
    with transaction(jobs_env.sessions) as s:
        s.execute(insert(Workspace).values(team_id=team, created_at=at))
        s.execute(
            insert(Requirement),
            [{"team_id": team, "number": n, "title": f"R{n}", "description": "", "status": "new",
              "priority": "P2", "owner_id": f"U0OWN{n % 50}", "requester_id": f"U0REQ{n % 50}",
              "channel_id": f"C0{n % 20}", "labels": [], "votes": 0, "created_at": at,
              "updated_at": at} for n in range(1, count + 1)],
        )  # fmt: skip
        s.execute(
            insert(Blocker),
            [{"team_id": team, "number": n, "text": f"B{n}", "status": "open",
              "reporter_id": f"U0REQ{n % 50}", "owner_id": f"U0OWN{n % 50}",
              "channel_id": f"C0{n % 20}", "opened_at": at} for n in range(1, count + 1)],
        )  # fmt: skip


def test_home_lookups_use_their_indexes_and_upkeep_gathers_statistics(
    jobs_env: JobsEnv,
) -> None:
    if not jobs_env.db_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN and ANALYZE statistics are SQLite's")
    fill(jobs_env, count=3000)
    jobs_env.jobs.upkeep()
    engine = jobs_env.sessions.kw["bind"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one() > 0
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    with jobs_env.sessions() as s:
        home.dashboard(
            session=s, team_id=jobs_env.ws.team_id, user_id="U0REQ7",
            now=jobs_env.clock.now(), private=set(),
        )  # fmt: skip
    event.remove(engine, "before_cursor_execute", record)
    mine = [(sql, p) for sql, p in seen if "requester_id =" in sql or "reporter_id =" in sql]
    assert mine, "the Home tab looks people up by owner or requester/reporter"
    with engine.connect() as conn:
        for sql, params in mine:
            plan = " ".join(
                str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            )
            assert "SCAN requirements" not in plan and "SCAN blockers" not in plan, plan
            if "FROM requirements" in sql:
                assert "ix_requirements_team_requester" in plan, plan


def test_upkeep_is_registered_with_the_ticker(jobs_env: JobsEnv) -> None:
    ticker = jobs_env.jobs.ticker()
    ticker.start()
    try:
        job = ticker.scheduler.get_job("upkeep")
        assert job is not None and job.trigger.interval == timedelta(days=1)
        assert job.next_run_time - datetime.now(UTC) < timedelta(seconds=10)  # at start
    finally:
        ticker.stop()
