"""Async standups end to end: signed requests, the stand-in, the scheduler and the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.outbox.sender import Limits
from bot.runtime.jobs import build_jobs
from sandbox.workspace import Json
from storage.items import Blocker
from storage.scheduling import OutboxMessage, Schedule
from storage.standups import StandupResponse, StandupRun
from tests.conftest import BOB, CAROL, DAVE, FAST, PM, PRODUCT, Team, texts


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def all_in_berlin(team: Team) -> None:
    """Carol (New York) and Dave (Tokyo) work from Berlin for this test: a 09:30 Berlin prompt
    would otherwise wait for 08:00 in New York, and its reminder fall after Tokyo's day."""
    for user in (CAROL, DAVE):
        team.env.driver.set_status(user, tz="Europe/Berlin")
    team.env.drain()


def parent_text(team: Team) -> str:
    [parent] = team.parents()
    return parent["text"] + "\n" + texts(parent.get("blocks"))


# -- setting up ----------------------------------------------------------------------------
def test_schedule_status_and_bad_input(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    answer = team.cmd("schedule weekdays 09:30 Europe/Berlin")
    assert "Standup set: weekdays at 09:30, Europe/Berlin." in answer["text"]
    status = texts(team.cmd("status").get("blocks"))
    assert "*Participants:* 4" in status  # the bot is not asked
    assert "2026-11-23 08:30 UTC" in status  # Monday 09:30 in Berlin
    for bad, hint in (
        ("schedule someday 09:30", "I don't know the day `someday`"),
        ("schedule weekdays 25:00", "is not a time"),
        ("schedule weekdays 09:30 Mars/Base", "is not a time zone"),
        ("schedule", "When?"),
        ("questions", "separated by |"),
        ("away", "Until when?"),
        ("away until someday", "couldn't read `someday`"),
        ("dance", "I don't know `/standup dance`"),
    ):
        assert hint in team.cmd(bad)["text"], bad
    [sched] = team.rows(Schedule)
    assert (sched.weekdays, sched.local_time, sched.zones) == (
        "MO,TU,WE,TH,FR",
        "09:30",
        ["Europe/Berlin"],
    )
    assert "Nobody" not in team.cmd("questions Done? | Next? | Blocked by anything?")["text"]
    assert team.rows(Schedule)[0].config["questions"][2] == "Blocked by anything?"
    assert "switched off" in team.cmd("off")["text"]
    assert "no standup running" in team.cmd("off")["text"]
    assert "no standup yet" in team.cmd("status", channel="C0ENG")["text"]
    assert "no standup yet" in team.cmd("now", channel="C0ENG")["text"]


def test_member_zones_tokyo_berlin_san_francisco_across_dst(team: Team) -> None:
    ws = team.env.ws
    for user, tz in (("U0TOKYO", "Asia/Tokyo"), ("U0BERLIN", "Europe/Berlin"),
                     ("U0SF", "America/Los_Angeles")):  # fmt: skip
        ws.add_user(user, user[3:].lower(), tz=tz)
    ws.add_channel("C0WORLD", "world", members=["U0TOKYO", "U0BERLIN", "U0SF"])
    team.env.clock.set(utc(2027, 3, 11, 12, 0))  # Thursday; US clocks change on 14 March
    assert (
        "each person's own time zone"
        in team.cmd("schedule weekdays 09:30 member-zones", channel="C0WORLD")["text"]
    )
    [sched] = team.rows(Schedule)
    assert sched.zones == ["America/Los_Angeles", "Asia/Tokyo", "Europe/Berlin"]

    def asked() -> dict[str, int]:
        return {u: len(team.prompts(u)) for u in ("U0TOKYO", "U0BERLIN", "U0SF")}

    # Friday 12 March: Tokyo 00:30Z, Berlin 08:30Z, San Francisco (PST) 17:30Z.
    team.at(utc(2027, 3, 12, 0, 29))
    assert asked() == {"U0TOKYO": 0, "U0BERLIN": 0, "U0SF": 0}
    team.at(utc(2027, 3, 12, 0, 30))
    assert asked() == {"U0TOKYO": 1, "U0BERLIN": 0, "U0SF": 0}
    team.at(utc(2027, 3, 12, 8, 30))
    assert asked() == {"U0TOKYO": 1, "U0BERLIN": 1, "U0SF": 0}
    team.at(utc(2027, 3, 12, 17, 29))
    assert asked()["U0SF"] == 0
    team.at(utc(2027, 3, 12, 17, 30))
    assert asked() == {"U0TOKYO": 1, "U0BERLIN": 1, "U0SF": 1}
    # One thread for the day, whatever the zone.
    assert len(team.parents("C0WORLD")) == 1
    # Monday 15 March, after the US change: San Francisco (PDT) is 16:30Z; nothing on the weekend.
    team.at(utc(2027, 3, 15, 0, 30))
    team.at(utc(2027, 3, 15, 8, 30))
    team.at(utc(2027, 3, 15, 16, 30))
    assert asked() == {"U0TOKYO": 2, "U0BERLIN": 2, "U0SF": 2}
    assert "Monday 15 March" in texts(team.prompts("U0SF")[-1]["blocks"])
    assert len(team.parents("C0WORLD")) == 2
    # Berlin moves to summer time on 28 March: 07:30Z on Monday 29 March.
    team.at(utc(2027, 3, 29, 7, 29))
    before = len(team.prompts("U0BERLIN"))
    team.at(utc(2027, 3, 29, 7, 30))
    assert len(team.prompts("U0BERLIN")) == before + 1
    # A person who moves zones is asked at 09:30 in the new one.
    team.env.driver.set_status("U0SF", tz="America/New_York")
    team.env.drain()
    assert team.rows(Schedule)[0].zones == ["America/New_York", "Asia/Tokyo", "Europe/Berlin"]


# -- a day of answers ------------------------------------------------------------------------
def test_answers_thread_blockers_skip_reminder_late_and_edit(team: Team) -> None:
    all_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(utc(2026, 11, 23, 8, 30))
    for user in (PM, BOB, CAROL, DAVE):
        [prompt] = team.dms(user)
        assert "Standup for <#C0PRODUCT>" in prompt["text"]
        assert "Answer" in texts(prompt["blocks"]) and "Skip today" in texts(prompt["blocks"])
    assert "0 answered" in parent_text(team) and "4 not yet" in parent_text(team)

    team.answer(BOB, ["Shipped the importer", "Pagination", "Waiting on staging DB access"])
    team.answer(PM, ["Roadmap", "Interviews", "none"])
    team.env.driver.click(team.dms(CAROL)[-1], "standup_skip", user=CAROL,
                          channel=team.env.ws.dm_channel(CAROL))  # fmt: skip
    team.deliver()
    [parent] = team.parents()
    replies = team.replies(parent)
    assert [texts(r["blocks"]).split("\n")[0] for r in replies] == ["*bob*", "*alice*"]
    assert "Waiting on staging DB access" in texts(replies[0]["blocks"])
    [blk] = team.rows(Blocker)
    assert (blk.reporter_id, blk.text, blk.channel_id) == (
        BOB,
        "Waiting on staging DB access",
        PRODUCT,
    )
    assert "BLK-1" in texts(replies[0]["blocks"]) and "BLK" not in texts(replies[1]["blocks"])
    shown = parent_text(team)
    assert "2 answered" in shown and "1 not yet" in shown and "1 skipped" in shown
    assert "Answered: alice, bob" in shown  # same instant: in the order they were asked
    assert "<@" not in shown  # nobody is tagged, least of all who has not answered
    assert "Thanks!" in team.dms(BOB)[0]["text"] and "Skipped" in team.dms(CAROL)[0]["text"]

    # Two hours on: one reminder, only to Dave (the one who neither answered nor skipped).
    team.at(utc(2026, 11, 23, 10, 29))
    assert len(team.dms(DAVE)) == 1
    team.at(utc(2026, 11, 23, 10, 31))
    team.at(utc(2026, 11, 23, 11, 30))
    assert [len(team.dms(u)) for u in (PM, BOB, CAROL, DAVE)] == [1, 1, 1, 2]
    assert "Still time" in team.dms(DAVE)[-1]["text"]

    # Dave answers the next morning: late, still in Monday's thread.
    team.env.clock.set(utc(2026, 11, 24, 7, 0))
    team.answer(DAVE, ["Docs", "Release", "-"], message=team.dms(DAVE)[0])
    team.deliver()
    replies = team.replies(parent)
    assert len(replies) == 3 and "answered late" in texts(replies[2]["blocks"])
    assert len(team.rows(Blocker)) == 1  # "-" means no blocker

    # Bob edits his answer: the same reply changes, no second one, the blocker text follows.
    view = team.answer(BOB, ["Shipped the importer", "Pagination and sorting", "Waiting on DBA"],
                       message=team.dms(BOB)[0])  # fmt: skip
    assert view["blocks"][1]["element"]["initial_value"] == "Shipped the importer"
    team.deliver()
    replies = team.replies(parent)
    assert len(replies) == 3
    assert "Pagination and sorting" in texts(replies[0]["blocks"]) and "edited" in texts(
        replies[0]["blocks"]
    )
    assert team.rows(Blocker)[0].text == "Waiting on DBA"
    # Participation is recorded per person and run.
    statuses = {r.user_id: (r.status, r.late) for r in team.rows(StandupResponse)}
    assert statuses == {PM: ("answered", False), BOB: ("answered", False),
                        CAROL: ("skipped", False), DAVE: ("answered", True)}  # fmt: skip

    # Tuesday: yesterday's plan is shown as context in the form.
    team.at(utc(2026, 11, 24, 8, 30))
    view = team.answer(BOB, ["Pagination", "Sorting", "no"])
    assert "Last time you planned: Pagination and sorting" in texts(view["blocks"])
    assert len(team.parents()) == 2


def test_answer_form_checks_every_question(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(utc(2026, 11, 23, 8, 30))
    msg = team.dms(BOB)[-1]
    team.env.driver.click(msg, "standup_answer", user=BOB, channel=team.env.ws.dm_channel(BOB))
    view_id = next(iter(team.env.ws.views))
    values = {
        f"standup_q{n}": {f"standup_q{n}": {"type": "plain_text_input", "value": v}}
        for n, v in enumerate(["Done", " ", None])
    }
    reply = team.env.driver.submit(view_id, values, user=BOB).json()
    assert reply["response_action"] == "errors" and "standup_q1" in reply["errors"]
    assert [r.status for r in team.rows(StandupResponse, user_id=BOB)] == ["prompted"]
    # A button of a run that is gone answers clearly instead of opening nothing.
    dm = team.env.ws.dm_channel(BOB)
    gone = team.env.driver.click(msg, "standup_answer", user=BOB, channel=dm, value="999999")
    assert "no longer available" in gone.json()["text"]


def test_away_and_vacation_status_skip_the_prompt(team: Team) -> None:
    all_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    assert (
        "No standup prompts until Tue 24 Nov 2026"
        in team.cmd("away until 2026-11-24", user=BOB)["text"]
    )
    team.env.driver.set_status(DAVE, text="", emoji=":palm_tree:")
    team.env.driver.set_status(CAROL, text="OOO until Monday")
    team.env.drain()
    team.at(utc(2026, 11, 23, 8, 30))
    assert [len(team.prompts(u)) for u in (PM, BOB, CAROL, DAVE)] == [1, 0, 0, 0]
    assert "3 away" in parent_text(team)
    reasons = {r.user_id: r.reason for r in team.rows(StandupResponse, status="away")}
    assert reasons == {BOB: "away until 2026-11-24", CAROL: "status “OOO”",
                       DAVE: "status :palm_tree:"}  # fmt: skip
    status = texts(team.cmd("status").get("blocks"))
    assert "bob (until Tue 24 Nov)" in status and "Today: 0 answered, 1 not yet" in status
    # Carol is back; Bob's away runs through Tuesday.
    team.env.driver.set_status(CAROL, text="In the office")
    team.at(utc(2026, 11, 24, 8, 30))
    assert [len(team.prompts(u)) for u in (PM, BOB, CAROL, DAVE)] == [2, 0, 1, 0]
    team.at(utc(2026, 11, 25, 8, 30))
    assert len(team.prompts(BOB)) == 1
    assert "back" in team.cmd("back", user=DAVE)["text"].lower()


def test_now_members_joining_and_leaving(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 23, 7, 0))  # Monday, 08:00 in Berlin
    team.cmd("schedule mon,wed,fri 09:30")
    assert "Mon, Wed, Fri" in texts(team.cmd("status")["blocks"])
    team.env.ws.add_user("U0ERIN", "erin", tz="Europe/Berlin")
    team.env.driver.join("U0ERIN", PRODUCT)
    team.env.driver.join(DAVE, PRODUCT, leave=True)
    team.env.drain()
    # 08:00 in Berlin is before working hours in New York: one of the 4 is asked later.
    assert "Asked 3 people; 1 more when their working hours start" in team.cmd("now")["text"]
    team.deliver()
    assert len(team.dms("U0ERIN")) == 1 and team.dms(DAVE) == []
    assert "already" in team.cmd("now")["text"]
    team.deliver()
    assert len(team.dms(PM)) == 1 and len(team.parents()) == 1
    # Monday's scheduled 09:30 does not ask anyone twice; Wednesday's does ask.
    team.at(utc(2026, 11, 23, 8, 30))
    assert len(team.prompts(PM)) == 1 and len(team.rows(StandupRun)) == 1
    team.at(utc(2026, 11, 25, 8, 30))
    assert len(team.prompts(PM)) == 2 and len(team.rows(StandupRun)) == 2


def test_now_before_working_hours_says_the_prompts_wait(team: Team) -> None:
    # A newcomer ran `/standup now` at 06:30 and read "Asked 5 people", though nobody was.
    team.env.clock.set(utc(2026, 11, 23, 5, 30))  # Monday, 06:30 in Berlin
    team.cmd("schedule weekdays 09:30")
    said = team.cmd("now")["text"]
    assert said.startswith("Asked 1 person; 3 more when their working hours start."), said
    team.deliver()
    assert team.prompts(PM) == []
    team.at(utc(2026, 11, 23, 7, 1))  # 08:01 in Berlin: the working day has begun
    assert len(team.prompts(PM)) == 1
    # When nobody's working day has begun, the answer says so rather than "Asked".
    from bot.views.standups import asked_now

    assert asked_now(2, 2).startswith("It is before working hours for the 2 people to ask")
    assert asked_now(0, 0) == "Everyone has been asked today already (or is away)."


def test_setup_form(team: Team) -> None:
    team.cmd("setup")
    view_id = next(iter(team.env.ws.views))
    view = team.env.ws.views[view_id]
    assert view["title"]["text"] == "Standup settings"

    def submit(zone: str) -> Json:
        values: dict[str, dict[str, dict[str, Any]]] = {
            "su_days": {"su_days_input": {"type": "checkboxes", "selected_options": [
                {"value": "MO"}, {"value": "TH"}]}},
            "su_time": {"su_time_input": {"type": "timepicker", "selected_time": "10:15"}},
            "su_zone": {"su_zone_input": {"type": "plain_text_input", "value": zone}},
            "su_participants": {"su_participants_input": {"type": "multi_users_select",
                                "selected_users": [PM, BOB]}},
            "su_questions": {"su_questions_input": {"type": "plain_text_input",
                             "value": "Yesterday?\nToday?\nBlockers?"}},
            "su_reminder": {"su_reminder_input": {"type": "static_select",
                            "selected_option": {"value": "60"}}},
        }  # fmt: skip
        reply = team.env.driver.submit(view_id, values, user=PM)
        team.env.drain()
        return reply.json()

    bad = submit("Atlantis/Nowhere")
    assert bad["response_action"] == "errors" and "su_zone" in bad["errors"]
    assert team.rows(Schedule) == []
    assert submit("member-zones") == {}
    [sched] = team.rows(Schedule)
    assert (sched.weekdays, sched.local_time) == ("MO,TH", "10:15")
    assert sched.config["participants"] == [PM, BOB] and sched.config["reminder_minutes"] == 60
    assert sched.zones == ["Europe/Berlin"] and sched.config["mode"] == "member-zones"
    assert "Standup saved" in team.env.ws.ephemerals_for(PM)[-1]["text"]


def test_a_restart_in_the_middle_of_a_run_sends_nothing_twice(team: Team) -> None:
    all_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.env.clock.set(utc(2026, 11, 23, 8, 30))
    team.jobs.tick()  # prompts queued, nothing sent yet
    # The first process claims everything and dies before recording what it sent.
    claims = team.jobs.sender._claim(100)
    assert len(claims) == 5  # four prompts and the thread parent
    for claim in claims[:3]:
        team.jobs.sender.client.chat_postMessage(
            channel=claim.channel_id or team.jobs.sender._open_dm(team.jobs.sender.client, claim),
            text=claim.text,
            metadata={"event_type": "teamloop_outbox",
                      "event_payload": {"dedupe_key": claim.dedupe_key}},
        )  # fmt: skip
    # A new process (new sender) after the leases ran out.
    restarted = build_jobs(team.env.settings, sessions=team.env.sessions, clock=team.env.clock,
                           limits=Limits(**FAST))  # fmt: skip
    team.env.clock.set(utc(2026, 11, 23, 8, 33))
    _ticked, report = restarted.run_due(linger=0.0)
    assert report.recovered == 3 and report.sent == 2
    for user in (PM, BOB, CAROL, DAVE):
        assert len(team.dms(user)) == 1
    assert len(team.parents()) == 1
    restarted.run_due(linger=0.0)
    assert sum(len(team.dms(u)) for u in (PM, BOB, CAROL, DAVE)) == 4
    assert {r.status for r in team.rows(OutboxMessage) if "reminder" not in r.dedupe_key} == {
        "sent"
    }
    restarted.leadership.release()


def test_export_standups_as_json_and_csv(team: Team) -> None:
    import io
    import json

    from bot.runtime.export import export

    team.env.clock.set(utc(2026, 11, 22, 12, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(utc(2026, 11, 23, 8, 30))
    team.answer(BOB, ["Importer", "Paging", "Waiting on keys"])
    out = io.StringIO()
    export(team.env.settings, kind="standups", fmt="json", out=out)
    rows = json.loads(out.getvalue())["standups"]
    assert sorted(r["user"] for r in rows) == sorted([PM, BOB, CAROL, DAVE])
    [bob] = [r for r in rows if r["user"] == BOB]
    assert bob["answers"] == ["Importer", "Paging", "Waiting on keys"] and bob["blocker"] == "BLK-1"
    assert {r["status"] for r in rows if r["user"] != BOB} == {"prompted"}
    out = io.StringIO()
    export(team.env.settings, kind="standups", fmt="csv", out=out)
    assert out.getvalue().count("\n") == 5 and "Importer;Paging;Waiting on keys" in out.getvalue()
