"""The duplicate hint's buttons on a fresh card (*Merge into REQ-n*, *Not a duplicate*) and
the suggested *Link to REQ-n* on a feedback card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.services import card_notes, cards, feedback, merge
from bot.services import requirements as reqs
from bot.services.actor import Actor
from bot.views import items as item_views
from bot.views import requirements as views
from bot.views.blocks import message
from bot.views.duplicates import merged_message
from handlers import slack_api
from handlers.common import action_of, deps_of, ephemeral


def _pair(body: dict[str, Any]) -> tuple[int, int]:
    raw = str(body["actions"][0].get("value") or "")
    try:
        number, into = (int(part) for part in raw.split(":", 1))
    except ValueError:
        raise InvalidInput(
            "That button is out of date. Type `/req merge REQ-45 into REQ-41`."
        ) from None
    return number, into


def _actor(body: dict[str, Any], context: BoltContext) -> Actor:
    return action_of(body, context)[0]


def handle_merge(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Merge the new requirement into the one it looks like; the card says so."""
    ack()
    number, into = _pair(body)
    actor, deps, is_admin = _actor(body, context), deps_of(context), slack_api.admin_check(client)

    def work() -> None:
        with deps.transaction() as session:
            merged = merge.merge(
                session=session,
                actor=actor,
                now=deps.clock.now(),
                number=number,
                into=into,
                is_admin=is_admin,
            )
        respond(**merged_message(merged), replace_original=True)

    deps.defer(work, answer=ephemeral(respond))


def handle_not_duplicate(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """Drop the hint for good: redraw the card at once without it, and drop it from the
    recorded card too (an edit through the outbox follows, so no later edit brings it back)."""
    ack()
    number, _into = _pair(body)
    actor, deps = _actor(body, context), deps_of(context)
    ts = str((body.get("container") or {}).get("message_ts") or "")

    def work() -> None:
        with deps.transaction() as session:
            req = reqs.get(session=session, actor=actor, number=number)
            cards.refuse_if_done(
                session=session, team_id=actor.team_id, ref=req.ref, zone=deps.settings.zone
            )
            kept = card_notes.dismiss_hint(
                session,
                team_id=actor.team_id,
                ref=req.ref,
                channel_id=actor.channel_id,
                ts=ts,
                now=deps.clock.now(),
            )
        card = views.card(req, today=actor.today(deps.clock.now())) + kept
        respond(**message(views.card_text(req), card, in_channel=True), replace_original=True)

    deps.defer(work, answer=ephemeral(respond))


def handle_link_suggested(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """Link the feedback to the suggested requirement; its card shows the link."""
    ack()
    number, requirement = _pair(body)
    actor, deps = _actor(body, context), deps_of(context)

    def work() -> None:
        with deps.transaction() as session:
            fb = feedback.link(
                session=session,
                actor=actor,
                now=deps.clock.now(),
                number=number,
                requirement_number=requirement,
            )
            state = feedback.state_text(session=session, fb=fb)
        card = item_views.feedback_card(fb, linked=f"REQ-{requirement}", state=state)
        respond(**message(fb.ref, card, in_channel=True), replace_original=True)

    deps.defer(work, answer=ephemeral(respond))
