"""Dedupe of deliveries: Slack re-sends events (same event_id), and a person whose submit took
over 3 s presses it again (same view id and hash); each delivery acts once."""

from __future__ import annotations

import hashlib
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


def first_time(*, session: Session, team_id: str, key: str | None, now: datetime) -> bool:
    """Record what identifies a delivery (`view:<id>:<hash>`, `cmd:<trigger id>`) in the
    caller's transaction: False when it was handled before. If the transaction rolls back
    (a refused form), the key goes too, so the corrected submit still counts. No key: True."""
    if not key:
        return True
    return first_delivery(
        session=session, team_id=team_id, event_id=delivery_id(team_id, key), now=now
    )


def delivery_id(team_id: str, key: str) -> str:
    """The stored id of a delivery key: scoped by workspace (ids are only unique within
    Slack's own bookkeeping), and hashed when longer than the column, never cut (two long
    keys must not become one)."""
    scoped = f"{team_id}:{key}"
    if len(scoped) > 64:
        scoped = "sha256:" + hashlib.sha256(scoped.encode()).hexdigest()[:57]
    return scoped
