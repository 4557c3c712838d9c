"""The loop figures of a channel and period: feedback acknowledged within 2 working days,
feedback linked or shipped (by its state: declined is not), median days from feedback to
ship, retro actions done on time.

Read from the store as it is: acknowledged means `acknowledged_at` (an ack, a link or a
promote) by the end of the second working day after the feedback's day (the channel's
working days and holidays, `bot.services.calendar`); anonymous feedback has no time kept and
is not counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.readmodels import Loop
from bot.services import calendar, feedback_states, retro_actions
from storage.items import Feedback
from storage.models import Requirement
from storage.retros import RetroAction
from storage.statuses import FeedbackState, RequirementStatus

WORKING_DAYS = 2
LINKED_OR_SHIPPED = (FeedbackState.LINKED, FeedbackState.PLANNED, FeedbackState.SHIPPED)


def working_deadline(cal: calendar.Calendar, day: date, days: int = WORKING_DAYS) -> date:
    """The `days`-th working day after `day` (its end is the deadline)."""
    found = 0
    while found < days:
        day += timedelta(days=1)
        found += cal.working_day(day)
    return day


def _linked_or_shipped(session: Session, rows: Sequence[Feedback]) -> int:
    """Feedback whose state is linked, planned or shipped: not one a lead declined or whose
    requirement was rejected (it is declined, as its card and `/feedback list` say)."""
    ids = {fb.requirement_id for fb in rows if fb.requirement_id is not None}
    reqs = {r.id: r for r in session.scalars(select(Requirement).where(Requirement.id.in_(ids)))}
    return sum(
        1
        for fb in rows
        if fb.requirement_id in reqs
        and feedback_states.state_of(fb, reqs[fb.requirement_id]) in LINKED_OR_SHIPPED
    )


def figures(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
) -> Loop:
    """The loop of feedback created, and of requirements and actions closed or due, in
    (since, until]."""
    cal = calendar.for_channel(session=session, team_id=team_id, channel_id=channel_id, zone=zone)
    rows = session.scalars(
        select(Feedback)
        .where(Feedback.team_id == team_id, Feedback.channel_id == channel_id)
        .where(Feedback.anonymous.is_(False))
        .where(Feedback.created_at > since, Feedback.created_at <= until)
    ).all()
    acknowledged = 0
    for fb in rows:
        if fb.acknowledged_at is None:
            continue
        deadline = working_deadline(cal, fb.created_at.astimezone(zone).date())
        acknowledged += fb.acknowledged_at.astimezone(zone).date() <= deadline
    shipped = session.execute(
        select(Feedback.created_at, Requirement.closed_at)
        .join(Requirement, Requirement.id == Feedback.requirement_id)
        .where(Feedback.team_id == team_id, Feedback.channel_id == channel_id)
        .where(Feedback.anonymous.is_(False))
        .where(Requirement.status == RequirementStatus.DONE)
        .where(Requirement.closed_at > since, Requirement.closed_at <= until)
    ).all()
    days = [max(0, (closed - created).days) for created, closed in shipped if closed]
    today = until.astimezone(zone).date()
    acts = session.scalars(
        select(RetroAction)
        .where(RetroAction.team_id == team_id, RetroAction.channel_id == channel_id)
        .where(RetroAction.due_date > since.astimezone(zone).date())
        .where(RetroAction.due_date <= today)
    ).all()
    on_time, due = retro_actions.on_time(list(acts), today=today)
    return Loop(
        feedback=len(rows),
        acknowledged=acknowledged,
        linked=_linked_or_shipped(session, rows),
        shipped_days=days,
        actions_on_time=on_time,
        actions_due=due,
    )
