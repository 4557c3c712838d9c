"""Risk register rules: identify, assess (likelihood × impact), mitigate, review, close."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.parsing.common import shorten
from bot.parsing.items import TEXT_MAX
from bot.parsing.slack_text import too_long
from bot.services import items
from bot.services.actor import Actor
from storage.items import Risk
from storage.statuses import RiskStatus

KIND = "risk"
HINT = "Type `/risk list` to see the register."


def _score(value: int | None, name: str) -> int:
    if value is None:
        return 3
    if not 1 <= value <= 5:
        raise InvalidInput(f"{name.title()} is 1 to 5.", field=name)
    return value


def create(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    likelihood: int | None = None,
    impact: int | None = None,
    owner_id: str | None = None,
) -> Risk:
    """Add a risk to the channel's register (likelihood and impact default to 3)."""
    text = text.strip()
    if not text:
        raise InvalidInput(
            "Describe the risk: `/risk new Vendor API may slip likelihood 4 impact 5`."
        )
    if len(text) > TEXT_MAX:
        raise too_long("Text is", TEXT_MAX, text, field="text")
    risk = Risk(
        team_id=actor.team_id,
        number=items.next_number(session, actor, KIND, now),
        text=text,
        likelihood=_score(likelihood, "likelihood"),
        impact=_score(impact, "impact"),
        status=RiskStatus.OPEN,
        owner_id=owner_id,
        reporter_id=actor.user_id,
        channel_id=actor.channel_id,
        mitigation="",
        created_at=now,
        updated_at=now,
    )
    session.add(risk)
    session.flush()
    items.change(session, risk, KIND, actor.user_id, "created", None, shorten(text, 200), now)
    return risk


def get(*, session: Session, actor: Actor, number: int) -> Risk:
    """RSK-n, seen from the actor's channel (or by its owner)."""
    return items.by_number(
        session, Risk, actor, number, prefix="RSK", hint=HINT, involved=("owner_id", "reporter_id")
    )


def register(*, session: Session, actor: Actor, limit: int = 30) -> list[Risk]:
    """The channel's open risks, highest score first."""
    rows = session.scalars(
        select(Risk)
        .where(Risk.team_id == actor.team_id, Risk.channel_id == actor.channel_id)
        .where(Risk.status == RiskStatus.OPEN)
    )
    return sorted(rows, key=lambda r: (-r.score, r.review_date or date.max, r.number))[:limit]


def update(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    number: int,
    likelihood: int,
    impact: int,
    owner_id: str | None,
    mitigation: str,
    review_date: date | None,
) -> Risk:
    """Save the risk's modal: every changed field goes to the history."""
    risk = get(session=session, actor=actor, number=number)
    if review_date is not None and review_date < actor.today(now):
        raise InvalidInput("The review date is in the past; pick today or later.", field="review")
    if len(mitigation) > TEXT_MAX:
        raise too_long("Mitigations are", TEXT_MAX, mitigation, field="mitigation")
    new = {
        "likelihood": _score(likelihood, "likelihood"),
        "impact": _score(impact, "impact"),
        "owner_id": owner_id,
        "mitigation": mitigation.strip(),
        "review_date": review_date,
    }
    for field, value in new.items():
        old = getattr(risk, field)
        if old != value:
            setattr(risk, field, value)
            items.change(session, risk, KIND, actor.user_id, field, old, value, now)
    risk.updated_at = now
    return risk


def close(*, session: Session, actor: Actor, now: datetime, number: int) -> Risk:
    """Close a risk (it passed, or is mitigated)."""
    risk = get(session=session, actor=actor, number=number)
    if risk.status == RiskStatus.CLOSED:
        raise InvalidInput(f"{risk.ref} is already closed.")
    risk.status, risk.closed_at, risk.updated_at = RiskStatus.CLOSED, now, now
    items.change(session, risk, KIND, actor.user_id, "status", "open", "closed", now)
    return risk
