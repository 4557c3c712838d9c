"""`/req merge REQ-45 into REQ-41`: the duplicate's votes, feedback and blockers move over."""

from __future__ import annotations

from bot.errors import InvalidInput, NotAllowed
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
        # One id typed: it is the duplicate, so the answer starts from it.
        first = args[0] if len(args) == 1 else ""
        one = f"REQ-{parse_ref(first, 'REQ')}" if first else "REQ-45"
        raise InvalidInput(f"Which two? Type `/req merge {one} into REQ-41` (the duplicate first).")
    number, into = parse_ref(args[0], "REQ"), parse_ref(args[1], "REQ")
    if number == into:
        raise InvalidInput(f"REQ-{number} can't be merged into itself. {USAGE}")
    deps, is_admin = deps_of(call.context), slack_api.admin_check(call.client)

    typed = f"`/req merge REQ-{number} into REQ-{into}`"

    def work() -> None:
        try:
            with deps.transaction() as session:
                merged = merge.merge(
                    session=session,
                    actor=call.actor,
                    now=deps.clock.now(),
                    number=number,
                    into=into,
                    is_admin=is_admin,
                )
        except NotAllowed as refused:  # handed back, to pass on to whoever may merge
            refused.quote = f"Your command, to pass on: {typed}"
            raise
        call.respond(**merged_message(merged), replace_original=False)

    deps.defer(work, answer=ephemeral(call.respond))
    return None
