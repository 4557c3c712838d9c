"""The same delivery twice creates once (issue 14, point 7): a submit pressed again while the
first was slow (same view id and hash), a command request delivered again (same trigger id)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from tests.conftest import BOB, ENG, PM, PRODUCT, Env


def _count(env: Env, model: Any) -> int:
    with env.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_the_requirement_form_submitted_twice_creates_one(env: Env) -> None:
    env.req("new")
    [view_id] = env.ws.views
    values = {"req_title": {"req_title_input": {"type": "plain_text_input", "value": "SSO"}}}
    assert env.driver.submit(view_id, values, user=PM, times=2).status == 200
    env.drain()
    assert _count(env, Requirement) == 1
    assert len([m for m in env.channel() if "REQ-" in m["text"]]) == 1


@pytest.mark.parametrize(("shortcut", "model"), [("capture_feedback", Feedback),
                                                 ("capture_blocker", Blocker)])  # fmt: skip
def test_capture_forms_submitted_twice_create_one(env: Env, shortcut: str, model: Any) -> None:
    msg = env.driver.say("Deploys keep failing on staging", user=BOB, channel=ENG)
    env.driver.shortcut(shortcut, user=PM, channel=ENG, ts=msg["ts"])
    [view_id] = env.ws.views
    text = "Deploys keep failing on staging"
    values = {"item_text": {"item_text_input": {"type": "plain_text_input", "value": text}}}
    assert env.driver.submit(view_id, values, user=PM, times=2).status == 200
    env.drain()
    assert _count(env, model) == 1
    assert len(env.ws.thread(ENG, msg["ts"])) == 1


@pytest.mark.parametrize(
    ("command", "text", "model"),
    [
        ("/req", "new Export invoices P1", Requirement),
        ("/feedback", "The export is slow", Feedback),
        ("/blocker", "Waiting on API keys", Blocker),
        ("/risk", "new Vendor may slip", Risk),
    ],
)
def test_a_command_delivered_twice_creates_one(
    env: Env, command: str, text: str, model: Any
) -> None:
    reply = env.driver.command(command, text, user=PM, channel=PRODUCT, times=2)
    env.drain()
    assert _count(env, model) == 1
    assert "Slack delivered this command twice" in reply.json()["text"]
    # A new invocation (a new trigger id) of the same text is a new item.
    env.driver.command(command, text, user=PM, channel=PRODUCT)
    env.drain()
    assert _count(env, model) == 2
