"""Retention: what teamloop forgets once it is old and done, a small batch per transaction.

Purged after `TEAMLOOP_RETENTION_DAYS` (default 30): outbox rows that are finished for good
(`storage.statuses.OUTBOX_FINISHED`, their uploaded files with them), the event ids kept to
answer Slack's re-deliveries (Slack retries within minutes, never after days), and reminder
log rows. Never purged: anything still pending or being sent, a message a pending reply or
edit still points at, and the latest reminders of each item to each recipient (see KEEP).
Each call deletes at most `limit` rows, so a purge never holds the write lock for long.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from storage.models import ProcessedEvent
from storage.reminders import ReminderLog
from storage.scheduling import OutboxMessage
from storage.statuses import OUTBOX_FINISHED, OutboxStatus

BATCH = 500
# The reminder cadence looks at the last reminders of an item to a person: how many were
# sent (up to the length of the longest gap table, bot.services.reminders.DM_GAPS: 2) and
# when the last was; a streak's "once" needs its one row forever. Keeping the latest 2 rows
# per (rule, item, recipient) keeps every rule's answer the same.
KEEP = 2


def purge_outbox(*, session: Session, before: datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` finished outbox rows created and settled before `before`;
    returns how many. Rows a pending reply or edit refers to stay until that one settles."""
    live = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    referred = select(func.coalesce(OutboxMessage.edit_of, OutboxMessage.thread_key)).where(
        OutboxMessage.status.in_(live),
        or_(OutboxMessage.edit_of.is_not(None), OutboxMessage.thread_key.is_not(None)),
    )
    held = {key for key in session.scalars(referred) if key}
    ids = select(OutboxMessage.id).where(
        OutboxMessage.status.in_(OUTBOX_FINISHED),
        # Both: next_attempt_at is indexed with status; sent_at bounds a late send.
        OutboxMessage.next_attempt_at < before,
        OutboxMessage.created_at < before,
        or_(OutboxMessage.sent_at.is_(None), OutboxMessage.sent_at < before),
    )
    if held:
        ids = ids.where(OutboxMessage.dedupe_key.not_in(held))
    found = list(session.scalars(ids.order_by(OutboxMessage.id).limit(limit)))
    if found:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(found)))
    return len(found)


def purge_events(*, session: Session, before: datetime, limit: int = BATCH) -> int:
    """Delete up to `limit` processed event ids received before `before`; returns how many."""
    found = list(
        session.scalars(
            select(ProcessedEvent.event_id).where(ProcessedEvent.received_at < before).limit(limit)
        )
    )
    if found:
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id.in_(found)))
    return len(found)


def old_reminders(*, session: Session, before: datetime) -> list[int]:
    """Ids of reminder log rows from before `before` that are not among the latest KEEP of
    their (rule, item, recipient): one read; delete them with `delete_reminders`, a batch
    per transaction."""
    latest = (
        func.row_number()
        .over(
            partition_by=(
                ReminderLog.team_id,
                ReminderLog.rule,
                ReminderLog.item,
                ReminderLog.sent_to,
            ),
            order_by=(ReminderLog.at.desc(), ReminderLog.id.desc()),
        )
        .label("latest")
    )
    ranked = select(ReminderLog.id, ReminderLog.at, latest).subquery()
    return list(
        session.scalars(
            select(ranked.c.id)
            .where(ranked.c.latest > KEEP, ranked.c.at < before)
            .order_by(ranked.c.id)
        )
    )


def delete_reminders(*, session: Session, ids: list[int]) -> int:
    """Delete these reminder log rows (a batch of `old_reminders`); returns how many."""
    if not ids:
        return 0
    session.execute(delete(ReminderLog).where(ReminderLog.id.in_(ids)))
    return len(ids)
