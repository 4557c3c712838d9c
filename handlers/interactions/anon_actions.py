"""Anonymous feedback's buttons and forms: the near-miss choice, a lead's Reply, the
feedback form's anonymous switch. The clicker's id answers them; it is never stored."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput, NotAllowed
from bot.ids import ActionId
from bot.parsing.common import shorten
from bot.services import anonymous, feedback
from bot.views import anonymous as views
from bot.views import items as item_views
from bot.views.blocks import message
from handlers.commands.anonymous import submit_later
from handlers.common import actor_of, deps_of, ephemeral, form_values, team_of
from handlers.slack_api import admin_check

NOT_LEAD = (
    "Only this channel's leads (workspace admins, or whoever set up its digest) can reply. "
    "Type `/feedback &lt;text&gt;` to add your own feedback instead."
)


def _channel(body: dict[str, Any]) -> str:
    return str(
        (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    )


def _value(body: dict[str, Any]) -> str:
    return str(((body.get("actions") or [{}])[0]).get("value") or "")


def handle_send_anonymously(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """*Send anonymously*: store it now (after the ack), replacing the question."""
    ack()
    submit_later(
        context,
        client,
        channel_id=_channel(body),
        text=_value(body),
        kind=None,
        answer=lambda reply: respond(**reply, replace_original=True),
        error=ephemeral(respond),
    )


def handle_send_named(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """*Send with my name*: ordinary feedback, its card posted in the channel."""
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=_channel(body))
    deps = deps_of(context)
    with deps.transaction() as session:
        fb = feedback.create(session=session, actor=actor, now=deps.clock.now(), text=_value(body))
        state = feedback.state_text(session=session, fb=fb)
    ack()
    respond(text=f"Sent with your name as {fb.ref}.", replace_original=True)
    respond(
        **message(
            f"{fb.ref}: {shorten(fb.text, 100)}",
            item_views.feedback_card(fb, state=state),
            in_channel=True,
        ),
        replace_original=False,
    )


def handle_reply_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """A lead's *Reply* on a released item opens the reply form; anyone else is told who can."""
    ack()
    deps, user_id, public_id = deps_of(context), body["user"]["id"], _value(body)
    channel_id, team_id = _channel(body), team_of(context)
    admin = admin_check(client)(user_id)

    with deps.transaction() as session:
        item = anonymous.released_item(session=session, team_id=team_id, public_id=public_id)
        lead = anonymous.is_lead(
            session=session, team_id=team_id, channel_id=item.channel_id, user_id=user_id,
            admin=admin,
        )  # fmt: skip
    if not lead:
        respond(**message(NOT_LEAD), replace_original=False)
        return
    client.views_open(trigger_id=body["trigger_id"], view=views.reply_modal(public_id, channel_id))


def handle_reply_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Store a lead's reply (checked again: forms can be replayed)."""
    deps, user_id, team_id = deps_of(context), body["user"]["id"], team_of(context)
    public_id = str(view.get("private_metadata") or "").split("|")[0]
    text = form_values(view).get(ActionId.ANON_REPLY_TEXT) or ""
    admin = admin_check(client)(user_id)

    with deps.transaction() as session:
        item = anonymous.released_item(session=session, team_id=team_id, public_id=public_id)
        if not anonymous.is_lead(
            session=session, team_id=team_id, channel_id=item.channel_id, user_id=user_id,
            admin=admin,
        ):  # fmt: skip
            raise NotAllowed(NOT_LEAD, field="text")
        anonymous.reply(
            session=session, item=item, text=text, from_sender=False, now=deps.clock.now()
        )
    ack()


def submit_form_anonymously(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, state: dict[str, Any],
    channel_id: str,
) -> None:  # fmt: skip
    """The feedback form with its anonymous switch on: no source message, no author."""
    if state.get(ActionId.ITEM_REQ):
        raise InvalidInput(
            "Anonymous feedback can't be linked to a requirement; name REQ-n in the text.",
            field="requirement",
        )
    text = state.get(ActionId.ITEM_TEXT) or ""
    if not text.strip():
        raise InvalidInput("Say what your feedback is.", field="text")
    ack()
    user_id = body["user"]["id"]
    submit_later(
        context,
        client,
        channel_id=channel_id,
        text=text,
        kind=state.get(ActionId.ITEM_KIND),
        answer=lambda reply: client.chat_postEphemeral(
            channel=channel_id, user=user_id, text=reply["text"], blocks=reply.get("blocks")
        ),
        error=lambda text: client.chat_postEphemeral(channel=channel_id, user=user_id, text=text),
    )


def is_anonymous_form(state: dict[str, Any]) -> bool:
    """Is the form's anonymous switch on?"""
    return "anonymous" in (state.get(ActionId.ITEM_ANONYMOUS) or [])
