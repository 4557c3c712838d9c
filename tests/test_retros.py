"""`/retro` end to end: collection by DM (named and anonymous), voting through buttons with the
board updated in place, grouping, actions `ACT-n`, the summary, carry-over into the next retro,
overdue reminders, and bad input. Signed requests, the stand-in, an injected clock."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from sandbox.workspace import Json
from storage.models import HistoryEvent
from storage.retros import Retro, RetroAction, RetroItem
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts

ERIN = "U0ERIN"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def five_in_berlin(team: Team) -> None:
    """#product with five people (the anonymity crowd), all working from Berlin."""
    ws = team.env.ws
    ws.add_user(ERIN, "erin", tz="Europe/Berlin")
    ws.channels[PRODUCT]["members"].insert(0, ERIN)
    for user in (CAROL, DAVE):
        team.env.driver.set_status(user, tz="Europe/Berlin")
    team.env.drain()


def retro(team: Team, text: str, *, user: str = PM) -> Json:
    """`/retro text`: the ack, or for deferred verbs the newest ephemeral answer."""
    before = len(team.env.ws.ephemerals_for(user))
    reply = team.env.driver.command("/retro", text, user=user, channel=PRODUCT)
    team.env.drain()
    assert reply.status == 200
    found = team.env.ws.ephemerals_for(user)
    if len(found) > before:
        return found[-1]
    body: Json = reply.json() if reply.body else {}
    return body


def prompts(team: Team, user: str) -> list[Json]:
    return [m for m in team.dms(user) if "Retro in" in m["text"]]


def add_item(team: Team, user: str, category: str, text: str, *, anonymous: bool = False) -> Any:
    """Press *Add an item* in the newest retro DM and submit the form."""
    dm = prompts(team, user)[-1]
    views_before = set(team.env.ws.views)
    team.env.driver.click(dm, "retro_add", user=user, channel=team.env.ws.dm_channel(user))
    [view_id] = set(team.env.ws.views) - views_before
    values: dict[str, dict[str, Json]] = {
        "retro_category": {
            "retro_category_input": {
                "type": "static_select",
                "selected_option": {"value": category},
            }
        },
        "retro_text": {"retro_text_input": {"type": "plain_text_input", "value": text}},
    }
    if anonymous:
        values["retro_anonymous"] = {
            "retro_anonymous_input": {
                "type": "checkboxes",
                "selected_options": [{"value": "anonymous"}],
            }
        }
    reply = team.env.driver.submit(view_id, values, user=user)
    team.env.drain()
    return reply


def board(team: Team) -> Json:
    [parent] = [m for m in team.env.ws.channel_messages(PRODUCT) if m["text"].startswith("Retro:")][
        -1:
    ]
    replies = team.replies(parent)
    found = [m for m in replies if m["text"].startswith("Retro board")]
    assert found, "no board in the retro's thread"
    return found[-1]


def vote_value(msg: Json, text: str) -> str:
    for block in msg["blocks"]:
        if block.get("type") == "section" and text in block["text"]["text"]:
            return str(block["accessory"]["value"])
    raise KeyError(text)


def vote(
    team: Team, user: str, text: str, *, value: str | None = None, msg: Json | None = None
) -> Json:
    msg = msg or board(team)
    team.env.driver.click(
        msg, "retro_vote", user=user, channel=PRODUCT, value=value or vote_value(msg, text)
    )
    team.env.drain()
    team.deliver()
    return team.env.last_ephemeral(user)


def test_a_full_retro_and_its_actions_carried_into_the_next(team: Team) -> None:
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))  # Monday 10:00 Berlin
    said = retro(team, "start in 2 days")
    assert "I asked 5 people by DM" in said["text"]
    team.deliver()
    for user in (PM, BOB, CAROL, DAVE, ERIN):
        [dm] = prompts(team, user)
        assert "Add an item" in texts(dm["blocks"])
    parent = team.env.ws.channel_messages(PRODUCT)[-1]
    assert parent["text"].startswith("Retro: add your items by DM")

    add_item(team, BOB, "well", "Deploys were smooth")
    add_item(team, CAROL, "improve", "Standups run long", anonymous=True)
    add_item(team, DAVE, "improve", "Standups take too long", anonymous=True)
    add_item(team, PM, "idea", "Try demo Fridays")
    items = team.rows(RetroItem)
    anon = [i for i in items if i.author_id is None]
    assert len(items) == 4 and len(anon) == 2
    assert all(i.day.isoformat() == "2026-11-23" for i in anon)
    # Nothing is shown in the channel while collecting.
    assert not team.replies(parent)
    assert "Standups" not in str(team.env.ws.channel_messages(PRODUCT, top_level=False))

    # Two days on: the collection closes by itself and the board appears in the thread.
    team.at(utc(2026, 11, 25, 9, 1))
    shown = board(team)
    shown_text = texts(shown["blocks"])
    for text in ("Deploys were smooth — bob", "Standups run long", "Try demo Fridays"):
        assert text in shown_text
    assert "Standups run long — " not in shown_text  # anonymous: no name

    # Voting: 3 votes each, a second press takes one back, the board updates in place.
    assert "2 votes left" in vote(team, BOB, "Standups run long")["text"]
    assert "1 vote left" in vote(team, BOB, "Standups take too long")["text"]
    said = vote(team, BOB, "Try demo Fridays")["text"]
    assert said == (
        "Voted: 0 votes left. Your votes: Standups run long · Standups take too long"
        " · Try demo Fridays."
    )
    refused = vote(team, BOB, "Deploys were smooth")["text"]
    assert "used your 3 votes" in refused and "take that vote back" in refused
    said = vote(team, BOB, "Try demo Fridays")["text"]
    assert (
        said
        == "Vote taken back: 1 vote left. Your votes: Standups run long · Standups take too long."
    )
    vote(team, CAROL, "Standups run long")
    assert len(team.env.ws.calls_of("chat.update")) >= 1
    assert "Standups run long  *2*" in texts(board(team)["blocks"])
    # Forged values: a short answer, nothing counted.
    assert "out of date" in vote(team, BOB, "", value="999:NOPE")["text"]
    assert "out of date" in vote(team, BOB, "", value="junk")["text"]

    # The facilitator adds an action; someone else may not.
    assert "facilitator" in retro(team, "action Shorter standups <@U0BOB|bob>", user=CAROL)["text"]
    said = retro(team, "action Timebox standups to 15 minutes <@U0BOB|bob> due 2026-11-27")
    assert "Added ACT-1" in said["text"]
    before_close = copy.deepcopy(board(team))
    retro(team, "close")
    team.deliver()
    summary = team.env.ws.channel_messages(PRODUCT)[-1]
    assert summary["text"].startswith("Retro summary")
    summary_text = texts(summary["blocks"])
    assert "1. Standups run long · *2* votes" in summary_text
    assert "ACT-1" in summary_text and "bob" in summary_text
    assert "Voting is over" in texts(board(team)["blocks"])
    late = vote(team, CAROL, "Try demo Fridays", msg=before_close)["text"]
    assert "voting is over" in late

    # Overdue: ACT-1 was due Friday 27 Nov; Monday's reminders DM Bob about it.
    # (the channel's default daily reminders: its action made it a channel with items)
    team.at(utc(2026, 11, 30, 8, 5))
    reminders = [m for m in team.dms(BOB) if "reminder" in m["text"]]
    assert reminders and "ACT-1" in texts(reminders[-1]["blocks"])
    assert "overdue" in texts(reminders[-1]["blocks"])

    # The next retro shows ACT-1 first, carried over.
    retro(team, "start")
    team.deliver()
    nxt = team.env.ws.channel_messages(PRODUCT)[-1]
    assert "carried over" in texts(nxt["blocks"]) and "ACT-1" in texts(nxt["blocks"])
    [act] = team.rows(RetroAction)
    assert act.carried == 1
    with team.env.sessions() as s:
        fields = list(
            s.scalars(select(HistoryEvent.field).where(HistoryEvent.entity_type == "action"))
        )
    assert fields[:2] == ["created", "owner"] and "carried_into" in fields
    # Bob marks it done from the reminder; it is no longer open.
    team.env.driver.click(reminders[-1], "rem_done", user=BOB, channel=team.env.ws.dm_channel(BOB))
    team.env.drain()
    assert team.rows(RetroAction)[0].status == "done"
    assert len(team.rows(Retro)) == 2


def test_bad_input_keeps_the_text(team: Team) -> None:
    five_in_berlin(team)
    said = retro(team, "strat now")["text"]
    assert "Did you mean `/retro start`" in said and "strat now" in said
    said = retro(team, "start whenever you like")["text"]
    assert "/retro start in 2 days" in said and "whenever you like" in said
    assert "no open retro" in retro(team, "close")["text"]
    assert "no retro here" in retro(team, "status")["text"]
    assert "ACT-3" in retro(team, "done soon")["text"]


def test_actions_on_home_and_a_leads_loop_figures(team: Team) -> None:
    from tests.test_privacy_and_home import open_home

    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")  # alice leads #product
    retro(team, "start")
    said = retro(team, "action Timebox standups <@U0BOB|bob> due someday")["text"]
    assert "`/retro action Timebox standups @bob due friday`" in said
    assert "ACT-1" in retro(team, "action Timebox standups <@U0BOB|bob> due 2026-11-25")["text"]
    team.env.driver.command("/feedback", "The board is slow", user=DAVE, channel=PRODUCT)
    team.env.driver.command("/feedback", "ack FB-1", user=PM, channel=PRODUCT)
    team.env.drain()
    team.env.clock.set(utc(2026, 11, 27, 9, 0))  # ACT-1 is two days late
    home = texts(open_home(team.env, BOB)["blocks"])
    assert "Retro actions you own" in home and "ACT-1* Timebox standups" in home
    assert "overdue" in home
    lead = texts(open_home(team.env, PM)["blocks"])
    assert "Loop, last 4 weeks: acknowledged within 2 working days 100% (1 of 1)" in lead
    assert "retro actions done on time 0% (0 of 1)" in lead


def test_a_scheduled_retro_every_two_weeks(team: Team) -> None:
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))  # Monday
    said = retro(team, "schedule every 2 weeks friday 15:00 Europe/Berlin")["text"]
    assert "every 2 weeks, Fri at 15:00 Europe/Berlin" in said
    assert "Every 1 to 8 weeks" in retro(team, "schedule every 9 weeks friday 15:00")["text"]
    team.at(utc(2026, 11, 27, 14, 1))  # Friday 15:01 Berlin: the first one
    assert len(team.rows(Retro)) == 1 and all(len(prompts(team, u)) == 1 for u in (PM, BOB))
    retro(team, "close")
    team.at(utc(2026, 12, 4, 14, 1))  # the week in between: none
    assert len(team.rows(Retro)) == 1
    team.at(utc(2026, 12, 11, 14, 1))
    assert len(team.rows(Retro)) == 2
    assert "switched off" in retro(team, "schedule off")["text"]


def test_a_long_board_keeps_within_block_kit_limits() -> None:
    from bot.readmodels import RetroBoard
    from bot.views import retros as views
    from storage.statuses import RetroCategory, RetroStatus

    when = utc(2026, 11, 23, 9, 0)
    r = Retro(id=1, team_id="T", channel_id="C", status=RetroStatus.VOTING, members=[],
              votes_each=3, collect_until=when, parent_key="p", started_at=when)  # fmt: skip
    items = [
        RetroItem(public_id=f"I{n:03d}", retro_id=1, category=list(RetroCategory)[n % 3],
                  text="<!channel> " + "x" * 3000, author_id=None, day=when.date())
        for n in range(120)
    ]  # fmt: skip
    text, blocks = views.board(RetroBoard(r, items, {}, [], [], {}))
    body: dict[str, Any] = {"text": text, "blocks": blocks}  # as the outbox posts it
    assert len(body["blocks"]) <= 50
    assert body["blocks"][1]["type"] == "actions"  # the facilitator's buttons survive the cut
    assert "<!channel>" not in str(body) and "&lt;!channel&gt;" in str(body)
    assert all(len(b["text"]["text"]) <= 3000 for b in body["blocks"] if b.get("text"))


def test_retro_item_forms_are_neither_logged_nor_counted() -> None:
    """A logged named item would date the anonymous ones by absence (a form opened, no named
    item followed), so neither the button nor the form's submission is ever logged."""
    from bot.runtime.metrics import is_anonymous

    assert is_anonymous({"type": "block_actions", "actions": [{"action_id": "retro_add"}]})
    form = {"type": "view_submission", "view": {"callback_id": "retro_item_modal"}}
    assert is_anonymous(form)
    assert not is_anonymous({"type": "block_actions", "actions": [{"action_id": "retro_vote"}]})
