"""How a standup thread reply shows the blocker its answer made, and keeping that reply true
when the blocker changes on any path (README: "Cards follow their item"): resolved by
command, on the Home tab or from a reminder, the reply loses its *Not a blocker* button and
says what happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import store as outbox
from bot.services import cards, people
from bot.services.standup_runs import message_key, zone_of
from bot.views import standups as views
from storage.items import Blocker
from storage.models import HistoryEvent
from storage.scheduling import Schedule
from storage.standups import StandupResponse, StandupRun
from storage.statuses import BlockerStatus

KIND = "blocker"  # the blockers' history kind (bot.services.blockers.KIND)
# The history field that says a blocker was closed as "not a blocker" (its status history
# is the usual open -> resolved, so digests count it like any resolved one).
WITHDRAWN = "withdrawn"
# The changes a thread reply shows: the blocker closing, and why.
SHOWN = ("status", WITHDRAWN)


def reply_view(
    session: Session, run: StandupRun, mine: StandupResponse, blocker: Blocker | None
) -> tuple[str, list[Any]]:
    """The thread reply of one person's answers: text and blocks. An open blocker is named
    with a *Not a blocker* button; one taken back says so; one resolved since says by whom
    and when, in the standup's zone."""
    known = people.known(session=session, team_id=run.team_id, user_ids=[mine.user_id])
    open_ref = blocker.ref if blocker is not None and blocker.status == BlockerStatus.OPEN else None
    withdrawn = blocker is not None and _withdrawn(session, blocker)
    outcome = None
    if blocker is not None and open_ref is None and not withdrawn:
        schedule = session.get(Schedule, run.schedule_id)
        line = cards.outcome(session, blocker, zone_of(schedule, None)) if schedule else None
        outcome = f"{blocker.ref} · {line}" if line else None
    text, blocks = views.reply(
        name=people.name_of(known, mine.user_id),
        questions=run.questions,
        answers=mine.answers or [],
        blocker_ref=open_ref,
        late=mine.late,
        edited=mine.edited_at is not None,
        undo=f"{run.id}:{mine.user_id}" if open_ref else None,
        withdrawn=withdrawn,
        outcome=outcome,
    )
    return text, blocks


def _withdrawn(session: Session, blocker: Blocker) -> bool:
    if blocker.status != BlockerStatus.RESOLVED:
        return False
    found = session.scalar(
        select(HistoryEvent.id).where(
            HistoryEvent.team_id == blocker.team_id,
            HistoryEvent.entity_type == KIND,
            HistoryEvent.entity_id == blocker.id,
            HistoryEvent.field == WITHDRAWN,
        )
    )
    return found is not None


def follow(session: Session, *, blocker: Blocker, field: str, now: datetime) -> None:
    """A change of a blocker that came from a standup answer: edit that answer's thread reply
    (through the outbox, merged with any edit still waiting) to show it. Called by
    `items.change` for every blocker change; nothing for other blockers or fields."""
    if field not in SHOWN:
        return
    # Its reporter answered: the (team, user) index keeps this to one person's answers.
    mine = session.scalar(
        select(StandupResponse).where(
            StandupResponse.team_id == blocker.team_id,
            StandupResponse.user_id == blocker.reporter_id,
            StandupResponse.blocker_id == blocker.id,
        )
    )
    run = session.get(StandupRun, mine.run_id) if mine is not None else None
    if mine is None or run is None:
        return
    key = message_key(run, mine.user_id, "reply")
    if outbox.by_key(session, key) is None:
        return  # the reply is queued with the answer, after this change (never the case today)
    text, blocks = reply_view(session, run, mine, blocker)
    outbox.enqueue_edit(session=session, of_key=key, text=text, blocks=blocks, now=now)
