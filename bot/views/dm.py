"""What teamloop says in its DM: the next standup question, thanks, help, capture offers."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.ids import DmAction, Turn
from bot.readmodels import ChatTurn, Dashboard
from bot.views.blocks import Block, actions, button, context, escape, section, truncate
from bot.views.requirements import is_overdue

SHOWN = 5  # open items listed per kind in the help answer
BUTTON_VALUE_MAX = 2000


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def turn(said: ChatTurn) -> Any:
    """The answer to a typed standup message: `(text, blocks)`."""
    where = f"<#{said.channel_id}> · {_day(said.day)}"
    if said.kind == Turn.ASK:
        late = " (late answer)" if said.late else ""
        text = f"{said.number}/{said.total} · {said.question}"
        return text, [
            section(f"*{said.number}/{said.total}* · {escape(said.question)}"),
            context(f"Standup for {where}{late} · type `skip` to skip today"),
        ]
    text = {
        Turn.ANSWERED: f"Thanks! Your standup for {_day(said.day)} is in the thread in "
        f"<#{said.channel_id}>.",
        Turn.EDITED: f"Updated your standup for {_day(said.day)} in <#{said.channel_id}>.",
        Turn.DRAFT_EDITED: "Got the change; carry on with the next question.",
        Turn.SKIPPED: f"Skipped your standup for <#{said.channel_id}> on {_day(said.day)}.",
    }[said.kind]
    if said.kind == Turn.ANSWERED and said.late:
        text += " (answered late)"
    return text, [section(text)]


HELP = """*What teamloop can do*
• *Standups:* after a prompt, type your answers here — one message per question, or all at \
once (numbered or one per line). `skip` skips today; `report` answers late. Edit your message \
to change an answer.
• *Capture:* type anything here and pick requirement, feedback or blocker; in a channel use \
`/req new …`, `/feedback …`, `/blocker …`, `/risk new …`, or react with :bulb: \
:speech_balloon: :construction:.
• *Look up:* `/req list mine`, `/blocker list`, `/risk list`, `/standup status`, \
`/digest status`; each command's `help` lists its verbs. The *Home* tab shows your items."""


def help_message(board: Dashboard, *, today: date, waiting: ChatTurn | None = None) -> Any:
    """`help` in the DM: what teamloop does, the standup waiting for an answer (if any), and
    the person's open items."""
    blocks: list[Block] = [section(HELP)]
    if waiting is not None:
        blocks.append(
            section(
                f"⏳ Your standup for <#{waiting.channel_id}> ({_day(waiting.day)}) is waiting: "
                f"question {waiting.number}/{waiting.total}, "
                f"_{escape(truncate(waiting.question, 300))}_ Type your answer here."
            )
        )
    lines: list[str] = []
    for req in board.requirements[:SHOWN]:
        due = f" · due {req.due_date:%d %b}" if req.due_date else ""
        overdue = " · *overdue*" if is_overdue(req, today) else ""
        lines.append(f"• {req.ref} {escape(truncate(req.title, 120))}{due}{overdue}")
    for blk in board.blockers[:SHOWN]:
        lines.append(f"• {blk.ref} 🚧 {escape(truncate(blk.text, 120))}")
    for risk in board.risks[:SHOWN]:
        lines.append(f"• {risk.ref} score {risk.score} · {escape(truncate(risk.text, 120))}")
    more = (
        (len(board.requirements) + len(board.blockers) + len(board.risks) - len(lines))
        + board.hidden
        + sum(board.beyond.values())
    )
    if lines:
        blocks.append(section("*Your open items*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Your open items*\nNothing open: you own no requirement, "
                              "blocker or risk."))  # fmt: skip
    if more > 0:
        blocks.append(context(f"…and {more} more on the Home tab or in their channels."))
    return "What teamloop can do, and your open items", blocks


def capture_offer(*, text: str, ts: str) -> Any:
    """Plain text typed in the DM: offer to capture it (the block id keeps its ts)."""
    value = truncate(text, BUTTON_VALUE_MAX)
    quoted = escape(truncate(text, 500)).replace("\n", "\n>")
    return "Capture this?", [
        section(f"Capture this?\n>{quoted}"),
        actions(
            button("Requirement", DmAction.REQUIREMENT, value, style="primary"),
            button("Feedback", DmAction.FEEDBACK, value),
            button("Anonymous feedback", DmAction.ANONYMOUS, value),
            button("Blocker", DmAction.BLOCKER, value),
            block_id=f"{DmAction.OFFER_BLOCK}:{ts}",
        ),
        context("Or type `help` to see what I can do."),
    ]


def anonymous_hint(text: str) -> str:
    """Why anonymous feedback is given in its channel, with the command to paste there."""
    return (
        "Anonymous feedback is sent in the channel it is about: that channel's weekly digest "
        "releases it with others, without your name (a DM can't hide who sent it). In that "
        f"channel type:\n`/feedback anonymous {escape(truncate(text, 1500))}`\n"
        "What you typed here stays in this DM under your name; delete it if you like."
    )
