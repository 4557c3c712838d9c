"""The App Home tab (at most 100 blocks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.ids import ActionId
from bot.readmodels import Dashboard
from bot.views.blocks import MAX_VIEW_BLOCKS, Block, button, context, divider, header, section
from bot.views.items import blocker_line, risk_line
from bot.views.requirements import line


def home_view(board: Dashboard, *, today: date, now: datetime) -> dict[str, Any]:
    """The person's open items with buttons to act, then the team's counters."""
    blocks: list[Block] = [header("Your open items")]
    counts = " · ".join(f"*{n}* {name}" for name, n in board.counters.items())
    blocks.append(context(f"Team: {counts}"))
    groups: list[tuple[str, list[Block]]] = [
        (
            "Requirements you own or asked for",
            [
                section(
                    line(r, today=today) + f" · open {(now - r.created_at).days}d",
                    accessory=button("Mark done", ActionId.HOME_REQ_DONE, str(r.number)),
                )
                for r in board.requirements
            ],
        ),
        (
            "Blockers you reported or own",
            [
                section(
                    blocker_line(b, now),
                    accessory=button("Resolve", ActionId.HOME_BLK_RESOLVE, str(b.number)),
                )
                for b in board.blockers
            ],
        ),
        (
            "Risks you own",
            [
                section(risk_line(r), accessory=button("Edit", ActionId.RSK_EDIT, str(r.number)))
                for r in board.risks
            ],
        ),
    ]
    for title, items in groups:
        blocks += [divider(), section(f"*{title}*")]
        blocks += items or [context("Nothing open. 🎉")]
    if board.hidden:
        blocks.append(context(f"{board.hidden} more in private channels: look them up there."))
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [
            *blocks[: MAX_VIEW_BLOCKS - 1],
            context("_More not shown: use `/req list mine`._"),
        ]
    return {"type": "home", "blocks": blocks}
