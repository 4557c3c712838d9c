"""Channels teamloop cannot post in: what it learned, and what it does about it.

Slack tells teamloop it cannot post in a channel in three ways: a post fails (`not_in_channel`,
`channel_not_found`, `is_archived`, `restricted_action`), an event says the bot was removed
or the channel archived, or `conversations.info` says so when a command is typed there. Each
is recorded once per channel (`ChannelReach`); while it stands the channel gets no default
schedules, its schedules are paused (never failing every day), and each person who set one
up is told once, by DM, in their working hours. Inviting the bot back (or unarchiving the
channel) resumes them. Source of the error codes: Slack's chat.postMessage reference and
../shared/slack/BEHAVIOUR.md ("Where the app can't go").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.errors import REACH_CODES
from bot.outbox import store as outbox
from bot.services import calendar, defaults
from bot.services.schedules import PAUSED
from bot.views import reach as views
from storage.scheduling import ChannelReach, OutboxMessage, Schedule
from storage.statuses import OutboxStatus

# How far ahead a pause notice may wait for the person's working hours (holidays, away).
NOTICE_HORIZON_DAYS = 21


def known(*, session: Session, team_id: str, channel_id: str) -> ChannelReach | None:
    """What teamloop learned about posting in this channel, if anything."""
    return session.get(ChannelReach, (team_id, channel_id))


def learn(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    error: str,
    now: datetime,
    zone: str,
    asked_by: str | None = None,
) -> int:
    """Record that posting in the channel fails with Slack's `error`; pause its running
    schedules, tell each person who set one up (once, in their working hours, in `zone` when
    their own is unknown) and cancel what is still queued for the channel. `asked_by`: who
    asked for the refused post (`/digest now`, promised "in a moment" before Slack could
    say no: `restricted_action` can't be known in advance), told at once that it died and
    what to do. Returns how many schedules were paused (0 when they already were: a second
    failure tells nobody again). Raises ValueError for an error that is not about reaching a
    channel."""
    if error not in REACH_CODES:
        raise ValueError(f"not a reach error: {error}")
    row = session.get(ChannelReach, (team_id, channel_id), with_for_update=True)
    if row is None:
        session.add(ChannelReach(team_id=team_id, channel_id=channel_id, error=error,
                                 learned_at=now, refused_at=None))  # fmt: skip
    elif row.error != error:
        row.error, row.learned_at, row.refused_at = error, now, None
    running = list(
        session.scalars(
            select(Schedule)
            .where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
            .where(Schedule.active.is_(True))
            .order_by(Schedule.kind)
            .with_for_update()
        )
    )
    by_person: dict[str, list[str]] = {}
    for sched in running:
        sched.active, sched.updated_at = False, now
        sched.config = {**(sched.config or {}), PAUSED: error}
        if sched.created_by:
            by_person.setdefault(sched.created_by, []).append(sched.kind)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, OutboxMessage.channel_id == channel_id)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error=f"channel unreachable: {error}")
    )
    if asked_by:
        text = views.refused_digest(channel_id=channel_id, error=error)
        outbox.enqueue(session=session, team_id=team_id, target=asked_by, text=text,
                       dedupe_key=f"reach:asked:{channel_id}:{asked_by}:{now:%Y%m%dT%H%M%S}",
                       now=now, deadline=now + timedelta(days=1),
                       deadline_note="a digest could not be posted")  # fmt: skip
    cal = calendar.for_channel(
        session=session, team_id=team_id, channel_id=channel_id, zone=ZoneInfo(zone)
    )
    for user, kinds in sorted(by_person.items()):
        at = _first_slot(session, cal, team_id, user, now)
        text, blocks = views.paused_notice(channel_id=channel_id, error=error, kinds=kinds)
        outbox.enqueue(
            session=session,
            team_id=team_id,
            dedupe_key=f"reach:{channel_id}:{user}:{now:%Y%m%dT%H%M%S}",
            target=user,
            text=text,
            blocks=blocks,
            now=now,
            not_before=at,
        )
    return len(running)


def _first_slot(
    session: Session, cal: calendar.Calendar, team_id: str, user: str, now: datetime
) -> datetime:
    """The person's first working-hours instant from now (their weekend, holidays and time
    away skipped), looking NOTICE_HORIZON_DAYS ahead; after that, at that horizon."""
    for day in range(NOTICE_HORIZON_DAYS):
        at = calendar.slot(
            session=session, calendar=cal, team_id=team_id, user_id=user,
            now=now + timedelta(days=day) if day else now,
        )  # fmt: skip
        if at is not None:
            return at
    return now + timedelta(days=NOTICE_HORIZON_DAYS)


def forget(*, session: Session, team_id: str, channel_id: str, now: datetime) -> int:
    """The bot may post in the channel again (invited back, unarchived): resume the schedules
    paused for it, from now on (nothing missed is caught up). Returns how many resumed."""
    row = session.get(ChannelReach, (team_id, channel_id), with_for_update=True)
    if row is not None:
        session.delete(row)
    paused = session.scalars(
        select(Schedule)
        .where(Schedule.team_id == team_id, Schedule.channel_id == channel_id)
        .where(Schedule.active.is_(False))
        .with_for_update()
    )
    resumed = 0
    for sched in paused:
        if PAUSED not in (sched.config or {}):
            continue  # switched off by a person: stays off
        sched.config = {k: v for k, v in sched.config.items() if k != PAUSED}
        sched.active, sched.created_at, sched.updated_at = True, now, now
        resumed += 1
    return resumed


def refusal(
    *, session: Session, team_id: str, channel_id: str, now: datetime, zone: str
) -> str | None:
    """The error to refuse a command with, from what was learned, or None to go ahead.

    Called once Slack's `conversations.info` said the bot may post in the channel. Only
    `restricted_action` stays a refusal (Slack cannot say whether apps may post): refused
    once, then the next try goes ahead, since no API tells whether an admin lifted the
    restriction (a post that fails again is learned again). Anything else learned is stale
    (Slack just said otherwise): it is dropped and the paused schedules resume, with the
    defaults the channel was left without (in `zone`)."""
    row = session.get(ChannelReach, (team_id, channel_id), with_for_update=True)
    if row is None:
        return None
    if row.error.startswith("restricted_action") and (
        row.refused_at is None or row.refused_at < row.learned_at
    ):
        row.refused_at = now
        return row.error
    forget(session=session, team_id=team_id, channel_id=channel_id, now=now)
    defaults.ensure_channel(
        session=session, team_id=team_id, channel_id=channel_id, zone=zone, now=now
    )
    return None
