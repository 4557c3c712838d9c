"""Retro actions `ACT-n`: created by the facilitator from the top items, with an owner and a
due date; history like every item; carried into the channel's next retro until done;
reminded when overdue by the channel's daily reminders (`bot.services.reminders`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed
from bot.parsing.items import TEXT_MAX
from bot.parsing.slack_text import too_long
from bot.services import items, retros
from bot.services.actor import Actor
from storage.retros import Retro, RetroAction
from storage.statuses import ActionStatus, RetroStatus

KIND = "action"
HINT = "Type `/retro actions` to see this channel's open actions."


def create(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    owner_id: str | None,
    due: date | None,
    retro_id: int | None = None,
) -> RetroAction:
    """`ACT-n` for the channel's open retro (else its last one), by its facilitator.

    Raises NotFound without any retro here, NotAllowed for someone else than the facilitator,
    InvalidInput for an empty text, a past due date, or a due date without an owner."""
    if retro_id is not None:
        retro: Retro | None = retros.get(session=session, team_id=actor.team_id, retro_id=retro_id)
    else:
        retro = retros.current(session=session, actor=actor)
    assert retro is not None
    retros.require_facilitator(retro, actor.user_id)
    text = text.strip()
    if not text:
        raise InvalidInput(
            "Say what the action is: `/retro action Fix the flaky deploy @bob due friday`.",
            field="act_text",
        )
    if len(text) > TEXT_MAX:
        raise too_long("Actions are", TEXT_MAX, text, field="act_text")
    if due is not None and owner_id is None:
        # A due date with nobody to remind would only ever nag its creator by surprise.
        raise InvalidInput(
            f"Who does it by then? Name an owner: `/retro action {text[:200]} @bob due …`. "
            "Nothing was saved.",
            field="act_owner",
        )
    if due is not None and due < actor.today(now):
        raise InvalidInput("The due date is in the past. Pick today or later.", field="act_due")
    act = RetroAction(
        team_id=actor.team_id,
        number=items.next_number(session, actor, KIND, now),
        channel_id=retro.channel_id,
        retro_id=retro.id,
        text=text,
        status=ActionStatus.OPEN,
        owner_id=owner_id,
        created_by=actor.user_id,
        due_date=due,
        carried_into=None,
        carried=0,
        created_at=now,
        done_at=None,
    )
    session.add(act)
    session.flush()
    items.change(session, act, KIND, actor.user_id, "created", None, text[:200], now)
    if owner_id:
        items.change(session, act, KIND, actor.user_id, "owner", None, owner_id, now)
    if due:
        items.change(session, act, KIND, actor.user_id, "due_date", None, due.isoformat(), now)
    if retro.status == RetroStatus.VOTING:
        retros.refresh_board(session=session, retro=retro, now=now)
    return act


def carry(*, session: Session, action: RetroAction, retro: Retro, now: datetime) -> None:
    """Carry an open action into `retro` (shown first there); history says so."""
    action.carried_into = retro.id
    action.carried += 1
    items.change(session, action, KIND, None, "carried_into", None, f"retro {retro.id}", now)


def get(*, session: Session, actor: Actor, number: int) -> RetroAction:
    """ACT-n, seen from the actor's channel (or by its owner anywhere)."""
    return items.by_number(
        session, RetroAction, actor, number, prefix="ACT", hint=HINT, involved=("owner_id",)
    )


def mark_done(*, session: Session, actor: Actor, now: datetime, number: int) -> RetroAction:
    """Close ACT-n as done (its owner, its creator, or anyone when it has no owner)."""
    act = get(session=session, actor=actor, number=number)
    if act.status != ActionStatus.OPEN:
        raise InvalidInput(f"{act.ref} is {act.status} already.")
    if act.owner_id and actor.user_id not in (act.owner_id, act.created_by):
        raise NotAllowed(f"{act.ref} is <@{act.owner_id}>'s. Ask them to mark it done.")
    act.status, act.done_at = ActionStatus.DONE, now
    items.change(session, act, KIND, actor.user_id, "status", "open", "done", now)
    return act


def open_of(*, session: Session, team_id: str, channel_id: str) -> list[RetroAction]:
    """A channel's open actions, oldest first."""
    return list(
        session.scalars(
            select(RetroAction)
            .where(RetroAction.team_id == team_id, RetroAction.channel_id == channel_id)
            .where(RetroAction.status == ActionStatus.OPEN)
            .order_by(RetroAction.number)
        )
    )


def owned_by(*, session: Session, team_id: str, user_id: str) -> list[RetroAction]:
    """A person's open actions, in every channel (the App Home)."""
    return list(
        session.scalars(
            select(RetroAction)
            .where(RetroAction.team_id == team_id, RetroAction.owner_id == user_id)
            .where(RetroAction.status == ActionStatus.OPEN)
            .order_by(RetroAction.due_date, RetroAction.number)
        )
    )


def on_time(acts: list[RetroAction], *, today: date) -> tuple[int, int]:
    """(done by their due date, actions whose due date has come: done, or open and overdue).
    Actions without a due date or dropped don't count."""
    good = total = 0
    for act in acts:
        if act.due_date is None or act.status == ActionStatus.DROPPED:
            continue
        if act.status == ActionStatus.DONE and act.done_at is not None:
            total += 1
            good += act.done_at.date() <= act.due_date
        elif act.due_date < today:
            total += 1
    return good, total


def describe(act: RetroAction) -> dict[str, Any]:
    """Plain fields for exports."""
    return {
        "ref": act.ref,
        "text": act.text,
        "status": str(act.status),
        "channel": act.channel_id,
        "owner": act.owner_id,
        "due_date": act.due_date.isoformat() if act.due_date else None,
        "carried": act.carried,
        "created_at": act.created_at.isoformat(),
        "done_at": act.done_at.isoformat() if act.done_at else None,
    }
