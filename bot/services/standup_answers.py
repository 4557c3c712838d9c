"""Answering a standup: the answer form, answers and edits, skips, blockers from answers.

The run itself (prompts, reminders, the thread parent): bot.services.standup_runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.outbox import store as outbox
from bot.parsing.standups import blocker_index, is_none, plan_index
from bot.services import blockers, standup_blockers, standup_reply
from bot.services.actor import Actor
from bot.services.standup_runs import ensure_thread, message_key, refresh_parent, zone_of
from bot.views import standups as views
from storage.items import Blocker
from storage.scheduling import Schedule
from storage.standups import Person, StandupResponse, StandupRun
from storage.statuses import BlockerStatus, ResponseStatus


def get_run(*, session: Session, team_id: str, run_id: int, lock: bool = False) -> StandupRun:
    """A run of this workspace (locked when answers change it, so counts never go stale)."""
    query = select(StandupRun).where(StandupRun.id == run_id, StandupRun.team_id == team_id)
    run = session.scalar(query.with_for_update() if lock else query)
    if run is None:
        raise NotFound("That standup is no longer available.")
    return run


def answer_form(*, session: Session, team_id: str, run_id: int, user_id: str) -> dict[str, Any]:
    """What the answer modal needs: the run, current answers and the person's last plan."""
    run = get_run(session=session, team_id=team_id, run_id=run_id)
    mine = _response(session, run, user_id)
    return {
        "run_id": run.id,
        "channel_id": run.channel_id,
        "day": run.day,
        "questions": run.questions,
        "current": mine.answers if mine is not None else None,
        "last_plan": last_plan(session=session, run=run, user_id=user_id),
        "blocker_at": blocker_index(run.questions),
    }


def last_plan(*, session: Session, run: StandupRun, user_id: str) -> str | None:
    """What this person said they would do, in their latest earlier answer."""
    earlier = session.execute(
        select(StandupResponse.answers, StandupRun.questions)
        .join(StandupRun, StandupRun.id == StandupResponse.run_id)
        .where(StandupRun.schedule_id == run.schedule_id, StandupRun.day < run.day)
        .where(
            StandupResponse.user_id == user_id, StandupResponse.status == ResponseStatus.ANSWERED
        )
        .order_by(StandupRun.day.desc())
        .limit(1)
    ).first()
    if earlier is None or not earlier.answers:
        return None
    at = plan_index(list(earlier.questions))
    return earlier.answers[at] if at is not None and at < len(earlier.answers) else None


def _response(session: Session, run: StandupRun, user_id: str) -> StandupResponse | None:
    return session.scalar(
        select(StandupResponse).where(
            StandupResponse.run_id == run.id, StandupResponse.user_id == user_id
        )
    )


def answer(
    *, session: Session, team_id: str, run_id: int, user_id: str, answers: list[str], now: datetime
) -> StandupResponse:
    """Record (or edit) an answer: thread reply, blocker from the blockers answer, counts."""
    run = get_run(session=session, team_id=team_id, run_id=run_id, lock=True)
    if len(answers) != len(run.questions):
        raise InvalidInput("Answer every question, please.", field="standup")
    at = blocker_index(run.questions)
    for n, text in enumerate(answers):
        if n != at and not text.strip():
            raise InvalidInput("Answer every question, please.", field=f"q{n}")
    mine = _response(session, run, user_id)
    if mine is None:  # e.g. someone added after the prompts went out
        mine = StandupResponse(
            team_id=team_id, run_id=run.id, user_id=user_id, prompted_at=now, late=False
        )
        session.add(mine)
    first = mine.status != ResponseStatus.ANSWERED or mine.answered_at is None
    mine.status, mine.reason, mine.answers = (
        ResponseStatus.ANSWERED,
        None,
        [a.strip() for a in answers],
    )
    if first:
        mine.answered_at = now
        mine.late = now.astimezone(_zone(session, run, user_id)).date() > run.day
    else:
        mine.edited_at = now
    blocker = _blocker_from(session, run, mine, at, now)
    session.flush()
    text, blocks = standup_reply.reply_view(session, run, mine, blocker)
    reply_key = message_key(run, user_id, "reply")
    ensure_thread(session=session, run=run, now=now, answered=True)
    if outbox.by_key(session, reply_key) is None:
        outbox.enqueue(
            session=session,
            team_id=team_id,
            dedupe_key=reply_key,
            target=run.channel_id,
            thread_key=run.parent_key,
            text=text,
            blocks=blocks,
            now=now,
        )
    else:
        outbox.enqueue_edit(session=session, of_key=reply_key, text=text, blocks=blocks, now=now)
    _settle_dm(session, run, user_id, views.answered, now)
    refresh_parent(session=session, run=run, now=now)
    return mine


def _zone(session: Session, run: StandupRun, user_id: str) -> ZoneInfo:
    schedule = session.get(Schedule, run.schedule_id)
    assert schedule is not None
    return zone_of(schedule, session.get(Person, (run.team_id, user_id)))


def _blocker_from(
    session: Session, run: StandupRun, mine: StandupResponse, at: int | None, now: datetime
) -> Blocker | None:
    """The blocker this answer reports: created once, its text kept in step with edits."""
    said = (mine.answers or [])[at] if at is not None else ""
    existing = session.get(Blocker, mine.blocker_id) if mine.blocker_id else None
    if is_none(said):
        if existing is not None and existing.status == BlockerStatus.OPEN:
            # The answer was edited to "no blockers": the blocker it made goes with it.
            standup_blockers.withdraw(session, existing, mine.user_id, now)
        return existing
    if existing is not None:
        if existing.status == BlockerStatus.OPEN and existing.text != said:
            existing.text = said
            blockers.reindex(session=session, blocker=existing)
        return existing
    actor = Actor(team_id=run.team_id, user_id=mine.user_id, channel_id=run.channel_id)
    created = blockers.create(session=session, actor=actor, now=now, text=said[:2000])
    mine.blocker_id = created.id
    return created


def skip(*, session: Session, team_id: str, run_id: int, user_id: str, now: datetime) -> None:
    """ "Skip today": no reminder, counted as skipped; an answer already given stays."""
    run = get_run(session=session, team_id=team_id, run_id=run_id, lock=True)
    mine = _response(session, run, user_id)
    if mine is not None and mine.status == ResponseStatus.ANSWERED:
        raise InvalidInput("You have already answered today; use *Edit answer* to change it.")
    if mine is None:
        mine = StandupResponse(
            team_id=team_id, run_id=run.id, user_id=user_id, prompted_at=now, late=False
        )
        session.add(mine)
    mine.status, mine.reason = ResponseStatus.SKIPPED, "skipped by the person"
    _settle_dm(session, run, user_id, views.skipped, now)
    refresh_parent(session=session, run=run, now=now)


def _settle_dm(session: Session, run: StandupRun, user_id: str, view: Any, now: datetime) -> None:
    """No reminder any more, and the prompt DM says what happened."""
    outbox.cancel(session, message_key(run, user_id, "reminder"))
    prompt_key = message_key(run, user_id, "prompt")
    if outbox.by_key(session, prompt_key) is not None:
        text, blocks = view(channel_id=run.channel_id, day=run.day, run_id=run.id)
        outbox.enqueue_edit(session=session, of_key=prompt_key, text=text, blocks=blocks, now=now)


def not_a_blocker(
    *, session: Session, team_id: str, run_id: int, author_id: str, user_id: str, now: datetime
) -> Blocker:
    """*Not a blocker* on a thread reply: close the blocker and show the reply without it."""
    blocker, mine, run = standup_blockers.not_a_blocker(
        session=session,
        team_id=team_id,
        run_id=run_id,
        author_id=author_id,
        user_id=user_id,
        now=now,
    )
    text, blocks = standup_reply.reply_view(session, run, mine, blocker)
    outbox.enqueue_edit(
        session=session,
        of_key=message_key(run, author_id, "reply"),
        text=text,
        blocks=blocks,
        now=now,
    )
    return blocker
