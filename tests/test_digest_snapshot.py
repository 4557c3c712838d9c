"""The scheduled digest and reminders are read (and the digest rendered) in a snapshot,
outside the write transaction that records their occurrence (SQLite's single writer is held
for the writes alone); the feedback a digest shows is still marked shown once, and a reminder
still said once a day. Real app, real stores, fixed clock."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert, select

from bot.services import digest_post, feedback, reminders
from storage.db import insert_ignore, read, transaction
from storage.items import Feedback
from storage.reminders import ReminderLog
from storage.scheduling import Occurrence, OutboxMessage, Schedule
from storage.statuses import OccurrenceStatus
from tests.conftest import PRODUCT, Team
from tests.test_digest_and_reminders import a_week_of_work, say, utc
from tests.test_tick_at_scale import MONDAY_0900_BERLIN, spread_jobs

SHOWN_ONCE = "Anonymous: the release notes are unreadable"


def _statements(engine: Any) -> tuple[list[tuple[bool, str]], Any]:
    """Every statement run on `engine` from now on: (in a read transaction, SQL)."""
    seen: list[tuple[bool, str]] = []

    def record(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append((bool(conn.get_execution_options().get("teamloop_read")), statement))

    event.listen(engine, "before_cursor_execute", record)
    return seen, record


def test_the_digest_reads_in_a_snapshot_and_its_transaction_only_writes(team: Team) -> None:
    a_week_of_work(team)
    jobs = spread_jobs(team, spread=0)
    try:
        team.env.clock.set(MONDAY_0900_BERLIN - timedelta(minutes=30))
        jobs.tick()  # the default digest and reminders of each channel appear
        engine = team.env.sessions.kw["bind"]
        seen, record = _statements(engine)
        team.env.clock.set(MONDAY_0900_BERLIN)
        try:
            ticked = jobs.tick()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert ticked is not None and ticked.failed == 0 and ticked.done >= 2
        # The digest's heaviest reads (what moved, from the history; the 8 weeks' chart
        # figures) ran in read transactions; its outbox rows were written in write ones.
        moved = [snap for snap, sql in seen if "history_events.old_value" in sql]
        assert moved and all(moved), moved
        queued = [snap for snap, sql in seen if sql.startswith("INSERT INTO outbox")]
        assert queued and not any(queued)
        # The reminders' reading of their log in a snapshot; their claims written after.
        log_read = [snap for snap, sql in seen if "max(reminder_log.day)" in sql]
        assert log_read and all(log_read), log_read
        claimed = [snap for snap, sql in seen if sql.startswith("INSERT INTO reminder_log")]
        assert claimed and not any(claimed)
        with team.env.sessions() as s:
            done = s.scalars(
                select(Occurrence.status)
                .join(Schedule, Schedule.id == Occurrence.schedule_id)
                .where(Schedule.kind == "digest", Occurrence.due_at == MONDAY_0900_BERLIN)
            ).all()
        assert done and set(done) == {OccurrenceStatus.DONE}
    finally:
        jobs.leadership.release()


def _prepared_digest(team: Team) -> tuple[int, Any]:
    """#product's Monday digest, read in a snapshot with unshown anonymous feedback in it:
    (its schedule id, the handler that writes it)."""
    a_week_of_work(team)
    jobs = spread_jobs(team, spread=0)
    team.env.clock.set(MONDAY_0900_BERLIN - timedelta(minutes=30))
    jobs.tick()
    jobs.leadership.release()
    with transaction(team.env.sessions) as s:
        # Released anonymous feedback from an earlier week, not shown by any digest yet.
        s.execute(
            insert(Feedback).values(
                team_id=team.env.ws.team_id, number=90, text=SHOWN_ONCE, kind="problem",
                channel_id=PRODUCT, anonymous=True, created_at=utc(2026, 11, 2, 9, 0),
            )
        )  # fmt: skip
        sched_id = s.scalar(
            select(Schedule.id).where(Schedule.channel_id == PRODUCT, Schedule.kind == "digest")
        )
    assert sched_id is not None
    with read(team.env.sessions) as snap:
        write = digest_post.prepare(
            session=snap, schedule=snap.get_one(Schedule, sched_id), due_at=MONDAY_0900_BERLIN,
            zone="Europe/Berlin", now=MONDAY_0900_BERLIN,
        )  # fmt: skip
    return sched_id, write


def _run(team: Team, sched_id: int, write: Any, kind: str = "digest") -> str:
    """The prepared handler in its occurrence's transaction; everything it queued, as text."""
    with transaction(team.env.sessions) as s:
        occ_id = insert_ignore(
            s, Occurrence,
            {"team_id": team.env.ws.team_id, "schedule_id": sched_id, "kind": kind,
             "due_at": MONDAY_0900_BERLIN, "zone": "Europe/Berlin",
             "status": OccurrenceStatus.RUNNING, "messages": 0,
             "recorded_at": MONDAY_0900_BERLIN},
            conflict=["schedule_id", "due_at"],
        )  # fmt: skip
        assert occ_id is not None
        write(session=s, schedule=s.get_one(Schedule, sched_id),
              occurrence=s.get_one(Occurrence, occ_id), now=MONDAY_0900_BERLIN)  # fmt: skip
    with team.env.sessions() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.occurrence_id == occ_id))
        return "\n".join(f"{r.text} {json.dumps(r.blocks)}" for r in rows)


def _digested_at(team: Team) -> Any:
    with team.env.sessions() as s:
        return s.scalar(select(Feedback.digested_at).where(Feedback.text == SHOWN_ONCE))


def test_a_prepared_digest_shows_and_marks_unshown_feedback(team: Team) -> None:
    sched_id, write = _prepared_digest(team)
    assert _digested_at(team) is None, "the snapshot marked nothing"
    queued = _run(team, sched_id, write)
    assert SHOWN_ONCE in queued
    assert _digested_at(team) == MONDAY_0900_BERLIN


def test_feedback_shown_meanwhile_by_digest_now_is_not_shown_again(team: Team) -> None:
    sched_id, write = _prepared_digest(team)
    # Between the snapshot and the write, someone asks for /digest now: it shows the feedback.
    team.env.clock.set(MONDAY_0900_BERLIN + timedelta(seconds=30))
    say(team, "/digest", "now")
    assert _digested_at(team) == MONDAY_0900_BERLIN + timedelta(seconds=30)
    queued = _run(team, sched_id, write)
    assert "Monday" in queued or "digest" in queued.lower(), "the digest itself still goes out"
    assert SHOWN_ONCE not in queued
    assert _digested_at(team) == MONDAY_0900_BERLIN + timedelta(seconds=30)


def test_marking_feedback_shown_is_all_or_nothing(team: Team) -> None:
    a_week_of_work(team)
    at = MONDAY_0900_BERLIN
    with transaction(team.env.sessions) as s:
        ids = list(s.scalars(select(Feedback.id).where(Feedback.channel_id == PRODUCT)))
        assert len(ids) == 2
        s.get_one(Feedback, ids[0]).digested_at = at - timedelta(hours=1)
    with transaction(team.env.sessions) as s:
        assert feedback.mark_digested(session=s, ids=ids, at=at) is False
    with team.env.sessions() as s:
        marks = {i: d for i, d in s.execute(select(Feedback.id, Feedback.digested_at))}
    assert marks == {ids[0]: at - timedelta(hours=1), ids[1]: None}, "nothing marked"
    with transaction(team.env.sessions) as s:
        assert feedback.mark_digested(session=s, ids=[ids[1]], at=at) is True
        assert feedback.mark_digested(session=s, ids=[], at=at) is True
    with team.env.sessions() as s:
        assert s.get_one(Feedback, ids[1]).digested_at == at


def _prepared_reminders(team: Team) -> tuple[int, Any]:
    """#product's Monday reminders, decided in a snapshot: (schedule id, the writing handler)."""
    a_week_of_work(team)
    jobs = spread_jobs(team, spread=0)
    team.env.clock.set(MONDAY_0900_BERLIN - timedelta(minutes=30))
    jobs.tick()
    jobs.leadership.release()
    with read(team.env.sessions) as snap:
        sched = snap.scalars(
            select(Schedule).where(Schedule.channel_id == PRODUCT, Schedule.kind == "reminders")
        ).one()
        write = reminders.prepare(
            session=snap, schedule=sched, due_at=MONDAY_0900_BERLIN, zone="Europe/Berlin",
            now=MONDAY_0900_BERLIN,
        )  # fmt: skip
    return sched.id, write


def test_prepared_reminders_are_written_as_decided(team: Team) -> None:
    sched_id, write = _prepared_reminders(team)
    queued = _run(team, sched_id, write, kind="reminders")
    assert "REQ-2" in queued, "SSO with Okta is overdue: the channel hears it"
    with team.env.sessions() as s:
        rules = set(s.scalars(select(ReminderLog.rule).where(ReminderLog.item == "REQ-2")))
    assert "overdue" in rules


def test_a_reminder_logged_meanwhile_is_not_said_again(team: Team) -> None:
    sched_id, write = _prepared_reminders(team)
    # Between the snapshot and the write, another run says today that REQ-2 is overdue.
    with transaction(team.env.sessions) as s:
        s.execute(
            insert(ReminderLog).values(
                team_id=team.env.ws.team_id, rule="overdue", item="REQ-2", sent_to=PRODUCT,
                day=MONDAY_0900_BERLIN.date(), at=MONDAY_0900_BERLIN,
            )
        )  # fmt: skip
    queued = _run(team, sched_id, write, kind="reminders")
    assert "REQ-4" in queued, "the rest is still reminded (Billing export has no owner)"
    assert "REQ-2" not in queued
