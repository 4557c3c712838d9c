"""Occurrences: the instants due since the last tick, each inserted once under a UNIQUE
(schedule, instant) constraint and run in the same transaction, or recorded as skipped. A
kind with `prepare` reads (and renders) in a snapshot just before that transaction, which
then only writes."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.recurrence import instants
from bot.scheduling.registry import OccurrenceHandler, Registry
from storage.db import insert_ignore, read, transaction
from storage.models import Workspace
from storage.scheduling import Occurrence, Schedule, SchedulerState
from storage.statuses import OccurrenceStatus

log = logging.getLogger(__name__)

_uninstalled = Workspace.uninstalled_at.is_not(None)

WATERMARK = "occurrences"


# How far back a tick looks after downtime (older occurrences are not recorded at all).
LOOKBACK = timedelta(days=7)


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


def offset(*, team_id: str, channel_id: str, spread: timedelta) -> timedelta:
    """A channel's fixed place within `spread`: the same every time and on every replica
    (a hash of the channel, not a random draw), so its work starts at one known instant."""
    millis = int(spread.total_seconds() * 1000)
    if millis <= 0:
        return timedelta(0)
    return timedelta(milliseconds=zlib.crc32(f"{team_id}:{channel_id}".encode()) % millis)


def tick(
    *,
    sessions: sessionmaker[Session],
    registry: Registry,
    now: datetime,
    spread: timedelta = timedelta(0),
) -> TickReport:
    """Record every occurrence due in (last tick, now] and run it, each in one transaction.

    With `spread`, an occurrence of a kind registered with `spread=True` runs once `now`
    reaches its instant plus its channel's offset (`offset`); the window looks back `spread`
    so none is missed, and one already recorded is left alone (the UNIQUE constraint would
    refuse it anyway)."""
    with transaction(sessions) as session:
        state = session.get(SchedulerState, WATERMARK)
        since = state.at if state else None
        schedules = session.execute(
            select(
                Schedule.id,
                Schedule.team_id,
                Schedule.channel_id,
                Schedule.kind,
                Schedule.weekdays,
                Schedule.local_time,
                Schedule.zones,
                Schedule.created_at,
            )
            .where(Schedule.active.is_(True))
            # An uninstalled workspace keeps its schedules but nothing fires for it.
            .where(~exists().where(Workspace.team_id == Schedule.team_id, _uninstalled))
        ).all()
        recorded: set[tuple[int, datetime]] = set()
        if spread and since is not None:
            recorded = {
                (sid, at)
                for sid, at in session.execute(
                    select(Occurrence.schedule_id, Occurrence.due_at).where(
                        Occurrence.due_at > since - spread, Occurrence.due_at <= now
                    )
                )
            }
    due: dict[tuple[int, datetime], tuple[str, datetime, str]] = {}
    for sched in schedules:
        kind = registry.kinds.get(sched.kind)
        lag, back = timedelta(0), timedelta(0)
        if spread and kind is not None and kind.spread:
            lag = offset(team_id=sched.team_id, channel_id=sched.channel_id, spread=spread)
            back = spread
        start = since - back if since is not None else None
        for when, zone in _due(sched, since=start, now=now):
            if when + lag > now or (sched.id, when) in recorded:
                continue  # its turn comes at a later tick, or it has run
            due.setdefault((sched.id, when), (zone, when + lag, sched.kind))
    report = TickReport()
    for (schedule_id, when), (zone, _turn, kind_name) in sorted(
        due.items(), key=lambda kv: (kv[1][1], kv[0][0])
    ):
        _fire(
            sessions,
            registry,
            schedule_id=schedule_id,
            kind_name=kind_name,
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
    kind_name: str,
    when: datetime,
    zone: str,
    now: datetime,
    report: TickReport,
) -> None:
    # A kind that prepares reads and renders in a snapshot first, so SQLite's writer lock
    # (which captures wait for) is held only for the occurrence's writes.
    prepared: OccurrenceHandler | None = None
    failure: str | None = None
    kind = registry.kinds.get(kind_name)
    if kind is not None and kind.prepare is not None and now - when <= kind.catch_up:
        try:
            with read(sessions) as snapshot:
                found = snapshot.get(Schedule, schedule_id)
                if found is None or not found.active:
                    return
                prepared = kind.prepare(
                    session=snapshot, schedule=found, due_at=when, zone=zone, now=now
                )
        except Exception as exc:
            # Recorded on the occurrence below, as a handler's failure is.
            log.exception("%s occurrence %s failed", kind.name, when)
            failure = f"{type(exc).__name__}: {exc}"
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
        elif failure is not None:
            occurrence.status, occurrence.reason = OccurrenceStatus.FAILED, failure
            report.failed += 1
        else:
            try:
                with session.begin_nested():
                    sent = (prepared or kind.handler)(
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
