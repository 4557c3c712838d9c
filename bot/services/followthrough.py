"""Feedback follow-through: every feedback item's state, and "it shipped" for everyone who
asked.

States (`bot.services.feedback_states`) are read from the item and its requirement, so
linking, promoting and closing the requirement move them with no second write to forget; the
item's card shows its state and is edited when its requirement moves (`touch_linked`).

When a requirement is done, each named author of its linked feedback, its voters and its
requester get one line in one DM per person per day (at 16:00 in their zone, on a working
day, not while away: `bot.services.calendar`); each person hears about a requirement once.
Anonymous feedback linked to it gets the line in its private reply thread
(`/feedback replies <code>`), the only way its sender can be reached.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.outbox import store as outbox
from bot.services import anonymous, calendar, cards, items
from bot.services.actor import Actor
from bot.views import followthrough as views
from storage.anonymous import AnonymousFeedback
from storage.db import insert_ignore
from storage.items import Feedback
from storage.models import Requirement, RequirementVote
from storage.retros import ShipNotice
from storage.standups import Person

KIND = "feedback"
BATCH_AT = time(16, 0)
# How far ahead a batch may wait for its recipient (a long leave: the DM waits for them).
BATCH_HORIZON = 21


def touch(session: Session, fb: Feedback, actor_id: str, now: datetime) -> None:
    """Linking or promoting acknowledges feedback too (first time only)."""
    if fb.acknowledged_at is None:
        fb.acknowledged_at = now
        items.change(session, fb, KIND, actor_id, "state", "new", "acknowledged", now)


def acknowledge(*, session: Session, fb: Feedback, actor: Actor, now: datetime) -> Feedback:
    """`/feedback ack FB-n`: seen and taken in."""
    if fb.acknowledged_at is not None:
        raise InvalidInput(f"{fb.ref} was acknowledged already ({fb.acknowledged_at:%d %b}).")
    touch(session, fb, actor.user_id, now)
    return fb


def decline(
    *, session: Session, fb: Feedback, actor: Actor, reason: str, now: datetime
) -> Feedback:
    """`/feedback decline FB-n <reason>`: not doing it, and why (the reason is required)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            f"Say why, so its author hears it: `/feedback decline {fb.ref} out of scope this year`."
        )
    if fb.declined_at is not None:
        raise InvalidInput(f"{fb.ref} was declined already: {fb.declined_reason}")
    touch(session, fb, actor.user_id, now)
    fb.declined_at, fb.declined_reason = now, reason[:500]
    items.change(session, fb, KIND, actor.user_id, "state", None, "declined", now)
    items.change(session, fb, KIND, actor.user_id, "declined_reason", None, fb.declined_reason, now)
    return fb


def shipped(
    *, session: Session, req: Requirement, actor_id: str, zone: ZoneInfo, now: datetime
) -> int:
    """REQ-n is done: queue "it shipped" for every named author of its linked feedback, its
    voters and its requester (not whoever closed it), one line per person and requirement,
    in that person's batch of the day; add it to the reply thread of each linked anonymous
    item. `zone` stands in for people whose own zone teamloop does not know yet. Returns how
    many people were newly told."""
    lines: dict[str, str] = {}
    signed = session.scalars(
        select(Feedback)
        .where(Feedback.team_id == req.team_id, Feedback.requirement_id == req.id)
        .where(Feedback.author_id.is_not(None), Feedback.anonymous.is_(False))
        .order_by(Feedback.created_at)
    )
    for fb in signed:
        assert fb.author_id is not None
        lines.setdefault(fb.author_id, views.asked(fb.text, fb.created_at))
    lines.setdefault(req.requester_id, views.asked(req.title, req.created_at))
    votes = session.execute(
        select(RequirementVote.user_id, RequirementVote.created_at).where(
            RequirementVote.requirement_id == req.id
        )
    )
    for user_id, at in votes:
        lines.setdefault(user_id, views.voted(req.title, at))
    lines.pop(actor_id, None)
    told = 0
    for user_id, text in sorted(lines.items()):
        told += _notice(session, req, user_id, text, zone, now)
    _tell_anonymous(session, req, now)
    return told


def _notice(
    session: Session, req: Requirement, user_id: str, line: str, zone: ZoneInfo, now: datetime
) -> int:
    person = session.get(Person, (req.team_id, user_id))
    cal = calendar.for_channel(
        session=session, team_id=req.team_id, channel_id=req.channel_id, zone=zone
    )
    at = _batch_at(session, cal, req.team_id, user_id, person, now)
    local_day = at.astimezone(calendar.zone_of(person, cal)).date()
    key = f"shipped:{req.team_id}:{user_id}:{local_day.isoformat()}"
    shipped_on = now.astimezone(calendar.zone_of(person, cal)).date()
    values = {
        "team_id": req.team_id,
        "user_id": user_id,
        "requirement_id": req.id,
        "line": views.shipped_line(line, req, shipped_on=shipped_on, told_on=local_day),
        "batch_key": key,
        "created_at": now,
    }
    conflict = ["team_id", "user_id", "requirement_id"]
    if insert_ignore(session, ShipNotice, values, conflict=conflict) is None:
        return 0  # told about this requirement before (reopened and done again)
    batch = list(
        session.scalars(
            select(ShipNotice.line).where(ShipNotice.batch_key == key).order_by(ShipNotice.id)
        )
    )
    text, blocks = views.batch(batch)
    if outbox.by_key(session, key) is None:
        outbox.enqueue(
            session=session, team_id=req.team_id, dedupe_key=key, target=user_id, text=text,
            blocks=blocks, now=now, not_before=at,
        )  # fmt: skip
    else:
        outbox.enqueue_edit(session=session, of_key=key, text=text, blocks=blocks, now=now)
    return 1


def _batch_at(
    session: Session,
    cal: calendar.Calendar,
    team_id: str,
    user_id: str,
    person: Person | None,
    now: datetime,
) -> datetime:
    """16:00 in the person's zone on their next working day (today if not yet 16:00), not
    while away; within three weeks, else then anyway."""
    zone = calendar.zone_of(person, cal)
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), BATCH_AT, zone)
    for offset in range(BATCH_HORIZON):
        day = local.date() + timedelta(days=offset)
        at = datetime.combine(day, BATCH_AT, zone)
        if at < local or not cal.working_day(day):
            continue
        if calendar.away_on(session, person, team_id, user_id, at) is None:
            break
    return at.astimezone(now.tzinfo)


def _tell_anonymous(session: Session, req: Requirement, now: datetime) -> None:
    linked = session.scalars(
        select(AnonymousFeedback).where(
            AnonymousFeedback.team_id == req.team_id, AnonymousFeedback.requirement_id == req.id
        )
    )
    text = views.anonymous_line(req, now.date())
    for item in linked:
        said = anonymous.thread(session=session, item=item, for_sender=False, today=date.max)
        if not any(r.text == text for r in said):
            anonymous.reply(session=session, item=item, text=text, from_sender=False, now=now)


def touch_linked(*, session: Session, req: Requirement, now: datetime) -> int:
    """REQ-n moved (planned, done, rejected, reopened): the cards of its linked feedback are
    edited to show their new state. Returns how many edits were queued."""
    refs = session.scalars(
        select(Feedback).where(Feedback.team_id == req.team_id, Feedback.requirement_id == req.id)
    )
    return cards.touch_many(session, team_id=req.team_id, refs=[f.ref for f in refs], now=now)


def link_anonymous(
    *, session: Session, team_id: str, public_id: str, requirement: Requirement
) -> AnonymousFeedback:
    """A lead links a released anonymous item to a requirement (its sender hears when it
    ships, in the reply thread)."""
    item = anonymous.released_item(session=session, team_id=team_id, public_id=public_id)
    if item.channel_id != requirement.channel_id:
        raise InvalidInput(
            f"{item.public_id} and {requirement.ref} belong to different channels. Link it to a "
            "requirement of its own channel."
        )
    item.requirement_id = requirement.id
    return item


def move_anonymous_links(*, session: Session, dup: Requirement, target: Requirement) -> int:
    """A merge: anonymous items linked to the duplicate now point at the target, so their
    senders hear (in their reply threads) when the target ships; returns how many moved.

    Only items of the target's own channel move, the rule `link_anonymous` keeps: the
    shipped line names the requirement, and a sender need not be in another channel. Nothing
    about the move names anyone: the items hold no sender, and no history line is written
    for them (a history row's actor and time would sit next to the item)."""
    linked = list(
        session.scalars(
            select(AnonymousFeedback).where(
                AnonymousFeedback.team_id == dup.team_id,
                AnonymousFeedback.requirement_id == dup.id,
                AnonymousFeedback.channel_id == target.channel_id,
            )
        )
    )
    for item in linked:
        item.requirement_id = target.id
    return len(linked)
