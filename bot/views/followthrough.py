"""Feedback follow-through messages: "You asked for X on 3 Nov — it shipped today: REQ-12",
one DM a day per person, and the line an anonymous sender reads in their reply thread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.readmodels import Loop
from bot.views.blocks import Block, context, escape, section, truncate
from storage.models import Requirement

DM_LINES = 20


def _day(at: datetime | date) -> str:
    return f"{at.day} {at:%b}"


def asked(text: str, at: datetime) -> str:
    """What the person asked for, and when (their feedback, or the requirement they filed)."""
    return f"You asked for “{escape(truncate(text, 120))}” on {_day(at)}"


def voted(title: str, at: datetime) -> str:
    """What the person voted for, and when."""
    return f"You voted for “{escape(truncate(title, 120))}” on {_day(at)}"


def shipped_line(prefix: str, req: Requirement, *, shipped_on: date, told_on: date) -> str:
    """One line of the DM; "today" when the DM leaves on the day it shipped."""
    when = "today" if shipped_on == told_on else f"on {shipped_on:%a} {_day(shipped_on)}"
    return f"{prefix} — it shipped {when}: *{req.ref}* {escape(truncate(req.title, 150))}"


def batch(lines: Sequence[str]) -> tuple[str, list[Block]]:
    """The day's DM of one person: every requirement that shipped for them."""
    shown = list(lines[:DM_LINES])
    blocks: list[Block] = [section("\n".join(f"• {line}" for line in shown))]
    if len(lines) > DM_LINES:
        blocks.append(context(f"…and {len(lines) - DM_LINES} more."))
    first = lines[0].replace("*", "") if lines else ""
    text = first if len(lines) == 1 else f"{len(lines)} things you asked for shipped"
    return truncate(text, 300), blocks


def anonymous_line(req: Requirement, day: date) -> str:
    """Added to a linked anonymous item's reply thread (its sender reads it with their code)."""
    return f"It shipped on {day:%a} {_day(day)}: {req.ref} {truncate(req.title, 150)}"


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}% ({part} of {whole})" if whole else "—"


def loop_text(loop: Loop) -> str:
    """One line of loop figures (the digest, `/digest now`, a lead's Home tab)."""
    median = loop.median_days
    shipped = "—" if median is None else f"{median:g} day{'' if median == 1 else 's'}"
    return (
        f"acknowledged within 2 working days {_share(loop.acknowledged, loop.feedback)} · "
        f"linked or shipped {_share(loop.linked, loop.feedback)} · "
        f"median feedback → ship {shipped} · "
        f"retro actions done on time {_share(loop.actions_on_time, loop.actions_due)}"
    )
