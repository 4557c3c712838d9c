"""The ticker: turns schedules into occurrence rows, once each, and runs their handlers.

The UNIQUE (schedule, instant) constraint on occurrences, not the process, decides that an
occurrence happens once; the handler's outbox rows are written in the same transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, exists, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.scheduling.recurrence import instants
from storage.db import insert_ignore, transaction
from storage.models import Workspace
from storage.scheduling import Occurrence, Schedule, SchedulerState
from storage.statuses import OccurrenceStatus

log = logging.getLogger(__name__)

WATERMARK = "occurrences"
_uninstalled = Workspace.uninstalled_at.is_not(None)
# How far back a tick looks after downtime (older occurrences are not recorded at all).
LOOKBACK = timedelta(days=7)
LEADER_LOCK = 0x7EA4100  # pg advisory lock key: "the ticker"


class OccurrenceHandler(Protocol):
    """Writes what an occurrence sends (outbox rows); returns how many messages."""

    def __call__(
        self, *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
    ) -> int: ...


@dataclass(frozen=True)
class Kind:
    """A kind of schedule: its handler and how late it may still run."""

    name: str
    catch_up: timedelta
    handler: OccurrenceHandler


@dataclass
class Registry:
    """The kinds the ticker knows; filled explicitly by `bot.runtime.jobs.default_registry`."""

    kinds: dict[str, Kind] = field(default_factory=dict)

    def register(self, kind: Kind) -> None:
        """Add a kind (each name once)."""
        if kind.name in self.kinds:
            raise ValueError(f"kind {kind.name!r} registered twice")
        self.kinds[kind.name] = kind


@dataclass
class TickReport:
    """Occurrences one tick recorded."""

    done: int = 0
    skipped: int = 0
    failed: int = 0
    messages: int = 0


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def tick(*, sessions: sessionmaker[Session], registry: Registry, now: datetime) -> TickReport:
    """Record every occurrence due in (last tick, now] and run it, each in one transaction."""
    with transaction(sessions) as session:
        state = session.get(SchedulerState, WATERMARK)
        since = state.at if state else None
        schedules = session.execute(
            select(
                Schedule.id,
                Schedule.weekdays,
                Schedule.local_time,
                Schedule.zones,
                Schedule.created_at,
            )
            .where(Schedule.active.is_(True))
            # An uninstalled workspace keeps its schedules but nothing fires for it.
            .where(~exists().where(Workspace.team_id == Schedule.team_id, _uninstalled))
        ).all()
    due: dict[tuple[int, datetime], str] = {}
    for sched in schedules:
        for when, zone in _due(sched, since=since, now=now):
            due.setdefault((sched.id, when), zone)
    report = TickReport()
    for (schedule_id, when), zone in sorted(due.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        _fire(
            sessions,
            registry,
            schedule_id=schedule_id,
            when=when,
            zone=zone,
            now=now,
            report=report,
        )
    with transaction(sessions) as session:
        state = session.get(SchedulerState, WATERMARK, with_for_update=True)
        if state is None:
            session.add(SchedulerState(name=WATERMARK, at=now))
        elif state.at < now:
            state.at = now  # never backwards: `run-due --now <past>` must not re-open a window
    return report


def _due(sched: Any, *, since: datetime | None, now: datetime) -> list[tuple[datetime, str]]:
    start = max(since or sched.created_at, sched.created_at, now - LOOKBACK)
    found = []
    for zone in sched.zones:
        for when in instants(
            weekdays=sched.weekdays, local_time=sched.local_time, zone=zone, after=start, until=now
        ):
            found.append((when, zone))
    return found


def _fire(
    sessions: sessionmaker[Session],
    registry: Registry,
    *,
    schedule_id: int,
    when: datetime,
    zone: str,
    now: datetime,
    report: TickReport,
) -> None:
    with transaction(sessions) as session:
        schedule = session.get(Schedule, schedule_id)
        if schedule is None or not schedule.active:
            return
        values = {
            "team_id": schedule.team_id,
            "schedule_id": schedule.id,
            "kind": schedule.kind,
            "due_at": when,
            "zone": zone,
            "status": OccurrenceStatus.RUNNING,
            "messages": 0,
            "recorded_at": now,
        }
        occ_id = insert_ignore(session, Occurrence, values, conflict=["schedule_id", "due_at"])
        if occ_id is None:
            return  # another tick (a replica, or an earlier run) has it
        occurrence = session.get_one(Occurrence, occ_id)
        kind = registry.kinds.get(schedule.kind)
        late = now - when
        if kind is None:
            occurrence.status, occurrence.reason = (
                OccurrenceStatus.FAILED,
                f"no handler for {schedule.kind!r}",
            )
            report.failed += 1
        elif late > kind.catch_up:
            occurrence.status = OccurrenceStatus.SKIPPED
            occurrence.reason = (
                f"late by {_duration(late)}; a {kind.name} may run at most "
                f"{_duration(kind.catch_up)} late"
            )
            log.warning("skipped %s of %s: %s", kind.name, when, occurrence.reason)
            report.skipped += 1
        else:
            try:
                with session.begin_nested():
                    sent = kind.handler(
                        session=session, schedule=schedule, occurrence=occurrence, now=now
                    )
            except Exception as exc:
                log.exception("%s occurrence %s failed", kind.name, when)
                occurrence.status, occurrence.reason = (
                    OccurrenceStatus.FAILED,
                    f"{type(exc).__name__}: {exc}",
                )
                report.failed += 1
            else:
                occurrence.status, occurrence.messages = OccurrenceStatus.DONE, sent
                report.done += 1
                report.messages += sent


class Leadership:
    """Only one replica ticks: the holder of a PostgreSQL advisory lock (SQLite: always)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Any = None

    def held(self) -> bool:
        """Whether this process is the ticker now; takes the lock over when it is free."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:
                log.warning("lost the ticker lock's connection")
                self.release()
        conn = self.engine.connect()
        got = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar()
        )
        conn.commit()
        if got:
            self._conn = conn
            log.info("this replica runs the ticker")
        else:
            conn.close()
        return got

    def release(self) -> None:
        """Give the lock up (closing the session releases it)."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


class Ticker:
    """APScheduler running the fixed set of interval jobs: tick and deliver."""

    def __init__(
        self,
        *,
        tick: Callable[[], Any],
        deliver: Callable[[], Any],
        clock: Clock,
        tick_every: float = 20.0,
        deliver_every: float = 1.0,
        maintain: Callable[[], Any] | None = None,
        interrupt: Callable[[], Any] | None = None,
    ) -> None:
        self._tick, self._deliver, self.clock = tick, deliver, clock
        self._maintain = maintain
        # Asks a running delivery to wrap up, so stopping never waits for a whole fan-out.
        self._interrupt = interrupt
        self.tick_every, self.deliver_every = tick_every, deliver_every
        self.scheduler = BackgroundScheduler(
            timezone="UTC",
            # Never drop a late run (APScheduler's default grace is 1 s). A run that comes while
            # the last one still works returns at once (see _guarded), so APScheduler may start
            # it (2 instances) instead of warning "maximum number of running instances reached".
            job_defaults={"coalesce": True, "max_instances": 2, "misfire_grace_time": None},
        )

    def start(self) -> None:
        """Register the jobs (here and only here) and start the background thread."""
        # APScheduler keeps wall time; the injected clock may run ahead (the sandbox's).
        first = datetime.now(UTC)
        self.scheduler.add_job(
            self._guarded(self._tick),
            "interval",
            seconds=self.tick_every,
            id="tick",
            next_run_time=first,
        )
        self.scheduler.add_job(
            self._guarded(self._deliver),
            "interval",
            seconds=self.deliver_every,
            id="deliver",
            next_run_time=first,
        )
        if self._maintain is not None:
            # Housekeeping (expired OAuth states): hourly, first a minute after start.
            self.scheduler.add_job(
                self._guarded(self._maintain),
                "interval",
                seconds=3600,
                id="maintain",
                next_run_time=first + timedelta(minutes=1),
            )
        self.scheduler.start()

    def poke(self) -> None:
        """Deliver now (after a listener queued something) instead of at the next interval."""
        job = self.scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def stop(self) -> None:
        """Stop the jobs: interrupt delivery, then wait for the running job to finish.

        Final for this process; SIGTERM handlers call it (see README, "Stopping").
        """
        if self._interrupt is not None:
            self._interrupt()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    @staticmethod
    def _guarded(job: Callable[[], Any]) -> Callable[[], None]:
        busy = threading.Lock()

        def run() -> None:
            if not busy.acquire(blocking=False):
                return  # the running one picks up whatever is new; never stack them
            # A job must survive a database blip: log it and let the next interval retry.
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed", getattr(job, "__name__", job))
            finally:
                busy.release()

        return run
