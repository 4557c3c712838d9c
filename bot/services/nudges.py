"""What the buttons on a reminder do: snooze a day, resolve or finish, reassign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.parsing.common import parse_ref
from bot.services import (
    blockers,
    cards,
    items,
    requirement_changes,
    retro_actions,
    risks,
)
from bot.services.actor import Actor
from storage.reminders import ReminderStop, Snooze

AdminCheck = Callable[[str], bool]


def _split(ref: str) -> tuple[str, int]:
    prefix = ref.partition("-")[0].upper()
    if prefix not in ("REQ", "BLK", "RSK", "ACT"):
        raise InvalidInput(f"I don't know the item {ref!r}.")
    return prefix, parse_ref(ref, prefix)


def snooze(*, session: Session, actor: Actor, now: datetime, ref: str) -> datetime:
    """No reminders about `ref` for a day (for anyone: the item is being looked at).
    Raises InvalidInput (saying what happened) when the item is finished already."""
    _split(ref)
    cards.refuse_if_done(session=session, team_id=actor.team_id, ref=ref, zone=actor.zone)
    until = now + timedelta(days=1)
    row = session.get(Snooze, (actor.team_id, ref)) or Snooze(team_id=actor.team_id, item=ref)
    row.until, row.by = until, actor.user_id
    session.add(row)
    return until


def stop(*, session: Session, actor: Actor, now: datetime, ref: str) -> None:
    """*Stop reminding me*: the actor hears no more reminders about `ref` (others still do)."""
    _split(ref)
    key = (actor.team_id, ref, actor.user_id)
    if session.get(ReminderStop, key) is None:
        session.add(ReminderStop(team_id=actor.team_id, item=ref, user_id=actor.user_id, at=now))


def finish(*, session: Session, actor: Actor, now: datetime, ref: str, is_admin: AdminCheck) -> str:
    """Resolve a blocker, mark a requirement done, close a risk; returns what happened."""
    prefix, number = _split(ref)
    if prefix == "BLK":
        blockers.resolve(session=session, actor=actor, now=now, number=number, is_admin=is_admin)
        return f"{ref} is resolved."
    if prefix == "REQ":
        requirement_changes.close(
            session=session,
            actor=actor,
            now=now,
            number=number,
            outcome="done",
            reason=None,
            is_admin=is_admin,
        )
        return f"{ref} is done."
    if prefix == "ACT":
        retro_actions.mark_done(session=session, actor=actor, now=now, number=number)
        return f"{ref} is done."
    risks.close(session=session, actor=actor, now=now, number=number)
    return f"{ref} is closed."


def reassign(*, session: Session, actor: Actor, now: datetime, ref: str, owner_id: str) -> str:
    """Give the item another owner (recorded in its history). Raises InvalidInput (saying
    what happened) when the item is finished already: a finished item keeps its owner."""
    prefix, number = _split(ref)
    cards.refuse_if_done(session=session, team_id=actor.team_id, ref=ref, zone=actor.zone)
    if prefix == "REQ":
        requirement_changes.assign(
            session=session, actor=actor, now=now, number=number, owner_id=owner_id
        )
        return f"{ref} is now owned by <@{owner_id}>."
    getters = {"BLK": blockers.get, "RSK": risks.get, "ACT": retro_actions.get}
    item: Any = getters[prefix](session=session, actor=actor, number=number)
    if item.owner_id == owner_id:
        raise InvalidInput(f"{ref} is already owned by <@{owner_id}>.", field="owner")
    old, item.owner_id = item.owner_id, owner_id
    kind = {"BLK": "blocker", "RSK": "risk", "ACT": retro_actions.KIND}[prefix]
    items.change(session, item, kind, actor.user_id, "owner_id", old, owner_id, now)
    return f"{ref} is now owned by <@{owner_id}>."
