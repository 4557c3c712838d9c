"""A standup day: prompts by DM, one thread of answers, skips, reminders and blockers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput, NotFound
from bot.outbox import store as outbox
from bot.parsing.standups import DEFAULT_QUESTIONS, MEMBER_ZONES, blocker_index, is_none, plan_index
from bot.readmodels import Tally
from bot.scheduling.recurrence import parse_hhmm
from bot.services import blockers, calendar, people, standup_blockers
from bot.services.actor import Actor
from bot.views import standups as views
from storage.db import insert_ignore
from storage.items import Blocker
from storage.scheduling import Occurrence, Schedule
from storage.standups import Away, Person, StandupResponse, StandupRun
from storage.statuses import BlockerStatus, OutboxStatus, ResponseStatus

DEFAULT_REMINDER_MINUTES = 120


def _key(run: StandupRun, user_id: str, what: str) -> str:
    return f"standup:{run.id}:{user_id}:{what}"


def questions_of(schedule: Schedule) -> list[str]:
    """The schedule's questions, or the defaults."""
    return list((schedule.config or {}).get("questions") or DEFAULT_QUESTIONS)


def zone_of(schedule: Schedule, person: Person | None) -> ZoneInfo:
    """Where this person's 09:30 is: their own zone in member-zones mode, else the channel's."""
    config = schedule.config or {}
    if config.get("mode") == MEMBER_ZONES and person is not None and person.tz:
        return ZoneInfo(person.tz)
    return ZoneInfo(config.get("zone") or schedule.zones[0])


# -- starting a day ---------------------------------------------------------------------------
def on_occurrence(
    *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
) -> int:
    """The scheduler's standup handler: prompt everyone whose local standup time it is."""
    config = schedule.config or {}
    wanted = parse_hhmm(schedule.local_time)
    known = people.known(session=session, team_id=schedule.team_id, user_ids=_participants(config))
    due: dict[date, list[str]] = {}
    for user in people.humans(known, _participants(config)):
        local = occurrence.due_at.astimezone(zone_of(schedule, known.get(user)))
        if (local.hour, local.minute) == (wanted.hour, wanted.minute):
            due.setdefault(local.date(), []).append(user)
    sent = 0
    for day, users in sorted(due.items()):
        run = open_run(session=session, schedule=schedule, day=day, now=now)
        sent += prompt(session=session, schedule=schedule, run=run, users=users, now=now)
    return sent


def start_now(*, session: Session, schedule: Schedule, now: datetime) -> tuple[StandupRun, int]:
    """`/standup now`: today's run for everyone not yet asked (today in the channel's zone)."""
    config = schedule.config or {}
    day = now.astimezone(ZoneInfo(config.get("zone") or schedule.zones[0])).date()
    known = people.known(session=session, team_id=schedule.team_id, user_ids=_participants(config))
    run = open_run(session=session, schedule=schedule, day=day, now=now)
    users = people.humans(known, _participants(config))
    return run, prompt(session=session, schedule=schedule, run=run, users=users, now=now)


def _participants(config: dict[str, Any]) -> list[str]:
    return list(config.get("participants") or [])


def open_run(*, session: Session, schedule: Schedule, day: date, now: datetime) -> StandupRun:
    """The schedule's run of `day`, created the first time (its thread: `ensure_thread`)."""
    parent_key = f"standup:{schedule.id}:{day.isoformat()}:parent"
    insert_ignore(
        session,
        StandupRun,
        {
            "team_id": schedule.team_id,
            "schedule_id": schedule.id,
            "channel_id": schedule.channel_id,
            "day": day,
            "questions": questions_of(schedule),
            "parent_key": parent_key,
            "started_at": now,
        },
        conflict=["schedule_id", "day"],
    )
    run = session.scalars(
        select(StandupRun)
        .where(StandupRun.schedule_id == schedule.id, StandupRun.day == day)
        .with_for_update()
    ).one()
    return run


def ensure_thread(
    *, session: Session, run: StandupRun, now: datetime, answered: bool = False
) -> None:
    """Queue the day's thread parent, once: only when somebody is prompted or answers, so a
    day when everyone is away or off posts nothing in the channel.

    Queued for prompts, it expires at the end of the run's day (a thread of nobody's answers
    is stale news after an outage); once someone answers it must show, so an answer lifts
    the deadline, bringing back a parent that had expired."""
    parent = outbox.by_key(session, run.parent_key)
    if parent is not None:
        if answered and parent.status in (OutboxStatus.PENDING, OutboxStatus.EXPIRED):
            parent.status, parent.deadline, parent.last_error = OutboxStatus.PENDING, None, None
        return
    schedule = session.get(Schedule, run.schedule_id)
    zone = ZoneInfo((schedule.config or {}).get("zone") or schedule.zones[0] if schedule else "UTC")
    text, blocks = views.parent(day=run.day, tally=Tally([], 0, 0, 0))
    outbox.enqueue(
        session=session,
        team_id=run.team_id,
        dedupe_key=run.parent_key,
        target=run.channel_id,
        text=text,
        blocks=blocks,
        now=now,
        deadline=None if answered else calendar.midnight_after(run.day, zone),
        deadline_note=f"the standup thread of {run.day:%a %d %b}",
    )


def prompt(
    *, session: Session, schedule: Schedule, run: StandupRun, users: Iterable[str], now: datetime
) -> int:
    """Ask each of `users` once per run, unless away (by command or by Slack status) or off
    (their weekend or a public holiday): in their working hours, in their own zone."""
    users = list(users)
    known = people.known(session=session, team_id=run.team_id, user_ids=users)
    minutes = int((schedule.config or {}).get("reminder_minutes", DEFAULT_REMINDER_MINUTES))
    cal = calendar.for_channel(
        session=session,
        team_id=run.team_id,
        channel_id=run.channel_id,
        zone=ZoneInfo((schedule.config or {}).get("zone") or schedule.zones[0]),
    )
    queued = 0
    for user in users:
        reason = _away(session, run, known.get(user), user, now)
        at = None
        if reason is None:
            at = calendar.slot(
                session=session,
                calendar=cal,
                team_id=run.team_id,
                user_id=user,
                now=now,
                person=known.get(user),
            )
            reason = "not a working day for them" if at is None else None
        values = {
            "team_id": run.team_id,
            "run_id": run.id,
            "user_id": user,
            "status": ResponseStatus.AWAY if reason else ResponseStatus.PROMPTED,
            "reason": reason,
            "prompted_at": now,
            "late": False,
        }
        if insert_ignore(session, StandupResponse, values, conflict=["run_id", "user_id"]) is None:
            continue  # asked already (another zone's occurrence, or /standup now)
        if reason or at is None:
            continue
        ensure_thread(session=session, run=run, now=now)
        text, blocks = views.prompt(
            channel_id=run.channel_id, day=run.day, questions=run.questions, run_id=run.id
        )
        queued += outbox.enqueue(
            session=session,
            team_id=run.team_id,
            dedupe_key=_key(run, user, "prompt"),
            target=user,
            text=text,
            blocks=blocks,
            now=now,
            not_before=at,
            # The run closes for them at the end of their working day: never a stale prompt.
            deadline=calendar.day_end(
                session=session, calendar=cal, team_id=run.team_id, user_id=user, at=at
            ),
            deadline_note=f"the standup prompt of {run.day:%a %d %b}",
        )
        later = calendar.same_day_slot(
            session=session,
            calendar=cal,
            team_id=run.team_id,
            user_id=user,
            person=known.get(user),
            after=at,
            minutes=minutes,
        )
        if later is not None:
            text, blocks = views.reminder(channel_id=run.channel_id, day=run.day, run_id=run.id)
            outbox.enqueue(
                session=session,
                team_id=run.team_id,
                dedupe_key=_key(run, user, "reminder"),
                target=user,
                text=text,
                blocks=blocks,
                now=now,
                not_before=later,
                deadline=calendar.day_end(
                    session=session, calendar=cal, team_id=run.team_id, user_id=user, at=later
                ),
                deadline_note=f"the standup reminder of {run.day:%a %d %b}",
            )
    refresh_parent(session=session, run=run, now=now)
    return queued


def _away(
    session: Session, run: StandupRun, person: Person | None, user: str, now: datetime
) -> str | None:
    away = session.get(Away, (run.team_id, user))
    if away is not None and away.until >= run.day:
        return (
            "standups paused"
            if away.until == calendar.PAUSED_UNTIL
            else f"away until {away.until.isoformat()}"
        )
    return people.status_away(person, now)


def refresh_parent(*, session: Session, run: StandupRun, now: datetime) -> None:
    """Bring the thread parent's counts up to date (one chat.update for a burst of changes)."""
    rows = list(session.scalars(select(StandupResponse).where(StandupResponse.run_id == run.id)))
    known = people.known(session=session, team_id=run.team_id, user_ids=[r.user_id for r in rows])
    answered = sorted(
        (r for r in rows if r.status == ResponseStatus.ANSWERED),
        key=lambda r: (r.answered_at, r.id),
    )
    tally = Tally(
        answered=[people.name_of(known, r.user_id) for r in answered],
        waiting=sum(r.status == ResponseStatus.PROMPTED for r in rows),
        skipped=sum(r.status == ResponseStatus.SKIPPED for r in rows),
        away=sum(r.status == ResponseStatus.AWAY for r in rows),
    )
    if outbox.by_key(session, run.parent_key) is None:
        return  # nobody was prompted: no thread
    text, blocks = views.parent(day=run.day, tally=tally)
    outbox.enqueue_edit(session=session, of_key=run.parent_key, text=text, blocks=blocks, now=now)


# -- answering --------------------------------------------------------------------------------
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
    text, blocks = standup_blockers.reply_view(session, run, mine, blocker)
    reply_key = _key(run, user_id, "reply")
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
    outbox.cancel(session, _key(run, user_id, "reminder"))
    prompt_key = _key(run, user_id, "prompt")
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
    text, blocks = standup_blockers.reply_view(session, run, mine, blocker)
    outbox.enqueue_edit(
        session=session, of_key=_key(run, author_id, "reply"), text=text, blocks=blocks, now=now
    )
    return blocker
