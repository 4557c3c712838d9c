"""What reminders and the weekly digest send (standups: `standup_runs`).

Each handler only writes outbox rows (in the ticker's transaction); the outbox sends them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import feedback
from bot.views import scheduled as views
from storage import outbox
from storage.models import Requirement
from storage.requirements import CLOSED
from storage.scheduling import Occurrence, Schedule


def _key(schedule: Schedule, occurrence: Occurrence, *parts: str) -> str:
    return ":".join(
        [schedule.kind, str(schedule.id), occurrence.due_at.strftime("%Y%m%dT%H%MZ"), *parts]
    )


def _open_in(session: Session, schedule: Schedule) -> list[Requirement]:
    return list(
        session.scalars(
            select(Requirement)
            .where(Requirement.team_id == schedule.team_id)
            .where(Requirement.channel_id == schedule.channel_id)
            .where(Requirement.status.not_in(CLOSED))
            .order_by(Requirement.due_date, Requirement.number)
        )
    )


def reminders(
    *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
) -> int:
    """Post the channel's overdue and soon-due requirements; nothing when there are none."""
    today = occurrence.due_at.astimezone(ZoneInfo(occurrence.zone)).date()
    soon = today + timedelta(days=int((schedule.config or {}).get("due_within_days", 2)))
    dated = [r for r in _open_in(session, schedule) if r.due_date is not None]
    overdue = [r for r in dated if r.due_date is not None and r.due_date < today]
    due_soon = [r for r in dated if r.due_date is not None and today <= r.due_date <= soon]
    if not overdue and not due_soon:
        return 0  # quiet: no message when there is nothing to act on
    text, blocks = views.reminders(overdue=overdue, due_soon=due_soon, today=today)
    return int(
        outbox.enqueue(
            session=session,
            team_id=schedule.team_id,
            dedupe_key=_key(schedule, occurrence),
            target=schedule.channel_id,
            text=text,
            blocks=blocks,
            now=now,
            occurrence_id=occurrence.id,
        )
    )


def weekly_digest(
    *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
) -> int:
    """Post what changed in the channel this week; nothing when the channel has no items."""
    zone = ZoneInfo(occurrence.zone)
    today = occurrence.due_at.astimezone(zone).date()
    since = occurrence.due_at - timedelta(days=7)
    base = select(Requirement).where(
        Requirement.team_id == schedule.team_id, Requirement.channel_id == schedule.channel_id
    )
    created = list(
        session.scalars(base.where(Requirement.created_at > since).order_by(Requirement.number))
    )
    done = list(
        session.scalars(
            base.where(Requirement.closed_at > since, Requirement.status == "done").order_by(
                Requirement.number
            )
        )
    )
    open_rows = session.execute(
        select(Requirement.status, func.count())
        .where(
            Requirement.team_id == schedule.team_id, Requirement.channel_id == schedule.channel_id
        )
        .where(Requirement.status.not_in(CLOSED))
        .group_by(Requirement.status)
    )
    open_by_status = dict(sorted(open_rows))
    # Anonymous feedback waits for this digest: never posted when its sender could be guessed.
    said = feedback.for_digest(
        session=session,
        team_id=schedule.team_id,
        channel_id=schedule.channel_id,
        since=since,
        now=now,
    )
    if not created and not done and not open_by_status and not said:
        return 0
    top = list(
        session.scalars(
            base.where(Requirement.status.not_in(CLOSED), Requirement.votes > 0)
            .order_by(Requirement.votes.desc(), Requirement.number)
            .limit(3)
        )
    )
    text, blocks = views.digest(
        week_of=today - timedelta(days=today.weekday()),
        created=created,
        done=done,
        open_by_status=open_by_status,
        top_voted=top,
        feedback=said,
        today=today,
    )
    return int(
        outbox.enqueue(
            session=session,
            team_id=schedule.team_id,
            dedupe_key=_key(schedule, occurrence),
            target=schedule.channel_id,
            text=text,
            blocks=blocks,
            now=now,
            occurrence_id=occurrence.id,
        )
    )
