"""`/req merge REQ-45 into REQ-41`: the duplicate's votes, feedback and blockers move over."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.parsing.common import parse_ref
from bot.services import merge
from bot.views.blocks import Block
from bot.views.duplicates import merged_message
from handlers import slack_api
from handlers.commands.router import Call
from handlers.common import deps_of, ephemeral

USAGE = "Type `/req merge REQ-45 into REQ-41` (the duplicate first)."


def verb_merge(call: Call) -> Block | None:
    """Parse the two ids now; merge after the ack (the permission check may ask Slack)."""
    args = [a for a in call.args if a.lower() not in ("into", "to", "->", "&gt;")]
    if len(args) != 2:
        raise InvalidInput(f"Which two? {USAGE}")
    number, into = parse_ref(args[0], "REQ"), parse_ref(args[1], "REQ")
    if number == into:
        raise InvalidInput(f"REQ-{number} can't be merged into itself. {USAGE}")
    deps, is_admin = deps_of(call.context), slack_api.admin_check(call.client)

    def work() -> None:
        with deps.transaction() as session:
            merged = merge.merge(
                session=session,
                actor=call.actor,
                now=deps.clock.now(),
                number=number,
                into=into,
                is_admin=is_admin,
            )
        call.respond(**merged_message(merged), replace_original=False)

    deps.defer(work, answer=ephemeral(call.respond))
    return None
