"""The DM's capture offer: its buttons open the capture forms prefilled with the text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.ids import DmAction
from bot.parsing.common import first_line
from bot.services import requirements as reqs
from bot.views import dm as dm_views
from bot.views import items as item_views
from bot.views import requirements as req_views
from handlers.common import actor_of, deps_of, ephemeral


def handle_offer(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Requirement, feedback or blocker: the same forms as the message shortcuts, kept to
    the DM; anonymous feedback is sent to its channel (a DM can't hide who sent it)."""
    ack()
    action = body["actions"][0]
    text = str(action.get("value") or "")
    ts = str(action.get("block_id") or "").partition(":")[2] or None
    channel = (body.get("container") or {}).get("channel_id") or body["channel"]["id"]
    user = body["user"]["id"]
    kind = action["action_id"]
    if kind == DmAction.ANONYMOUS:
        ephemeral(respond)(dm_views.anonymous_hint(text))
        return
    if kind == DmAction.REQUIREMENT:
        actor = actor_of(context, user_id=user, channel_id=channel)
        with deps_of(context).read() as session:
            ref = reqs.captured_as(session=session, actor=actor, channel_id=channel, ts=ts)
        if ref is not None:  # no form that could only be refused
            ephemeral(respond)(reqs.already_captured(ref))
            return
        view = req_views.modal(
            channel_id=channel,
            title=first_line(text),
            description=text,
            source_channel_id=channel,
            source_ts=ts,
        )
    else:
        view = item_views.capture_modal(
            "feedback" if kind == DmAction.FEEDBACK else "blocker",
            channel_id=channel,
            text=text,
            source_ts=ts,
            author_id=user,
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)
