"""A channel's standup settings: schedule, questions, participants, away, status, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.parsing.standups import DEFAULT_QUESTIONS, MEMBER_ZONES, When
from bot.readmodels import Tally
from bot.scheduling.recurrence import WEEKDAYS, next_instant
from bot.services import calendar, people, schedules
from bot.services.actor import Actor
from bot.services.counters import ensure_workspace
from bot.services.schedules import PAUSED
from bot.services.standup_runs import DEFAULT_REMINDER_MINUTES, questions_of
from bot.views import reach as reach_views
from bot.views import standups as views
from storage.scheduling import Schedule
from storage.standups import Away, StandupResponse, StandupRun
from storage.statuses import ResponseStatus

KIND = "standup"
NOT_SET_UP = (
    "This channel has no standup yet. Type `/standup schedule weekdays 09:30 Europe/Berlin`."
)


def get(*, session: Session, actor: Actor, active_only: bool = False) -> Schedule:
    """The standup of the actor's channel."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == actor.team_id,
            Schedule.channel_id == actor.channel_id,
            Schedule.kind == KIND,
        )
    )
    if sched is None or (active_only and not sched.active):
        raise NotFound(NOT_SET_UP)
    return sched


def _zones(session: Session, team_id: str, config: dict[str, Any], fallback: str) -> list[str]:
    """One zone, or in member-zones mode every participant's own zone."""
    if config.get("mode") != MEMBER_ZONES:
        return [config.get("zone") or fallback]
    ids = list(config.get("participants") or [])
    known = people.known(session=session, team_id=team_id, user_ids=ids)
    zones = {known[u].tz or fallback for u in ids if u in known}
    return sorted(zones) or [fallback]


def configure(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    when: When,
    members: list[str] | None = None,
    participants: list[str] | None = None,
    questions: list[str] | None = None,
    reminder_minutes: int | None = None,
) -> Schedule:
    """Set (or change) the channel's standup; `members` refreshes a channel-members list."""
    ensure_workspace(session, team_id=actor.team_id, now=now)
    try:
        current = get(session=session, actor=actor)
        config = dict(current.config or {})
    except NotFound:
        config = {"owner": actor.user_id, "reminder_minutes": DEFAULT_REMINDER_MINUTES}
    config["mode"] = MEMBER_ZONES if when.zone is None else "channel"
    config["zone"] = when.zone or config.get("zone") or actor.zone.key
    if participants is not None:
        config["participants"], config["chosen"] = list(participants), True
    elif members is not None and not config.get("chosen"):
        known = people.known(session=session, team_id=actor.team_id, user_ids=members)
        config["participants"] = people.humans(known, members)
    if questions is not None:
        config["questions"] = questions
    if reminder_minutes is not None:
        config["reminder_minutes"] = reminder_minutes
    if not config.get("participants"):
        raise InvalidInput("Nobody to ask: invite people to this channel first.")
    return schedules.upsert(
        session=session,
        team_id=actor.team_id,
        channel_id=actor.channel_id,
        kind=KIND,
        weekdays=when.weekdays,
        local_time=when.local_time,
        zones=_zones(session, actor.team_id, config, actor.zone.key),
        now=now,
        config=config,
        actor_id=actor.user_id,
    )


def set_questions(
    *, session: Session, actor: Actor, now: datetime, questions: list[str]
) -> Schedule:
    """Change the questions (from the next run on)."""
    sched = get(session=session, actor=actor)
    sched.config = {**(sched.config or {}), "questions": questions}
    sched.updated_at = now
    return sched


def switch_off(*, session: Session, actor: Actor, now: datetime) -> bool:
    """Stop prompting; the history stays."""
    return schedules.switch_off(
        session=session, team_id=actor.team_id, channel_id=actor.channel_id, kind=KIND, now=now
    )


def set_away(*, session: Session, actor: Actor, now: datetime, until: date | None) -> None:
    """No prompts for the actor up to and including `until` (None: back now)."""
    row = session.get(Away, (actor.team_id, actor.user_id))
    if until is None:
        if row is not None:
            session.delete(row)
        return
    if until < actor.today(now):
        raise InvalidInput("That date has passed. Try `/standup away until friday`.")
    if row is None:
        row = Away(team_id=actor.team_id, user_id=actor.user_id)
        session.add(row)
    row.until, row.set_at = until, now


def pause(*, session: Session, actor: Actor, now: datetime) -> None:
    """*Pause my standups*: no prompts for the actor until `/standup back`."""
    set_away(session=session, actor=actor, now=now, until=calendar.PAUSED_UNTIL)


def membership_changed(
    *, session: Session, team_id: str, channel_id: str, user_id: str, joined: bool, now: datetime
) -> bool:
    """Keep a channel-members standup's participants in step with the channel."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id, Schedule.channel_id == channel_id, Schedule.kind == KIND
        )
    )
    if sched is None or (sched.config or {}).get("chosen"):
        return False
    config = dict(sched.config or {})
    current = list(config.get("participants") or [])
    if joined and user_id not in current:
        current.append(user_id)
    elif not joined and user_id in current:
        current.remove(user_id)
    else:
        return False
    config["participants"] = current
    sched.config, sched.updated_at = config, now
    sched.zones = _zones(session, team_id, config, sched.zones[0])
    return True


def sync_zones(*, session: Session, team_id: str, now: datetime) -> int:
    """After someone's Slack zone changed: member-zones standups fire in the new set of zones."""
    changed = 0
    for sched in session.scalars(
        select(Schedule).where(Schedule.team_id == team_id, Schedule.kind == KIND)
    ):
        config = sched.config or {}
        if config.get("mode") != MEMBER_ZONES:
            continue
        zones = _zones(session, team_id, config, sched.zones[0])
        if zones != sched.zones:
            sched.zones, sched.updated_at = zones, now
            changed += 1
    return changed


@dataclass(frozen=True)
class Status:
    """What `/standup status` shows."""

    schedule: Schedule
    next_at: datetime | None
    today: Tally | None
    away: list[str]


def status(*, session: Session, actor: Actor, now: datetime) -> Status:
    """The schedule, the next prompt, today's counts and who is away."""
    sched = get(session=session, actor=actor)
    config = sched.config or {}
    next_at = None
    if sched.active:
        next_at = min(
            next_instant(weekdays=sched.weekdays, local_time=sched.local_time, zone=z, after=now)
            for z in sched.zones
        )
    run = session.scalar(
        select(StandupRun).where(StandupRun.schedule_id == sched.id).order_by(StandupRun.day.desc())
    )
    today = None
    if run is not None and run.day >= actor.today(now):
        rows = list(
            session.scalars(select(StandupResponse).where(StandupResponse.run_id == run.id))
        )
        today = Tally(
            answered=[r.user_id for r in rows if r.status == ResponseStatus.ANSWERED],
            waiting=sum(r.status == ResponseStatus.PROMPTED for r in rows),
            skipped=sum(r.status == ResponseStatus.SKIPPED for r in rows),
            away=sum(r.status == ResponseStatus.AWAY for r in rows),
        )
    ids = list(config.get("participants") or [])
    known = people.known(session=session, team_id=actor.team_id, user_ids=ids)
    away = [
        f"{people.name_of(known, a.user_id)} (until {a.until:%a %d %b})"
        for a in session.scalars(
            select(Away).where(Away.team_id == actor.team_id, Away.user_id.in_(ids))
        )
        if a.until >= actor.today(now)
    ]
    away += [
        f"{p.name} ({reason})"
        for p in known.values()
        if (reason := people.status_away(p, now)) is not None
    ]
    return Status(sched, next_at, today, away)


def setup_values(sched: Schedule | None, *, default_zone: str) -> dict[str, Any]:
    """The setup form's current values (defaults when there is no standup yet)."""
    if sched is None:
        return {
            "weekdays": WEEKDAYS,
            "local_time": "09:30",
            "zone": default_zone,
            "participants": [],
            "questions": list(DEFAULT_QUESTIONS),
            "reminder_minutes": DEFAULT_REMINDER_MINUTES,
        }
    config = sched.config or {}
    member_zones = config.get("mode") == MEMBER_ZONES
    return {
        "weekdays": sched.weekdays,
        "local_time": sched.local_time,
        "zone": None if member_zones else config.get("zone") or sched.zones[0],
        "participants": list(config.get("participants") or []),
        "questions": questions_of(sched),
        "reminder_minutes": int(config.get("reminder_minutes", DEFAULT_REMINDER_MINUTES)),
    }


def status_blocks(state: Status) -> list[Any]:
    """The status view of a Status."""
    sched = state.schedule
    config = sched.config or {}
    zone_label = "each member's own zone" if config.get("mode") == MEMBER_ZONES else sched.zones[0]
    when = f"{views.describe(sched.weekdays)} at {sched.local_time}"
    if not sched.active and config.get(PAUSED):
        when += f" — paused: {reach_views.paused_why(config[PAUSED])}"
    elif not sched.active:
        when += " — switched off (`/standup schedule …` turns it back on)"
    return views.status(
        channel_id=sched.channel_id,
        schedule=when,
        next_at=state.next_at,
        zone_label=zone_label,
        questions=questions_of(sched),
        participants=len(config.get("participants") or []),
        today=state.today,
        away=state.away,
    )
