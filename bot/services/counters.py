"""Per-workspace sequences for human ids, safe under concurrent writers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Counter, Workspace

# Built once: this runs on every capture, and building statements is most of its cost.
_BUMP = (
    update(Counter)
    .where(Counter.team_id == bindparam("t"), Counter.kind == bindparam("k"))
    .values(value=Counter.value + 1)
    .returning(Counter.value)
)


def ensure_workspace(session: Session, *, team_id: str, now: datetime) -> None:
    """Create the workspace row on first contact."""
    if session.get(Workspace, team_id) is None:
        try:
            with session.begin_nested():
                session.add(Workspace(team_id=team_id, created_at=now))
        except IntegrityError:
            pass  # another request created it first


def next_number(session: Session, *, team_id: str, kind: str, now: datetime) -> int:
    """Take the next number of `kind` in this workspace (the UPDATE locks the counter row)."""
    value = session.connection().execute(_BUMP, {"t": team_id, "k": kind}).scalar_one_or_none()
    if value is not None:
        return value
    # First item of this kind here: the workspace may be new too.
    ensure_workspace(session, team_id=team_id, now=now)
    try:
        with session.begin_nested():
            session.execute(insert(Counter).values(team_id=team_id, kind=kind, value=1))
        return 1
    except IntegrityError:
        return session.connection().execute(_BUMP, {"t": team_id, "k": kind}).scalar_one()
