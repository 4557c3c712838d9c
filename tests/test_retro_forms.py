"""The facilitator's forms on the board (*Group items*, *Add action*) through signed requests,
and retro actions in `python -m bot export --kind actions`."""

from __future__ import annotations

import io
import json

from bot.runtime.export import export
from sandbox.workspace import Json
from storage.retros import RetroAction, RetroItem
from tests.conftest import BOB, CAROL, DAVE, PM, PRODUCT, Team, texts
from tests.test_retros import add_item, board, five_in_berlin, retro, utc, vote


def _open_form(team: Team, action_id: str, user: str = PM) -> str:
    before = set(team.env.ws.views)
    shown = board(team)
    value = next(
        e["value"]
        for b in shown["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    team.env.driver.click(shown, action_id, user=user, channel=PRODUCT, value=value)
    team.env.drain()
    [view_id] = set(team.env.ws.views) - before
    return view_id


def test_group_items_and_add_an_action_from_the_board_then_export_it(team: Team) -> None:
    five_in_berlin(team)
    team.env.clock.set(utc(2026, 11, 23, 9, 0))
    retro(team, "start")
    team.deliver()
    add_item(team, BOB, "improve", "Standups run long")
    add_item(team, CAROL, "improve", "Standups take too long")
    add_item(team, DAVE, "well", "Deploys were smooth")
    retro(team, "vote")
    team.deliver()
    vote(team, BOB, "Standups run long")
    vote(team, CAROL, "Standups take too long")

    # Group items: only the facilitator; the two standup items become one topic of 2 votes.
    view_id = _open_form(team, "retro_group")
    options = team.env.ws.views[view_id]["blocks"][0]["element"]["options"]
    picked = [{"value": o["value"]} for o in options if "Standups" in o["text"]["text"]]
    values: dict[str, dict[str, Json]] = {
        "retro_items": {
            "retro_items_input": {"type": "multi_static_select", "selected_options": picked}
        },
        "retro_label": {"retro_label_input": {"type": "plain_text_input", "value": "Standups"}},
    }
    assert team.env.driver.submit(view_id, values, user=PM).status == 200
    team.deliver()
    assert "*Standups* · 2 votes" in texts(board(team)["blocks"])
    assert {i.group_label for i in team.rows(RetroItem)} == {"Standups", None}

    # Add action: the form lists the top items as a reminder and makes ACT-1.
    view_id = _open_form(team, "retro_action")
    assert "Top items: Standups (2)" in texts(team.env.ws.views[view_id]["blocks"])
    values = {  # the same shape: block -> action -> element
        "act_text": {"act_text_input": {"type": "plain_text_input", "value": "Timebox standups"}},
        "act_owner": {"act_owner_input": {"type": "users_select", "selected_user": BOB}},
        "act_due": {"act_due_input": {"type": "datepicker", "selected_date": "2026-11-27"}},
    }
    assert team.env.driver.submit(view_id, values, user=PM).status == 200
    team.env.drain()
    [act] = team.rows(RetroAction)
    assert (act.ref, act.owner_id, str(act.due_date)) == ("ACT-1", BOB, "2026-11-27")

    retro(team, "close")
    team.deliver()
    summary = texts(team.env.channel()[-1]["blocks"])
    assert "1. Standups · *2* votes" in summary and "*ACT-1* Timebox standups — bob" in summary

    out = io.StringIO()
    export(team.env.settings, kind="actions", fmt="json", out=out)
    [row] = json.loads(out.getvalue())["actions"]
    assert (row["id"], row["owner"], row["due_date"], row["status"]) == (
        "ACT-1", BOB, "2026-11-27", "open",
    )  # fmt: skip
    fields = [h["field"] for h in row["history"]]
    assert fields[:3] == ["created", "owner", "due_date"]
