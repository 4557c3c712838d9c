"""A retro's life: start (DMs to collect items), voting in its thread, close with a summary.

Items are collected by DM, named or anonymous. An anonymous item follows the rules of
anonymous feedback (`bot.services.anonymous`): the retro must have asked at least
`TEAMLOOP_ANON_MIN_MEMBERS` people, the item keeps no user id and only the UTC day, its key is
random, and nothing about it is shown before the collection closes; then every item is shown
at once, in random order within its column. Items are added in `bot.services.retro_items`,
actions (`ACT-n`) live in `bot.services.retro_actions`, scheduled retros in
`bot.services.retro_schedule`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.outbox import store as outbox
from bot.services import calendar, people, retro_board
from bot.services.actor import UTC_ZONE, Actor
from bot.services.counters import ensure_workspace
from bot.views import retros as views
from storage.retros import Retro, RetroAction
from storage.scheduling import OutboxMessage
from storage.standups import Person
from storage.statuses import ActionStatus, RetroStatus

DEFAULT_VOTES = 3
# TEAMLOOP_ANON_MIN_MEMBERS's default (callers pass the setting).
ANONYMOUS_MIN = 5
DEFAULT_COLLECT = timedelta(days=2)
VOTING_FOR = timedelta(days=1)
STALE = "That button or form is out of date. Type `/retro status` for this channel's retro."
OPEN = (RetroStatus.COLLECTING, RetroStatus.VOTING)


def open_retro(*, session: Session, team_id: str, channel_id: str) -> Retro | None:
    """The channel's retro that is collecting or voting, if any (locked)."""
    return session.scalar(
        select(Retro)
        .where(Retro.team_id == team_id, Retro.channel_id == channel_id)
        .where(Retro.status.in_(OPEN))
        .with_for_update()
    )


def latest(*, session: Session, team_id: str, channel_id: str) -> Retro | None:
    """The channel's newest retro, whatever its phase."""
    return session.scalar(
        select(Retro)
        .where(Retro.team_id == team_id, Retro.channel_id == channel_id)
        .order_by(Retro.started_at.desc(), Retro.id.desc())
        .limit(1)
    )


def get(*, session: Session, team_id: str, retro_id: int) -> Retro:
    """A retro of this workspace by id (from a button or form); out of date otherwise."""
    retro = session.get(Retro, retro_id, with_for_update=True)
    if retro is None or retro.team_id != team_id:
        raise InvalidInput(STALE)
    return retro


def start(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    facilitator_id: str | None,
    members: list[str],
    now: datetime,
    collect_for: timedelta = DEFAULT_COLLECT,
    votes_each: int = DEFAULT_VOTES,
    zone: ZoneInfo = UTC_ZONE,
    anonymous_min: int = ANONYMOUS_MIN,
) -> tuple[Retro, int]:
    """Open a retro: carry the channel's open actions into it, post its thread parent, and DM
    each member (in their working hours; `zone` for people whose own zone is unknown) an *Add
    an item* button (offering anonymity only when at least `anonymous_min` people are
    asked: TEAMLOOP_ANON_MIN_MEMBERS). Returns (retro, DMs queued).

    Raises InvalidInput when a retro is already open in the channel."""
    ensure_workspace(session, team_id=team_id, now=now)
    running = open_retro(session=session, team_id=team_id, channel_id=channel_id)
    if running is not None:
        runs = running.facilitator_id
        if runs is None or runs == facilitator_id:
            raise InvalidInput(
                "A retro is already open here. `/retro status` shows it; `/retro close` ends it."
            )
        raise InvalidInput(
            f"A retro is already open here, run by <@{runs}>. `/retro status` shows it; "
            f"<@{runs}> closes it when it is done."
        )
    known = people.known(session=session, team_id=team_id, user_ids=members)
    humans = people.humans(known, members)
    retro = Retro(
        team_id=team_id,
        channel_id=channel_id,
        status=RetroStatus.COLLECTING,
        facilitator_id=facilitator_id,
        members=humans,
        votes_each=votes_each,
        collect_until=now + collect_for,
        vote_until=None,
        parent_key="",
        board_key=None,
        started_at=now,
        closed_at=None,
    )
    session.add(retro)
    session.flush()
    retro.parent_key = f"retro:{retro.id}:parent"
    carried = _carry_over(session, retro, now)
    names = retro_board.names_of(session, team_id, carried)
    text, blocks = views.parent(retro, carried=carried, names=names, today=now.date())
    outbox.enqueue(
        session=session,
        team_id=team_id,
        dedupe_key=retro.parent_key,
        target=channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )
    cal = calendar.for_channel(session=session, team_id=team_id, channel_id=channel_id, zone=zone)
    queued = 0
    for user in humans:
        at = _first_slot(session, cal, retro, user, known.get(user), now)
        if at is None:
            continue  # away, or off until the collection is over: not asked
        text, blocks = views.prompt(retro, anonymous_allowed=len(humans) >= anonymous_min)
        queued += outbox.enqueue(
            session=session,
            team_id=team_id,
            dedupe_key=f"retro:{retro.id}:dm:{user}",
            target=user,
            text=text,
            blocks=blocks,
            now=now,
            not_before=at,
        )
    return retro, queued


def _first_slot(
    session: Session,
    cal: calendar.Calendar,
    retro: Retro,
    user: str,
    person: Person | None,
    now: datetime,
) -> datetime | None:
    """The first moment in the person's working hours before the collection closes (a retro
    started on a Friday evening reaches them on Monday morning), or None."""
    probe = now
    while probe < retro.collect_until:
        at = calendar.slot(
            session=session, calendar=cal, team_id=retro.team_id, user_id=user, now=probe,
            person=person,
        )  # fmt: skip
        if at is not None:
            return at if at < retro.collect_until else None
        probe += timedelta(days=1)
    return None


def _carry_over(session: Session, retro: Retro, now: datetime) -> list[RetroAction]:
    """Open actions of the channel's earlier retros: shown first in this one."""
    from bot.services import retro_actions  # actions record history; retros own the board

    rows = list(
        session.scalars(
            select(RetroAction)
            .where(RetroAction.team_id == retro.team_id)
            .where(RetroAction.channel_id == retro.channel_id)
            .where(RetroAction.status == ActionStatus.OPEN)
            .order_by(RetroAction.number)
        )
    )
    for act in rows:
        retro_actions.carry(session=session, action=act, retro=retro, now=now)
    return rows


def open_voting(*, session: Session, retro: Retro, now: datetime) -> None:
    """Close the collection and post the board in the retro's thread (all items at once)."""
    if retro.status != RetroStatus.COLLECTING:
        raise InvalidInput("This retro is voting already. `/retro close` ends it.")
    retro.status = RetroStatus.VOTING
    retro.collect_until = min(retro.collect_until, now)  # when it really closed
    retro.vote_until = now + VOTING_FOR
    retro.board_key = f"retro:{retro.id}:board"
    _say_phase(session, retro, now)
    text, blocks = views.board(retro_board.board_of(session=session, retro=retro), today=now.date())
    outbox.enqueue(
        session=session,
        team_id=retro.team_id,
        dedupe_key=retro.board_key,
        target=retro.channel_id,
        thread_key=retro.parent_key,
        text=text,
        blocks=blocks,
        now=now,
    )


def refresh_board(*, session: Session, retro: Retro, now: datetime) -> None:
    """Update the board in place (one chat.update for a burst of votes)."""
    if retro.board_key is None:
        return
    text, blocks = views.board(retro_board.board_of(session=session, retro=retro), today=now.date())
    outbox.enqueue_edit(session=session, of_key=retro.board_key, text=text, blocks=blocks, now=now)


def _say_phase(session: Session, retro: Retro, now: datetime) -> None:
    """Edit what the retro said while collecting: its channel parent and each member's DM
    (no more *Add an item*; where to vote, or that it closed)."""
    carried = list(
        session.scalars(
            select(RetroAction)
            .where(RetroAction.carried_into == retro.id, RetroAction.retro_id != retro.id)
            .order_by(RetroAction.number)
        )
    )
    names = retro_board.names_of(session, retro.team_id, carried)
    text, blocks = views.parent(retro, carried=carried, names=names, today=now.date())
    if retro.parent_key:
        outbox.enqueue_edit(
            session=session, of_key=retro.parent_key, text=text, blocks=blocks, now=now
        )
    prefix = f"retro:{retro.id}:dm:"
    keys = session.scalars(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.team_id == retro.team_id,
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            OutboxMessage.edit_of.is_(None),
        )
    ).all()
    text, blocks = views.closed_prompt(retro)
    for key in keys:
        if key.count(":") == 3:  # the DM itself, not one of its edits
            outbox.enqueue_edit(session=session, of_key=key, text=text, blocks=blocks, now=now)


def collection_closed(*, session: Session, team_id: str, retro_id: int) -> str | None:
    """What *Add an item* answers once the retro no longer collects; None while it does."""
    retro = get(session=session, team_id=team_id, retro_id=retro_id)
    return None if retro.status == RetroStatus.COLLECTING else views.collection_closed(retro)


def require_facilitator(retro: Retro, user_id: str) -> None:
    """Grouping, actions and closing belong to whoever runs the retro."""
    if retro.facilitator_id not in (None, user_id):
        raise NotAllowed(
            f"Only the retro's facilitator (<@{retro.facilitator_id}>) does that. Ask them."
        )


def close(*, session: Session, retro: Retro, user_id: str | None, now: datetime) -> None:
    """Close the retro (the facilitator, or its voting time ran out) and post the summary:
    top items, actions with owners, carried-over actions and their state."""
    if retro.status == RetroStatus.CLOSED:
        raise InvalidInput("This retro is closed already; its summary is in the channel.")
    if user_id is not None:
        require_facilitator(retro, user_id)
    if retro.status == RetroStatus.COLLECTING:
        open_voting(session=session, retro=retro, now=now)
    retro.status, retro.closed_at = RetroStatus.CLOSED, now
    session.flush()
    _say_phase(session, retro, now)
    board = retro_board.board_of(session=session, retro=retro)
    refresh_board(session=session, retro=retro, now=now)
    text, blocks = views.summary(board, today=now.date())
    outbox.enqueue(
        session=session,
        team_id=retro.team_id,
        dedupe_key=f"retro:{retro.id}:summary",
        target=retro.channel_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def advance(*, session: Session, now: datetime) -> int:
    """Move retros whose time ran out on: collection over -> voting; voting over -> closed
    with its summary. Run by every tick; returns how many moved."""
    moved = 0
    due = session.scalars(
        select(Retro)
        .where(
            ((Retro.status == RetroStatus.COLLECTING) & (Retro.collect_until <= now))
            | ((Retro.status == RetroStatus.VOTING) & (Retro.vote_until <= now))
        )
        .order_by(Retro.id)
        .with_for_update()
    ).all()
    for retro in due:
        if retro.status == RetroStatus.COLLECTING:
            open_voting(session=session, retro=retro, now=now)
        else:
            close(session=session, retro=retro, user_id=None, now=now)
        moved += 1
    return moved


def current(*, session: Session, actor: Actor) -> Retro:
    """The channel's open retro, or its last one; NotFound when it never had one."""
    retro = open_retro(session=session, team_id=actor.team_id, channel_id=actor.channel_id)
    retro = retro or latest(session=session, team_id=actor.team_id, channel_id=actor.channel_id)
    if retro is None:
        raise NotFound("There is no retro here yet. Type `/retro start` to open one.")
    return retro
