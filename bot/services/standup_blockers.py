"""Blockers that came from standup answers: the *Not a blocker* button that takes a misread
answer back (how the thread reply shows them: bot.services.standup_reply)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.services import items
from bot.services.blockers import KIND
from bot.services.standup_reply import WITHDRAWN
from storage.items import Blocker
from storage.standups import StandupResponse, StandupRun
from storage.statuses import BlockerStatus


def not_a_blocker(
    *, session: Session, team_id: str, run_id: int, author_id: str, user_id: str, now: datetime
) -> tuple[Blocker, StandupResponse, StandupRun]:
    """`user_id` says `author_id`'s blockers answer in run `run_id` is not a blocker.

    Only the author may (it is their answer). The blocker is closed (status history
    `open -> resolved`, and a `withdrawn` entry saying why), so it is never listed or
    reminded again; the caller re-renders
    the thread reply. Raises NotAllowed for anyone else, InvalidInput when it is already
    closed, NotFound when the answer or blocker is gone."""
    if user_id != author_id:
        raise NotAllowed(f"Only <@{author_id}> can say their answer is not a blocker.")
    run = session.scalar(
        select(StandupRun).where(StandupRun.team_id == team_id, StandupRun.id == run_id)
    )
    mine = (
        session.scalar(
            select(StandupResponse).where(
                StandupResponse.run_id == run_id, StandupResponse.user_id == author_id
            )
        )
        if run is not None
        else None
    )
    blocker = session.get(Blocker, mine.blocker_id) if mine and mine.blocker_id else None
    if run is None or mine is None or blocker is None:
        raise NotFound("That answer has no blocker any more. `/blocker list` shows the open ones.")
    if blocker.status != BlockerStatus.OPEN:
        raise InvalidInput(f"{blocker.ref} is already closed. `/blocker list` shows the open ones.")
    withdraw(session, blocker, user_id, now)
    return blocker, mine, run


def withdraw(session: Session, blocker: Blocker, actor_id: str, now: datetime) -> None:
    """Close a standup blocker as "not a blocker" (the button, or an answer edited to none)."""
    blocker.status, blocker.resolved_at = BlockerStatus.RESOLVED, now
    items.change(session, blocker, KIND, actor_id, "status", "open", "resolved", now)
    items.change(session, blocker, KIND, actor_id, WITHDRAWN, None, "not a blocker", now)
