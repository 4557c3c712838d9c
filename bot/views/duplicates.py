"""The duplicate hint on a fresh card, and the answer to a merge (pure Block Kit builders)."""

from __future__ import annotations

from bot.ids import ActionId
from bot.readmodels import Merged, Similar
from bot.views.blocks import Block, actions, button, context, escape, message, section, truncate
from bot.views.cards import DUP_HINT, tagged

TITLE_SHOWN = 120


def looks_like(similar: Similar) -> str:
    """ "Looks like REQ-41 *Export invoices as CSV* (3 votes)"."""
    req = similar.requirement
    votes = f" ({req.votes} vote{'s' if req.votes != 1 else ''})"
    return f"Looks like {req.ref} *{escape(truncate(req.title, TITLE_SHOWN))}*{votes}"


def hint_blocks(new_number: int, similar: Similar) -> list[Block]:
    """Shown under a quick capture's card: the likely original, Merge / Not a duplicate."""
    target = similar.requirement
    value = f"{new_number}:{target.number}"
    hint = [
        section(f":mag: {looks_like(similar)}"),
        actions(
            button(f"Merge into {target.ref}", ActionId.REQ_MERGE, value, style="primary"),
            button("Not a duplicate", ActionId.REQ_NOT_DUPLICATE, value),
        ),
    ]
    return tagged(hint, DUP_HINT)  # *Not a duplicate* drops it from the card for good


def suggestion_blocks(fb_number: int, similar: Similar) -> list[Block]:
    """Under a feedback card: the requirement it may belong to, with *Link to REQ-n*."""
    req = similar.requirement
    return [
        section(f":link: May belong to {looks_like(similar).removeprefix('Looks like ')}"),
        actions(
            button(f"Link to {req.ref}", ActionId.FB_LINK_SUGGESTED, f"{fb_number}:{req.number}"),
        ),
    ]


def merged_message(merged: Merged) -> Block:
    """The answer to a merge, posted in the channel (the requesters get a DM)."""
    dup, target = merged.duplicate, merged.target
    moved = []
    if merged.votes:
        moved.append(f"{merged.votes} vote{'s' if merged.votes != 1 else ''}")
    if merged.feedback:
        moved.append(f"{merged.feedback} feedback")
    if merged.blockers:
        moved.append(f"{merged.blockers} blocker{'s' if merged.blockers != 1 else ''}")
    what = f" ({', '.join(moved)} moved)" if moved else ""
    text = (
        f"{dup.ref} is closed as a duplicate of {target.ref} "
        f"*{escape(truncate(target.title, TITLE_SHOWN))}*{what}. "
        f"{target.ref} now has {target.votes} vote{'s' if target.votes != 1 else ''}."
    )
    return message(
        f"{dup.ref} merged into {target.ref}",
        [section(text), context(f"Follow {target.ref} from here on.")],
        in_channel=True,
    )
