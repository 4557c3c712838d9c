"""`/req merge REQ-45 into REQ-41`: the duplicate's votes, feedback and blockers move over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import InvalidInput
from bot.parsing import parse_ref
from bot.services import merge
from bot.views.blocks import Block
from bot.views.duplicates import merged_message
from handlers.common import admin_check, deps_of, ephemeral

if TYPE_CHECKING:
    from handlers.commands.req import Call

USAGE = "Type `/req merge REQ-45 into REQ-41` (the duplicate first)."


def verb_merge(call: Call) -> Block | None:
    """Parse the two ids now; merge after the ack (the permission check may ask Slack)."""
    args = [a for a in call.args if a.lower() not in ("into", "to", "->", "&gt;")]
    if len(args) != 2:
        raise InvalidInput(f"Which two? {USAGE}")
    number, into = parse_ref(args[0], "REQ"), parse_ref(args[1], "REQ")
    if number == into:
        raise InvalidInput(f"REQ-{number} can't be merged into itself. {USAGE}")
    deps, is_admin = deps_of(call.context), admin_check(call.client)

    def work() -> None:
        merged = call.run(
            merge.merge, now=deps.clock.now(), number=number, into=into, is_admin=is_admin
        )
        call.respond(**merged_message(merged), replace_original=False)

    deps.defer(work, answer=ephemeral(call.respond))
    return None
