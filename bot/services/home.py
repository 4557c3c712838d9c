"""The App Home dashboard: a person's own open items and the team's counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.readmodels import Dashboard
from bot.services import retro_actions
from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from storage.statuses import CLOSED_REQUIREMENT, BlockerStatus, RiskStatus

LIMIT = 20


def dashboard(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    now: datetime,
    is_private: Callable[[str], bool],
) -> Dashboard:
    """Open requirements they own or requested, blockers they reported or own, risks they
    own; items of private channels stay in those channels (counted, not listed)."""
    reqs = session.scalars(
        select(Requirement)
        .where(Requirement.team_id == team_id, Requirement.status.not_in(CLOSED_REQUIREMENT))
        .where(or_(Requirement.owner_id == user_id, Requirement.requester_id == user_id))
        .order_by(Requirement.due_date, Requirement.number)
    ).all()
    blks = session.scalars(
        select(Blocker)
        .where(Blocker.team_id == team_id, Blocker.status == BlockerStatus.OPEN)
        .where(or_(Blocker.owner_id == user_id, Blocker.reporter_id == user_id))
        .order_by(Blocker.opened_at)
    ).all()
    rsks = session.scalars(
        select(Risk).where(
            Risk.team_id == team_id, Risk.status == RiskStatus.OPEN, Risk.owner_id == user_id
        )
    ).all()
    every: list[Requirement | Blocker | Risk] = [*reqs, *blks, *rsks]
    channels = {x.channel_id for x in every}
    private = {c for c in channels if is_private(c)}
    shown = Dashboard(
        requirements=[r for r in reqs if r.channel_id not in private][:LIMIT],
        blockers=[b for b in blks if b.channel_id not in private][:LIMIT],
        risks=sorted((r for r in rsks if r.channel_id not in private), key=lambda r: -r.score)[
            :LIMIT
        ],
    )
    shown.hidden = len([x for x in every if x.channel_id in private])
    acts = retro_actions.owned_by(session=session, team_id=team_id, user_id=user_id)
    shown.actions = [a for a in acts if not is_private(a.channel_id)][:LIMIT]
    shown.counters = counters(session=session, team_id=team_id, now=now)
    return shown


def counters(*, session: Session, team_id: str, now: datetime) -> dict[str, int]:
    """The team's open counts and this week's feedback."""

    def count(stmt: object) -> int:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]

    return {
        "open requirements": count(
            select(func.count())
            .select_from(Requirement)
            .where(Requirement.team_id == team_id, Requirement.status.not_in(CLOSED_REQUIREMENT))
        ),
        "open blockers": count(
            select(func.count())
            .select_from(Blocker)
            .where(Blocker.team_id == team_id, Blocker.status == BlockerStatus.OPEN)
        ),
        "open risks": count(
            select(func.count())
            .select_from(Risk)
            .where(Risk.team_id == team_id, Risk.status == RiskStatus.OPEN)
        ),
        "feedback this week": count(
            select(func.count())
            .select_from(Feedback)
            .where(Feedback.team_id == team_id, Feedback.created_at > now - timedelta(days=7))
        ),
    }
