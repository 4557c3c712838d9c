"""Text a newcomer found mangled: bare mentions, a misspelt `anonymous` with `&`/`<`, stray
`<placeholder>` markup, mentions in feedback, refusals that drop the text, hints that don't
fit the verb, and the requirement form's errors. All through signed requests."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.anonymous import AnonymousFeedback
from storage.items import Blocker, Feedback
from storage.models import Requirement
from tests.anon_support import TEAM, setup
from tests.conftest import BOB, DAVE, ENG, PM, PRODUCT, Env, Team, texts
from tests.test_capture_flows import _values


def _rows(env: Env, model: Any) -> list[Any]:
    with env.sessions() as s:
        return list(s.scalars(select(model)))


def _answer(reply: Any, env: Env, user: str = PM) -> str:
    """The ephemeral answer to a command: in the HTTP reply, else sent by response_url."""
    body = reply.json()
    if body.get("text"):
        return str(body["text"]) + texts(body.get("blocks"))
    shown = env.last_ephemeral(user)
    return str(shown["text"]) + texts(shown.get("blocks"))


# Stray `<`: not an entity Slack reads as intended markup (mention, channel, special, link).
_STRAY = re.compile(r"<(?![@#!]|https?:|mailto:)")


def _mrkdwn_sent(env: Env) -> list[str]:
    """Every mrkdwn text and message `text` teamloop sent (plain_text can't hold markup)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                out.append(node["text"])
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for call in env.ws.calls:
        walk(call.args)
    return out


def test_bare_mentions_and_channels_are_stored_with_their_names(env: Env) -> None:
    env.driver.command(
        "/feedback", f"Ask <@{DAVE}> how <#{ENG}> handles it", user=PM, channel=PRODUCT
    )
    # A user Slack won't describe keeps their id: still readable, never a live mention.
    env.driver.command("/feedback", "Ask <@U0GHOST> too", user=PM, channel=PRODUCT)
    env.req(f"new Ship it <#{ENG}|> <@{DAVE}> P1")
    env.drain()
    assert [f.text for f in _rows(env, Feedback)] == [
        "Ask @dave how #eng handles it",
        "Ask @U0GHOST too",
    ]
    [req] = _rows(env, Requirement)
    assert (req.title, req.labels, req.owner_id) == ("Ship it", ["eng"], DAVE)
    card = json.dumps(env.channel()[0])
    assert "@dave" in card and "#eng" in card and "@U0DAVE" not in card


def test_bare_mentions_are_named_in_reactions_shortcuts_and_dm(env: Env) -> None:
    msg = env.ws.post(PRODUCT, user=BOB, text=f"Export breaks for <@{DAVE}> in <#{ENG}>")
    env.driver.react("bulb", user=PM, channel=PRODUCT, ts=msg["ts"])
    env.drain()
    [req] = _rows(env, Requirement)
    assert req.title == "Export breaks for @dave in #eng"
    env.driver.shortcut("capture_feedback", user=PM, channel=PRODUCT, ts=msg["ts"])
    form = json.dumps(list(env.ws.views.values())[-1])
    assert "Export breaks for @dave in #eng" in form
    dm = env.ws.dm_channel(BOB)
    env.driver.say(f"Waiting on <@{DAVE}> for the keys", user=BOB, channel=dm)
    env.drain()
    said = env.ws.calls_of("chat.postMessage")[-1].args
    assert "Waiting on @dave for the keys" in json.dumps(said)


def test_a_misspelt_anonymous_keeps_ampersands_and_brackets(team: Team) -> None:
    env = setup(team).env
    typed = "The roadmap & priorities are <unclear>"
    for button, model in (("anon_send_named", Feedback), ("anon_send", AnonymousFeedback)):
        env.driver.command("/feedback", f"anonymus {typed}", user=BOB, channel=TEAM)
        env.drain()
        question = env.last_ephemeral(BOB)
        shown = json.dumps(question)
        assert "&amp;amp;" not in shown and "The roadmap &amp; priorities are &lt;unclear&gt;" in (
            texts(question["blocks"])
        )
        env.driver.click(question, button, user=BOB, channel=TEAM, ephemeral=True)
        env.drain()
        [item] = _rows(env, model)
        assert item.text == typed, button
    card = env.channel(TEAM)[-1]
    assert "The roadmap &amp; priorities are &lt;unclear&gt;" in texts(card["blocks"])
    assert "&amp;amp;" not in json.dumps(card)


def test_no_message_carries_a_stray_angle_bracket(team: Team) -> None:
    env = setup(team).env
    env.driver.command("/feedback", "anonymous Standups run long", user=BOB, channel=TEAM)
    for cmd, text in (
        ("/feedback", "help"),
        ("/feedback", "replies"),
        ("/feedback", "list"),
        ("/req", "help"),
        ("/req", "list"),
        ("/retro", "actions"),
    ):
        env.driver.command(cmd, text, user=PM, channel=ENG)
    env.drain()
    receipt = env.ws.ephemerals_for(BOB)[-1]
    assert "replies &lt;code&gt; &lt;text&gt;" in texts(receipt["blocks"])
    stray = [s for s in _mrkdwn_sent(env) if _STRAY.search(s)]
    assert stray == []


def test_a_mention_in_feedback_is_part_of_the_text(env: Env) -> None:
    for typed in (f"Great demo today, thanks <@{BOB}>", f"Great demo today, thanks <@{BOB}|bob>"):
        reply = env.driver.command("/feedback", typed, user=PM, channel=PRODUCT)
        env.drain()
        assert "no owner" not in json.dumps(reply.json())
    assert [f.text for f in _rows(env, Feedback)] == ["Great demo today, thanks @bob"] * 2


def test_length_refusals_give_the_text_back(env: Env) -> None:
    title = "word " * 45 + "end & <x>"
    reply = env.req(f"new {title} P1")
    answer = _answer(reply, env)
    assert "at most 200 characters" in answer
    assert "end &amp; &lt;x&gt;" in answer and "```" in answer
    assert not _rows(env, Requirement)
    long = "slow " * 700
    reply = env.driver.command("/blocker", long, user=PM, channel=PRODUCT)
    env.drain()
    answer = _answer(reply, env)
    assert "at most 3000" in answer and "(the first 2500 of 3499" in answer
    assert "slow slow" in answer
    assert not _rows(env, Blocker)


def test_hints_fit_what_the_verb_accepts(env: Env) -> None:
    reply = env.driver.command("/digest", "schedule funday 25:00", user=PM, channel=PRODUCT)
    answer = _answer(reply, env)
    assert "funday" in answer and "weekdays" not in answer and "one day" in answer
    reply = env.req("new Export invoices due yesterday P1")
    answer = _answer(reply, env)
    assert "in the past" in answer and "couldn't read" not in answer
    assert "/req new Export invoices P1 due friday" in answer
    assert not _rows(env, Requirement)


def test_the_form_reports_every_field_error_at_once(env: Env) -> None:
    env.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    env.req("new")
    view_id = next(iter(env.ws.views))
    reply = env.driver.submit(
        view_id, _values("  ", due="2026-11-01", labels="ok, bad!label"), user=PM
    )
    errors = reply.json()["errors"]
    assert set(errors) == {"req_title", "req_due", "req_labels"}
    assert "/req new" not in errors["req_title"] and "title" in errors["req_title"]
    assert "past" in errors["req_due"]
    assert not _rows(env, Requirement)
