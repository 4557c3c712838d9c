"""`/search <words>` across every kind, and the `search` verb of `/req`, `/feedback`, `/blocker`.

The search runs after the ack: hits from other channels need a privacy check with Slack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.parsing.slack_text import plain
from bot.services import search
from bot.views.blocks import Block, message
from bot.views.search import results_message
from handlers import slack_api
from handlers.commands.router import Call, route
from handlers.common import deps_of, ephemeral

HELP = (
    "Type `/search &lt;words&gt;` to search requirements, feedback and blockers here (and your own "
    "anywhere), e.g. `/search export invoices` or `/search 导出 发票`. "
    "`/req search`, `/feedback search` and `/blocker search` look at one kind."
)


def handle_search(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """`/search <words>` (or `/search help`): every word is a search word."""
    route(
        {"help": show_help},
        ack,
        command,
        context,
        client,
        respond,
        default=search_all,
        words_only=True,
    )


def show_help(call: Call) -> Block | None:
    """`/search` alone or `/search help` (`/search help desk` searches)."""
    if call.args:
        return search_all(call)
    return message(HELP)


def search_all(call: Call) -> Block | None:
    """Requirements, feedback and blockers at once."""
    start(call, call.text, search.KINDS)
    return None


def verb(kinds: Sequence[str]) -> Callable[[Call], Block | None]:
    """The `search` verb of a one-kind command."""

    def search_verb(call: Call) -> Block | None:
        start(call, call.rest, kinds)
        return None

    search_verb.__doc__ = f"Search {', '.join(kinds)} by words, best first."
    return search_verb


def start(call: Call, query: str, kinds: Sequence[str]) -> None:
    """Check the words now (a mistake is answered in the ack), then search after the ack."""
    query = plain(query)  # Slack's escaped text, read as the person typed it
    if not search.terms(query):
        example = search.EXAMPLES.get(tuple(kinds), "/search invoices csv")
        raise InvalidInput(f"Search for what? Type `{example}`.")
    deps = deps_of(call.context)
    is_private = slack_api.privacy_check(call.client, deps.privacy)

    def work() -> None:
        with deps.read() as session:
            results = search.run(
                session=session, actor=call.actor, query=query, kinds=kinds, is_private=is_private
            )
        call.respond(**results_message(results, channel_id=call.actor.channel_id))

    deps.defer(work, answer=ephemeral(call.respond))
