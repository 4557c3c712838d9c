"""The ticker: DST-correct instants, once per occurrence, catch-up windows, run-due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.scheduling.recurrence import DAILY, WEEKDAYS, instants
from storage.models import Requirement
from storage.scheduling import Occurrence, OutboxMessage
from tests.conftest import BOB, ENG, PM, PRODUCT, JobsEnv


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fires(zone: str, at: str, after: datetime, until: datetime, days: str = DAILY) -> list[str]:
    return [
        i.strftime("%Y-%m-%d %H:%MZ")
        for i in instants(weekdays=days, local_time=at, zone=zone, after=after, until=until)
    ]


def test_berlin_weekday_standup_is_0830z_in_winter_and_0730z_in_summer() -> None:
    assert fires("Europe/Berlin", "09:30", utc(2026, 11, 22), utc(2026, 11, 24), WEEKDAYS) == [
        "2026-11-23 08:30Z"
    ]
    assert fires("Europe/Berlin", "09:30", utc(2027, 4, 3), utc(2027, 4, 6), WEEKDAYS) == [
        "2027-04-05 07:30Z"
    ]


def test_new_york_across_both_2027_transitions() -> None:
    # Spring forward 14 March 2027: 09:30 EST is 14:30Z, 09:30 EDT is 13:30Z.
    assert fires("America/New_York", "09:30", utc(2027, 3, 13), utc(2027, 3, 16)) == [
        "2027-03-13 14:30Z",
        "2027-03-14 13:30Z",
        "2027-03-15 13:30Z",
    ]
    # Fall back 7 November 2027.
    assert fires("America/New_York", "09:30", utc(2027, 11, 6), utc(2027, 11, 9)) == [
        "2027-11-06 13:30Z",
        "2027-11-07 14:30Z",
        "2027-11-08 14:30Z",
    ]


def test_a_skipped_local_time_fires_once_moved_forward() -> None:
    # 02:30 does not exist on 14 March 2027 in New York: it fires once, at 03:30 EDT.
    got = fires("America/New_York", "02:30", utc(2027, 3, 14), utc(2027, 3, 15))
    assert got == ["2027-03-14 07:30Z"]


def test_an_ambiguous_local_time_fires_once() -> None:
    # 01:30 happens twice on 7 November 2027: it fires once, at the first (EDT) one.
    got = fires("America/New_York", "01:30", utc(2027, 11, 7), utc(2027, 11, 8))
    assert got == ["2027-11-07 05:30Z"]


def test_zones_without_dst_and_with_half_hour_offsets() -> None:
    assert fires("Asia/Shanghai", "09:30", utc(2027, 3, 13), utc(2027, 3, 15)) == [
        "2027-03-13 01:30Z",
        "2027-03-14 01:30Z",
    ]
    assert fires("Asia/Kolkata", "09:30", utc(2027, 11, 6), utc(2027, 11, 8)) == [
        "2027-11-06 04:00Z",
        "2027-11-07 04:00Z",
    ]


def standup(env: JobsEnv, *, zone: str = "Europe/Berlin", at: str = "09:30", **kw: object) -> int:
    return env.schedule(
        channel_id=PRODUCT,
        kind="standup",
        weekdays=WEEKDAYS,
        local_time=at,
        zones=[zone],
        config={"participants": [PM, BOB], "reminder_minutes": 0},
        **kw,
    )


def prompts(env: JobsEnv, user: str) -> list[str]:
    return [
        m["blocks"][0]["text"]["text"] for m in env.ws.channel_messages(env.ws.dm_channel(user))
    ]


def test_standup_prompts_arrive_at_the_local_time_across_dst(jobs_env: JobsEnv) -> None:
    standup(jobs_env)
    ticked, sent = jobs_env.run_due(utc(2026, 11, 23, 8, 29))
    assert (ticked.done, sent.sent) == (0, 0)
    ticked, sent = jobs_env.run_due(utc(2026, 11, 23, 8, 30))
    assert (ticked.done, sent.sent) == (1, 3)  # two prompts and the channel's thread parent
    assert prompts(jobs_env, BOB) == ["*Standup for <#C0PRODUCT> · Monday 23 November*"]
    # Summer time: the same 09:30 is 07:30Z.
    jobs_env.run_due(utc(2027, 4, 5, 7, 29))
    before = len(prompts(jobs_env, BOB))
    ticked, sent = jobs_env.run_due(utc(2027, 4, 5, 7, 30))
    assert ticked.done == 1 and len(prompts(jobs_env, BOB)) == before + 1
    done = jobs_env.rows(Occurrence, status="done")
    assert [o.due_at for o in done] == [utc(2026, 11, 23, 8, 30), utc(2027, 4, 5, 7, 30)]


def test_running_due_work_twice_sends_nothing_twice(jobs_env: JobsEnv) -> None:
    standup(jobs_env)
    at = utc(2026, 11, 23, 8, 31)
    jobs_env.run_due(at)
    ticked, sent = jobs_env.run_due(at)
    assert (ticked.done, ticked.skipped, sent.sent) == (0, 0, 0)
    assert len(prompts(jobs_env, PM)) == 1
    assert len(jobs_env.ws.calls_of("chat.postMessage")) == 3


def test_an_instant_in_the_past_does_not_reopen_a_window(jobs_env: JobsEnv) -> None:
    standup(jobs_env)
    jobs_env.run_due(utc(2026, 11, 24, 8, 31))  # Tuesday's prompt (Monday's was too late)
    jobs_env.run_due(utc(2026, 11, 23, 8, 31))  # an operator re-runs Monday
    assert len(prompts(jobs_env, PM)) == 1


def test_downtime_skips_the_stale_standup_but_still_sends_the_reminder(
    jobs_env: JobsEnv,
) -> None:
    jobs_env.clock.set(utc(2026, 11, 23, 6, 0))
    standup(jobs_env)
    jobs_env.schedule(
        channel_id=PRODUCT,
        kind="reminders",
        weekdays=DAILY,
        local_time="09:00",
        zones=["Europe/Berlin"],
    )
    with jobs_env.sessions.begin() as session:
        session.add(overdue_requirement(jobs_env))
    jobs_env.run_due(utc(2026, 11, 23, 7, 0))  # last tick before the outage
    # Down from 07:00Z to 11:00Z: standup was due 08:30Z, reminders 08:00Z.
    ticked, _sent = jobs_env.run_due(utc(2026, 11, 23, 11, 0))
    # Reminders (daily) and the channel's default Monday digest, both inside their windows.
    assert (ticked.done, ticked.skipped) == (2, 1)
    assert sorted(o.kind for o in jobs_env.rows(Occurrence, status="done")) == [
        "digest",
        "reminders",
    ]
    skipped = jobs_env.rows(Occurrence, status="skipped")
    assert [(o.kind, o.reason) for o in skipped] == [
        ("standup", "late by 2h 30m; a standup may run at most 2h 00m late")
    ]
    assert prompts(jobs_env, PM) == []
    reminder = [m for m in jobs_env.ws.channel_messages(PRODUCT) if "reminders" in m["text"]]
    assert len(reminder) == 1 and "1 overdue" in reminder[0]["text"]
    assert "REQ-7" in str(reminder[0]["blocks"])
    # Bob owns it: he gets no DM for an overdue item (the channel sees it), only for due-soon.
    assert jobs_env.ws.channel_messages(jobs_env.ws.dm_channel(BOB)) == []


def overdue_requirement(env: JobsEnv) -> Requirement:
    from storage.models import Workspace

    with env.sessions.begin() as session:
        if session.get(Workspace, env.ws.team_id) is None:
            session.add(Workspace(team_id=env.ws.team_id, created_at=env.clock.now()))
    now = env.clock.now()
    return Requirement(
        team_id=env.ws.team_id,
        number=7,
        title="Export to CSV",
        requester_id=PM,
        owner_id=BOB,
        channel_id=PRODUCT,
        due_date=date(2026, 11, 20),
        labels=[],
        created_at=now,
        updated_at=now,
    )


def test_quiet_when_there_is_nothing_to_remind(jobs_env: JobsEnv) -> None:
    jobs_env.schedule(
        channel_id=ENG,
        kind="reminders",
        weekdays=DAILY,
        local_time="09:00",
        zones=["Europe/Berlin"],
    )
    ticked, _sent = jobs_env.run_due(utc(2026, 11, 23, 8, 5))
    assert ticked.done == 1
    assert jobs_env.ws.channel_messages(ENG) == []
    assert jobs_env.rows(Occurrence)[0].messages == 0


def test_member_zones_prompt_each_person_at_their_own_0930(jobs_env: JobsEnv) -> None:
    from bot.services import people
    from storage.db import transaction

    with transaction(jobs_env.sessions) as session:
        users = [jobs_env.ws.users[PM], {**jobs_env.ws.users[BOB], "tz": "America/New_York"}]
        people.remember(
            session=session, team_id=jobs_env.ws.team_id, users=users, now=jobs_env.clock.now()
        )
    jobs_env.schedule(
        channel_id=PRODUCT,
        kind="standup",
        weekdays=WEEKDAYS,
        local_time="09:30",
        zones=["Europe/Berlin", "America/New_York"],
        config={"participants": [PM, BOB], "mode": "member-zones", "reminder_minutes": 0},
    )
    jobs_env.run_due(utc(2026, 11, 23, 8, 30))
    assert (len(prompts(jobs_env, PM)), len(prompts(jobs_env, BOB))) == (1, 0)
    jobs_env.run_due(utc(2026, 11, 23, 14, 30))
    assert (len(prompts(jobs_env, PM)), len(prompts(jobs_env, BOB))) == (1, 1)


def test_a_failing_handler_is_recorded_and_does_not_stop_the_others(jobs_env: JobsEnv) -> None:
    from bot.scheduling.registry import Kind

    def broken(**_kw: object) -> int:
        raise RuntimeError("template missing")

    jobs_env.jobs.registry.kinds["digest"] = Kind("digest", timedelta(hours=1), broken)
    jobs_env.schedule(
        channel_id=ENG, kind="digest", weekdays="MO", local_time="09:00", zones=["UTC"]
    )
    standup(jobs_env)
    ticked, _ = jobs_env.run_due(utc(2026, 11, 23, 9, 0))
    assert (ticked.done, ticked.failed) == (1, 1)
    failed = jobs_env.rows(Occurrence, status="failed")
    assert failed[0].reason == "RuntimeError: template missing"
    assert jobs_env.rows(OutboxMessage, status="sent")


def test_a_failing_preparation_is_recorded_like_a_failing_handler(jobs_env: JobsEnv) -> None:
    from bot.scheduling.registry import Kind, OccurrenceHandler

    def broken(**_kw: object) -> OccurrenceHandler:
        raise RuntimeError("snapshot unreadable")

    def never(**_kw: object) -> int:
        raise AssertionError("the one-transaction handler is not used when a kind prepares")

    jobs_env.jobs.registry.kinds["digest"] = Kind(
        "digest", timedelta(hours=1), never, prepare=broken
    )
    jobs_env.schedule(
        channel_id=ENG, kind="digest", weekdays="MO", local_time="09:00", zones=["UTC"]
    )
    standup(jobs_env)
    ticked, _ = jobs_env.run_due(utc(2026, 11, 23, 9, 0))
    assert (ticked.done, ticked.failed) == (1, 1)
    [failed] = jobs_env.rows(Occurrence, status="failed")
    assert failed.reason == "RuntimeError: snapshot unreadable"
    assert jobs_env.rows(OutboxMessage, status="sent")


def test_switching_off_stops_and_switching_on_does_not_catch_up(jobs_env: JobsEnv) -> None:
    from bot.services import schedules
    from storage.db import transaction

    standup(jobs_env)
    with transaction(jobs_env.sessions) as session:
        assert schedules.switch_off(
            session=session,
            team_id=jobs_env.ws.team_id,
            channel_id=PRODUCT,
            kind="standup",
            now=jobs_env.clock.now(),
        )
    jobs_env.run_due(utc(2026, 11, 23, 8, 31))
    assert prompts(jobs_env, PM) == []
    standup(jobs_env, now=utc(2026, 11, 23, 9, 0))  # on again after Monday's 09:30
    jobs_env.run_due(utc(2026, 11, 23, 9, 1))
    assert prompts(jobs_env, PM) == []
    jobs_env.run_due(utc(2026, 11, 24, 8, 30))
    assert len(prompts(jobs_env, PM)) == 1


@pytest.mark.parametrize(
    ("kind", "weekdays", "time", "zones", "needle"),
    [
        ("weekly", "MO", "09:00", ["UTC"], "Unknown schedule kind"),
        ("digest", "XX", "09:00", ["UTC"], "mon,wed,fri"),
        ("digest", "MO", "25:00", ["UTC"], "09:30"),
        ("digest", "MO", "09:00", [], "time zone"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_saved(
    jobs_env: JobsEnv, kind: str, weekdays: str, time: str, zones: list[str], needle: str
) -> None:
    from bot.errors import InvalidInput
    from storage.scheduling import Schedule

    with pytest.raises(InvalidInput, match=needle):
        jobs_env.schedule(
            channel_id=PRODUCT, kind=kind, weekdays=weekdays, local_time=time, zones=zones
        )
    assert jobs_env.rows(Schedule) == []
