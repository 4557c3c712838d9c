"""The Slack stand-in: spec checks, Slack's response shapes, injected faults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import make_client
from bot.runtime.web import Served
from sandbox.spec import BUNDLED, compact
from sandbox.web_api import WebApi
from sandbox.workspace import Fault, Workspace
from tests.conftest import BOB, PRODUCT, make_settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "slack"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason="../shared/slack (Slack's specs and samples) is not beside this checkout",
)


@pytest.fixture
def client(standin: tuple[Workspace, Served]) -> WebClient:
    _ws, served = standin
    return make_client(make_settings("sqlite://", served.url + "/api/"))


def test_unknown_method_and_missing_arguments(
    client: WebClient, standin: tuple[Workspace, Served]
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessageTypo", json={"channel": PRODUCT})
    assert err.value.response["error"] == "unknown_method"
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessage", json={"text": "no channel"})
    assert err.value.response["error"] == "invalid_arguments"
    ws, _ = standin
    assert [c.error for c in ws.calls] == ["unknown_method", "invalid_arguments"]


def _keys(node: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            out.add(prefix + key)
            if key not in ("blocks", "view", "members", "messages"):
                out |= _keys(value, prefix + key + ".")
    return out


@needs_shared
def test_answers_have_slacks_shapes(client: WebClient) -> None:
    msg = client.chat_postMessage(channel=PRODUCT, text="hi").validate().data
    assert isinstance(msg, dict)
    answers: dict[str, Any] = {
        "chat.postMessage": msg,
        "chat.getPermalink": client.chat_getPermalink(channel=PRODUCT, message_ts=msg["ts"]).data,
        "chat.postEphemeral": client.chat_postEphemeral(channel=PRODUCT, user=BOB, text="x").data,
        "chat.update": client.chat_update(channel=PRODUCT, ts=msg["ts"], text="y").data,
        "users.info": client.users_info(user=BOB).data,
        "conversations.info": client.conversations_info(channel=PRODUCT).data,
        "conversations.members": client.conversations_members(channel=PRODUCT).data,
        "conversations.open": client.conversations_open(users=BOB).data,
        "auth.test": client.auth_test().data,
        "views.open": client.views_open(
            trigger_id="t",
            view={"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []},
        ).data,
    }
    for method, answer in answers.items():
        sample = json.loads((SHARED / "payload-samples" / "api" / f"{method}.json").read_text())
        extra = _keys(answer) - _keys(sample)
        assert answer["ok"] is True
        assert not extra, f"{method} answers keys Slack does not send: {sorted(extra)}"


@needs_shared
def test_bundled_method_table_matches_slacks_spec() -> None:
    spec = json.loads((SHARED / "api-specs" / "slack_web_openapi_v2.json").read_text())
    assert json.loads(BUNDLED.read_text()) == compact(spec)


def test_faults_are_retried_by_the_client(
    client: WebClient, standin: tuple[Workspace, Served]
) -> None:
    ws, _ = standin
    ws.inject(Fault("429", method="chat.postMessage", retry_after=0))
    ws.inject(Fault("500", method="chat.postMessage"))
    resp = client.chat_postMessage(channel=PRODUCT, text="eventually")
    assert resp["ok"]
    assert [c.error for c in ws.calls_of("chat.postMessage")] == [
        "injected_429",
        "injected_500",
        None,
    ]
    assert [m["text"] for m in ws.channel_messages(PRODUCT)] == ["eventually"]


def test_timeout_fault_stalls_the_call(standin: tuple[Workspace, Served]) -> None:
    ws, served = standin
    stall = Fault("timeout", method="auth.test", delay=5)
    ws.inject(stall)
    quick = WebClient(token="x", base_url=served.url + "/api/", timeout=0.3)  # type: ignore[arg-type]  # slack_sdk says int; a float works
    try:
        with pytest.raises(TimeoutError):
            quick.auth_test()
    finally:
        stall.release.set()
    assert quick.auth_test()["ok"]  # the next call goes through


def test_history_and_replies(standin: tuple[Workspace, Served], client: WebClient) -> None:
    ws, _ = standin
    parent = ws.post(PRODUCT, user=BOB, text="parent")
    child = ws.post(PRODUCT, user=BOB, text="child", thread_ts=parent["ts"])
    hist = client.conversations_history(
        channel=PRODUCT, latest=parent["ts"], inclusive=True, limit=1
    )
    assert [m["text"] for m in hist["messages"]] == ["parent"]
    replies = client.conversations_replies(channel=PRODUCT, ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent", "child"]
    # Asked with a reply's ts, Slack answers with the whole thread, parent first.
    of_reply = client.conversations_replies(channel=PRODUCT, ts=child["ts"], limit=1)
    assert [m["text"] for m in of_reply["messages"]] == ["parent"] and of_reply["has_more"]
    of_reply = client.conversations_replies(channel=PRODUCT, ts=child["ts"])
    assert [m["text"] for m in of_reply["messages"]] == ["parent", "child"]
    assert WebApi  # type: ignore[truthy-function]  # the WSGI app under test


def test_a_workspace_told_to_keep_few_messages_keeps_each_channels_latest() -> None:
    ws = Workspace(keep_messages=3)
    posted = [ws.post("C1", user="U1", text=f"message {n}")["ts"] for n in range(10)]
    ws.post("C2", user="U1", text="elsewhere")
    kept = [m["ts"] for m in ws.channel_messages("C1")]
    assert 3 <= len(kept) <= 6
    assert kept == posted[-len(kept) :]
    assert [m["text"] for m in ws.channel_messages("C2")] == ["elsewhere"]
    every = Workspace()  # by default every message stays, as on Slack
    for n in range(10):
        every.post("C1", user="U1", text=f"message {n}")
    assert len(every.channel_messages("C1")) == 10
