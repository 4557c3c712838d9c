"""Read the whole store for export (every workspace), with history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import HistoryEvent, Requirement


def requirements(*, session: Session, with_history: bool) -> list[dict[str, Any]]:
    """Every requirement as a plain dict (dates ISO), optionally with its change history."""
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if with_history:
        rows = session.scalars(
            select(HistoryEvent)
            .where(HistoryEvent.entity_type == "requirement")
            .order_by(HistoryEvent.at, HistoryEvent.id)
        )
        for ev in rows:
            changes[ev.entity_id].append(
                {
                    "at": ev.at.isoformat(),
                    "actor": ev.actor_id,
                    "field": ev.field,
                    "old": ev.old_value,
                    "new": ev.new_value,
                }
            )
    out = []
    for r in session.scalars(select(Requirement).order_by(Requirement.team_id, Requirement.number)):
        item: dict[str, Any] = {
            "team_id": r.team_id,
            "id": r.ref,
            "title": r.title,
            "description": r.description,
            "status": r.status,
            "priority": r.priority,
            "owner": r.owner_id,
            "requester": r.requester_id,
            "channel": r.channel_id,
            "labels": list(r.labels),
            "due_date": r.due_date.isoformat() if r.due_date else None,
            "votes": r.votes,
            "permalink": r.permalink,
            "close_reason": r.close_reason,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "closed_at": r.closed_at.isoformat() if r.closed_at else None,
        }
        if with_history:
            item["history"] = changes.get(r.id, [])
        out.append(item)
    return out
