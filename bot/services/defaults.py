"""Default schedules, with no setup: daily reminders and a Monday digest at 09:00 (in
TEAMLOOP_TIMEZONE) for every channel that has items. A channel that switched one off keeps
its switched-off row, so the default never comes back by itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CompoundSelect, select, union
from sqlalchemy.orm import Session

from bot.services import schedules
from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from storage.scheduling import SchedulerState

WATERMARK = "defaults"
SLACK = timedelta(minutes=5)


def _channels_since(since: datetime | None) -> CompoundSelect[str, str]:
    parts = []
    for model, created in (
        (Requirement, Requirement.created_at),
        (Feedback, Feedback.created_at),
        (Blocker, Blocker.opened_at),
        (Risk, Risk.created_at),
    ):
        query = select(model.team_id, model.channel_id).distinct()
        parts.append(query if since is None else query.where(created >= since))
    return union(*parts)


def ensure(*, session: Session, zone: str, now: datetime) -> int:
    """Create the defaults for channels with items added since the last call; returns how many."""
    mark = session.get(SchedulerState, WATERMARK, with_for_update=True)
    # A margin: an item whose transaction began before the last call but committed after it.
    since = mark.at - SLACK if mark is not None else None
    created = 0
    for team_id, channel_id in session.execute(_channels_since(since)).all():
        for kind in ("reminders", "digest"):
            created += schedules.ensure_default(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                kind=kind,
                zone=zone,
                now=now,
            )
    if mark is None:
        session.add(SchedulerState(name=WATERMARK, at=now))
    else:
        mark.at = max(mark.at, now)
    return created
