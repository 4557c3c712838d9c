"""`/risk new …`, `/risk list`, `/risk edit RSK-n`, `/risk close RSK-n`, `/risk help`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.parsing.common import parse_ref
from bot.parsing.items import parse_score, split_item
from bot.services import risks
from bot.views import items as views
from bot.views.blocks import Block, message
from handlers.cards import post_card
from handlers.commands.router import ALREADY_DONE, Call, Verb, route


def handle_risk(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/risk <verb> …`."""
    route(VERBS, ack, command, context, client, respond)


def risk_new(call: Call) -> Block | None:
    """Add a risk."""
    likelihood, words = parse_score(call.args, "likelihood")
    parse_score(call.args, "impact")  # a wrong impact is answered with the whole command
    impact, words = parse_score(words, "impact")
    item = split_item(
        " ".join(words), example="/risk new Vendor API may slip likelihood 4 impact 5"
    )
    with call.transaction() as session:
        if not call.first_time(session):
            return message(ALREADY_DONE)
        risk = risks.create(
            session=session,
            actor=call.actor,
            now=call.now,
            text=item.text,
            likelihood=likelihood,
            impact=impact,
            owner_id=item.owner_id,
        )
    post_card(
        call, ref=risk.ref, text=views.card_text(risk.ref, risk.text), blocks=views.risk_card(risk)
    )
    return None


def risk_list(call: Call) -> Block:
    """The register."""
    with call.read() as session:
        rows = risks.register(session=session, actor=call.actor)
    return message("Risk register", views.risk_list(rows))


def _risk_ref(call: Call, usage: str) -> int:
    if not call.args:
        raise InvalidInput(f"Which risk? Type `{usage}`.")
    return parse_ref(call.args[0], "RSK")


def risk_close(call: Call) -> Block:
    """Close a risk."""
    with call.transaction() as session:
        risk = risks.close(
            session=session,
            actor=call.actor,
            now=call.now,
            number=_risk_ref(call, "/risk close RSK-1"),
        )
    # Only to the person: the card in the channel is edited in place (issue 17).
    return message(f"{risk.ref} is closed.", views.risk_card(risk))


def risk_edit(call: Call) -> None:
    """Open the risk's form."""
    with call.transaction() as session:
        risk = risks.get(
            session=session, actor=call.actor, number=_risk_ref(call, "/risk edit RSK-1")
        )
    call.client.views_open(
        trigger_id=call.trigger_id, view=views.risk_modal(risk, call.actor.channel_id)
    )


def risk_help(call: Call) -> Block:
    """The verbs."""
    return views.help_message("How to use /risk", views.RISK_HELP)


VERBS: dict[str, Verb] = {
    "new": risk_new,
    "add": risk_new,
    "list": risk_list,
    "ls": risk_list,
    "close": risk_close,
    "edit": risk_edit,
    "help": risk_help,
}
