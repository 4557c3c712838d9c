"""The App Home tab; exports of every kind. (Anonymous feedback: tests/test_anon_*.py.)"""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy import MetaData, select

from bot.runtime.export import export
from tests.conftest import BOB, CAROL, PM, PRODUCT, SECRET_CHANNEL, Env, texts


def every_cell(env: Env) -> list[str]:
    """Every value in every table, as text."""
    meta = MetaData()
    with env.sessions() as s:
        meta.reflect(bind=s.get_bind())
        cells = []
        for table in meta.sorted_tables:
            for row in s.execute(select(table)):
                cells += [str(v) for v in row]
    return cells


def open_home(env: Env, user: str) -> dict[str, Any]:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": env.ws.next_ts(),
    }
    env.driver.event(event)
    env.drain()
    return env.ws.views[f"VHOME{user}"]


def test_home_shows_my_open_items_and_acts_on_them(env: Env) -> None:
    env.req("new Export invoices due friday <@U0BOB|bob>")
    env.req("new Secret project", channel=SECRET_CHANNEL)
    env.driver.command("/blocker", "No staging DB <@U0BOB|bob>", user=CAROL, channel=PRODUCT)
    env.driver.command(
        "/risk", "new Vendor may slip likelihood 4 impact 4 <@U0BOB|bob>", user=PM, channel=PRODUCT
    )
    env.drain()
    home = open_home(env, BOB)
    shown = texts(home["blocks"])
    assert "REQ-1" in shown and "BLK-1" in shown and "RSK-1" in shown
    assert "*1* open blockers" in shown and "*2* open requirements" in shown
    home = open_home(env, PM)
    shown = texts(home["blocks"])
    assert "REQ-1" in shown and "Secret project" not in shown
    assert "1 more in private channels" in shown
    # Act from the Home tab: resolve the blocker; the tab is published again.
    home = env.ws.views["VHOMEU0BOB"]
    msg = {"ts": "0", "blocks": home["blocks"]}
    env.driver.click(msg, "home_blk_resolve", user=BOB, channel=PRODUCT)
    env.drain()
    assert "BLK-1" not in texts(env.ws.views["VHOMEU0BOB"]["blocks"])


def test_home_stays_within_block_kit_limits_with_many_items(env: Env) -> None:
    for n in range(45):
        env.driver.command("/req", f"new Item {n} <@U0BOB|bob>", user=PM, channel=PRODUCT)
        env.driver.command("/blocker", f"Blocked {n} <@U0BOB|bob>", user=PM, channel=PRODUCT)
    env.drain()
    home = open_home(env, BOB)
    assert len(home["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in home["blocks"])
    assert [c for c in env.ws.calls_of("views.publish") if c.error is None]


def test_home_lists_the_most_urgent_first_and_says_how_many_more(env: Env) -> None:
    # 24 undated items first, then one due Friday and one P0 due Friday: the dated ones come
    # first on both stores (SQLite sorts a missing date first), the P0 before the P1.
    for n in range(24):
        env.req(f"new Someday item {n} <@U0BOB|bob>")
    env.req("new Ship pricing page P1 due friday <@U0BOB|bob>")
    env.req("new Fix login outage P0 due friday <@U0BOB|bob>")
    home = open_home(env, BOB)
    reqs = [
        b["text"]["text"]
        for b in home["blocks"]
        if b.get("accessory", {}).get("action_id") == "home_req_done"
    ]
    assert len(reqs) == 20
    assert "Fix login outage" in reqs[0] and "Ship pricing page" in reqs[1]
    assert "…and 6 more: `/req list mine` lists them all." in texts(home["blocks"])
    env.driver.say("help", user=BOB, channel=env.ws.dm_channel(BOB))
    env.drain()
    said = texts(env.ws.channel_messages(env.ws.dm_channel(BOB))[-1]["blocks"])
    assert "Fix login outage" in said and "Ship pricing page" in said
    assert "…and 21 more on the Home tab" in said  # 26 open, 5 listed


def test_export_every_kind_as_json_and_csv(env: Env) -> None:
    env.req("new Export invoices")
    env.driver.command("/feedback", "Great export REQ-1", user=BOB, channel=PRODUCT)
    env.driver.command("/blocker", "Need keys", user=BOB, channel=PRODUCT)
    env.driver.command("/risk", "new Slip impact 5", user=BOB, channel=PRODUCT)
    env.drain()
    for kind, key, expected in (
        ("feedback", "requirement", "REQ-1"),
        ("blockers", "reporter", BOB),
        ("risks", "score", 15),
    ):
        out = io.StringIO()
        export(env.settings, kind=kind, fmt="json", out=out)
        [item] = json.loads(out.getvalue())[kind]
        assert item[key] == expected and item["history"]
        out = io.StringIO()
        export(env.settings, kind=kind, fmt="csv", out=out)
        assert out.getvalue().count("\n") == 2


def test_card_and_home_buttons_edit_close_and_mark_done(env: Env) -> None:
    env.driver.command("/risk", "new Vendor may slip <@U0BOB|bob>", user=PM, channel=PRODUCT)
    env.req("new Ship billing <@U0BOB|bob>")
    env.drain()
    card = env.channel()[0]
    env.driver.click(card, "rsk_close", user=PM, channel=PRODUCT)
    env.drain()
    assert "closed" in texts(env.ws.message(PRODUCT, card["ts"])["blocks"])
    env.driver.command("/risk", "new Key person leaves <@U0BOB|bob>", user=PM, channel=PRODUCT)
    env.drain()
    home = open_home(env, BOB)
    assert "RSK-2" in texts(home["blocks"]) and "RSK-1" not in texts(home["blocks"])
    env.driver.click({"ts": "0", "blocks": home["blocks"]}, "rsk_edit", user=BOB, channel="")
    env.drain()
    view_id = next(
        v for v, view in env.ws.views.items() if view.get("callback_id") == "rsk_edit_modal"
    )
    mitigation = {"type": "plain_text_input", "value": "Document the runbook"}
    values = {"rsk_mitigation": {"rsk_mitigation_input": mitigation}}
    assert env.driver.submit(view_id, values, user=BOB).status == 200
    env.drain()
    home = env.ws.views["VHOMEU0BOB"]
    env.driver.click({"ts": "0", "blocks": home["blocks"]}, "home_req_done", user=BOB, channel="")
    env.drain()
    assert "REQ-1" not in texts(env.ws.views["VHOMEU0BOB"]["blocks"])
    with env.sessions() as s:
        from storage.items import Risk
        from storage.models import Requirement

        assert s.scalar(select(Requirement.status)) == "done"
        assert s.scalar(select(Risk.mitigation).where(Risk.number == 2)) == "Document the runbook"
