"""Messages the scheduler sends: reminders and the weekly digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.views.blocks import Block, fit_message, header, section
from bot.views.items import feedback_line
from bot.views.requirements import line
from storage.items import Feedback
from storage.models import Requirement


def reminders(
    *, overdue: Sequence[Requirement], due_soon: Sequence[Requirement], today: date
) -> tuple[str, list[Block]]:
    """The daily nudge about overdue and soon-due requirements, owners mentioned."""
    blocks: list[Block] = [header("Due and overdue")]
    if overdue:
        blocks.append(section("*Overdue*\n" + "\n".join(line(r, today=today) for r in overdue)))
    if due_soon:
        blocks.append(section("*Due soon*\n" + "\n".join(line(r, today=today) for r in due_soon)))
    text = f"{len(overdue)} overdue, {len(due_soon)} due soon"
    return text, fit_message(blocks)


def digest(
    *,
    week_of: date,
    created: Sequence[Requirement],
    done: Sequence[Requirement],
    open_by_status: dict[str, int],
    top_voted: Sequence[Requirement],
    today: date,
    feedback: Sequence[Feedback] = (),
) -> tuple[str, list[Block]]:
    """The weekly progress digest of one channel."""
    blocks: list[Block] = [header(f"Weekly digest · week of {week_of:%d %B}")]
    counts = " · ".join(f"{status.replace('_', ' ')} {n}" for status, n in open_by_status.items())
    blocks.append(section(f"*Open:* {counts or 'nothing open'}"))
    if done:
        blocks.append(section("*Done this week*\n" + "\n".join(line(r, today=today) for r in done)))
    if created:
        blocks.append(
            section("*New this week*\n" + "\n".join(line(r, today=today) for r in created))
        )
    if top_voted:
        blocks.append(
            section("*Most wanted*\n" + "\n".join(line(r, today=today) for r in top_voted))
        )
    if feedback:
        said = "\n".join(feedback_line(fb) for fb in feedback[:20])
        blocks.append(section(f"*Feedback ({len(feedback)})*\n{said}"))
    text = (
        f"Weekly digest: {len(done)} done, {len(created)} new, {sum(open_by_status.values())} open"
    )
    return text, fit_message(blocks)
