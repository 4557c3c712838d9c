"""Merging a duplicate requirement into the one it repeats.

Votes, linked feedback (named and anonymous) and blockers move to the target; the
duplicate is closed as `duplicate` with a link; both histories record the merge; the
requesters of both get one DM each (through the outbox, under a dedupe key, so a second
click tells nobody twice).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.outbox import store as outbox
from bot.parsing.requirements import CLOSED_STATUSES
from bot.readmodels import Merged
from bot.services import followthrough, items, requirement_changes, requirements
from bot.services.actor import Actor
from bot.services.requirements import AdminCheck
from storage.items import Blocker, Feedback
from storage.models import Requirement, RequirementVote
from storage.statuses import RequirementStatus

DUPLICATE = RequirementStatus.DUPLICATE


def merge(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    number: int,
    into: int,
    is_admin: AdminCheck,
) -> Merged:
    """Merge REQ-`number` into REQ-`into` (the duplicate's owner, requester or an admin)."""
    if number == into:
        raise InvalidInput(
            f"REQ-{number} can't be merged into itself. Type `/req merge REQ-45 into REQ-41`."
        )
    # Lock in number order, so two opposite merges queue instead of deadlocking.
    first, second = sorted((number, into))
    locked = {
        n: requirements.get(session=session, actor=actor, number=n, for_update=True)
        for n in (first, second)
    }
    dup, target = locked[number], locked[into]
    if dup.status in CLOSED_STATUSES:
        raise InvalidInput(f"{dup.ref} is already closed ({dup.status}); nothing to merge.")
    if target.status in CLOSED_STATUSES:
        raise InvalidInput(
            f"{target.ref} is closed ({target.status}). Reopen it first, or merge the other "
            f"way: `/req merge {target.ref} into {dup.ref}`."
        )
    requirement_changes.may_close(dup, actor, is_admin)
    votes = _move_votes(session, dup, target, actor, now)
    moved_fb, moved_blk = _move_links(session, dup, target, actor, now)
    old = dup.status
    dup.status = DUPLICATE
    dup.closed_at = now
    dup.close_reason = f"Duplicate of {target.ref}"
    requirements.record(session, dup, actor.user_id, "status", old, DUPLICATE, now)
    requirements.record(session, dup, actor.user_id, "merged_into", None, target.ref, now)
    requirements.record(session, target, actor.user_id, "merged", None, dup.ref, now)
    _tell_requesters(session, dup, target, actor, now)
    return Merged(dup, target, votes, moved_fb, moved_blk)


def _move_votes(
    session: Session, dup: Requirement, target: Requirement, actor: Actor, now: datetime
) -> int:
    """Every +1 on the duplicate (and its requester's own interest) counts for the target,
    once per person; the target's requester is already counted."""
    voters = set(
        session.scalars(
            select(RequirementVote.user_id).where(RequirementVote.requirement_id == target.id)
        )
    )
    moved = 0
    wanted = [v for v in session.scalars(
        select(RequirementVote).where(RequirementVote.requirement_id == dup.id)
    )]  # fmt: skip
    people = [v.user_id for v in wanted] + [dup.requester_id]
    for vote in wanted:
        session.delete(vote)
    session.flush()
    for user in dict.fromkeys(people):
        if user == target.requester_id or user in voters:
            continue
        session.add(
            RequirementVote(team_id=target.team_id, requirement_id=target.id, user_id=user,
                            created_at=now)
        )  # fmt: skip
        voters.add(user)
        moved += 1
    if dup.votes:
        requirements.record(session, dup, actor.user_id, "votes", dup.votes, 0, now)
        dup.votes = 0
    if moved:
        old = target.votes
        target.votes = old + moved
        requirements.record(session, target, actor.user_id, "votes", old, target.votes, now)
    return moved


def _move_links(
    session: Session, dup: Requirement, target: Requirement, actor: Actor, now: datetime
) -> tuple[int, int]:
    """Feedback and blockers linked to the duplicate now point at the target (anonymous
    feedback too, counted nowhere: the answer is posted in the channel)."""
    fbs = list(session.scalars(select(Feedback).where(Feedback.requirement_id == dup.id)))
    blks = list(session.scalars(select(Blocker).where(Blocker.requirement_id == dup.id)))
    for fb in fbs:
        fb.requirement_id = target.id
        items.change(
            session, fb, "feedback", actor.user_id, "requirement", dup.ref, target.ref, now
        )
    for blk in blks:
        blk.requirement_id = target.id
        items.change(
            session, blk, "blocker", actor.user_id, "requirement", dup.ref, target.ref, now
        )
    followthrough.move_anonymous_links(session=session, dup=dup, target=target)
    return len(fbs), len(blks)


def _tell_requesters(
    session: Session, dup: Requirement, target: Requirement, actor: Actor, now: datetime
) -> None:
    text = (
        f"{dup.ref} was merged into {target.ref} by <@{actor.user_id}>: its votes, feedback "
        f"and blockers now count for {target.ref}. Follow {target.ref} from here on."
    )
    for user in dict.fromkeys((dup.requester_id, target.requester_id)):
        if user == actor.user_id:
            continue  # they did it; the answer to their command tells them
        outbox.enqueue(
            session=session,
            team_id=dup.team_id,
            dedupe_key=f"merge:{dup.team_id}:{dup.id}:{user}",
            target=user,
            text=text,
            now=now,
        )
