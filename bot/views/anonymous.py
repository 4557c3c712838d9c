"""Block Kit for anonymous feedback: the near-miss question, the receipt with the private
code, the released batch, reply threads and the lead's reply form. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from bot.readmodels import Batch
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    escape,
    header,
    input_block,
    message,
    plain,
    section,
    text_input,
    truncate,
)
from bot.views.items import KIND_EMOJI
from storage.anonymous import AnonymousFeedback, AnonymousReply

PER_MESSAGE = 40  # items per released-batch message, within 50 blocks
VALUE_MAX = 1900  # a button value holds at most 2000 characters


def did_you_mean(word: str, text: str) -> Block:
    """Ask before anything is stored: a near miss of `anonymous` must never sign the text."""
    shown = escape(truncate(text, 300)) or "_(no text yet)_"
    return message(
        "Did you mean anonymous? Nothing is saved until you choose.",
        [
            section(
                f"Did you mean *anonymous*? You typed `{escape(truncate(word, 40))}`. "
                f"Nothing is saved until you choose.\n>{shown}"
            ),
            actions(
                button("Send anonymously", ActionId.ANON_SEND, text[:VALUE_MAX], style="primary"),
                button("Send with my name", ActionId.ANON_SEND_NAMED, text[:VALUE_MAX]),
                block_id="anon_choice",
            ),
        ],
    )


def receipt(code: str) -> Block:
    """What the sender sees once: saved without a name, and their private code."""
    return message(
        "Saved without your name. Keep your private code: " + code,
        [
            section(
                "Saved *without your name*. It is not shown now: it appears in this channel's "
                "digest together with other anonymous feedback, in random order."
            ),
            section(
                f"Your private code: `{code}`\nKeep it: `/feedback replies {code}` shows the "
                "answers, and `/feedback replies &lt;code&gt; &lt;text&gt;` answers back. "
                "teamloop keeps only a hash of it and can't show it again."
            ),
        ],
    )


def _item_line(item: AnonymousFeedback) -> str:
    return f"{KIND_EMOJI.get(item.kind, '')} {escape(truncate(item.text, 600))} · anonymous"


def batch_messages(batch: Batch, channel_id: str) -> list[tuple[str, list[Block]]]:
    """The released batch: one message per 40 items, each item with a Reply button."""
    out: list[tuple[str, list[Block]]] = []
    items = batch.items
    for start in range(0, len(items), PER_MESSAGE):
        blocks: list[Block] = []
        if start == 0:
            blocks.append(header(f"Anonymous feedback ({len(items)})"))
            note = "Released with this digest, in random order; senders are not recorded."
            if batch.held_alone:
                note += " This item was held 4 weeks for a second one and is released alone."
            blocks.append(context(note))
        for item in items[start : start + PER_MESSAGE]:
            blocks.append(
                section(
                    f"{_item_line(item)} · `{item.public_id}`",
                    accessory=button("Reply", ActionId.ANON_REPLY, item.public_id),
                )
            )
        out.append((f"Anonymous feedback for <#{channel_id}> ({len(items)})", blocks))
    return out


def thread(item: AnonymousFeedback, replies: Sequence[AnonymousReply]) -> Block:
    """An item and its replies ("lead" / "sender"), only for the one asking."""
    lines = [f"*{item.public_id}* {_item_line(item)}"]
    for r in replies:
        who = "sender" if r.from_sender else "lead"
        lines.append(f"• _{who}_: {escape(truncate(r.text, 500))}")
    if not replies:
        lines.append("_No replies yet._")
    return message(f"Replies to {item.public_id}", [section("\n".join(lines)[:2900])])


def reply_modal(public_id: str, channel_id: str) -> dict[str, Any]:
    """A lead's answer to an anonymous item."""
    return {
        "type": "modal",
        "callback_id": CallbackId.ANON_REPLY_MODAL,
        "title": plain("Reply anonymously", 24),
        "submit": plain("Reply", 24),
        "close": plain("Cancel", 24),
        "private_metadata": f"{public_id}|{channel_id}",
        "blocks": [
            context(f"Your reply to {public_id}; its sender reads it with their private code."),
            input_block(
                BlockId.ANON_REPLY_TEXT,
                "Reply",
                text_input(ActionId.ANON_REPLY_TEXT, "Thanks, we will…", multiline=True),
            ),
        ],
    }
