"""Buttons and selects on requirement cards and listings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Session
from bot.parsing.requirements import parse_list_filter, parse_status
from bot.services import cards
from bot.services import requirement_changes as req_changes
from bot.services import requirements as reqs
from bot.services.actor import Actor
from bot.views import requirements as views
from bot.views.blocks import message
from handlers import slack_api
from handlers.common import action_of, deps_of, ephemeral, metadata_of, number_of, whole


def _on_card(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    respond: Respond,
    change: Callable[[Session, Actor, dict[str, Any]], reqs.Requirement],
) -> None:
    """Ack at once, change the requirement after, then redraw the card in place."""
    ack()
    actor, action = action_of(body, context)
    deps = deps_of(context)
    in_channel = not (body.get("container") or {}).get("is_ephemeral", False)

    def work() -> None:
        with deps.transaction() as session:
            # Any copy of the card may be pressed (an old one, after the item was closed).
            cards.refuse_if_done(
                session=session,
                team_id=actor.team_id,
                ref=f"REQ-{number_of(action)}",
                zone=deps.settings.zone,
            )
            req = change(session, actor, action)
        card = views.card(req, today=actor.today(deps.clock.now()))
        respond(**message(views.card_text(req), card, in_channel=in_channel), replace_original=True)

    deps.defer(work, answer=ephemeral(respond))


def handle_assign_me(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """ "Assign to me"."""
    deps = deps_of(context)
    _on_card(
        ack,
        body,
        context,
        respond,
        lambda session, actor, action: req_changes.assign(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            number=number_of(action),
            owner_id=actor.user_id,
        ),
    )


def handle_vote(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """ "👍 Vote"."""
    deps = deps_of(context)
    _on_card(
        ack,
        body,
        context,
        respond,
        lambda session, actor, action: req_changes.vote(
            session=session, actor=actor, now=deps.clock.now(), number=number_of(action)
        ),
    )


def handle_status(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """The status select."""
    deps = deps_of(context)
    is_admin = slack_api.admin_check(client)

    def change(session: Session, actor: Actor, action: dict[str, Any]) -> reqs.Requirement:
        value = (action.get("selected_option") or {}).get("value", "")
        status = parse_status(value.partition(":")[2])
        return req_changes.set_status(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            number=number_of(action),
            status=status,
            is_admin=is_admin,
        )

    _on_card(ack, body, context, respond, change)


# A pager goes at most this far (a forged huge offset is refused, not queried).
PAGER_MAX = 100_000


def handle_page(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Previous/next page of a listing."""
    ack()
    actor, action = action_of(body, context)
    deps = deps_of(context)

    def work() -> None:
        pager = metadata_of({"private_metadata": action.get("value")})
        offset = whole(pager.get("o"), low=0, high=PAGER_MAX)
        query = str(pager.get("q") or "")
        words = query.split() if pager.get("v") == "search" else []
        flt = parse_list_filter("all" if words else query)
        with deps.read() as session:
            page = reqs.find(session=session, actor=actor, flt=flt, words=words, offset=offset)
        answer = views.listing_message(
            page, pager=pager, mine=flt.mine, today=actor.today(deps.clock.now())
        )
        respond(**answer, replace_original=True)

    deps.defer(work, answer=ephemeral(respond))
