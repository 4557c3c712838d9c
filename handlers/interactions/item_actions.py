"""Buttons and forms of feedback, blocker and risk cards, and their message shortcuts."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.errors import InvalidInput
from bot.ids import ActionId
from bot.parsing.common import parse_ref
from bot.parsing.messages import message_text
from bot.services import blockers, cards, deliveries, feedback, items, risks
from bot.services.actor import Actor
from bot.views import items as views
from bot.views import requirements as req_views
from bot.views.blocks import message
from handlers import slack_api
from handlers.cards import confirm_capture, post_recorded, record_posted
from handlers.common import (
    action_of,
    actor_of,
    day_of,
    delivery_key,
    deps_of,
    ephemeral,
    form_values,
    metadata_of,
    number_of,
    whole,
)
from handlers.events.home import publish_home
from handlers.interactions.anon_actions import is_anonymous_form, submit_form_anonymously
from handlers.names import namer


def _in_channel(body: dict[str, Any]) -> bool:
    return not (body.get("container") or {}).get("is_ephemeral", False)


def handle_promote(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Promote feedback to a requirement; the card shows the link, the new card is posted
    (and recorded, so it follows the requirement like any other card)."""
    ack()
    actor, action = action_of(body, context)
    deps = deps_of(context)

    def work() -> None:
        with deps.transaction() as session:
            cards.refuse_if_done(
                session=session,
                team_id=actor.team_id,
                ref=f"FB-{number_of(action)}",
                zone=deps.settings.zone,
            )
            fb, req = feedback.promote(
                session=session,
                actor=actor,
                now=deps.clock.now(),
                number=number_of(action),
                zone=deps.settings.zone,
            )
            state = feedback.state_text(session=session, fb=fb)
        card = views.feedback_card(fb, linked=req.ref, state=state)
        respond(
            **message(fb.ref, card, in_channel=_in_channel(body)),
            replace_original=True,
        )
        today = actor.today(deps.clock.now())
        post_recorded(
            deps,
            client,
            respond,
            channel_id=actor.channel_id,
            team_id=actor.team_id,
            ref=req.ref,
            text=f"{fb.ref} is now {req.ref}.",
            blocks=req_views.card(req, today=today),
        )

    deps.defer(work, answer=ephemeral(respond))


def handle_link_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Ask which requirement (views.open must come before the trigger expires)."""
    ack()
    actor, action = action_of(body, context)
    client.views_open(
        trigger_id=body["trigger_id"], view=views.link_modal(number_of(action), actor.channel_id)
    )


def _modal_actor(
    body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> tuple[Actor, dict[str, Any]]:
    meta = metadata_of(view)
    return actor_of(context, user_id=body["user"]["id"], channel_id=meta.get("channel", "")), meta


def _first_time(session: Any, deps: Deps, actor: Actor, body: dict[str, Any]) -> bool:
    return deliveries.first_time(
        session=session, team_id=actor.team_id, key=delivery_key(body), now=deps.clock.now()
    )


def _req_number_or_none(raw: str | None) -> int | None:
    return _req_number(raw) if raw else None


def _req_number(raw: str | None) -> int:
    if not raw:
        raise InvalidInput("Which requirement? Type its id, like REQ-3.", field="requirement")
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
    number = _req_number(form_values(view).get(ActionId.ITEM_REQ))
    with deps.transaction() as session:
        fb = feedback.link(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            number=whole(meta.get("fb")),
            requirement_number=number,
        )
    ack()
    deps.defer(
        lambda: slack_api.post_ephemeral(
            client,
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
    actor, action = action_of(body, context)
    deps, is_admin = deps_of(context), slack_api.admin_check(client)

    def work() -> None:
        with deps.transaction() as session:
            cards.refuse_if_done(
                session=session,
                team_id=actor.team_id,
                ref=f"BLK-{number_of(action)}",
                zone=deps.settings.zone,
            )
            blk = blockers.resolve(
                session=session,
                actor=actor,
                now=deps.clock.now(),
                number=number_of(action),
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
    actor, action = action_of(body, context)
    with deps_of(context).transaction() as session:
        risk = risks.get(session=session, actor=actor, number=number_of(action))
    client.views_open(trigger_id=body["trigger_id"], view=views.risk_modal(risk, actor.channel_id))


def handle_risk_close(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """Close a risk from its card."""
    ack()
    actor, action = action_of(body, context)
    deps = deps_of(context)

    def work() -> None:
        with deps.transaction() as session:
            cards.refuse_if_done(
                session=session,
                team_id=actor.team_id,
                ref=f"RSK-{number_of(action)}",
                zone=deps.settings.zone,
            )
            risk = risks.close(
                session=session, actor=actor, now=deps.clock.now(), number=number_of(action)
            )
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
    review = state.get(ActionId.RSK_REVIEW)
    with deps.transaction() as session:
        risk = risks.update(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            number=whole(meta.get("risk")),
            likelihood=whole(state.get(ActionId.RSK_LIKELIHOOD) or 3, high=5, field="likelihood"),
            impact=whole(state.get(ActionId.RSK_IMPACT) or 3, high=5, field="impact"),
            owner_id=state.get(ActionId.ITEM_OWNER),
            mitigation=state.get(ActionId.RSK_MITIGATION) or "",
            review_date=day_of(review, field="review"),
        )
    ack()

    def tell() -> None:
        if meta.get("channel"):
            slack_api.post_ephemeral(
                client,
                channel=actor.channel_id,
                user=actor.user_id,
                text=f"{risk.ref} saved.",
                blocks=views.risk_card(risk),
            )
        publish_home(context, client, actor.user_id)  # the form may come from the Home tab

    deps.defer(tell, answer=None)


# -- message shortcuts ------------------------------------------------------------------------
def _open_capture(
    kind: str, ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ack()
    msg = shortcut.get("message") or {}
    channel = (shortcut.get("channel") or {}).get("id", "")
    client.views_open(
        trigger_id=shortcut["trigger_id"],
        view=views.capture_modal(
            kind,
            channel_id=channel,
            text=message_text(msg, namer(context, client)),
            source_ts=shortcut.get("message_ts") or msg.get("ts"),
            author_id=msg.get("user"),
            thread_ts=msg.get("thread_ts"),
        ),
    )


def handle_feedback_shortcut(
    ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Open the feedback form prefilled from the message."""
    _open_capture("feedback", ack, shortcut, context, client)


def handle_blocker_shortcut(
    ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Open the blocker form prefilled from the message."""
    _open_capture("blocker", ack, shortcut, context, client)


def handle_feedback_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Store the feedback, then confirm in the message's thread with its permalink."""
    actor, meta = _modal_actor(body, view, context)
    deps = deps_of(context)
    state = form_values(view)
    if is_anonymous_form(state):
        submit_form_anonymously(ack, body, context, client, state, actor.channel_id)
        return
    source_ts = meta.get("source_ts")
    with deps.transaction() as session:
        if not _first_time(session, deps, actor, body):
            ack()  # the same submit pressed twice: the first one created it
            return
        fb = feedback.create(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            text=state.get(ActionId.ITEM_TEXT) or "",
            kind=state.get(ActionId.ITEM_KIND),
            author_id=meta.get("author"),
            requirement_number=_req_number_or_none(state.get(ActionId.ITEM_REQ)),
            source_channel_id=actor.channel_id if source_ts else None,
            source_ts=source_ts,
        )
    ack()
    _confirm_capture(deps, client, actor, fb, meta, command="/feedback list")


def handle_blocker_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Store the blocker, then confirm in the message's thread with its permalink."""
    actor, meta = _modal_actor(body, view, context)
    deps = deps_of(context)
    state = form_values(view)
    source_ts = meta.get("source_ts")
    with deps.transaction() as session:
        if not _first_time(session, deps, actor, body):
            ack()  # the same submit pressed twice: the first one created it
            return
        blk = blockers.create(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            text=state.get(ActionId.ITEM_TEXT) or "",
            owner_id=state.get(ActionId.ITEM_OWNER),
            reporter_id=meta.get("author"),
            requirement_number=_req_number_or_none(state.get(ActionId.ITEM_REQ)),
            source_channel_id=actor.channel_id if source_ts else None,
            source_ts=source_ts,
        )
    ack()
    _confirm_capture(deps, client, actor, blk, meta, command="/blocker list")


def _confirm_capture(
    deps: Deps,
    client: WebClient,
    actor: Actor,
    item: feedback.Feedback | blockers.Blocker,
    meta: dict[str, Any],
    *,
    command: str,
) -> None:
    """After the ack: keep the message's permalink and confirm in its thread (the parent's)."""
    source_ts = meta.get("source_ts")
    thread_ts = meta.get("thread") or source_ts

    def confirm() -> None:
        if source_ts:
            link = slack_api.permalink(client, channel=actor.channel_id, ts=source_ts)
            with deps.transaction() as session:
                items.set_permalink(
                    session=session, model=type(item), item_id=item.id, permalink=link
                )
        posted = confirm_capture(
            deps,
            client,
            actor,
            ref=item.ref,
            thread_ts=thread_ts,
            text=views.confirmation(item.ref, item.text, command),
        )
        record_posted(deps, posted, team_id=actor.team_id, ref=item.ref, role="confirmation")

    deps.defer(confirm, answer=None)
