"""Changing a requirement: status, closing, owner, priority, due date, votes, permalink.

Every change goes to its history through `requirements.record`. Capture, look-up and listing:
bot.services.requirements.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed
from bot.parsing.dates import say_date
from bot.parsing.requirements import CLOSED_STATUSES
from bot.services import followthrough, requirements
from bot.services.actor import Actor
from bot.services.requirements import DESCRIPTION_MAX, AdminCheck
from storage.models import Requirement, RequirementVote
from storage.statuses import RequirementStatus


def may_close(req: Requirement, actor: Actor, is_admin: AdminCheck) -> None:
    """Closing, reopening and merging are for the owner, the requester and admins."""
    if actor.user_id in (req.owner_id, req.requester_id):
        return
    if is_admin(actor.user_id):
        return
    raise NotAllowed(
        f"Sorry, only the owner, the requester or a workspace admin can close or reopen "
        f"{req.ref}. Ask <@{req.owner_id or req.requester_id}>."
    )


def set_status(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    number: int,
    status: RequirementStatus,
    is_admin: AdminCheck,
    reason: str | None = None,
) -> Requirement:
    """Move a requirement to a status; closing and reopening need the owner/requester/admin."""
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    return _move(session, req, actor, now, status, is_admin, reason)


def close(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    number: int,
    outcome: str,
    reason: str | None,
    is_admin: AdminCheck,
) -> Requirement:
    """Close as done or rejected, with an optional reason."""
    if outcome not in ("done", "rejected"):  # `duplicate` comes only from a merge
        raise InvalidInput("Close as `done` or `rejected`, e.g. `/req close REQ-3 rejected dup`.")
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    if req.status in CLOSED_STATUSES:
        raise InvalidInput(f"{req.ref} is already {req.status}.")
    return _move(session, req, actor, now, RequirementStatus(outcome), is_admin, reason)


def _move(
    session: Session,
    req: Requirement,
    actor: Actor,
    now: datetime,
    status: RequirementStatus,
    is_admin: AdminCheck,
    reason: str | None,
) -> Requirement:
    if req.status == status:
        raise InvalidInput(f"{req.ref} is already {status.replace('_', ' ')}.")
    closing = status in CLOSED_STATUSES
    if closing or req.status in CLOSED_STATUSES:
        may_close(req, actor, is_admin)
    old = req.status
    req.status = status
    requirements.record(session, req, actor.user_id, "status", old, status, now)
    followthrough.touch_linked(session=session, req=req, now=now)
    if status == RequirementStatus.DONE:
        # Everyone who asked for it hears, once, in their day's batch.
        followthrough.shipped(
            session=session, req=req, actor_id=actor.user_id, zone=actor.zone, now=now
        )
    if closing:
        req.closed_at = now
        if reason:
            req.close_reason = reason[:DESCRIPTION_MAX]
            requirements.record(
                session, req, actor.user_id, "close_reason", None, req.close_reason, now
            )
    else:
        req.closed_at = None
        if req.close_reason:
            # Reopened: why it was closed ("Duplicate of REQ-1") no longer says what it is.
            requirements.record(
                session, req, actor.user_id, "close_reason", req.close_reason, None, now
            )
            req.close_reason = None
    return req


def assign(
    *, session: Session, actor: Actor, now: datetime, number: int, owner_id: str
) -> Requirement:
    """Give a requirement an owner."""
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    if req.owner_id == owner_id:
        raise InvalidInput(f"{req.ref} is already owned by <@{owner_id}>.")
    old = req.owner_id
    req.owner_id = owner_id
    requirements.record(session, req, actor.user_id, "owner", old, owner_id, now)
    return req


def set_priority(
    *, session: Session, actor: Actor, now: datetime, number: int, priority: str
) -> Requirement:
    """Change the priority (P0..P3)."""
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    if req.priority == priority:
        raise InvalidInput(f"{req.ref} is already {priority}.")
    old = req.priority
    req.priority = priority
    requirements.record(session, req, actor.user_id, "priority", old, priority, now)
    return req


def set_due(
    *, session: Session, actor: Actor, now: datetime, number: int, due: date
) -> Requirement:
    """Set or move the due date."""
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    requirements.check_due(due, actor, now, example=f"/req due {req.ref} friday")
    if req.due_date == due:
        raise InvalidInput(f"{req.ref} is already due {say_date(due)}.")
    old = req.due_date
    req.due_date = due
    requirements.record(session, req, actor.user_id, "due", old, due, now)
    return req


def vote(*, session: Session, actor: Actor, now: datetime, number: int) -> Requirement:
    """Add the actor's +1 (once; not on one's own request)."""
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    if req.requester_id == actor.user_id:
        raise InvalidInput(f"You asked for {req.ref}, so your vote is already counted.")
    try:
        with session.begin_nested():
            session.add(
                RequirementVote(
                    team_id=req.team_id,
                    requirement_id=req.id,
                    user_id=actor.user_id,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise InvalidInput(f"You already voted for {req.ref}.") from None
    old = req.votes
    req.votes = old + 1
    requirements.record(session, req, actor.user_id, "votes", old, req.votes, now)
    return req


def set_permalink(
    *, session: Session, actor: Actor, number: int, permalink: str | None
) -> Requirement:
    """Remember the source message's permalink (fetched after the capture)."""
    req = requirements.get(session=session, actor=actor, number=number, for_update=True)
    req.permalink = permalink
    return req
