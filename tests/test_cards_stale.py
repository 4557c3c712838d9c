"""Answers to changes carry no buttons, and a button on any old copy of a card checks the
item's current state first: a closed item is never changed by a stale copy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, START, Team, texts
from tests.test_cards_follow import BERLIN_NOW, buttons, card_of, follows
from tests.test_privacy_and_home import open_home


def test_change_answers_are_short_ephemeral_lines_without_buttons(team: Team) -> None:
    env = team.env
    env.req("new Export invoices to CSV")
    team.deliver()
    for command, user in (
        ("status REQ-1 in progress", PM),
        ("assign REQ-1 <@U0BOB|bob>", PM),
        ("priority REQ-1 P1", PM),
        ("due REQ-1 friday", PM),
        ("vote REQ-1", CAROL),
        ("close REQ-1 done shipped", PM),
    ):
        env.req(command, user=user)
        answer = env.last_ephemeral(user)
        assert answer["text"].startswith("REQ-1 "), (command, answer["text"])
        assert buttons(answer) == [], command
    assert "Now with" not in texts(env.last_ephemeral(PM)["blocks"])
    assert "✅ Done" in texts(env.last_ephemeral(PM)["blocks"])
    assert len(env.channel()) == 1  # only the one card, edited in place
    assert f"✅ Done by <@U0ALICE> · {BERLIN_NOW}" in follows(team, "REQ-1")


def test_old_copies_of_a_closed_requirement_refuse_every_button(team: Team) -> None:
    env = team.env
    env.req("new Export invoices to CSV <@U0CAROL|carol>")
    team.deliver()
    old = copy.deepcopy(card_of(team, "REQ-1"))  # a client still showing the open card
    env.req("close REQ-1 done", user=CAROL)
    team.deliver()
    refused = f"REQ-1 is ✅ Done by <@U0CAROL> · {BERLIN_NOW}. Nothing was changed."
    for action, selected in (
        ("req_assign_me", None),
        ("req_vote", None),
        ("req_status", "1:in_progress"),
    ):
        env.driver.click(old, action, user=PM, channel=PRODUCT, selected=selected)
        env.drain()
        assert env.last_ephemeral(PM)["text"] == refused, action
    shown = follows(team, "REQ-1")
    assert "<@U0CAROL>" in shown and "Votes*\n1" in shown and "✅ Done by <@U0CAROL>" in shown


def test_old_copies_of_resolved_blockers_and_closed_risks_say_what_happened(team: Team) -> None:
    env = team.env
    env.driver.command("/blocker", "Waiting on keys <@U0BOB|bob>", user=DAVE, channel=PRODUCT)
    env.driver.command("/risk", "new Vendor may slip", user=PM, channel=PRODUCT)
    env.driver.command("/feedback", "We need SAML", user=BOB, channel=PRODUCT)
    env.drain()
    team.deliver()
    blk, rsk, fb = (copy.deepcopy(card_of(team, r)) for r in ("BLK-1", "RSK-1", "FB-1"))
    env.driver.click(blk, "blk_resolve", user=BOB, channel=PRODUCT)
    env.driver.click(rsk, "rsk_close", user=PM, channel=PRODUCT)
    env.driver.click(fb, "fb_promote", user=PM, channel=PRODUCT)
    env.drain()
    for msg, action, ref, what in (
        (blk, "blk_resolve", "BLK-1", "✅ Resolved by <@U0BOB>"),
        (rsk, "rsk_close", "RSK-1", "✅ Closed by <@U0ALICE>"),
        (fb, "fb_promote", "FB-1", "🔗 Linked to REQ-1 by <@U0ALICE>"),
    ):
        env.driver.click(msg, action, user=DAVE, channel=PRODUCT)
        env.drain()
        said = env.last_ephemeral(DAVE)["text"]
        assert said == f"{ref} is {what} · {BERLIN_NOW}. Nothing was changed.", said


def test_a_closed_requirement_is_never_overdue_on_its_card(team: Team) -> None:
    env = team.env
    env.req("new Pricing page due friday")
    team.deliver()
    assert "overdue" not in follows(team, "REQ-1")
    env.clock.set(env.clock.now().replace(day=30))  # Monday after that Friday
    env.req("close REQ-1 done")
    shown = follows(team, "REQ-1")
    assert "Fri 27 Nov 2026" in shown
    assert "overdue" not in shown


def test_a_card_turns_overdue_with_the_day_like_the_home_tab(team: Team) -> None:
    env = team.env
    env.req("new Pricing page <@U0BOB|bob> due friday")
    team.at(START + timedelta(minutes=5))  # the channel's default schedules appear
    assert "overdue" not in follows(team, "REQ-1")
    team.at(datetime(2026, 11, 30, 8, 5, tzinfo=UTC))  # Monday after: the reminders run
    assert "Fri 27 Nov 2026 ⚠️ overdue" in follows(team, "REQ-1")
    assert "⚠️ overdue" in texts(open_home(env, BOB)["blocks"])


def test_two_hand_overs_a_second_apart_across_a_minute_make_one_dm(team: Team) -> None:
    env = team.env
    env.driver.set_status(CAROL, tz="Europe/Berlin")
    env.req("new Export invoices to CSV")
    env.req("new SSO with Okta")
    env.clock.set(START + timedelta(minutes=4, seconds=59))
    env.req("assign REQ-1 <@U0CAROL|carol>")
    team.deliver()  # the sender runs at once: nothing of the window has left yet
    env.clock.set(START + timedelta(minutes=5))
    env.req("assign REQ-2 <@U0CAROL|carol>")
    team.deliver()
    assert not [m for m in team.dms(CAROL) if "yours now" in m["text"]]
    team.at(START + timedelta(minutes=6))
    [notice] = [m for m in team.dms(CAROL) if "yours now" in m["text"]]
    shown = texts(notice["blocks"])
    assert "REQ-1" in shown and "REQ-2" in shown
