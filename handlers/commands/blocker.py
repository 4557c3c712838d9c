"""`/blocker <text> [REQ-n] [@owner]`, `/blocker list`, `/blocker resolve BLK-n`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.parsing.common import parse_ref
from bot.parsing.items import split_item
from bot.services import blockers
from bot.views import items as views
from bot.views.blocks import Block, message
from handlers import slack_api
from handlers.cards import post_card
from handlers.commands import search as search_cmd
from handlers.commands.router import ALREADY_DONE, Call, Verb, route
from handlers.common import ephemeral


def handle_blocker(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/blocker …`: a verb, or else the blocker itself."""
    route(VERBS, ack, command, context, client, respond, default=capture)


def capture(call: Call) -> Block | None:
    """`/blocker <text> [REQ-n] [@owner]`: record it and post its card."""
    item = split_item(call.text, example="/blocker Waiting on API keys REQ-3 @bob")
    with call.transaction() as session:
        if not call.first_time(session):
            return message(ALREADY_DONE)
        blk = blockers.create(
            session=session,
            actor=call.actor,
            now=call.now,
            text=item.text,
            owner_id=item.owner_id,
            requirement_number=item.requirement,
        )
        blocks = views.blocker_card(
            blk, call.now, requirement=blockers.requirement_of(session, blk)
        )
    post_card(call, ref=blk.ref, text=views.card_text(blk.ref, blk.text), blocks=blocks)
    return None


def list_open(call: Call) -> Block | None:
    """`/blocker list`: open blockers here (`list <words>` is a blocker that says "list…")."""
    if call.args:
        return capture(call)
    with call.read() as session:
        rows = blockers.open_in_channel(session=session, actor=call.actor)
    return message("Open blockers", views.blocker_list(rows, call.now))


def resolve(call: Call) -> None:
    """`/blocker resolve BLK-n`: the permission check may ask Slack, so it runs after the ack."""
    if not call.args:
        raise InvalidInput("Which blocker? Type `/blocker resolve BLK-2`.")
    number = parse_ref(call.args[0], "BLK")
    deps, is_admin = call.deps, slack_api.admin_check(call.client)

    def work() -> None:
        with call.transaction() as session:
            blk = blockers.resolve(
                session=session,
                actor=call.actor,
                now=deps.clock.now(),
                number=number,
                is_admin=is_admin,
            )
        # Only to the person: the card in the channel is edited in place (issue 17).
        call.respond(
            **message(f"{blk.ref} is resolved.", views.blocker_card(blk, deps.clock.now())),
            replace_original=False,
        )

    deps.defer(work, answer=ephemeral(call.respond))


def show_help(call: Call) -> Block:
    """The verbs."""
    return views.help_message("How to use /blocker", views.BLOCKER_HELP)


VERBS: dict[str, Verb] = {
    "help": show_help,
    "list": list_open,
    "resolve": resolve,
    "search": search_cmd.verb(("blocker",)),
}
