"""The event history: every change to a tracked item is one row."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import HistoryEvent

Value = str | int | date | None
_INSERT = insert(HistoryEvent)


def record(
    session: Session,
    *,
    team_id: str,
    entity_type: str,
    entity_id: int,
    channel_id: str | None,
    actor_id: str | None,
    field: str,
    old: Value,
    new: Value,
    now: datetime,
) -> None:
    """Append one change (who, when, field, old -> new)."""
    # A Core insert: history rows are written on every change and never read back here.
    session.connection().execute(
        _INSERT,
        {
            "team_id": team_id,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "channel_id": channel_id,
            "actor_id": actor_id,
            "at": now,
            "field": field,
            "old_value": None if old is None else str(old),
            "new_value": None if new is None else str(new),
        },
    )
