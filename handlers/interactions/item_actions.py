"""Buttons and forms of feedback, blocker and risk cards, and their message shortcuts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.parsing import parse_ref
from bot.services import blockers, feedback, items, risks
from bot.services.actor import Actor
from bot.views import items as views
from bot.views import requirements as req_views
from bot.views.blocks import message
from handlers.common import actor_of, admin_check, deps_of, ephemeral, form_values
from handlers.events.home import publish_home
from handlers.interactions.anon_actions import is_anonymous_form, submit_form_anonymously
from handlers.interactions.req_actions import _number, _setup


def _in_channel(body: dict[str, Any]) -> bool:
    return not (body.get("container") or {}).get("is_ephemeral", False)


def handle_promote(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Promote feedback to a requirement; the card shows the link, the new card is posted."""
    ack()
    actor, action = _setup(body, context)
    deps = deps_of(context)

    def work() -> None:
        fb, req = deps.run(
            feedback.promote, actor=actor, now=deps.clock.now(), number=_number(action)
        )
        respond(
            **message(
                fb.ref, views.feedback_card(fb, linked=req.ref), in_channel=_in_channel(body)
            ),
            replace_original=True,
        )
        today = actor.today(deps.clock.now())
        respond(
            **message(
                f"{fb.ref} is now {req.ref}.", req_views.card(req, today=today), in_channel=True
            ),
            replace_original=False,
        )

    deps.defer(work, answer=ephemeral(respond))


def handle_link_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Ask which requirement (views.open must come before the trigger expires)."""
    ack()
    actor, action = _setup(body, context)
    client.views_open(
        trigger_id=body["trigger_id"], view=views.link_modal(_number(action), actor.channel_id)
    )


def _modal_actor(
    body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> tuple[Actor, dict[str, Any]]:
    meta = json.loads(view.get("private_metadata") or "{}")
    return actor_of(context, user_id=body["user"]["id"], channel_id=meta.get("channel", "")), meta


def _req_number(raw: str | None, *, required: bool) -> int | None:
    if not raw:
        if required:
            raise InvalidInput("Which requirement? Type its id, like REQ-3.", field="requirement")
        return None
    try:
        return parse_ref(raw.strip(), "REQ")
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="requirement") from None


def handle_link_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Link the feedback; a wrong id shows on the field."""
    actor, meta = _modal_actor(body, view, context)
    deps = deps_of(context)
    number = _req_number(form_values(view).get("item_req_input"), required=True)
    fb = deps.run(
        feedback.link,
        actor=actor,
        now=deps.clock.now(),
        number=int(meta["fb"]),
        requirement_number=number,
    )
    ack()
    deps.defer(
        lambda: client.chat_postEphemeral(
            channel=actor.channel_id,
            user=actor.user_id,
            text=f"{fb.ref} is linked to REQ-{number}.",
        ),
        answer=None,
    )


def handle_resolve(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Resolve a blocker from its card."""
    ack()
    actor, action = _setup(body, context)
    deps, is_admin = deps_of(context), admin_check(client)

    def work() -> None:
        blk = deps.run(
            blockers.resolve,
            actor=actor,
            now=deps.clock.now(),
            number=_number(action),
            is_admin=is_admin,
        )
        respond(
            **message(
                f"{blk.ref} is resolved.",
                views.blocker_card(blk, deps.clock.now()),
                in_channel=_in_channel(body),
            ),
            replace_original=True,
        )

    deps.defer(work, answer=ephemeral(respond))


def handle_risk_edit(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Open the risk's form."""
    ack()
    actor, action = _setup(body, context)
    risk = deps_of(context).run(risks.get, actor=actor, number=_number(action))
    client.views_open(trigger_id=body["trigger_id"], view=views.risk_modal(risk, actor.channel_id))


def handle_risk_close(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """Close a risk from its card."""
    ack()
    actor, action = _setup(body, context)
    deps = deps_of(context)

    def work() -> None:
        risk = deps.run(risks.close, actor=actor, now=deps.clock.now(), number=_number(action))
        respond(
            **message(
                f"{risk.ref} is closed.", views.risk_card(risk), in_channel=_in_channel(body)
            ),
            replace_original=True,
        )

    deps.defer(work, answer=ephemeral(respond))


def handle_risk_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Save the risk's form and show the updated card to the editor."""
    actor, meta = _modal_actor(body, view, context)
    deps = deps_of(context)
    state = form_values(view)
    review = state.get("rsk_review_input")
    risk = deps.run(
        risks.update,
        actor=actor,
        now=deps.clock.now(),
        number=int(meta["risk"]),
        likelihood=int(state.get("rsk_likelihood_input") or 3),
        impact=int(state.get("rsk_impact_input") or 3),
        owner_id=state.get("item_owner_input"),
        mitigation=state.get("rsk_mitigation_input") or "",
        review_date=date.fromisoformat(review) if review else None,
    )
    ack()

    def tell() -> None:
        if meta.get("channel"):
            client.chat_postEphemeral(
                channel=actor.channel_id,
                user=actor.user_id,
                text=f"{risk.ref} saved.",
                blocks=views.risk_card(risk),
            )
        publish_home(context, client, actor.user_id)  # the form may come from the Home tab

    deps.defer(tell, answer=None)


# -- message shortcuts ------------------------------------------------------------------------
def _open_capture(kind: str, ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    ack()
    msg = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id", "")
    client.views_open(
        trigger_id=shortcut["trigger_id"],
        view=views.capture_modal(
            kind,
            channel_id=channel,
            text=msg.get("text") or "",
            source_ts=shortcut.get("message_ts") or msg.get("ts"),
            author_id=msg.get("user"),
        ),
    )


def handle_feedback_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    """Open the feedback form prefilled from the message."""
    _open_capture("feedback", ack, shortcut, client)


def handle_blocker_shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    """Open the blocker form prefilled from the message."""
    _open_capture("blocker", ack, shortcut, client)


def handle_capture_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Store the feedback or blocker, then confirm in the message's thread with its permalink."""
    actor, meta = _modal_actor(body, view, context)
    deps = deps_of(context)
    state = form_values(view)
    is_feedback = view.get("callback_id") == "fb_capture_modal"
    if is_feedback and is_anonymous_form(state):
        submit_form_anonymously(ack, body, context, client, state, actor.channel_id)
        return
    source_ts = meta.get("source_ts")
    common = {
        "actor": actor,
        "now": deps.clock.now(),
        "text": state.get("item_text_input") or "",
        "requirement_number": _req_number(state.get("item_req_input"), required=False),
        "source_channel_id": actor.channel_id if source_ts else None,
        "source_ts": source_ts,
    }
    if is_feedback:
        item: Any = deps.run(
            feedback.create,
            kind=state.get("item_kind_input"),
            author_id=meta.get("author"),
            **common,
        )
    else:
        item = deps.run(
            blockers.create,
            owner_id=state.get("item_owner_input"),
            reporter_id=meta.get("author"),
            **common,
        )
    ack()
    command = "/feedback list" if is_feedback else "/blocker list"

    def confirm() -> None:
        if source_ts:
            link = client.chat_getPermalink(channel=actor.channel_id, message_ts=source_ts).get(
                "permalink"
            )
            deps.run(items.set_permalink, model=type(item), item_id=item.id, permalink=link)
        client.chat_postMessage(
            channel=actor.channel_id,
            thread_ts=source_ts,
            text=views.confirmation(item.ref, item.text, command),
        )

    deps.defer(confirm, answer=None)
