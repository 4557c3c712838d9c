"""Retro actions' reminders follow the action (edited when it is done, old buttons refused),
and what the retro said in the channel and in DMs stays true as it moves on."""

from __future__ import annotations

import copy

from sandbox.workspace import Json
from storage.retros import RetroAction
from tests.conftest import BOB, PM, PRODUCT, Team, texts
from tests.test_cards_follow import buttons
from tests.test_retros import five_in_berlin, retro, utc

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
