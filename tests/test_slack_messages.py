"""Threads and messages whose content is not in `text` (issue 14, points 3 and 4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.items import Blocker, Feedback
from storage.models import Requirement
from tests.conftest import BOB, DAVE, ENG, PM, Env

# As ../shared/slack/real-shapes/history-app-message.json: an alert and a release bot.
ALERT = {
    "type": "message",
    "subtype": "bot_message",
    "bot_id": "B0MONITOR",
    "username": "Monitoring",
    "text": "",
    "attachments": [
        {
            "fallback": "[RESOLVED] Queue depth high on worker-2",
            "color": "2eb886",
            "pretext": "Alert changed state",
            "title": "Queue depth high on worker-2",
            "text": "depth 12,400 for 15 minutes",
            "fields": [{"title": "Severity", "value": "warning", "short": True}],
        }
    ],
}
RELEASE = {
    "type": "message",
    "bot_id": "B0RELEASE",
    "app_id": "A0RELEASE",
    "text": "",
    "blocks": [
        {
            "type": "rich_text",
            "block_id": "x1",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Release 4.2 & docs are "},
                        {"type": "text", "text": "blocked", "style": {"bold": True}},
                        {"type": "text", "text": " by "},
                        {"type": "user", "user_id": "U0123ABC"},
                    ],
                }
            ],
        }
    ],
}
SECTIONS = {
    "type": "message",
    "bot_id": "B0CI",
    "text": "",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Build 812* failed &amp; stuck"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "main · 3 min ago"}]},
    ],
}
FILE_SHARE = {
    "type": "message",
    "subtype": "file_share",
    "user": BOB,
    "text": "",
    "files": [{"id": "F1", "name": "latency.png", "title": "p99 latency after deploy"}],
}


def _rows(env: Env, model: Any) -> list[Any]:
    with env.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def test_reactions_capture_what_app_messages_say(env: Env) -> None:
    alert = env.driver.app_says(ENG, ALERT)
    release = env.driver.app_says(ENG, RELEASE)
    ci = env.driver.app_says(ENG, SECTIONS)
    shared = env.driver.app_says(ENG, FILE_SHARE)
    for msg in (alert, release, ci, shared):
        env.driver.react("construction", user=DAVE, channel=ENG, ts=msg["ts"])
        env.drain()
    texts = [b.text for b in _rows(env, Blocker)]
    assert texts == [
        "Alert changed state\nQueue depth high on worker-2\ndepth 12,400 for 15 minutes\n"
        "Severity: warning",
        "Release 4.2 & docs are blocked by @U0123ABC",
        "*Build 812* failed & stuck\nmain · 3 min ago",
        "p99 latency after deploy",
    ]
    assert all("(message without text)" not in t for t in texts)
    # The confirmation in the alert's thread shows the text escaped once.
    assert "Release 4.2 &amp; docs" in env.ws.thread(ENG, release["ts"])[0]["text"]
    # An app message with nothing at all still says so.
    empty = env.driver.app_says(ENG, {"type": "message", "bot_id": "B0X", "text": ""})
    env.driver.react("speech_balloon", user=DAVE, channel=ENG, ts=empty["ts"])
    env.drain()
    assert [f.text for f in _rows(env, Feedback)] == ["(message without text)"]


def test_shortcut_on_an_app_message_prefills_its_content(env: Env) -> None:
    alert = env.driver.app_says(ENG, ALERT)
    env.driver.shortcut("capture_requirement", user=PM, channel=ENG, ts=alert["ts"])
    [view] = env.ws.views.values()
    shown = [b["element"].get("initial_value") for b in view["blocks"] if "element" in b]
    assert "Alert changed state" in shown
    assert any(v and "Severity: warning" in v for v in shown)


def _thread(env: Env) -> tuple[dict[str, Any], dict[str, Any]]:
    parent = env.driver.say("Pricing page review", user=PM, channel=ENG)
    reply = env.driver.say(
        "The annual toggle is confusing", user=BOB, channel=ENG, thread_ts=parent["ts"]
    )
    return parent, reply


def test_shortcut_on_a_thread_reply_confirms_in_the_parents_thread(env: Env) -> None:
    parent, reply = _thread(env)
    env.driver.shortcut("capture_feedback", user=DAVE, channel=ENG, ts=reply["ts"])
    [view_id] = env.ws.views
    text = "The annual toggle is confusing"
    values = {"item_text": {"item_text_input": {"type": "plain_text_input", "value": text}}}
    assert env.driver.submit(view_id, values, user=DAVE).status == 200
    env.drain()
    [fb] = _rows(env, Feedback)
    assert (fb.text, fb.author_id, fb.source_ts) == (text, BOB, reply["ts"])
    [post] = env.ws.calls_of("chat.postMessage")
    assert post.args["thread_ts"] == parent["ts"]

    env.driver.shortcut("capture_requirement", user=DAVE, channel=ENG, ts=reply["ts"])
    [view_id] = env.ws.views
    title = {"req_title": {"req_title_input": {"type": "plain_text_input", "value": text}}}
    assert env.driver.submit(view_id, title, user=DAVE).status == 200
    env.drain()
    [req] = _rows(env, Requirement)
    assert req.source_ts == reply["ts"]
    assert env.ws.calls_of("chat.postMessage")[-1].args["thread_ts"] == parent["ts"]


def test_reaction_on_a_thread_reply_captures_the_reply_in_the_parents_thread(env: Env) -> None:
    parent, reply = _thread(env)
    env.driver.react("bulb", user=DAVE, channel=ENG, ts=reply["ts"])
    env.drain()
    [req] = _rows(env, Requirement)
    assert (req.title, req.requester_id, req.source_ts) == (
        "The annual toggle is confusing",
        BOB,
        reply["ts"],
    )
    assert env.ws.calls_of("chat.postMessage")[-1].args["thread_ts"] == parent["ts"]
