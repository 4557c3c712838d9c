"""Queries over requirements and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.orm import Session

from storage.models import HistoryEvent, Requirement
from storage.statuses import CLOSED_REQUIREMENT

# Built once and run on the Connection: captures are the hot path, and the ORM unit of work
# would cost more than the rest of the request.
_INSERT = insert(Requirement).returning(Requirement.id)


def insert_requirement(session: Session, values: dict[str, Any]) -> int:
    """Insert one requirement row and return its id."""
    return int(session.connection().execute(_INSERT, values).scalar_one())


@dataclass(frozen=True)
class RequirementQuery:
    """Filters for listing; `channel_id` None means every channel (only for one's own items)."""

    team_id: str
    channel_id: str | None = None
    involving: str | None = None
    owner_id: str | None = None
    label: str | None = None
    priority: str | None = None
    status: str | None = None
    include_closed: bool = False
    words: tuple[str, ...] = ()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(q: RequirementQuery) -> Select[Requirement]:
    stmt = select(Requirement).where(Requirement.team_id == q.team_id)
    if q.channel_id is not None:
        stmt = stmt.where(Requirement.channel_id == q.channel_id)
    if q.involving is not None:
        stmt = stmt.where(
            or_(Requirement.owner_id == q.involving, Requirement.requester_id == q.involving)
        )
    if q.owner_id is not None:
        stmt = stmt.where(Requirement.owner_id == q.owner_id)
    if q.priority is not None:
        stmt = stmt.where(Requirement.priority == q.priority)
    if q.status is not None:
        stmt = stmt.where(Requirement.status == q.status)
    elif not q.include_closed:
        stmt = stmt.where(Requirement.status.not_in(CLOSED_REQUIREMENT))
    for word in q.words:
        pattern = f"%{_escape_like(word.lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Requirement.title).like(pattern, escape="\\"),
                func.lower(Requirement.description).like(pattern, escape="\\"),
            )
        )
    return stmt


def find(
    session: Session, q: RequirementQuery, *, offset: int, limit: int
) -> tuple[list[Requirement], int]:
    """One page of matching requirements (priority, then newest) and the total count."""
    stmt = _filtered(q)
    if q.label is not None:
        # JSON containment differs per dialect; labels are few, so filter in Python.
        rows = [r for r in session.scalars(stmt.order_by(*_ORDER)) if q.label in (r.labels or [])]
        return rows[offset : offset + limit], len(rows)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(*_ORDER).offset(offset).limit(limit)))
    return rows, total


_ORDER = (Requirement.priority.asc(), Requirement.number.desc())


def by_number(
    session: Session, *, team_id: str, number: int, for_update: bool = False
) -> Requirement | None:
    """The requirement REQ-<number> of a workspace (row-locked when about to change it)."""
    stmt = select(Requirement).where(Requirement.team_id == team_id, Requirement.number == number)
    if for_update:
        # PostgreSQL: concurrent changes queue here instead of overwriting each other.
        # SQLite takes no row locks; BEGIN IMMEDIATE already serialises its writers.
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def by_source(session: Session, *, team_id: str, channel_id: str, ts: str) -> Requirement | None:
    """The requirement captured from a given message, if any."""
    return session.scalars(
        select(Requirement).where(
            Requirement.team_id == team_id,
            Requirement.source_channel_id == channel_id,
            Requirement.source_ts == ts,
        )
    ).one_or_none()


def history(
    session: Session, *, team_id: str, entity_id: int, limit: int
) -> Sequence[HistoryEvent]:
    """The latest changes of one requirement, newest first."""
    return session.scalars(
        select(HistoryEvent)
        .where(
            HistoryEvent.team_id == team_id,
            HistoryEvent.entity_type == "requirement",
            HistoryEvent.entity_id == entity_id,
        )
        .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc())
        .limit(limit)
    ).all()
