"""The sandbox shows a retro end to end through the page's own requests (`/ui/send`,
`/ui/action`, `/ui/submit`, `/ui/clock`, `/ui/state`), as the browser sends them: `/retro
start`, the DM with *Add an item*, an anonymous item, *Next event* closing the collection,
the voting board in the thread, a vote, the summary."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from sandbox.server import Sandbox
from tests.conftest import free_port, texts

_port = free_port  # other test modules import it by this name


def post(box: Sandbox, what: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(
        f"{box.server.url}/ui/{what}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as answer:
        return json.loads(answer.read())


def state(box: Sandbox, user: str, channel: str, thread: str | None = None) -> Any:
    query = f"user={user}&channel={channel}" + (f"&thread={thread}" if thread else "")
    with urllib.request.urlopen(f"{box.server.url}/ui/state?{query}", timeout=30) as answer:
        return json.loads(answer.read())


def test_a_retro_in_the_sandbox(box: Sandbox) -> None:
    alice, bob, product = "U0ALICE", "U0BOB", "C0PRODUCT"
    assert post(box, "send", {"text": "/retro start", "user": alice, "channel": product}) == {}
    box.run_due()
    dm = box.ws.dm_channel(bob)
    [prompt] = [m for m in state(box, bob, dm)["messages"] if "Retro in" in m["text"]]
    post(box, "action", {"user": bob, "channel": dm, "ts": prompt["ts"], "action_id": "retro_add"})
    modal = state(box, bob, dm)["modal"]
    assert "Send anonymously" in texts(modal["blocks"])  # #product has five people
    improve = {"value": "improve"}
    anonymous = [{"value": "anonymous"}]
    values = {
        "retro_category": {
            "retro_category_input": {"type": "static_select", "selected_option": improve}
        },
        "retro_text": {
            "retro_text_input": {"type": "plain_text_input", "value": "Standups run long"}
        },
        "retro_anonymous": {
            "retro_anonymous_input": {"type": "checkboxes", "selected_options": anonymous}
        },
    }
    assert post(box, "submit", {"user": bob, "view_id": modal["id"], "values": values}) == {}

    # Next event: the collection closes and the board is posted in the retro's thread.
    assert "now" in post(box, "clock", {"step": "next"})
    shown = state(box, alice, product)["messages"]
    [parent] = [m for m in shown if m["text"].startswith("Retro:")]
    thread = state(box, alice, product, parent["ts"])["thread"]
    [board] = [m for m in thread if m["text"].startswith("Retro board")]
    assert "Standups run long" in texts(board["blocks"])
    vote = next(b["accessory"]["value"] for b in board["blocks"] if b.get("accessory"))
    post(
        box,
        "action",
        {"user": alice, "channel": product, "ts": board["ts"], "action_id": "retro_vote",
         "value": vote},
    )  # fmt: skip
    box.run_due()
    thread = state(box, alice, product, parent["ts"])["thread"]
    [board] = [m for m in thread if m["text"].startswith("Retro board")]
    assert "Standups run long  *1*" in texts(board["blocks"])
    # The voter's answer is theirs only, in the board's thread (as Slack shows a response_url
    # answer to a press in a thread), not in the channel.
    [answer] = [m for m in thread if m.get("ephemeral")]
    assert answer["text"] == "Voted: 2 votes left. Your votes: Standups run long."
    assert answer["user"] == box.ws.bot_user_id
    assert not [m for m in state(box, alice, product)["messages"] if "Voted" in m["text"]]
    assert not [m for m in state(box, bob, product, parent["ts"])["thread"] if m.get("ephemeral")]

    post(box, "send", {"text": "/retro close", "user": alice, "channel": product})
    box.run_due()
    summary = state(box, alice, product)["messages"][-1]
    assert summary["text"].startswith("Retro summary")
    shown = texts(summary["blocks"])
    assert "Standups run long · *1* vote" in shown and "*1* votes" not in shown
    # *Vote* pressed on the page drawn before the close: the button is gone, so a notice.
    press = {"user": bob, "channel": product, "ts": board["ts"], "action_id": "retro_vote"}
    assert post(box, "action", {**press, "value": vote}) == {
        "notice": "That message has changed. Try again."
    }
