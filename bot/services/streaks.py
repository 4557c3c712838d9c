"""Standup streaks, checked by the daily reminders: someone who missed N standups in a row
gets one "Pause my standups?" DM and the standup's owner hears it once per streak; after 2N
missed in a row teamloop pauses that person's prompts itself (`/standup back` resumes).
Someone who reported a blocker N runs in a row is told to the owner, once per streak."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.calendar import PAUSED_UNTIL
from bot.views import reminders as views
from storage.scheduling import Schedule
from storage.standups import Away, StandupResponse, StandupRun
from storage.statuses import ResponseStatus

Once = Callable[..., bool]


class Found(Protocol):
    """What the reminders run collects (see `bot.services.reminders.Found`)."""

    dms: dict[str, list[Any]]
    pauses: dict[str, int]
    to_pause: list[str]


def _run_of(
    days: list[tuple[int, date]], history: dict[int, StandupResponse], wanted: Callable[..., bool]
) -> tuple[int, date | None]:
    """How many of the latest runs in a row match `wanted`, and the first day of that row."""
    length, start = 0, None
    for run_id, day in days:  # newest first
        resp = history.get(run_id)
        if resp is None or not wanted(resp):
            break
        length, start = length + 1, day
    return length, start


def check(
    *,
    session: Session,
    schedule: Schedule,
    today: date,
    now: datetime,
    streak: int,
    once: Once,
    found: Found,
    never_again: tuple[int, ...],
) -> None:
    """Find this channel's streaks of finished runs (before `today`) and queue what they call
    for through `once` (which keeps each to once per streak)."""
    sched = session.scalar(
        select(Schedule).where(
            Schedule.team_id == schedule.team_id,
            Schedule.channel_id == schedule.channel_id,
            Schedule.kind == "standup",
        )
    )
    if sched is None or streak < 1:
        return
    owner = (sched.config or {}).get("owner") or sched.created_by
    days = [
        (r.id, r.day)
        for r in session.execute(
            select(StandupRun.id, StandupRun.day)
            # Today's run may still be answered: only finished days count.
            .where(StandupRun.schedule_id == sched.id, StandupRun.day < today)
            .order_by(StandupRun.day.desc())
            .limit(2 * streak)
        )
    ]
    if len(days) < streak:
        return
    history: dict[str, dict[int, StandupResponse]] = defaultdict(dict)
    query = select(StandupResponse).where(StandupResponse.run_id.in_([i for i, _d in days]))
    for resp in session.scalars(query):
        history[resp.user_id][resp.run_id] = resp
    for user, mine in sorted(history.items()):
        missed, since = _run_of(days, mine, lambda r: r.status == ResponseStatus.PROMPTED)
        if missed >= streak and since is not None:
            item = f"standup:{sched.id}:{user}:{since:%Y%m%d}"
            # The owner hears of others; their own streak is the pause offer's to tell them.
            if owner and owner != user and once("standup_missed", item, owner, gaps=never_again):
                found.dms[owner].append(views.person_nudge(user, sched.channel_id, missed=missed))
            if once("standup_pause", item, user, gaps=never_again):
                found.pauses[user] = missed
            if missed >= 2 * streak:
                # Never answered twice the streak: stop prompting until `/standup back`
                # (written by `pause`, in the run's write transaction).
                found.to_pause.append(user)
            continue
        blocked, since = _run_of(days, mine, lambda r: r.blocker_id is not None)
        if blocked >= streak and since is not None and owner and owner != user:
            item = f"standup:{sched.id}:{user}:{since:%Y%m%d}"
            if once("standup_blocked", item, owner, gaps=never_again):
                found.dms[owner].append(views.person_nudge(user, sched.channel_id, blocked=blocked))


def pause(*, session: Session, team_id: str, users: list[str], today: date, now: datetime) -> None:
    """Stop prompting `users` (found by `check`) until `/standup back`, unless they are away
    already (an away that has not ended is left as it is)."""
    for user in users:
        away = session.get(Away, (team_id, user))
        if away is None or away.until < today:
            away = away or Away(team_id=team_id, user_id=user)
            away.until, away.set_at = PAUSED_UNTIL, now
            session.add(away)
