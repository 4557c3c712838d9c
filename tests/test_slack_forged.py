"""Forged or malformed interaction values (issue 14, point 8): a short answer and at most a
WARNING, never a traceback, and never an action on an item the clicker cannot see."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Requirement, RequirementVote
from tests.conftest import DAVE, PM, PRODUCT, SECRET_CHANNEL, Env


def _answers(env: Env, user: str, reply: Any) -> str:
    """What the person was told: the ack body, else their newest ephemeral."""
    body = reply.json() if reply.body.strip().startswith("{") else {}
    said = [body.get("text", ""), *(str(e.get("text")) for e in env.ws.ephemerals_for(user))]
    return "\n".join(said)


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [r.getMessage() for r in bad]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("req_vote", "abc"),
        ("req_vote", "-1"),
        ("req_vote", "99999999999999999999"),
        ("req_assign_me", "1; DROP TABLE requirements"),
        ("req_list_page_next", "{not json"),
        ("req_list_page_next", json.dumps({"v": "list", "q": "", "o": 10**15})),
        ("req_list_page_next", json.dumps(["o", 1])),
        ("req_list_page_next", json.dumps({"v": "list", "q": "", "o": "x"})),
    ],
)
def test_forged_button_values_get_a_short_answer(
    env: Env, caplog: pytest.LogCaptureFixture, action_id: str, value: str
) -> None:
    for n in range(17):
        env.req(f"new Item {n}")
    if action_id.startswith("req_list_page"):
        env.req("list")
        card = {**env.ws.ephemerals_for(PM)[-1], "ts": env.ws.next_ts()}
    else:
        card = env.channel()[-1]
    reply = env.driver.click(card, action_id, user=DAVE, channel=PRODUCT, value=value)
    env.drain()
    assert reply.status == 200
    assert "out of date" in _answers(env, DAVE, reply)
    _no_errors(caplog)
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(RequirementVote)) == 0


def test_a_forged_id_never_acts_on_an_item_of_a_channel_one_cannot_see(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    env.req("new Public one")
    env.req("new Secret plan", channel=SECRET_CHANNEL)  # REQ-2, in a channel Dave is not in
    card = env.channel()[-1]
    reply = env.driver.click(card, "req_vote", user=DAVE, channel=PRODUCT, value="2")
    env.drain()
    assert "REQ-2" in _answers(env, DAVE, reply) or "no " in _answers(env, DAVE, reply).lower()
    with env.sessions() as s:
        assert s.scalar(select(func.count()).select_from(RequirementVote)) == 0
        secret = s.scalars(select(Requirement).where(Requirement.number == 2)).one()
        assert secret.owner_id is None
    _no_errors(caplog)


@pytest.mark.parametrize("metadata", ["{broken", "[1, 2]", '"text"', json.dumps({"risk": "x"})])
def test_broken_private_metadata_is_a_short_answer(
    env: Env, caplog: pytest.LogCaptureFixture, metadata: str
) -> None:
    env.driver.command("/risk", "new Vendor may slip", user=PM, channel=PRODUCT)
    env.driver.command("/risk", "edit RSK-1", user=PM, channel=PRODUCT)
    env.drain()
    [view_id] = env.ws.views
    env.ws.views[view_id]["private_metadata"] = metadata
    reply = env.driver.submit(view_id, {}, user=PM)
    assert reply.status == 200
    assert reply.json()["response_action"] == "errors"
    assert "out of date" in json.dumps(reply.json()["errors"])
    _no_errors(caplog)


def test_a_forged_score_or_date_in_a_form_shows_on_its_field(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    env.driver.command("/risk", "new Vendor may slip", user=PM, channel=PRODUCT)
    env.driver.command("/risk", "edit RSK-1", user=PM, channel=PRODUCT)
    env.drain()
    [view_id] = env.ws.views
    select_ = {"type": "static_select", "selected_option": {"value": "9"}}
    values = {"rsk_likelihood": {"rsk_likelihood_input": select_}}
    reply = env.driver.submit(view_id, values, user=PM)
    assert reply.json()["response_action"] == "errors"
    values = {
        "rsk_review": {"rsk_review_input": {"type": "datepicker", "selected_date": "2026-02-31"}}
    }
    reply = env.driver.submit(view_id, values, user=PM)
    assert reply.json()["response_action"] == "errors"
    assert "calendar" in json.dumps(reply.json()["errors"])
    _no_errors(caplog)
