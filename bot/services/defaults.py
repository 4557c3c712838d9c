"""Default schedules, with no setup: daily reminders and a Monday digest at 09:00 (in
TEAMLOOP_TIMEZONE) for every channel that has items (retro actions count). A channel that
switched one off keeps its switched-off row, so the default never comes back by itself."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import schedules
from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from storage.retros import RetroAction
from storage.scheduling import ChannelReach, SchedulerState

WATERMARK = "defaults"
SLACK = timedelta(minutes=5)


def _channels_since(session: Session, since: datetime | None) -> dict[tuple[str, str], datetime]:
    """Channels with items added since `since`, each with its earliest such item's time."""
    first: dict[tuple[str, str], datetime] = {}
    for model, created in (
        (Requirement, Requirement.created_at),
        (Feedback, Feedback.created_at),
        (Blocker, Blocker.opened_at),
        (Risk, Risk.created_at),
        (RetroAction, RetroAction.created_at),
    ):
        query = select(model.team_id, model.channel_id, func.min(created)).group_by(
            model.team_id, model.channel_id
        )
        if since is not None:
            query = query.where(created >= since)
        for team_id, channel_id, at in session.execute(query):
            key = (team_id, channel_id)
            first[key] = min(at, first.get(key, at))
    return first


def ensure(
    *,
    session: Session,
    zone: str,
    now: datetime,
    catch_up: Mapping[str, timedelta] | None = None,
) -> int:
    """Create the defaults for channels with items added since the last call; returns how many.

    A default starts when the channel's first item came, so a tick that runs late (or
    `run-due` after a quiet spell) still catches its first occurrence within the window;
    but never earlier than its kind's `catch_up` (the ticker's registry: how late an
    occurrence may still run) before `now`. An occurrence due before that was never owed:
    the schedule did not exist then, and counting it would only record it as skipped and
    warn of a miss (a store whose first tick comes days after its first items, the sandbox's
    demo captured a week back). Without `catch_up`, defaults start at `now`.
    """
    mark = session.get(SchedulerState, WATERMARK, with_for_update=True)
    # A margin: an item whose transaction began before the last call but committed after it.
    since = mark.at - SLACK if mark is not None else None
    created = 0
    # A channel teamloop can't post in gets no schedule that could never post (bot.services.reach).
    unreachable = {(r.team_id, r.channel_id) for r in session.scalars(select(ChannelReach))}
    for (team_id, channel_id), first in sorted(_channels_since(session, since).items()):
        if (team_id, channel_id) in unreachable:
            continue
        # A digest reports to a team; items captured in someone's DM with the app have none.
        kinds = ("reminders",) if channel_id.startswith("D") else ("reminders", "digest")
        for kind in kinds:
            owed_from = now - (catch_up or {}).get(kind, timedelta(0))
            created += schedules.ensure_default(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                kind=kind,
                zone=zone,
                now=min(max(first, owed_from), now),
            )
    if mark is None:
        session.add(SchedulerState(name=WATERMARK, at=now))
    else:
        mark.at = max(mark.at, now)
    return created


def ensure_channel(
    *, session: Session, team_id: str, channel_id: str, zone: str, now: datetime
) -> int:
    """The defaults of one channel that has items, from now (the bot was just invited back
    where it had been unable to post); returns how many were created."""
    first = _channels_since(session, None).get((team_id, channel_id))
    if first is None:
        return 0
    kinds = ("reminders",) if channel_id.startswith("D") else ("reminders", "digest")
    return sum(
        schedules.ensure_default(
            session=session, team_id=team_id, channel_id=channel_id, kind=kind, zone=zone, now=now
        )
        for kind in kinds
    )
