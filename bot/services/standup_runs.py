"""A standup day: opening the run, prompts and reminders by DM, the thread and its counts.

Answers, skips and blockers from answers: bot.services.standup_answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import store as outbox
from bot.parsing.standups import DEFAULT_QUESTIONS, MEMBER_ZONES
from bot.readmodels import Tally
from bot.scheduling.recurrence import parse_hhmm
from bot.services import calendar, people
from bot.views import standups as views
from storage.db import insert_ignore
from storage.scheduling import Occurrence, Schedule
from storage.standups import Away, Person, StandupResponse, StandupRun
from storage.statuses import OutboxStatus, ResponseStatus

DEFAULT_REMINDER_MINUTES = 120


def message_key(run: StandupRun, user_id: str, what: str) -> str:
    """The outbox dedupe key of `what` ("prompt", "reminder", "reply") for one person's run."""
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


def start_now(
    *, session: Session, schedule: Schedule, now: datetime
) -> tuple[StandupRun, int, int]:
    """`/standup now`: today's run for everyone not yet asked (today in the channel's zone).

    Returns the run, how many were asked and, of those, how many get the prompt later, at
    the start of their working hours (it is before them where they are)."""
    config = schedule.config or {}
    day = now.astimezone(ZoneInfo(config.get("zone") or schedule.zones[0])).date()
    known = people.known(session=session, team_id=schedule.team_id, user_ids=_participants(config))
    run = open_run(session=session, schedule=schedule, day=day, now=now)
    users = people.humans(known, _participants(config))
    held: list[datetime] = []
    asked = prompt(session=session, schedule=schedule, run=run, users=users, now=now, held=held)
    return run, asked, len(held)


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
    *,
    session: Session,
    schedule: Schedule,
    run: StandupRun,
    users: Iterable[str],
    now: datetime,
    held: list[datetime] | None = None,
) -> int:
    """Ask each of `users` once per run, unless away (by command or by Slack status) or off
    (their weekend or a public holiday): in their working hours, in their own zone.

    Returns how many prompts were queued; `held` gets the send time of each one queued for
    later than `now` (before the person's working hours)."""
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
        if held is not None and at > now:
            held.append(at)
        queued += outbox.enqueue(
            session=session,
            team_id=run.team_id,
            dedupe_key=message_key(run, user, "prompt"),
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
                dedupe_key=message_key(run, user, "reminder"),
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
