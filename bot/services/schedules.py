"""Schedules of a channel: create or change, switch off, and what ran."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.scheduling.recurrence import DAILY, parse_hhmm, parse_weekdays
from bot.services.actor import Actor
from bot.services.counters import ensure_workspace
from storage.db import insert_ignore
from storage.scheduling import Occurrence, Schedule

KINDS = ("standup", "digest", "reminders", "retro")
# Config key of a schedule paused because teamloop can't post in its channel (the value is
# Slack's error); see bot.services.reach. A person setting it up again resumes it.
PAUSED = "paused"


def upsert(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    kind: str,
    weekdays: str,
    local_time: str,
    zones: list[str],
    now: datetime,
    config: dict[str, Any] | None = None,
    actor_id: str | None = None,
) -> Schedule:
    """Set a channel's schedule of `kind` (one per channel and kind) and switch it on."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown schedule kind {kind!r}.", field="kind")
    try:
        parse_weekdays(weekdays)
        parse_hhmm(local_time)
    except ValueError as exc:
        raise InvalidInput(
            "Give days like mon,wed,fri and a time like 09:30.", field="when"
        ) from exc
    if not zones:
        raise InvalidInput("A schedule needs a time zone, e.g. Europe/Berlin.", field="zone")
    ensure_workspace(session, team_id=team_id, now=now)
    sched = session.scalar(
        select(Schedule)
        .where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
        .where(Schedule.kind == kind)
        .with_for_update()
    )
    if sched is None:
        sched = Schedule(team_id=team_id, channel_id=channel_id, kind=kind, created_at=now)
        session.add(sched)
    elif not sched.active:
        # Switched back on: occurrences before now must not be caught up.
        sched.created_at = now
    sched.weekdays, sched.local_time, sched.zones = weekdays, local_time, list(zones)
    merged = {**(sched.config or {}), **(config or {})}
    sched.config = {k: v for k, v in merged.items() if k != PAUSED}
    sched.active, sched.created_by, sched.updated_at = True, actor_id, now
    session.flush()
    return sched


def switch_off(
    *, session: Session, team_id: str, channel_id: str, kind: str, now: datetime
) -> bool:
    """Stop a channel's schedule of `kind`; False when there was none running."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id, Schedule.channel_id == channel_id, Schedule.kind == kind
        )
    )
    if sched is not None and PAUSED in (sched.config or {}):
        # Paused (teamloop can't post there) and now switched off: it stays off when the
        # bot is invited back.
        sched.config = {k: v for k, v in sched.config.items() if k != PAUSED}
        sched.updated_at = now
        return True
    if sched is None or not sched.active:
        return False
    sched.active, sched.updated_at = False, now
    return True


def occurrences(*, session: Session, schedule_id: int, limit: int = 20) -> list[Occurrence]:
    """The newest occurrences of a schedule."""
    return list(
        session.scalars(
            select(Occurrence)
            .where(Occurrence.schedule_id == schedule_id)
            .order_by(Occurrence.due_at.desc())
            .limit(limit)
        )
    )


def of_channel(*, session: Session, team_id: str, channel_id: str) -> dict[str, Schedule]:
    """A channel's schedules by kind."""
    rows = session.scalars(
        select(Schedule).where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
    )
    return {s.kind: s for s in rows}


DEFAULT_TIMES = {"digest": ("MO", "09:00"), "reminders": (DAILY, "09:00")}


def ensure_default(
    *, session: Session, team_id: str, channel_id: str, kind: str, zone: str, now: datetime
) -> bool:
    """Create the default digest or reminders schedule of a channel unless it has one (on or
    off); True when created."""
    weekdays, local_time = DEFAULT_TIMES[kind]
    values = {
        "team_id": team_id,
        "channel_id": channel_id,
        "kind": kind,
        "weekdays": weekdays,
        "local_time": local_time,
        "zones": [zone],
        "config": {},
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    ensure_workspace(session, team_id=team_id, now=now)
    conflict = ["team_id", "channel_id", "kind"]
    return insert_ignore(session, Schedule, values, conflict=conflict) is not None


def turn_off(*, session: Session, actor: Actor, kind: str, now: datetime) -> None:
    """Switch a channel's digest or reminders off, keeping the row so defaults stay off too."""
    ensure_default(
        session=session,
        team_id=actor.team_id,
        channel_id=actor.channel_id,
        kind=kind,
        zone=actor.zone.key,
        now=now,
    )
    switch_off(
        session=session, team_id=actor.team_id, channel_id=actor.channel_id, kind=kind, now=now
    )


def set_for_channel(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    weekdays: str,
    local_time: str,
    zone: str,
    now: datetime,
) -> Schedule:
    """`/digest schedule` and `/digest reminders`: the actor's channel."""
    return upsert(
        session=session,
        team_id=actor.team_id,
        channel_id=actor.channel_id,
        kind=kind,
        weekdays=weekdays,
        local_time=local_time,
        zones=[zone],
        now=now,
        actor_id=actor.user_id,
    )


def channel_schedules(*, session: Session, actor: Actor) -> dict[str, Schedule]:
    """The actor's channel's schedules by kind."""
    return of_channel(session=session, team_id=actor.team_id, channel_id=actor.channel_id)
