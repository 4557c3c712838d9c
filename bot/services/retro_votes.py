"""Voting and grouping on a retro's board: N votes a person (a second press takes one back),
the board updated in place through the outbox, and the facilitator's groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.services.retros import STALE, get, refresh_board, require_facilitator
from bot.views import retros as views
from storage.retros import Retro, RetroItem, RetroVote
from storage.statuses import RetroStatus


def vote(
    *, session: Session, team_id: str, retro_id: int, item_id: str, user_id: str, now: datetime
) -> tuple[bool, int]:
    """Press *Vote* on an item: adds a vote, or takes it back when pressed again. Returns
    (voted now?, votes left). Refused after the close and past the retro's vote limit."""
    retro = get(session=session, team_id=team_id, retro_id=retro_id)
    if retro.status == RetroStatus.CLOSED:
        raise InvalidInput("This retro is closed; voting is over. Its summary is in the channel.")
    if retro.status != RetroStatus.VOTING:
        raise InvalidInput(STALE)
    item = session.get(RetroItem, item_id)
    if item is None or item.retro_id != retro.id:
        raise InvalidInput(STALE)
    mine = session.scalar(
        select(RetroVote).where(RetroVote.item_id == item.public_id, RetroVote.user_id == user_id)
    )
    used = _used(session, retro.id, user_id)
    if mine is not None:
        session.delete(mine)
        voted, used = False, used - 1
    else:
        if used >= retro.votes_each:
            raise InvalidInput(
                f"You have used your {retro.votes_each} votes. Press an item you voted for to "
                "take that vote back, then vote again."
            )
        session.add(RetroVote(retro_id=retro.id, item_id=item.public_id, user_id=user_id, at=now))
        voted, used = True, used + 1
    session.flush()
    refresh_board(session=session, retro=retro, now=now)
    return voted, retro.votes_each - used


def mine(*, session: Session, retro_id: int, user_id: str) -> list[str]:
    """The texts of the items `user_id` voted for in this retro, in the order voted. Only the
    voter is told (the board is shared, so it shows counts, never whose)."""
    return list(
        session.scalars(
            select(RetroItem.text)
            .join(RetroVote, RetroVote.item_id == RetroItem.public_id)
            .where(RetroVote.retro_id == retro_id, RetroVote.user_id == user_id)
            .order_by(RetroVote.at, RetroVote.id)
        )
    )


def _used(session: Session, retro_id: int, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RetroVote)
            .where(RetroVote.retro_id == retro_id, RetroVote.user_id == user_id)
        )
        or 0
    )


def group(
    *,
    session: Session,
    team_id: str,
    retro_id: int,
    item_ids: list[str],
    label: str,
    user_id: str,
    now: datetime,
) -> int:
    """Group similar items under one label (the facilitator's form); returns how many."""
    retro = get(session=session, team_id=team_id, retro_id=retro_id)
    require_facilitator(retro, user_id)
    if retro.status != RetroStatus.VOTING:
        raise InvalidInput("Items are grouped on the board, once the collection has closed.")
    label = label.strip()
    if not label:
        raise InvalidInput("Name the group, e.g. “Deploy pain”.", field=views.LABEL_FIELD)
    rows = [session.get(RetroItem, i) for i in item_ids]
    found = [r for r in rows if r is not None and r.retro_id == retro.id]
    if len(found) < 2 or len(found) != len(item_ids):
        raise InvalidInput("Pick at least two items to group.", field=views.ITEMS_FIELD)
    for item in found:
        item.group_label = label[:100]
    refresh_board(session=session, retro=retro, now=now)
    return len(found)


def voters(*, session: Session, retro: Retro) -> set[str]:
    """Who has voted in this retro."""
    return set(session.scalars(select(RetroVote.user_id).where(RetroVote.retro_id == retro.id)))
