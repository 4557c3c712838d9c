"""A retro's board as people see it: its items, votes, actions and the actions carried
into it, with the plain names of named authors and owners (read-only queries)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.readmodels import RetroBoard as Board
from bot.services import people
from storage.retros import Retro, RetroAction, RetroItem, RetroVote


def board_of(*, session: Session, retro: Retro) -> Board:
    """The items (random order within each column), their votes, this retro's and the
    carried-over actions, and plain names of named authors and owners."""
    items = list(
        session.scalars(
            select(RetroItem)
            .where(RetroItem.retro_id == retro.id)
            .order_by(RetroItem.category, RetroItem.public_id)
        )
    )
    votes = Counter(
        session.scalars(select(RetroVote.item_id).where(RetroVote.retro_id == retro.id))
    )
    acts = list(
        session.scalars(
            select(RetroAction).where(RetroAction.retro_id == retro.id).order_by(RetroAction.number)
        )
    )
    carried = list(
        session.scalars(
            select(RetroAction)
            .where(RetroAction.carried_into == retro.id, RetroAction.retro_id != retro.id)
            .order_by(RetroAction.number)
        )
    )
    who = [i.author_id for i in items if i.author_id] + [
        a.owner_id for a in acts + carried if a.owner_id
    ]
    known = people.known(session=session, team_id=retro.team_id, user_ids=sorted(set(who)))
    names = {u: people.name_of(known, u) for u in set(who)}
    return Board(retro, items, dict(votes), acts, carried, names)


def names_of(session: Session, team_id: str, acts: list[RetroAction]) -> dict[str, str]:
    """Plain names of the owners of `acts` (user id -> name)."""
    owners = sorted({a.owner_id for a in acts if a.owner_id})
    known = people.known(session=session, team_id=team_id, user_ids=owners)
    return {u: people.name_of(known, u) for u in owners}
