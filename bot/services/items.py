"""What feedback, blockers and risks share: numbering, history, lookup with channel scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.services import card_notes, cards, counters, history, standup_reply
from bot.services.actor import Actor

T = TypeVar("T")


def next_number(session: Session, actor: Actor, kind: str, now: datetime) -> int:
    """The next human number of `kind` in the actor's workspace."""
    counters.ensure_workspace(session, team_id=actor.team_id, now=now)
    return counters.next_number(session, team_id=actor.team_id, kind=kind, now=now)


def change(
    session: Session,
    item: Any,
    kind: str,
    actor_id: str | None,
    field: str,
    old: object,
    new: object,
    now: datetime,
) -> None:
    """Record one change of an item in the history, and bring what teamloop showed about it
    up to date: each live card is edited (through the outbox), a new owner is told."""
    history.record(
        session,
        team_id=item.team_id,
        entity_type=kind,
        entity_id=item.id,
        channel_id=item.channel_id,
        actor_id=actor_id,
        field=field,
        old=None if old is None else str(old),
        new=None if new is None else str(new),
        now=now,
    )
    if field == "created":
        return  # nothing shown yet (and the capture's transaction stays as short as it was)
    card_notes.on_change(session, team_id=item.team_id, ref=item.ref, field=field)
    cards.touch(session, team_id=item.team_id, ref=item.ref, now=now)
    if kind == standup_reply.KIND:  # a blocker from a standup answer: its thread reply too
        standup_reply.follow(session, blocker=item, field=field, now=now)
    if field in cards.OWNER_FIELDS and new and new != actor_id:
        cards.notify_owner(session, item=item, owner_id=str(new), by=actor_id, now=now)


def by_number(
    session: Session,
    model: type[T],
    actor: Actor,
    number: int,
    *,
    prefix: str,
    hint: str,
    involved: tuple[str, ...] = (),
) -> T:
    """Item <prefix>-n of this workspace, if the actor may see it from this channel (locked)."""
    entity: Any = model
    item: Any = session.scalar(
        select(entity)
        .where(entity.team_id == actor.team_id, entity.number == number)
        .with_for_update()
    )
    if item is None:
        raise NotFound(f"There is no {prefix}-{number}. {hint}")
    people = {getattr(item, name) for name in involved}
    if item.channel_id != actor.channel_id and actor.user_id not in people:
        raise NotFound(f"{prefix}-{number} belongs to <#{item.channel_id}>. Look it up there.")
    found: T = item
    return found


def set_permalink(*, session: Session, model: Any, item_id: int, permalink: str | None) -> None:
    """Keep the source message's permalink (fetched after the ack)."""
    row = session.get(model, item_id)
    if row is not None:
        row.permalink = permalink


def capture_once(
    session: Session,
    model: type[T],
    actor: Actor,
    *,
    source_channel_id: str,
    source_ts: str,
    create: Callable[[], T],
) -> tuple[T, bool]:
    """Capture a message as an item once (reactions race and re-deliver): (item, created?)."""
    entity: Any = model

    def existing() -> T | None:
        found: T | None = session.scalar(
            select(entity).where(
                entity.team_id == actor.team_id,
                entity.source_channel_id == source_channel_id,
                entity.source_ts == source_ts,
            )
        )
        return found

    found = existing()
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            item = create()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found, False
    return item, True
