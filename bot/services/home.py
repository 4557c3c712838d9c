"""The App Home dashboard: a person's own open items and the team's counters."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.readmodels import Dashboard
from bot.services import retro_actions
from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from storage.statuses import CLOSED_REQUIREMENT, BlockerStatus, RiskStatus

LIMIT = 20


def _mine(user_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """Open requirements they own or requested, open blockers they reported or own, open
    risks they own (each side of an OR has its own index, so none is a table scan)."""
    return (
        and_(
            Requirement.status.not_in(CLOSED_REQUIREMENT),
            or_(Requirement.owner_id == user_id, Requirement.requester_id == user_id),
        ),
        and_(
            Blocker.status == BlockerStatus.OPEN,
            or_(Blocker.owner_id == user_id, Blocker.reporter_id == user_id),
        ),
        and_(Risk.status == RiskStatus.OPEN, Risk.owner_id == user_id),
    )


def channels_of(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The channels this person's open items live in (ask Slack which are private outside
    the transaction, then call `dashboard`)."""
    reqs, blks, rsks = _mine(user_id)
    found: set[str] = set()
    for model, mine in ((Requirement, reqs), (Blocker, blks), (Risk, rsks)):
        found.update(
            session.scalars(
                select(model.channel_id).where(model.team_id == team_id, mine).distinct()
            )
        )
    acts = retro_actions.owned_by(session=session, team_id=team_id, user_id=user_id)
    found.update(a.channel_id for a in acts)
    return found


def dashboard(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    now: datetime,
    private: set[str],
) -> Dashboard:
    """Open requirements they own or requested, blockers they reported or own, risks they
    own, at most LIMIT of each (limited in SQL); items of the `private` channels stay in
    those channels (counted, not listed), and what the LIMIT left out is counted per kind
    (`Dashboard.beyond`).

    Requirements come most urgent first: by due date (the overdue first; undated last, on
    both stores: SQLite sorts NULL first, PostgreSQL last), then priority, then number."""
    reqs, blks, rsks = _mine(user_id)
    hidden = 0
    if private:
        for model, mine in ((Requirement, reqs), (Blocker, blks), (Risk, rsks)):
            hidden += int(
                session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(model.team_id == team_id, mine, model.channel_id.in_(private))
                )
                or 0
            )
    shown = Dashboard(
        requirements=list(
            session.scalars(
                select(Requirement)
                .where(Requirement.team_id == team_id, reqs)
                .where(Requirement.channel_id.not_in(private))
                .order_by(
                    Requirement.due_date.is_(None),
                    Requirement.due_date,
                    Requirement.priority,
                    Requirement.number,
                )
                .limit(LIMIT)
            )
        ),
        blockers=list(
            session.scalars(
                select(Blocker)
                .where(Blocker.team_id == team_id, blks, Blocker.channel_id.not_in(private))
                .order_by(Blocker.opened_at)
                .limit(LIMIT)
            )
        ),
        risks=list(
            session.scalars(
                select(Risk)
                .where(Risk.team_id == team_id, rsks, Risk.channel_id.not_in(private))
                .order_by((Risk.likelihood * Risk.impact).desc(), Risk.id)
                .limit(LIMIT)
            )
        ),
    )
    shown.hidden = hidden
    for kind, model, mine, listed in (
        ("requirements", Requirement, reqs, shown.requirements),
        ("blockers", Blocker, blks, shown.blockers),
        ("risks", Risk, rsks, shown.risks),
    ):
        if len(listed) == LIMIT:  # only then can there be more
            total = session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.team_id == team_id, mine, model.channel_id.not_in(private))
            )
            if total and total > LIMIT:
                shown.beyond[kind] = int(total) - LIMIT
    acts = retro_actions.owned_by(session=session, team_id=team_id, user_id=user_id)
    shown.actions = [a for a in acts if a.channel_id not in private][:LIMIT]
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
