"""Standups answered by typing in the app's DM: one message per question, or all at once.

The conversation's state lives on the person's `StandupResponse.extra["chat"]`:
`open` (when the person last typed in a conversation still going on, else false), `draft`
(answers typed so far, not yet recorded) and `msgs` (DM message ts -> the question indexes it
answered, so an edit of that message edits those answers). Complete answers go through
`standup_answers.answer`, exactly as the form's do.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.ids import Turn
from bot.parsing.dm import split_answers
from bot.readmodels import ChatTurn
from bot.services import standup_answers, standup_runs
from storage.scheduling import Schedule
from storage.standups import Person, StandupResponse, StandupRun
from storage.statuses import ResponseStatus

# How many of a person's latest runs an edited message is looked up in.
RECENT = 14
# A conversation left unfinished this long no longer takes what the person types.
OPEN_FOR = timedelta(hours=12)
NOTHING_WAITING = "No standup is waiting for you. Type `report` after a standup prompt."


def _chat(mine: StandupResponse) -> dict[str, Any]:
    return dict((mine.extra or {}).get("chat") or {})


def _is_open(chat: dict[str, Any], now: datetime) -> bool:
    since = chat.get("open")
    return isinstance(since, str) and now - datetime.fromisoformat(since) < OPEN_FOR


def _save(mine: StandupResponse, chat: dict[str, Any]) -> None:
    # A new dict, so SQLAlchemy sees the JSON column change.
    mine.extra = {**(mine.extra or {}), "chat": chat}


def _recent(
    session: Session, team_id: str, user_id: str
) -> list[tuple[StandupResponse, StandupRun]]:
    rows = session.execute(
        select(StandupResponse, StandupRun)
        .join(StandupRun, StandupRun.id == StandupResponse.run_id)
        .where(StandupResponse.team_id == team_id, StandupResponse.user_id == user_id)
        .order_by(StandupRun.day.desc(), StandupRun.id.desc())
        .limit(RECENT)
    ).all()
    return [(r[0], r[1]) for r in rows]


def _in_window(session: Session, run: StandupRun, user_id: str, now: datetime) -> bool:
    """Still the run's day where the person is (their standup day has not ended)."""
    schedule = session.get(Schedule, run.schedule_id)
    if schedule is None:
        return False
    zone = standup_runs.zone_of(schedule, session.get(Person, (run.team_id, user_id)))
    return now.astimezone(zone).date() <= run.day


def _current(
    session: Session, team_id: str, user_id: str, now: datetime
) -> tuple[StandupResponse, StandupRun] | None:
    """The standup a typed message belongs to: the latest one being typed (after `report`,
    or half answered) or prompted and not answered on its day."""
    for mine, run in _recent(session, team_id, user_id):
        if _is_open(_chat(mine), now) or (
            mine.status == ResponseStatus.PROMPTED and _in_window(session, run, user_id, now)
        ):
            return mine, run
    return None


def _locked(
    session: Session, mine: StandupResponse, run: StandupRun
) -> tuple[StandupResponse, StandupRun]:
    """The run locked and the response re-read: two messages typed in quick succession are
    taken one after the other, each seeing the other's answer."""
    run = standup_answers.get_run(session=session, team_id=run.team_id, run_id=run.id, lock=True)
    session.refresh(mine)
    return mine, run


def _ask(run: StandupRun, number: int, *, late: bool) -> ChatTurn:
    return ChatTurn(
        kind=Turn.ASK,
        channel_id=run.channel_id,
        day=run.day,
        number=number + 1,
        total=len(run.questions),
        question=run.questions[number],
        late=late,
    )


def waiting(*, session: Session, team_id: str, user_id: str, now: datetime) -> ChatTurn | None:
    """The question a typed message would answer now, or None when no standup waits."""
    found = _current(session, team_id, user_id, now)
    if found is None:
        return None
    mine, run = found
    draft = _chat(mine).get("draft") or []
    return _ask(
        run,
        min(len(draft), len(run.questions) - 1),
        late=not _in_window(session, run, user_id, now),
    )


def typed(
    *, session: Session, team_id: str, user_id: str, text: str, ts: str, now: datetime
) -> ChatTurn | None:
    """Take a typed message as standup answers; None when no standup is waiting for it.

    With nothing typed yet, a message that splits into one part per question (numbers, blank
    lines or lines) answers them all; otherwise it answers the next question. When every
    question has an answer they are recorded through `standup_answers.answer` (the thread reply,
    a blocker from the blockers answer, the counts). Raises InvalidInput when an answer is
    missing (nothing is recorded then)."""
    found = _current(session, team_id, user_id, now)
    if found is None:
        return None
    mine, run = _locked(session, *found)
    chat = _chat(mine)
    draft = list(chat.get("draft") or [])
    msgs = dict(chat.get("msgs") or {})
    total = len(run.questions)
    parts = split_answers(text, total) if not draft else None
    if parts is not None:
        draft, msgs[ts] = parts, list(range(total))
    else:
        # Slack does not promise events in order: an answer lands where its message was typed.
        at = sum(1 for t in msgs if float(t) < float(ts))
        draft.insert(at, text)
        msgs = {t: [n + (float(t) > float(ts)) for n in idx] for t, idx in msgs.items()}
        msgs[ts] = [at]
    late = not _in_window(session, run, user_id, now)
    if len(draft) < total:
        _save(mine, {**chat, "open": now.isoformat(), "draft": draft, "msgs": msgs})
        return _ask(run, len(draft), late=late)
    recorded = standup_answers.answer(
        session=session, team_id=team_id, run_id=run.id, user_id=user_id, answers=draft, now=now
    )
    _save(recorded, {"open": False, "draft": [], "msgs": msgs})
    return ChatTurn(kind=Turn.ANSWERED, channel_id=run.channel_id, day=run.day, late=recorded.late)


def edited(
    *, session: Session, team_id: str, user_id: str, ts: str, text: str, now: datetime
) -> ChatTurn | None:
    """An edited DM message: the answers it gave change (a recorded answer is edited through
    `standup_answers.answer`, as the form's Edit does). None when the message answered nothing.
    Raises InvalidInput when an all-at-once message no longer splits into every answer."""
    for found in _recent(session, team_id, user_id):
        if ts not in (_chat(found[0]).get("msgs") or {}):
            continue
        mine, run = _locked(session, *found)
        chat = _chat(mine)
        indexes = chat["msgs"][ts]
        total = len(run.questions)
        if len(indexes) == total and total > 1:
            parts = split_answers(text, total)
            if parts is None:
                raise InvalidInput(
                    f"I couldn't find {total} answers in your edited message: number them "
                    f"`1.` to `{total}.` or put a blank line between them."
                )
        else:
            parts = [text]
        if mine.status == ResponseStatus.ANSWERED and not _is_open(chat, now):
            answers = list(mine.answers or [])
            for at, part in zip(indexes, parts, strict=True):
                answers[at] = part
            standup_answers.answer(
                session=session,
                team_id=team_id,
                run_id=run.id,
                user_id=user_id,
                answers=answers,
                now=now,
            )
            return ChatTurn(kind=Turn.EDITED, channel_id=run.channel_id, day=run.day)
        draft = list(chat.get("draft") or [])
        for at, part in zip(indexes, parts, strict=True):
            if at < len(draft):
                draft[at] = part
        _save(mine, {**chat, "draft": draft})
        return ChatTurn(kind=Turn.DRAFT_EDITED, channel_id=run.channel_id, day=run.day)
    return None


def skip_today(*, session: Session, team_id: str, user_id: str, now: datetime) -> ChatTurn:
    """`skip` in the DM: today's standup is skipped, as with the *Skip today* button.
    Raises NotFound when no standup is waiting, InvalidInput when it is answered already."""
    recent = _recent(session, team_id, user_id)
    found = next(
        (
            f
            for f in recent
            if _is_open(_chat(f[0]), now) or _in_window(session, f[1], user_id, now)
        ),
        None,
    )
    if found is None:
        raise NotFound(NOTHING_WAITING)
    mine, run = found
    standup_answers.skip(session=session, team_id=team_id, run_id=run.id, user_id=user_id, now=now)
    _save(mine, {**_chat(mine), "open": False, "draft": []})
    return ChatTurn(kind=Turn.SKIPPED, channel_id=run.channel_id, day=run.day)


def report(*, session: Session, team_id: str, user_id: str, now: datetime) -> ChatTurn:
    """`report` / `standup` in the DM: start typing the latest standup not answered yet (a
    late answer after its day; it lands in that day's thread). Raises NotFound when there is
    none, InvalidInput when the latest one is answered already."""
    recent = _recent(session, team_id, user_id)
    if not recent:
        raise NotFound("No standup has asked you yet.")
    mine, run = recent[0]
    if mine.status == ResponseStatus.ANSWERED:
        raise InvalidInput(
            "You have already answered your latest standup; edit your message or use "
            "*Edit answer* to change it."
        )
    _save(mine, {"open": now.isoformat(), "draft": [], "msgs": {}})
    return _ask(run, 0, late=not _in_window(session, run, user_id, now))
