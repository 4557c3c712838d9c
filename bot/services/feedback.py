"""Signed feedback rules: capture, list, promote to a requirement, link.

Anonymous feedback is not stored here at all (see `bot.services.anonymous`): this table's
FB-n sequence, history and lists would date it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.parsing.common import first_line, shorten
from bot.parsing.items import KINDS, TEXT_MAX, detect_kind
from bot.parsing.slack_text import too_long
from bot.services import (
    cards,
    feedback_states,
    followthrough,
    items,
    requirements,
    search_index,
)
from bot.services.actor import Actor
from storage.items import Feedback
from storage.models import Requirement

KIND = "feedback"
HINT = "Type `/feedback list` to see recent feedback."


def create(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    kind: str | None = None,
    requirement_number: int | None = None,
    source_channel_id: str | None = None,
    source_ts: str | None = None,
    permalink: str | None = None,
    author_id: str | None = None,
) -> Feedback:
    """Record signed feedback in the actor's channel, linked to REQ-n when given (anonymous
    feedback lives apart, in `bot.services.anonymous`)."""
    text = text.strip()
    if not text:
        raise InvalidInput("Say what your feedback is: `/feedback The export is slow REQ-3`.")
    if len(text) > TEXT_MAX:
        raise too_long("Feedback is", TEXT_MAX, text, field="text")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"Kinds are {', '.join(KINDS)}.", field="kind")
    req = None
    if requirement_number is not None:
        req = requirements.get(session=session, actor=actor, number=requirement_number)
    fb = Feedback(
        team_id=actor.team_id,
        number=items.next_number(session, actor, KIND, now),
        text=text,
        kind=kind or detect_kind(text),
        channel_id=actor.channel_id,
        author_id=author_id or actor.user_id,
        anonymous=False,
        requirement_id=req.id if req else None,
        permalink=permalink,
        source_channel_id=source_channel_id,
        source_ts=source_ts,
        created_at=now,
    )
    session.add(fb)
    session.flush()
    search_index.add(
        session, team_id=fb.team_id, kind=KIND, item_id=fb.id, channel_id=fb.channel_id, text=text
    )
    who = actor.user_id
    items.change(session, fb, KIND, who, "created", None, shorten(text, 200), now)
    if req is not None:
        items.change(session, fb, KIND, who, "requirement", None, req.ref, now)
    return fb


def capture_message(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    source_channel_id: str,
    source_ts: str,
    permalink: str | None,
    author_id: str | None,
) -> tuple[Feedback, bool]:
    """Capture a message as feedback once (a reaction); returns (feedback, created now?)."""

    return items.capture_once(
        session,
        Feedback,
        actor,
        source_channel_id=source_channel_id,
        source_ts=source_ts,
        create=lambda: create(
            session=session,
            actor=actor,
            now=now,
            text=text or "(message without text)",
            source_channel_id=source_channel_id,
            source_ts=source_ts,
            permalink=permalink,
            author_id=author_id,
        ),
    )


def get(*, session: Session, actor: Actor, number: int) -> Feedback:
    """FB-n, seen from the actor's channel."""
    return items.by_number(
        session, Feedback, actor, number, prefix="FB", hint=HINT, involved=("author_id",)
    )


def recent(*, session: Session, actor: Actor, limit: int = 20) -> list[Feedback]:
    """The channel's latest feedback."""
    return list(
        session.scalars(
            select(Feedback)
            .where(Feedback.team_id == actor.team_id, Feedback.channel_id == actor.channel_id)
            .order_by(Feedback.number.desc())
            .limit(limit)
        )
    )


def link(
    *, session: Session, actor: Actor, now: datetime, number: int, requirement_number: int
) -> Feedback:
    """Link FB-n to REQ-m."""
    fb = get(session=session, actor=actor, number=number)
    req = requirements.get(session=session, actor=actor, number=requirement_number)
    old = _ref_of(session, fb.requirement_id)
    fb.requirement_id = req.id
    followthrough.touch(session, fb, actor.user_id, now)
    items.change(session, fb, KIND, actor.user_id, "requirement", old, req.ref, now)
    return fb


def promote(
    *, session: Session, actor: Actor, now: datetime, number: int, zone: ZoneInfo
) -> tuple[Feedback, Requirement]:
    """Make FB-n a requirement (linked both ways). A second promote (a double click arriving
    together included: it waits on the first's row lock) raises InvalidInput saying where it
    went, by whom and when, in `zone`."""
    fb = get(session=session, actor=actor, number=number)
    if fb.requirement_id is not None:
        cards.refuse_if_done(session=session, team_id=actor.team_id, ref=fb.ref, zone=zone)
        raise InvalidInput(f"{fb.ref} is already linked to {_ref_of(session, fb.requirement_id)}.")
    req = requirements.create(
        session=session,
        actor=actor,
        now=now,
        title=shorten(first_line(fb.text), 150) or fb.ref,
        description=f"{fb.text}\n\nFrom feedback {fb.ref}."[:3000],
        requester_id=fb.author_id or actor.user_id,
        permalink=fb.permalink,
    )
    fb.requirement_id = req.id
    followthrough.touch(session, fb, actor.user_id, now)
    items.change(session, fb, KIND, actor.user_id, "requirement", None, req.ref, now)
    return fb, req


def requirement_ref(*, session: Session, requirement_id: int | None) -> str | None:
    """REQ-n of a linked requirement."""
    return _ref_of(session, requirement_id)


def requirement_of(*, session: Session, requirement_id: int | None) -> Requirement | None:
    """The linked requirement, if any."""
    return None if requirement_id is None else session.get(Requirement, requirement_id)


def state_text(*, session: Session, fb: Feedback) -> str:
    """The state its card shows: `new`, `linked (REQ-3)`, `declined: out of scope`, …"""
    req = requirement_of(session=session, requirement_id=fb.requirement_id)
    return feedback_states.summary_of(fb, req)


def _ref_of(session: Session, requirement_id: int | None) -> str | None:
    if requirement_id is None:
        return None
    req = session.get(Requirement, requirement_id)
    return req.ref if req else None


def for_digest(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    since: datetime,
    now: datetime,
    mark: bool = True,
) -> list[Feedback]:
    """Feedback a channel's digest shows: this week's, and anonymous ones not shown yet, which
    are marked as shown at `now` (unless `mark` is False: a snapshot read, whose caller marks
    them with `mark_digested` in its write transaction)."""
    rows = list(
        session.scalars(
            select(Feedback)
            .where(Feedback.team_id == team_id, Feedback.channel_id == channel_id)
            .where(
                (Feedback.created_at > since)
                | (Feedback.anonymous & Feedback.digested_at.is_(None))
            )
            .order_by(Feedback.number)
        )
    )
    for fb in rows if mark else ():
        if fb.digested_at is None:
            fb.digested_at = now
    return rows


def mark_digested(*, session: Session, ids: list[int], at: datetime) -> bool:
    """Mark feedback `ids` (none shown yet when read) as shown by a digest at `at`; all or
    nothing: False, with nothing marked, when another digest showed any of them meanwhile."""
    if not ids:
        return True
    point = session.begin_nested()
    marked: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Feedback)
        .where(Feedback.id.in_(ids), Feedback.digested_at.is_(None))
        .values(digested_at=at)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != len(ids):
        point.rollback()
        return False
    point.commit()
    return True


def describe(fb: Feedback) -> dict[str, Any]:
    """Plain fields for exports."""
    return {
        "ref": fb.ref,
        "kind": fb.kind,
        "text": fb.text,
        "channel": fb.channel_id,
        "author": fb.author_id,
        "anonymous": fb.anonymous,
        "permalink": fb.permalink,
        "created_at": fb.created_at.isoformat(),
    }
