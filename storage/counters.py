"""Per-workspace sequences for human ids, safe under concurrent writers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Counter, Workspace


def ensure_workspace(session: Session, *, team_id: str, now: datetime) -> None:
    """Create the workspace row on first contact."""
    if session.get(Workspace, team_id) is None:
        try:
            with session.begin_nested():
                session.add(Workspace(team_id=team_id, created_at=now))
        except IntegrityError:
            pass  # another request created it first


def next_number(session: Session, *, team_id: str, kind: str) -> int:
    """Take the next number of `kind` in this workspace (row-locked by the UPDATE)."""
    stmt = (
        update(Counter)
        .where(Counter.team_id == team_id, Counter.kind == kind)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return value
    try:
        with session.begin_nested():
            session.execute(insert(Counter).values(team_id=team_id, kind=kind, value=1))
        return 1
    except IntegrityError:
        return session.execute(stmt).scalar_one()


def current(session: Session, *, team_id: str, kind: str) -> int:
    """The last number handed out (0 when none)."""
    row = session.execute(
        select(Counter.value).where(Counter.team_id == team_id, Counter.kind == kind)
    ).scalar_one_or_none()
    return row or 0
