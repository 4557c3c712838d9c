"""Dedupe of Events API deliveries: Slack re-sends events; each event_id is handled once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent


def first_delivery(*, session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record the event id; False when it was seen before (a re-delivery)."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, team_id=team_id, received_at=now))
    except IntegrityError:
        return False
    return True
