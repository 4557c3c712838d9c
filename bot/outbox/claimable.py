"""Which outbox rows a sender may claim now, and which are past their deadline.

Both are asked twice by a claim: first for ids in a read snapshot (no write lock when nothing
is due), then again by id, locked, in the claim's write transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from bot.outbox.store import SETTLED, mark_expired
from storage.scheduling import OutboxMessage
from storage.statuses import OutboxStatus


def _claimable(now: datetime, held: Collection[int] = ()) -> ColumnElement[bool]:
    ref = aliased(OutboxMessage)
    # A reply or an edit waits until the message it refers to is settled (sent, or never).
    settled = exists().where(
        ref.dedupe_key == func.coalesce(OutboxMessage.edit_of, OutboxMessage.thread_key),
        ref.status.in_(SETTLED),
    )
    ready = or_(and_(OutboxMessage.thread_key.is_(None), OutboxMessage.edit_of.is_(None)), settled)
    return and_(
        or_(
            and_(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
            ),
            # A lease that ran out: the sender holding it died (or stalled) mid-attempt.
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        ),
        ready,
        _not_held(held),
    )


def _not_held(held: Collection[int]) -> ColumnElement[bool]:
    """Not one of the rows the asking sender is posting right now: their lease may have run
    out on a clock that jumped (the sandbox's step), but they are not abandoned."""
    return OutboxMessage.id.not_in(sorted(held)) if held else true()


def due_ids(
    session: Session, *, now: datetime, limit: int, held: Collection[int] = ()
) -> list[int]:
    """Ids of the rows `due_rows` would return, oldest first, unlocked: asked in a read
    snapshot first, so a sender with nothing to claim never takes the write lock."""
    query = (
        select(OutboxMessage.id)
        .where(_claimable(now, held))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def due_rows(
    session: Session,
    *,
    now: datetime,
    limit: int,
    held: Collection[int] = (),
    among: Collection[int] | None = None,
) -> list[OutboxMessage]:
    """Rows that may be claimed now, oldest first, locked (skipping rows others hold);
    `held`: ids of rows the caller is posting now, never returned; `among`: only these ids
    (found by `due_ids`; each is checked again here)."""
    query = (
        select(OutboxMessage)
        .where(_claimable(now, held))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if among is not None:
        query = query.where(OutboxMessage.id.in_(sorted(among)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _late(now: datetime, held: Collection[int]) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        OutboxMessage.deadline.is_not(None),
        OutboxMessage.deadline <= now,
        or_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.lease_until < now),
        _not_held(held),
    )


def late_ids(session: Session, *, now: datetime, held: Collection[int] = ()) -> list[int]:
    """Ids of the unsent rows past their deadline (what `expire_due` expires), unlocked."""
    return list(session.scalars(select(OutboxMessage.id).where(_late(now, held))))


def expire_due(
    session: Session,
    *,
    now: datetime,
    held: Collection[int] = (),
    among: Collection[int] | None = None,
) -> int:
    """Mark every unsent row past its deadline `expired`, with the reason, and the replies and
    edits waiting on a message that expired; returns how many rows expired. `among`: only
    these ids (found by `late_ids`; each is checked again here).

    Runs before each claim, so a row is never sent after its deadline, whatever the outage.
    """
    if among is not None and not among:
        return 0
    query = select(OutboxMessage).where(_late(now, held)).with_for_update()
    if among is not None:
        query = query.where(OutboxMessage.id.in_(sorted(among)))
    late = list(session.scalars(query))
    for row in late:
        assert row.deadline is not None
        what = row.deadline_note or "message"
        mark_expired(row, f"{what}; its deadline {row.deadline:%a %d %b %H:%M} UTC has passed")
    count = len(late)
    keys = [row.dedupe_key for row in late]
    while keys:  # the thread replies (and their replies) of what expired
        waiting = list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    or_(OutboxMessage.thread_key.in_(keys), OutboxMessage.edit_of.in_(keys)),
                )
                .with_for_update()
            )
        )
        for row in waiting:
            mark_expired(row, "the message it belongs to expired")
        count += len(waiting)
        keys = [row.dedupe_key for row in waiting]
    return count
