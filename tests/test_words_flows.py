"""Dates and blocker answers as people type them, through signed commands, the real app,
the stand-in over HTTP and a real database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.items import Blocker
from storage.models import Requirement
from storage.standups import Person
from tests.conftest import BOB, DAVE, PM, PRODUCT, Env, Team, texts
from tests.test_retros import retro


def _stored(env: Env) -> list[Requirement]:
    with env.sessions() as s:
        return list(s.scalars(select(Requirement).order_by(Requirement.number)))


@pytest.mark.parametrize(
    ("text", "title", "shown", "due"),
    [
        ("Ship pricing page due eod", "Ship pricing page", "Mon 23 Nov 2026", "2026-11-23"),
        ("Ship pricing page due tmrw P1", "Ship pricing page", "Tue 24 Nov 2026", "2026-11-24"),
        ("Ship pricing page due end of month", "Ship pricing page", "Mon 30 Nov 2026",
         "2026-11-30"),
        ("Ship pricing page due EOW", "Ship pricing page", "Fri 27 Nov 2026", "2026-11-27"),
        ("修复登录 due 下周五", "修复登录", "Fri 4 Dec 2026", "2026-12-04"),
    ],
)  # fmt: skip
def test_quick_capture_reads_the_words_people_type(
    env: Env, text: str, title: str, shown: str, due: str
) -> None:
    # Monday 23 Nov 2026, 09:00 in Berlin (alice's zone).
    assert env.req(f"new {text}").status == 200
    [req] = _stored(env)
    assert (req.title, str(req.due_date)) == (title, due)
    assert shown in texts(env.channel()[-1]["blocks"])


def test_a_doubtful_reading_is_stated_on_the_card(env: Env) -> None:
    env.req("new Launch plan due next tuesday")
    shown = texts(env.channel()[-1]["blocks"])
    # On a Monday "next tuesday" is next week's, and the card says so.
    assert "`next tuesday` means next week's Tuesday: *Tue 1 Dec 2026*" in shown


def test_a_due_phrase_that_is_no_date_saves_nothing_and_keeps_the_text(env: Env) -> None:
    reply = env.req("new Ship pricing page due someday P1 #web")
    assert reply.status == 200
    said = reply.json()["text"]
    assert "I couldn't read `due someday` as a date" in said
    assert "`/req new Ship pricing page P1 #web due friday`" in said  # the text, kept
    assert _stored(env) == [] and env.channel() == []
    # "due" followed by ordinary words is part of the title.
    env.req("new Finish due diligence")
    assert [r.title for r in _stored(env)] == ["Finish due diligence"]


def test_date_like_words_after_due_are_read_or_refused_never_kept_in_the_title(
    env: Env,
) -> None:
    # As typed in chat: punctuation, "by", a typo, a vague word; Slack escapes the "&".
    env.req("new Ship pricing & billing page due by Friday!")
    [req] = _stored(env)
    assert (req.title, str(req.due_date)) == ("Ship pricing & billing page", "2026-11-27")
    for typed, why in [
        ("tommorow", "I couldn't read `due tommorow` as a date"),
        ("TBD", "I couldn't read `due TBD` as a date"),
        ("Q1", "I couldn't read `due Q1` as a date"),
        ("december", "`december` names no day: say which, like `Dec 15`"),
        ("mon 12/1", "`mon 12/1` doesn't add up: `12/1` reads as Tue 12 Jan 2027, not a Monday"),
    ]:
        said = env.req(f"new Launch <now> & celebrate due {typed} P1").json()["text"]
        assert why in said
        assert "`/req new Launch &lt;now&gt; &amp; celebrate P1 due friday`" in said
    assert len(_stored(env)) == 1 and len(env.channel()) == 1


def test_a_weekday_with_a_number_reads_the_number_in_the_persons_order(env: Env) -> None:
    env.req("new Baseline")
    env.req("due REQ-1 friday", user=BOB)  # teamloop learns bob writes en-US (month/day)
    said = env.req("due REQ-1 fri 12/4", user=BOB).json()["text"]
    assert "is due Fri 4 Dec 2026" in said and "read as month/day" in said
    said = env.req("due REQ-1 tue 12/4", user=BOB).json()["text"]
    assert "doesn't add up: `12/4` reads as Fri 4 Dec 2026, not a Tuesday" in said
    said = env.req("due REQ-1 december").json()["text"]
    assert "`december` names no day" in said
    # "next week" on Mon 23 Nov is Fri 4 Dec, the date REQ-1 already has: said as a date.
    said = env.req("due REQ-1 next week").json()["text"]
    assert said == "REQ-1 is already due Fri 4 Dec 2026."
    said = env.req("due REQ-1 in 3 days").json()["text"]
    assert "is due Thu 26 Nov 2026" in said
    assert str(_stored(env)[0].due_date) == "2026-11-26"


def test_a_retro_action_states_the_date_it_understood(team: Team) -> None:
    team.env.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    retro(team, "start")
    said = retro(team, "action Ship the fix <@U0BOB|bob> due 01/02/2027")["text"]
    assert said == "Added ACT-1 for <@U0BOB>, due Mon 1 Feb 2027 (`01/02/2027` read as day/month)."


def test_today_is_the_persons_own_and_numbers_follow_their_locale(env: Env) -> None:
    env.req("new Baseline")
    # 20:00 UTC on Monday: still Monday in Berlin, already Tuesday in Tokyo.
    env.clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    # The first date someone types teaches teamloop their zone and locale (users.info, after
    # the ack); with nothing stored yet it reads dates in the workspace's defaults.
    for user in (PM, BOB, DAVE):
        env.req("due REQ-1 friday", user=user)
    with env.sessions() as s:
        people = {p.user_id: (p.tz, p.locale) for p in s.scalars(select(Person))}
    assert people[DAVE] == ("Asia/Tokyo", "zh-CN") and people[BOB] == ("Europe/Berlin", "en-US")

    assert "is due Mon 23 Nov 2026 (today)" in env.req("due REQ-1 today").json()["text"]
    assert "is due Tue 24 Nov 2026 (today)" in env.req("due REQ-1 today", user=DAVE).json()["text"]
    # Numeric dates: alice writes en-GB (day/month), bob en-US (month/day); each is told.
    said = env.req("due REQ-1 01/02/2027").json()["text"]
    assert "Mon 1 Feb 2027" in said and "read as day/month" in said
    said = env.req("due REQ-1 01/02/2027", user=BOB).json()["text"]
    assert "Sat 2 Jan 2027" in said and "read as month/day" in said
    # A date that is already over in the person's zone is refused, with nothing changed.
    said = env.req("due REQ-1 2026-11-23", user=DAVE).json()["text"]
    assert "in the past" in said
    assert str(_stored(env)[0].due_date) == "2027-01-02"


def test_no_blocker_answers_make_no_blockers(team: Team) -> None:
    team.env.clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    team.answer(PM, ["Roadmap", "Interviews", "No blockers today"])
    team.answer(BOB, ["Importer", "Paging", "not really"])
    team.answer(DAVE, ["Docs", "Release", "没有，但是需要生产环境权限"])
    team.deliver()
    [blk] = team.rows(Blocker)
    assert (blk.reporter_id, blk.text) == (DAVE, "没有，但是需要生产环境权限")
    with team.env.sessions() as s:
        assert s.scalar(select(func.count(Blocker.id))) == 1


def test_not_a_blocker_takes_a_misread_answer_back(team: Team) -> None:
    team.env.clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    team.answer(BOB, ["Importer", "Paging", "Maybe the release train, we'll see"])
    team.deliver()
    [parent] = team.parents()
    [reply] = team.replies(parent)
    reply = copy.deepcopy(reply)  # the stand-in edits its stored message in place
    assert "Recorded as *BLK-1*" in texts(reply["blocks"])
    # Someone else may not take Bob's blocker back.
    team.env.driver.click(reply, "standup_not_blocker", user=PM, channel=PRODUCT)
    team.env.drain()
    assert "Only <@U0BOB> can say" in team.env.last_ephemeral(PM)["text"]
    assert [b.status for b in team.rows(Blocker)] == ["open"]
    # Bob can: the blocker closes and the thread reply shows the answer without it.
    team.env.driver.click(reply, "standup_not_blocker", user=BOB, channel=PRODUCT)
    team.env.drain()
    assert "BLK-1 is gone" in team.env.last_ephemeral(BOB)["text"]
    [blk] = team.rows(Blocker)
    assert blk.status == "resolved"
    team.deliver()
    [edited] = team.replies(parent)
    shown = texts(edited["blocks"])
    assert "not a blocker" in shown and "BLK-1" not in shown
    assert not [b for b in edited["blocks"] if b["type"] == "actions"]
    # A second click on an old copy of the message gets an answer and changes nothing.
    team.env.driver.click(reply, "standup_not_blocker", user=BOB, channel=PRODUCT)
    team.env.drain()
    assert "BLK-1 is already closed" in team.env.last_ephemeral(BOB)["text"]
    assert len(team.rows(Blocker)) == 1


def test_an_answer_edited_to_no_blockers_takes_its_blocker_back(team: Team) -> None:
    team.env.clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    team.answer(BOB, ["Importer", "Paging", "Waiting on staging access"])
    team.deliver()
    assert [b.status for b in team.rows(Blocker)] == ["open"]
    team.answer(BOB, ["Importer", "Paging", "Not really, sorted it out"], message=team.dms(BOB)[0])
    team.deliver()
    assert [b.status for b in team.rows(Blocker)] == ["resolved"]
    [reply] = team.replies(team.parents()[0])
    shown = texts(reply["blocks"])
    assert "not a blocker" in shown and "BLK-1" not in shown and "edited" in shown
