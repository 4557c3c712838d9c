"""`message` events as Slack sends them for a DM with the app (`message.im`): typed, edited,
deleted, a file shared, and the app's own posts echoed back."""

from __future__ import annotations

import copy
import uuid

from sandbox.encoding import as_slack_sends
from sandbox.workspace import Json, Workspace


def slack_escape(text: str) -> str:
    """What Slack does to typed text before storing and sending it: `&`, `<`, `>` escaped,
    bare links wrapped as `<https://…>`, autocompleted mentions and links (written here as
    markup, `<@U1|bob>`) kept as markup (`sandbox.encoding.as_slack_sends`)."""
    return as_slack_sends(text)


def rich_text(text: str) -> list[Json]:
    """The `rich_text` block Slack's clients attach to a typed message."""
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


def _kind(channel: str) -> str:
    return "im" if channel.startswith("D") else "channel"


def typed(ws: Workspace, msg: Json, channel: str) -> Json:
    """The event for a message someone (or an app: `bot_id`, `bot_profile`) posted."""
    event = {k: copy.deepcopy(v) for k, v in msg.items() if k not in ("reply_count", "metadata")}
    event.update(channel=channel, event_ts=msg["ts"], channel_type=_kind(channel), team=ws.team_id)
    if msg.get("bot_id"):
        event["app_id"] = "A0TEAMLOOP"
        event["bot_profile"] = {"id": msg["bot_id"], "deleted": False, "name": "teamloop",
                                "app_id": "A0TEAMLOOP", "team_id": ws.team_id}  # fmt: skip
    else:
        event.setdefault("client_msg_id", str(uuid.uuid4()))
    return event


def changed(ws: Workspace, channel: str, before: Json, after: Json) -> Json:
    """`message_changed`: the new message under `message`, the old under `previous_message`;
    the event has its own ts, the message keeps its own."""
    ts = ws.next_ts()
    return {"type": "message", "subtype": "message_changed", "hidden": True,
            "message": copy.deepcopy(after), "previous_message": copy.deepcopy(before),
            "channel": channel, "ts": ts, "event_ts": ts,
            "channel_type": _kind(channel)}  # fmt: skip


def deleted(ws: Workspace, channel: str, msg: Json) -> Json:
    """`message_deleted`: only the old message and its ts."""
    ts = ws.next_ts()
    return {"type": "message", "subtype": "message_deleted", "hidden": True,
            "deleted_ts": msg["ts"], "previous_message": copy.deepcopy(msg), "channel": channel,
            "ts": ts, "event_ts": ts, "channel_type": _kind(channel)}  # fmt: skip


def file_share(ws: Workspace, channel: str, msg: Json, name: str) -> Json:
    """`file_share`: a message carrying `files` (its text is the comment, often empty)."""
    event = typed(ws, msg, channel)
    file_id = ws.next_id("F")
    url = f"https://files.slack.com/files-pri/{file_id}/{name}"
    shared = {"id": file_id, "name": name, "title": name, "mimetype": "image/png",
              "filetype": "png", "user": msg["user"], "mode": "hosted",
              "url_private": url}  # fmt: skip
    event.update(subtype="file_share", upload=False, display_as_bot=False, files=[shared])
    return event
