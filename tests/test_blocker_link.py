"""`/blocker <text> REQ-n`: the card names the requirement it blocks, with its title."""

from __future__ import annotations

from sqlalchemy import select

from storage.items import Blocker
from tests.conftest import BOB, Env, texts


def test_blocker_card_links_the_requirement(env: Env) -> None:
    env.req("new Export invoices as CSV")
    env.driver.command("/blocker", "Waiting on API keys REQ-1 <@U0BOB|bob>", user=BOB,
                       channel="C0PRODUCT")  # fmt: skip
    env.drain()
    card = env.channel()[-1]
    shown = texts(card["blocks"])
    assert "*BLK-1* Waiting on API keys" in shown
    assert "Blocks *REQ-1* Export invoices as CSV" in shown, shown
    with env.sessions() as s:
        assert s.scalars(select(Blocker.requirement_id)).one() is not None


def test_blocker_without_requirement_names_none(env: Env) -> None:
    env.driver.command("/blocker", "Waiting on API keys", user=BOB, channel="C0PRODUCT")
    env.drain()
    assert "Blocks" not in texts(env.channel()[-1]["blocks"])
