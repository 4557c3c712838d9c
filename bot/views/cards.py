"""What a card shows once its buttons no longer apply, reminder DMs brought up to date, and
the new owner's notice. Pure functions of what the cards service read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.parsing.dates import say_date
from bot.views.blocks import Block, context, escape, section, truncate

# Block ids of what a card shows under itself only for a while (README: "Cards follow their
# item"): the note on how a due date was read (true until the due date changes) and the
# duplicate hint (until *Not a duplicate* dismisses it). A change drops them by this prefix.
DUE_NOTE = "note_due"
DUP_HINT = "hint_dup"


def tagged(blocks: Sequence[Block], prefix: str) -> list[Block]:
    """`blocks` with block ids `<prefix>_0`, `<prefix>_1`… (unique in a message, as Slack
    requires), so the card's store can later drop exactly them."""
    return [{**block, "block_id": f"{prefix}_{n}"} for n, block in enumerate(blocks)]


def without(blocks: Sequence[Block], prefix: str) -> list[Block]:
    """`blocks` less those `tagged` with `prefix`."""
    return [b for b in blocks if not str(b.get("block_id") or "").startswith(prefix + "_")]


def happened(what: str, actor_id: str | None, at: datetime) -> str:
    """One line saying what happened, by whom and when (local time):
    "✅ Done by <@U0BOB> · Tue 10:02"."""
    who = f" by <@{actor_id}>" if actor_id else ""
    return f"{what}{who} · {at:%a %H:%M}"


def with_outcome(blocks: Sequence[Block], line: str | None) -> list[Block]:
    """A card's blocks without its buttons, ending with what happened (`line`)."""
    kept = [b for b in blocks if b.get("type") != "actions"]
    return [*kept, context(line)] if line else kept


def reminder(blocks: Sequence[Block], lines: Mapping[str, str]) -> list[Block]:
    """A reminder DM as first sent, with the buttons of each item in `lines` (ref: what
    happened) replaced by that line; the others keep theirs."""
    out: list[Block] = []
    for block in blocks:
        ref = _ref_of(block)
        if ref is not None and ref in lines:
            out.append(context(lines[ref]))
        else:
            out.append(block)
    return out


def _ref_of(block: Block) -> str | None:
    """The item a reminder's button row acts on (its buttons' value is `REF|channel`)."""
    if block.get("type") != "actions":
        return None
    elements = block.get("elements") or []
    value = str((elements[0] if elements else {}).get("value") or "")
    ref, sep, _ = value.partition("|")
    return ref if sep else None


@dataclass(frozen=True)
class Handed:
    """One item given to someone: its ref and title, who handed it over, and (for a retro
    action) where it came from, as `action_origin` says it."""

    ref: str
    title: str
    by: str | None
    origin: str | None = None


def action_origin(*, channel_id: str, day: date | None, due: date | None) -> str:
    """Where a retro action came from: "the retro in <#C…> on Mon 23 Nov · due Fri 27 Nov
    2026" (`day`: the retro's start, local date; None when unknown)."""
    text = f"the retro in <#{channel_id}>"
    if day is not None:
        text += f" on {day:%a} {day.day} {day:%b}"
    if due is not None:
        text += f" · due {say_date(due)}"
    return text


def notice(items: Sequence[Handed]) -> tuple[str, list[Block]]:
    """To a new owner, once: the items given to them (who handed each over, and where a
    retro action came from)."""
    lines = []
    for item in items:
        said = [f"from <@{item.by}>"] if item.by else []
        if item.origin:
            said.append(("at " if item.by else "from ") + item.origin)
        who = f" ({', '.join(said)})" if said else ""
        lines.append(f"• *{item.ref}* {escape(truncate(item.title, 200))}{who}")
    count = len(items)
    head = "This is yours now:" if count == 1 else f"These {count} items are yours now:"
    text = f"{items[0].ref} is yours now" if count == 1 else f"{count} items are yours now"
    return text, [section(head + "\n" + "\n".join(lines))]
