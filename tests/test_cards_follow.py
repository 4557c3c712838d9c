"""Issue 17: what the bot said stays true. Every path that changes an item edits its live
card in place (compared with the item's state in the store), no second card per item and
channel, reminder buttons that no longer apply are refused, a new owner is told once, and
after an outage nothing stale is sent."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.services import cards
from sandbox.workspace import Json
from storage.items import ItemMessage
from storage.scheduling import OutboxMessage
from storage.statuses import OutboxStatus
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts
from tests.test_privacy_and_home import open_home
from tests.test_standups import all_in_berlin

BERLIN_NOW = "Mon 09:00"  # START (08:00 UTC) on the cards, in the workspace's zone


def card_of(team: Team, ref: str, channel: str = PRODUCT) -> Json:
    """The one card of `ref` in `channel` (there is never a second)."""
    with team.env.sessions() as s:
        [ts] = s.scalars(
            select(ItemMessage.ts).where(
                ItemMessage.ref == ref,
                ItemMessage.channel_id == channel,
                ItemMessage.role == "card",
            )
        )
    tops = [m for m in team.env.ws.channel_messages(channel) if m["text"].startswith(ref + ":")]
    assert [m["ts"] for m in tops] == [ts], f"{ref} has {len(tops)} cards in {channel}"
    return team.env.ws.message(channel, ts)


def as_stored(team: Team, ref: str) -> list[Json]:
    """What the item's card must show now, drawn from the store."""
    with team.env.sessions() as s:
        item = cards.item_of(s, team_id=team.env.ws.team_id, ref=ref)
        assert item is not None
        now = team.env.clock.now()
        _text, blocks = cards.card(s, item, zone=team.env.settings.zone, now=now)
        line = cards.outcome(s, item, team.env.settings.zone)
    return cards.views.with_outcome(blocks, line) if line else blocks


def follows(team: Team, ref: str) -> str:
    """Deliver the queued edits; the card equals the item's state. Returns what it shows."""
    team.deliver()
    shown = card_of(team, ref)
    blocks = [b for b in shown["blocks"] if b.get("type") != "context" or "Looks like" in str(b)]
    expected = [b for b in as_stored(team, ref) if b.get("type") != "context"]
    assert [b for b in blocks if b.get("type") != "context"][: len(expected)] == expected
    return texts(shown["blocks"])


def buttons(msg: Json) -> list[str]:
    return [
        e.get("action_id", "")
        for b in msg.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    ]


def test_requirement_changes_by_command_edit_the_one_card(team: Team) -> None:
    env = team.env
    reply = env.req("new Export invoices to CSV")
    assert reply.body == ""  # the ack is empty and fast; the card follows it
    assert "🆕 New" in follows(team, "REQ-1")
    env.req("status REQ-1 in progress")
    assert "REQ-1 is now" in env.last_ephemeral(PM)["text"]
    assert "In progress" in follows(team, "REQ-1")
    env.req("assign REQ-1 <@U0BOB|bob>")
    assert "<@U0BOB>" in follows(team, "REQ-1")
    env.req("priority REQ-1 P1")
    env.req("due REQ-1 friday")
    env.req("vote REQ-1", user=CAROL)
    shown = follows(team, "REQ-1")
    assert "P1" in shown and "Fri 27 Nov 2026" in shown and "Vote (2)" in shown
    env.req("close REQ-1 done shipped", user=BOB)
    shown = follows(team, "REQ-1")
    assert f"✅ Done by <@U0BOB> · {BERLIN_NOW}" in shown and "shipped" in shown
    assert buttons(card_of(team, "REQ-1")) == []  # replaced by what happened
    assert len(env.channel()) == 1  # never a second card


def test_card_buttons_and_merge_edit_in_place(team: Team) -> None:
    env = team.env
    env.req("new Dark mode")
    env.req("new Dark theme please", user=BOB)
    card = card_of(team, "REQ-1")
    env.driver.click(card, "req_assign_me", user=DAVE, channel=PRODUCT)
    env.drain()
    assert "<@U0DAVE>" in follows(team, "REQ-1")
    env.req("merge REQ-2 into REQ-1", user=BOB)
    shown = follows(team, "REQ-2")
    assert "🔁 Closed as a duplicate by <@U0BOB>" in shown and buttons(card_of(team, "REQ-2")) == []
    assert "Votes*\n2" in follows(team, "REQ-1")  # its requester, and REQ-2's moved over


def test_resolving_a_blocker_by_command_edits_its_first_card(team: Team) -> None:
    env = team.env
    env.driver.command("/blocker", "Waiting on API keys <@U0BOB|bob>", user=DAVE, channel=PRODUCT)
    env.drain()
    assert "Resolve" in follows(team, "BLK-1")
    env.driver.command("/blocker", "resolve BLK-1", user=BOB, channel=PRODUCT)
    env.drain()
    assert "BLK-1 is resolved." in env.last_ephemeral(BOB)["text"]
    assert f"✅ Resolved by <@U0BOB> · {BERLIN_NOW}" in follows(team, "BLK-1")
    assert not any("is resolved" in m["text"] for m in env.channel())
    assert len(env.channel()) == 1


def test_risk_close_by_command_edits_its_card(team: Team) -> None:
    env = team.env
    env.driver.command("/risk", "new Vendor may slip", user=PM, channel=PRODUCT)
    env.drain()
    env.driver.command("/risk", "close RSK-1", user=PM, channel=PRODUCT)
    env.drain()
    assert f"✅ Closed by <@U0ALICE> · {BERLIN_NOW}" in follows(team, "RSK-1")
    assert len(env.channel()) == 1


def test_home_resolve_and_mark_done_edit_the_channel_cards(team: Team) -> None:
    env = team.env
    env.req("new Payments page <@U0BOB|bob>")
    env.driver.command("/blocker", "Waiting on keys <@U0BOB|bob>", user=PM, channel=PRODUCT)
    env.drain()
    home = open_home(env, BOB)
    env.driver.click(
        {"ts": "0", "blocks": home["blocks"]}, "home_blk_resolve", user=BOB, channel=""
    )
    env.drain()
    home = env.ws.views[f"VHOME{BOB}"]
    env.driver.click({"ts": "0", "blocks": home["blocks"]}, "home_req_done", user=BOB, channel="")
    env.drain()
    assert "✅ Resolved by <@U0BOB>" in follows(team, "BLK-1")
    assert "✅ Done by <@U0BOB>" in follows(team, "REQ-1")


def test_feedback_link_form_and_promote_edit_its_card(team: Team) -> None:
    env = team.env
    env.req("new SSO with Okta")
    env.driver.command("/feedback", "We need SAML", user=BOB, channel=PRODUCT)
    env.driver.command("/feedback", "Dark mode please", user=BOB, channel=PRODUCT)
    env.drain()
    env.driver.click(card_of(team, "FB-1"), "fb_link", user=PM, channel=PRODUCT)
    view_id = next(v for v, view in env.ws.views.items() if view["callback_id"] == "fb_link_modal")
    good = {"item_req": {"item_req_input": {"type": "plain_text_input", "value": "REQ-1"}}}
    assert env.driver.submit(view_id, good, user=PM).status == 200
    env.drain()
    assert "🔗 Linked to REQ-1 by <@U0ALICE>" in follows(team, "FB-1")
    assert buttons(card_of(team, "FB-1")) == []
    env.driver.click(card_of(team, "FB-2"), "fb_promote", user=PM, channel=PRODUCT)
    env.drain()
    assert "🔗 Linked to REQ-2 by <@U0ALICE>" in follows(team, "FB-2")


def _reminded(team: Team) -> Json:
    """Bob's Monday reminder DM: REQ-1 due tomorrow and BLK-1 open 3 days, both his."""
    env = team.env
    env.clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))  # Friday
    env.driver.command("/blocker", "Waiting on keys <@U0BOB|bob>", user=PM, channel=PRODUCT)
    env.drain()
    team.at(datetime(2026, 11, 20, 8, 5, tzinfo=UTC))  # default schedules appear
    env.clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    env.req("new Pricing page <@U0BOB|bob> due tomorrow")
    team.at(datetime(2026, 11, 23, 8, 5, tzinfo=UTC))  # Monday 09:05 Berlin
    [dm] = [m for m in team.dms(BOB) if m["text"].startswith("2 reminders")]
    return copy.deepcopy(dm)  # as a client still showing the first version would


def test_reminder_mark_done_edits_card_and_reminder_and_old_buttons_are_refused(
    team: Team,
) -> None:
    env = team.env
    dm = _reminded(team)
    dm_channel = env.ws.dm_channel(BOB)
    env.driver.click(dm, "rem_done", user=BOB, channel=dm_channel, value="REQ-1|" + PRODUCT)
    env.drain()
    assert "REQ-1 is done" in env.ws.ephemerals_for(BOB)[-1]["text"]
    assert "✅ Done by <@U0BOB>" in follows(team, "REQ-1")
    now_dm = env.ws.message(dm_channel, dm["ts"])
    assert "✅ Done by <@U0BOB>" in texts(now_dm["blocks"])
    assert len(buttons(now_dm)) == 4  # BLK-1's buttons still apply; REQ-1's are gone
    # The old message's buttons, pressed again (a stale client): refused, nothing changes.
    for action in ("rem_done", "rem_snooze", "rem_stop", "rem_reassign"):
        env.driver.click(dm, action, user=BOB, channel=dm_channel, value="REQ-1|" + PRODUCT)
        env.drain()
        assert "That reminder is out of date: REQ-1" in env.ws.ephemerals_for(BOB)[-1]["text"]


def test_reassign_tells_the_new_owner_once_and_shows_the_hand_over(team: Team) -> None:
    env = team.env
    for user in (CAROL, DAVE):
        env.driver.set_status(user, tz="Europe/Berlin")
    dm = _reminded(team)
    dm_channel = env.ws.dm_channel(BOB)
    before = set(env.ws.views)
    env.driver.click(dm, "rem_reassign", user=BOB, channel=dm_channel, value="BLK-1|" + PRODUCT)
    [view_id] = set(env.ws.views) - before
    values = {"rem_owner": {"rem_owner_input": {"type": "users_select", "selected_user": DAVE}}}
    assert env.driver.submit(view_id, values, user=BOB).status == 200
    env.drain()
    env.req("assign REQ-1 <@U0DAVE|dave>")  # the same minute: one DM for both
    team.at(env.clock.now() + cards.NOTICE_WINDOW)  # the notice waits out its window
    [notice] = [m for m in team.dms(DAVE) if "yours now" in m["text"]]
    assert "BLK-1" in texts(notice["blocks"]) and "REQ-1" in texts(notice["blocks"])
    now_dm = texts(env.ws.message(dm_channel, dm["ts"])["blocks"])
    assert "↪️ Now with <@U0DAVE> · reassigned by <@U0BOB>" in now_dm
    assert "owner <@U0DAVE>" in follows(team, "BLK-1")
    env.driver.click(dm, "rem_done", user=BOB, channel=dm_channel, value="BLK-1|" + PRODUCT)
    env.drain()
    assert "out of date: BLK-1 · ↪️ Now with <@U0DAVE>" in env.ws.ephemerals_for(BOB)[-1]["text"]
    team.deliver()
    assert len([m for m in team.dms(DAVE) if "yours now" in m["text"]]) == 1  # once


# -- outages ---------------------------------------------------------------------------------
def _down_after_monday_queue(team: Team) -> None:
    """A 09:30 Berlin standup; Monday's ticker queues prompts, then the worker goes down
    before sending anything; a card edit is queued during the outage."""
    all_in_berlin(team)
    team.env.clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.env.req("new Outage-proof card")
    team.deliver()
    team.env.clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    team.jobs.tick()  # Monday's prompts and reminders queued; nothing sent
    team.env.req("status REQ-1 in progress")  # its card edit waits in the outbox


def _sent_since(team: Team, mark: int) -> list[Any]:
    ws = team.env.ws
    return [c for c in ws.calls[mark:] if c.method in ("chat.postMessage", "chat.update")]


def _outage(team: Team, until: datetime) -> tuple[list[str], Any]:
    _down_after_monday_queue(team)
    mark = len(team.env.ws.calls)
    _ticked, report = team.at(until)
    said = [str(c.args.get("text", "")) for c in _sent_since(team, mark)]
    return said, report


def test_after_3_hours_the_prompts_still_go_and_the_card_catches_up(team: Team) -> None:
    said, report = _outage(team, datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    prompts = [t for t in said if t.startswith("Standup for")]
    assert len(prompts) == 4 and report.expired == 0  # still Monday: true and timely
    assert "In progress" in follows(team, "REQ-1")


def test_after_2_days_nothing_of_monday_is_sent(team: Team) -> None:
    said, report = _outage(team, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert not any("Mon 23" in t or "Monday" in t for t in said), said
    assert report.expired >= 4  # Monday's prompts, reminders and thread
    assert "In progress" in follows(team, "REQ-1")  # card edits never expire
    with team.env.sessions() as s:
        reasons = list(
            s.scalars(
                select(OutboxMessage.last_error).where(OutboxMessage.status == OutboxStatus.EXPIRED)
            )
        )
    assert any("the standup prompt of Mon 23 Nov" in (r or "") for r in reasons)


def test_after_3_months_only_what_is_due_now_is_sent(team: Team) -> None:
    until = datetime(2027, 3, 1, 8, 45, tzinfo=UTC)  # Monday, 09:45 Berlin
    said, report = _outage(team, until)
    assert not any("Nov" in t or "Dec" in t for t in said), said
    prompts = [t for t in said if t.startswith("Standup for")]
    assert len(prompts) == 4  # today's (1 March) run is within its window: sent
    assert report.expired >= 4
    assert "In progress" in follows(team, "REQ-1")
    _, again = team.at(until + timedelta(minutes=1))
    assert again.sent == 0 and again.expired == 0
