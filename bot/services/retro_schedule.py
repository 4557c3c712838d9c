"""Retros on a schedule: `/retro schedule every 2 weeks friday 15:00 <zone>` starts one
every N weeks (the ticker's `retro` kind), asking the channel's members as they are then:
the list stored at `/retro schedule` follows `member_joined_channel` / `member_left_channel`."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.retros import ANONYMOUS_MIN, DEFAULT_COLLECT, open_retro, start
from storage.scheduling import Occurrence, Schedule

KIND = "retro"


def on_occurrence(
    *,
    session: Session,
    schedule: Schedule,
    occurrence: Occurrence,
    now: datetime,
    anonymous_min: int = ANONYMOUS_MIN,
) -> int:
    """The scheduler's retro handler: start the channel's retro every `every_weeks` weeks
    (counted from the week the schedule was set), with the channel's members as teamloop
    knows them (`membership_changed`), offering anonymity from `anonymous_min` people
    (TEAMLOOP_ANON_MIN_MEMBERS). A retro still open is left alone (nothing starts twice)."""
    config = schedule.config or {}
    every = int(config.get("every_weeks") or 1)
    zone = ZoneInfo(occurrence.zone)
    anchor = schedule.created_at.astimezone(zone).date()
    day = occurrence.due_at.astimezone(zone).date()
    weeks = (day - (anchor - timedelta(days=anchor.weekday()))).days // 7
    if weeks % every:
        return 0
    if open_retro(session=session, team_id=schedule.team_id, channel_id=schedule.channel_id):
        return 0
    _retro, queued = start(
        session=session,
        team_id=schedule.team_id,
        channel_id=schedule.channel_id,
        facilitator_id=schedule.created_by,
        members=list(config.get("members") or []),
        now=now,
        collect_for=timedelta(days=int(config.get("collect_days") or DEFAULT_COLLECT.days)),
        zone=zone,
        anonymous_min=anonymous_min,
    )
    return queued + 1


def membership_changed(
    *, session: Session, team_id: str, channel_id: str, user_id: str, joined: bool, now: datetime
) -> bool:
    """Someone joined or left a channel with a retro schedule: the next scheduled retro asks
    them, or no longer does. Returns whether the list changed."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id, Schedule.channel_id == channel_id, Schedule.kind == KIND
        )
    )
    if sched is None:
        return False
    config = dict(sched.config or {})
    members = list(config.get("members") or [])
    if joined and user_id not in members:
        members.append(user_id)
    elif not joined and user_id in members:
        members.remove(user_id)
    else:
        return False
    config["members"] = members
    sched.config, sched.updated_at = config, now
    return True
