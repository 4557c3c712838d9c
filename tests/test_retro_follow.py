"""Retro actions' reminders follow the action (edited when it is done, old buttons refused),
and what the retro said in the channel and in DMs stays true as it moves on."""

from __future__ import annotations

import copy

from bot.parsing.slack_text import plain
from sandbox.workspace import Json
from storage.retros import RetroAction
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts
from tests.test_cards_follow import buttons
from tests.test_retros import add_item, board, five_in_berlin, prompts, retro, utc, vote

OUT_OF_DATE = "That reminder is out of date: ACT-1 · ✅ Done by <@U0BOB> · Thu 09:"


def _act_reminder(team: Team) -> Json:
    """Bob's Thursday reminder DM: ACT-1 (his, due Wednesday) is a day late."""
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    assert "ACT-1" in retro(team, "action Timebox standups <@U0BOB|bob> due 2026-11-25")["text"]
    team.at(utc(2026, 11, 23, 9, 5))  # the channel's default schedules appear
    team.at(utc(2026, 11, 26, 8, 5))  # Thursday 09:05 Berlin
    [dm] = [m for m in team.dms(BOB) if "reminder" in m["text"]]
    assert "ACT-1" in texts(dm["blocks"]) and len(buttons(dm)) == 4
    return copy.deepcopy(dm)


def _refused_everywhere(team: Team, dm: Json) -> None:
    """The DM lost ACT-1's buttons; a stale copy's buttons are all refused."""
    team.deliver()
    dm_channel = team.env.ws.dm_channel(BOB)
    now_dm = team.env.ws.message(dm_channel, dm["ts"])
    assert buttons(now_dm) == [] and "✅ Done by <@U0BOB>" in texts(now_dm["blocks"])
    for action in ("rem_done", "rem_snooze", "rem_stop", "rem_reassign"):
        team.env.driver.click(dm, action, user=BOB, channel=dm_channel, value="ACT-1|" + PRODUCT)
        team.env.drain()
        said = team.env.ws.ephemerals_for(BOB)[-1]["text"]
        assert said.startswith(OUT_OF_DATE) and said.endswith("Nothing was changed."), said


def test_mark_done_on_an_action_reminder_edits_it_and_refuses_its_old_buttons(
    team: Team,
) -> None:
    dm = _act_reminder(team)
    dm_channel = team.env.ws.dm_channel(BOB)
    team.env.driver.click(dm, "rem_done", user=BOB, channel=dm_channel, value="ACT-1|" + PRODUCT)
    team.env.drain()
    assert "ACT-1 is done" in team.env.ws.ephemerals_for(BOB)[-1]["text"]
    _refused_everywhere(team, dm)


def test_retro_done_edits_the_reminder_and_a_reassign_form_opened_before_is_refused(
    team: Team,
) -> None:
    dm = _act_reminder(team)
    dm_channel = team.env.ws.dm_channel(BOB)
    before = set(team.env.ws.views)
    team.env.driver.click(
        dm, "rem_reassign", user=BOB, channel=dm_channel, value="ACT-1|" + PRODUCT
    )
    [view_id] = set(team.env.ws.views) - before
    retro(team, "done ACT-1", user=BOB)
    _refused_everywhere(team, dm)
    values = {"rem_owner": {"rem_owner_input": {"type": "users_select", "selected_user": PM}}}
    reply = team.env.driver.submit(view_id, values, user=BOB)
    team.env.drain()
    assert "Nothing was changed" in reply.body, reply.body
    [act] = team.rows(RetroAction)
    assert act.owner_id == BOB and act.status == "done"


def test_the_retros_dms_and_channel_message_follow_its_phases(team: Team) -> None:
    five_in_berlin(team)
    env = team.env
    env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    team.deliver()
    [dm] = prompts(team, BOB)
    assert "or anonymously" in texts(dm["blocks"])
    old_dm = copy.deepcopy(dm)
    add_item(team, BOB, "well", "Deploys were smooth")
    assert "Added to the retro: “Deploys were smooth”" in env.ws.ephemerals_for(BOB)[-1]["text"]
    add_item(team, CAROL, "improve", "Standups run long", anonymous=True)
    said = env.ws.ephemerals_for(CAROL)[-1]
    assert said["text"] == "Added to the retro anonymously. Add more any time."
    assert said["channel"] == env.ws.dm_channel(CAROL)
    assert not any("Standups run long" in e["text"] for e in env.ws.ephemerals)
    # Someone else may not start another one, and is told who runs this one.
    other = retro(team, "start", user=CAROL)["text"]
    assert "run by <@U0ALICE>" in other and "/retro close" not in other

    env.clock.set(utc(2026, 11, 23, 10, 30))
    retro(team, "vote")
    team.deliver()
    # Slack draws the time in each reader's zone; what the fallback reads (`plain`):
    closed_at = "The collection closed at Mon 23 Nov, 10:30 UTC — vote in #C0PRODUCT's thread."
    instant = int(utc(2026, 11, 23, 10, 30).timestamp())
    parent = next(m for m in env.channel() if m["text"].startswith("Retro:"))
    assert parent["text"].startswith("Retro: voting in this thread until")
    assert "until Wed" not in parent["text"]  # no longer "add your items by DM until …"
    now_dm = env.ws.message(env.ws.dm_channel(BOB), dm["ts"])
    assert buttons(now_dm) == [] and closed_at in plain(texts(now_dm["blocks"]))
    assert f"<!date^{instant}^{{date_short_pretty}} at {{time}}|" in texts(now_dm["blocks"])
    env.driver.click(old_dm, "retro_add", user=BOB, channel=env.ws.dm_channel(BOB))
    env.drain()
    assert plain(env.ws.ephemerals_for(BOB)[-1]["text"]) == closed_at

    retro(team, "close")
    team.deliver()
    parent = next(m for m in env.channel() if m["text"].startswith("Retro:"))
    assert plain(parent["text"]) == "Retro: closed at Mon 23 Nov, 10:30 UTC"
    summary = env.channel()[-1]
    assert summary["text"].startswith("Retro summary") and "Nobody voted" in texts(
        summary["blocks"]
    )


def test_too_few_people_are_not_offered_anonymity(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    team.deliver()
    shown = texts(prompts(team, BOB)[-1]["blocks"])
    assert "with your name." in shown and "anonymously" not in shown


def test_summary_counts_in_words_and_lists_only_voted_items(team: Team) -> None:
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    team.deliver()
    add_item(team, BOB, "well", "Deploys were smooth")
    add_item(team, DAVE, "improve", "Standups run long")
    retro(team, "vote")
    team.deliver()
    vote(team, CAROL, "Standups run long")
    retro(team, "close")
    team.deliver()
    shown = texts(team.env.channel()[-1]["blocks"])
    assert "1. Standups run long · *1* vote" in shown and "*1* votes" not in shown
    assert "Deploys were smooth" not in shown.partition("Actions")[0].partition("Top items")[2]


def test_an_action_with_a_due_date_needs_an_owner(team: Team) -> None:
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    said = retro(team, "action Fix the flaky deploy due friday")["text"]
    assert "Name an owner" in said and "Fix the flaky deploy" in said
    assert team.rows(RetroAction) == []


def test_the_next_board_shows_carried_over_actions_overdue(team: Team) -> None:
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    retro(team, "action Timebox standups <@U0BOB|bob> due 2026-11-25")
    retro(team, "close")
    team.deliver()
    team.env.clock.set(utc(2026, 11, 30, 9, 0))
    retro(team, "start")
    retro(team, "vote")
    team.deliver()
    shown = texts(board(team)["blocks"])
    assert "ACT-1" in shown and "⏰ overdue" in shown


def test_a_new_action_s_owner_is_told_once_batched_with_their_other_notices(
    team: Team,
) -> None:
    from bot.services import cards

    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))  # Monday 10:00 Berlin
    retro(team, "start")
    assert "ACT-1" in retro(team, "action Timebox standups <@U0BOB|bob> due 2026-11-27")["text"]
    team.env.req("new Shorter standup form")
    team.env.req("assign REQ-1 <@U0BOB|bob>")  # the same minute: one DM for both
    retro(team, "action Write the standup guide")  # no owner: nobody to tell
    team.at(team.env.clock.now() + cards.NOTICE_WINDOW)
    [notice] = [m for m in team.dms(BOB) if "yours now" in m["text"]]
    said = texts(notice["blocks"])
    assert "*ACT-1* Timebox standups (from <@U0ALICE>" in said
    assert "the retro in <#C0PRODUCT>" in said and "due Fri 27 Nov 2026" in said
    assert "*REQ-1* Shorter standup form" in said
    team.deliver()
    assert len([m for m in team.dms(BOB) if "yours now" in m["text"]]) == 1  # once
    # The facilitator owning their own action is not told about it.
    retro(team, "action Book the room <@U0ALICE|alice>")
    team.at(team.env.clock.now() + cards.NOTICE_WINDOW)
    assert not [m for m in team.dms(PM) if "yours now" in m["text"]]
