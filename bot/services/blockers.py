"""Blocker rules: report, list, resolve (the reporter, the owner or an admin)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed
from bot.parsing.common import shorten
from bot.parsing.items import TEXT_MAX
from bot.parsing.slack_text import too_long
from bot.services import items, requirements, search_index
from bot.services.actor import Actor
from storage.items import Blocker
from storage.models import Requirement
from storage.statuses import BlockerStatus

KIND = "blocker"
HINT = "Type `/blocker list` to see the open ones."


def create(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    owner_id: str | None = None,
    requirement_number: int | None = None,
    source_channel_id: str | None = None,
    source_ts: str | None = None,
    permalink: str | None = None,
    reporter_id: str | None = None,
) -> Blocker:
    """Report a blocker in the actor's channel."""
    text = text.strip()
    if not text:
        raise InvalidInput("What is blocking you? `/blocker Waiting on API keys REQ-3 @bob`.")
    if len(text) > TEXT_MAX:
        raise too_long("Text is", TEXT_MAX, text, field="text")
    req = None
    if requirement_number is not None:
        req = requirements.get(session=session, actor=actor, number=requirement_number)
    blk = Blocker(
        team_id=actor.team_id,
        number=items.next_number(session, actor, KIND, now),
        text=text,
        status=BlockerStatus.OPEN,
        reporter_id=reporter_id or actor.user_id,
        owner_id=owner_id,
        channel_id=actor.channel_id,
        requirement_id=req.id if req else None,
        permalink=permalink,
        source_channel_id=source_channel_id,
        source_ts=source_ts,
        opened_at=now,
    )
    session.add(blk)
    session.flush()
    search_index.add(
        session,
        team_id=blk.team_id,
        kind=KIND,
        item_id=blk.id,
        channel_id=blk.channel_id,
        text=text,
    )
    items.change(session, blk, KIND, actor.user_id, "created", None, shorten(text, 200), now)
    return blk


def reindex(*, session: Session, blocker: Blocker) -> None:
    """Keep the search index in step after the blocker's text changed."""
    search_index.index(
        session,
        team_id=blocker.team_id,
        kind=KIND,
        item_id=blocker.id,
        channel_id=blocker.channel_id,
        text=blocker.text,
    )


def capture_message(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    text: str,
    source_channel_id: str,
    source_ts: str,
    permalink: str | None,
    reporter_id: str | None,
) -> tuple[Blocker, bool]:
    """Capture a message as a blocker once (a reaction); returns (blocker, created now?)."""

    return items.capture_once(
        session,
        Blocker,
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
            reporter_id=reporter_id,
        ),
    )


def requirement_of(session: Session, blocker: Blocker) -> Requirement | None:
    """The requirement `blocker` blocks (its `REQ-n`), or None."""
    if blocker.requirement_id is None:
        return None
    return session.get(Requirement, blocker.requirement_id)


def get(*, session: Session, actor: Actor, number: int) -> Blocker:
    """BLK-n, seen from the actor's channel (or by its reporter or owner)."""
    return items.by_number(
        session,
        Blocker,
        actor,
        number,
        prefix="BLK",
        hint=HINT,
        involved=("reporter_id", "owner_id"),
    )


def open_in_channel(*, session: Session, actor: Actor, limit: int = 30) -> list[Blocker]:
    """The channel's open blockers, oldest first."""
    return list(
        session.scalars(
            select(Blocker)
            .where(Blocker.team_id == actor.team_id, Blocker.channel_id == actor.channel_id)
            .where(Blocker.status == BlockerStatus.OPEN)
            .order_by(Blocker.opened_at, Blocker.number)
            .limit(limit)
        )
    )


def resolve(
    *, session: Session, actor: Actor, now: datetime, number: int, is_admin: Callable[[str], bool]
) -> Blocker:
    """Resolve BLK-n: its reporter, its owner, or a workspace admin may."""
    blk = get(session=session, actor=actor, number=number)
    if blk.status == BlockerStatus.RESOLVED:
        raise InvalidInput(f"{blk.ref} is already resolved.")
    if actor.user_id not in (blk.reporter_id, blk.owner_id) and not is_admin(actor.user_id):
        raise NotAllowed(
            f"Only <@{blk.reporter_id}> (who reported it)"
            + (f" or <@{blk.owner_id}> (its owner)" if blk.owner_id else "")
            + f" can resolve {blk.ref}."
        )
    blk.status, blk.resolved_at = BlockerStatus.RESOLVED, now
    items.change(session, blk, KIND, actor.user_id, "status", "open", "resolved", now)
    return blk
