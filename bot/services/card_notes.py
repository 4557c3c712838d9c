"""What a card shows under itself only while it is true (its extras): the note on how a due
date was read, until the due date changes; the duplicate hint, until *Not a duplicate*
dismisses it. Dropped from the recorded card, so no later edit brings them back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import cards
from bot.views import cards as views
from storage.items import ItemMessage

# Which change makes which extra untrue (the history field -> the extras' block-id prefix).
UNTRUE_AFTER = {"due": views.DUE_NOTE}


def drop(
    session: Session,
    *,
    team_id: str,
    ref: str,
    prefix: str,
    at: tuple[str, str] | None = None,
) -> list[dict[str, Any]] | None:
    """Drop the extras tagged `prefix` from `ref`'s recorded cards (only the card at `at`,
    a channel and ts, when given). The extras the (last) card keeps, or None when no card
    is recorded there."""
    query = select(ItemMessage).where(
        ItemMessage.team_id == team_id, ItemMessage.ref == ref, ItemMessage.role == "card"
    )
    if at is not None:
        query = query.where(ItemMessage.channel_id == at[0], ItemMessage.ts == at[1])
    kept: list[dict[str, Any]] | None = None
    for message in session.scalars(query):
        kept = views.without(message.blocks or [], prefix)
        if kept != (message.blocks or []):
            message.blocks = kept or None  # a new list: the JSON column sees the change
    return kept


def on_change(session: Session, *, team_id: str, ref: str, field: str) -> None:
    """A change of `field` makes the extras it contradicts go (called by `items.change`)."""
    prefix = UNTRUE_AFTER.get(field)
    if prefix is not None:
        drop(session, team_id=team_id, ref=ref, prefix=prefix)


def dismiss_hint(
    session: Session, *, team_id: str, ref: str, channel_id: str, ts: str, now: datetime
) -> list[dict[str, Any]]:
    """*Not a duplicate* on the card at (channel, ts): the hint goes for good, and an edit
    through the outbox makes sure the card ends as the store has it. Returns the extras the
    card keeps (none when it is not recorded: posted through a response_url), for the
    caller's immediate redraw."""
    kept = drop(session, team_id=team_id, ref=ref, prefix=views.DUP_HINT, at=(channel_id, ts))
    if kept is None:
        return []
    cards.touch(session, team_id=team_id, ref=ref, now=now)
    return kept
