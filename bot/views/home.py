"""The App Home tab (at most 100 blocks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.ids import ActionId
from bot.readmodels import Dashboard, TeamView
from bot.views.blocks import (
    MAX_VIEW_BLOCKS,
    Block,
    button,
    context,
    divider,
    escape,
    header,
    section,
)
from bot.views.followthrough import loop_text
from bot.views.items import blocker_line, risk_line
from bot.views.requirements import line
from bot.views.retros import action_line


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
    if board.actions:
        groups.append(
            (
                "Retro actions you own",
                [
                    section(
                        action_line(a, today),
                        accessory=button("Mark done", ActionId.REM_DONE, f"{a.ref}|{a.channel_id}"),
                    )
                    for a in board.actions
                ],
            )
        )
    beyond = {
        "Requirements you own or asked for": ("requirements", "`/req list mine` lists them all"),
        "Blockers you reported or own": ("blockers", "`/blocker list` in their channels"),
        "Risks you own": ("risks", "`/risk list` in their channels"),
    }
    for title, items in groups:
        blocks += [divider(), section(f"*{title}*")]
        blocks += items or [context("Nothing open. 🎉")]
        kind, command = beyond.get(title, ("", ""))
        if board.beyond.get(kind):
            blocks.append(context(f"…and {board.beyond[kind]} more: {command}."))
    if board.hidden:
        blocks.append(context(f"{board.hidden} more in private channels: look them up there."))
    # The Team section is kept whole: personal items are cut first when the tab is full.
    team = [b for view in board.team for b in team_section(view, now=now)]
    room = MAX_VIEW_BLOCKS - len(team)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], context("_More not shown: use `/req list mine`._")]
    blocks += team
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [
            *blocks[: MAX_VIEW_BLOCKS - 1],
            context("_More not shown: use `/req list mine`._"),
        ]
    return {"type": "home", "blocks": blocks}


def team_section(view: TeamView, *, now: datetime) -> list[Block]:
    """A channel the person leads: open requirements by owner, aging blockers (Reassign),
    risks (Edit), last week's standup participation. People as plain text, as in public."""
    blocks: list[Block] = [divider(), section(f"*👥 Team · <#{view.channel_id}>*")]
    by_owner = " · ".join(f"{escape(name)} *{n}*" for name, n in view.by_owner)
    blocks.append(section(f"*Open requirements by owner:* {by_owner or 'none'}"))
    s = view.participation
    if s is not None and s.asked:
        blocks.append(
            context(
                f"🗣️ Standups, last 7 days: {round(s.rate * 100)}% answered "
                f"({s.answered} of {s.asked}) over {s.runs} runs"
            )
        )
    if view.loop is not None and not view.loop.empty:
        blocks.append(context(f"🔁 Loop, last 4 weeks: {loop_text(view.loop)}"))
    blocks.append(
        section(
            f"*🚧 Aging blockers ({len(view.aging)})*" if view.aging else "*🚧 No aging blockers*"
        )
    )
    for b in view.aging:
        value = f"{b.ref}|{b.channel_id}"
        blocks.append(
            section(
                blocker_line(b, now, view.names),
                accessory=button("Reassign", ActionId.REM_REASSIGN, value),
            )
        )
    if view.risks:
        blocks.append(section(f"*⚠️ Risks ({len(view.risks)})*"))
    for r in view.risks:
        blocks.append(
            section(
                risk_line(r, view.names),
                accessory=button("Edit", ActionId.RSK_EDIT, str(r.number)),
            )
        )
    return blocks
