"""A mistake's answer says what to type instead with the person's own text in it: their
requirement id, their title, their reason, ready to paste (not a fixed example)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.items import Risk
from storage.models import Requirement
from tests.conftest import BOB, DAVE, PM, Env, texts


def answer(env: Env, command: str, text: str, user: str = PM) -> str:
    """Everything the person sees in their newest ephemeral answer (text and blocks)."""
    reply = env.driver.command(command, text, user=user, channel="C0PRODUCT")
    env.drain()
    assert reply.status == 200
    shown = env.last_ephemeral(user)
    return shown["text"] + "\n" + texts(shown.get("blocks"))


def four(env: Env) -> None:
    env.req("new Export invoices as CSV <@U0BOB|bob>")
    for title in ("Second", "Third", "Fourth"):
        env.req(f"new {title} thing")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("priority REQ-4 P9", "`/req priority REQ-4 P3`"),
        ("priority REQ-4 high", "`/req priority REQ-4 P1`"),
        ("priority REQ-4", "`/req priority REQ-4 P1`"),
        ("status REQ-4", "`/req status REQ-4 in_progress`"),
        ("assign REQ-4 bob", "`/req assign REQ-4 @bob`"),
        ("due REQ-4", "`/req due REQ-4 friday`"),
        ("merge REQ-4", "`/req merge REQ-4 into"),
        ("new Ping @bob about exports", "`/req new Ping @bob about exports`"),
        (
            "new Two owners <@U0BOB|bob> <@U0DAVE|dave> P1",
            "`/req new Two owners @bob P1`",
        ),
        ("new Fast export P1 P3 #billing", "`/req new Fast export P1 #billing`"),
        (
            "new Quarterly report due 2025-11-20 #billing",
            "`due 2025-11-20` is in the past (Thu 20 Nov 2025). Give today or a later date, "
            "e.g. `/req new Quarterly report #billing due friday`. Nothing was saved.",
        ),
    ],
)
def test_req_mistakes_hand_back_the_persons_command(env: Env, text: str, expected: str) -> None:
    four(env)
    shown = answer(env, "/req", text)
    assert expected in shown, shown
    assert "REQ-3 " not in shown  # the fixed example's id is gone
    with env.sessions() as s:
        assert s.scalar(select(func.count(Requirement.id))) == 4


def test_priority_answer_names_what_was_typed(env: Env) -> None:
    four(env)
    shown = answer(env, "/req", "priority REQ-4 P9")
    assert "`P9` is not a priority" in shown and "P0, P1, P2 or P3" in shown
    assert len(shown) < 300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "new Vendor API may slip likelihood 9 impact 4 <@U0BOB|bob>",
            "`/risk new Vendor API may slip likelihood 5 impact 4 @bob`",
        ),
        (
            "new Payments freeze in December likelihood 2 impact 0",
            "`/risk new Payments freeze in December likelihood 2 impact 1`",
        ),
        ("new Staff out sick impact high", "`/risk new Staff out sick impact 3`"),
    ],
)
def test_risk_score_answer_keeps_the_text(env: Env, text: str, expected: str) -> None:
    shown = answer(env, "/risk", text)
    assert expected in shown, shown
    with env.sessions() as s:
        assert s.scalar(select(func.count(Risk.id))) == 0


def test_close_refusal_hands_the_command_back_to_pass_on(env: Env) -> None:
    four(env)
    shown = answer(env, "/req", "close REQ-1 rejected the billing team builds it", user=DAVE)
    assert "only the owner" in shown and "<@U0BOB>" in shown
    assert "`/req close REQ-1 rejected the billing team builds it`" in shown
    with env.sessions() as s:
        assert s.scalar(select(Requirement.status).where(Requirement.number == 1)) == "new"


def test_merge_refusal_hands_the_command_back(env: Env) -> None:
    four(env)
    shown = answer(env, "/req", "merge REQ-1 into REQ-2", user=DAVE)
    assert "`/req merge REQ-1 into REQ-2`" in shown, shown


def test_retro_action_refusal_keeps_the_action(env: Env) -> None:
    env.driver.command("/retro", "start", user=PM, channel="C0PRODUCT")
    env.drain()
    shown = answer(env, "/retro", "action Pin the deploy runner <@U0BOB|bob> due friday", BOB)
    assert "facilitator" in shown and "<@U0ALICE>" in shown
    assert "`/retro action Pin the deploy runner @bob due friday`" in shown, shown
