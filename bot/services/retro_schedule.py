"""Retros on a schedule: `/retro schedule every 2 weeks friday 15:00 <zone>` starts one
every N weeks (the ticker's `retro` kind)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.retros import DEFAULT_COLLECT, open_retro, start
from storage.scheduling import Occurrence, Schedule


def on_occurrence(
    *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
) -> int:
    """The scheduler's retro handler: start the channel's retro every `every_weeks` weeks
    (counted from the week the schedule was set), with the members stored at `/retro
    schedule`. A retro still open is left alone (nothing starts twice)."""
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
    )
    return queued + 1
