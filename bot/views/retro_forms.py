"""Retro forms: an item (from the DM), grouping items and an action (the facilitator's, from
the board). Pure: rows in, Block Kit out, user text escaped."""

from __future__ import annotations

from typing import Any

from bot.ids import ActionId, BlockId, CallbackId
from bot.readmodels import RetroBoard as Board
from bot.views.blocks import (
    Block,
    context,
    encode,
    escape,
    input_block,
    option,
    plain,
    static_select,
    text_input,
    truncate,
)
from bot.views.retros import COLUMNS, topics


def item_modal(retro_id: int, *, anonymous_allowed: bool, dm: str = "") -> dict[str, Any]:
    """The form for one item: column, text, and the anonymous switch."""
    columns = [option(label, str(cat)) for cat, label in COLUMNS.items()]
    blocks: list[Block] = [
        input_block(
            BlockId.RETRO_CATEGORY,
            "Column",
            static_select("Pick one", ActionId.RETRO_CATEGORY, columns),
        ),
        input_block(
            BlockId.RETRO_TEXT,
            "Item",
            text_input(ActionId.RETRO_TEXT, "Deploys were smooth", multiline=True, max_len=2000),
        ),
    ]
    if anonymous_allowed:
        blocks.append(
            input_block(
                BlockId.RETRO_ANONYMOUS,
                "Your name",
                {
                    "type": "checkboxes",
                    "action_id": ActionId.RETRO_ANONYMOUS,
                    "options": [
                        {
                            "text": plain("Send anonymously"),
                            "description": plain(
                                "No name kept; shown with all items when the collection closes"
                            ),
                            "value": "anonymous",
                        }
                    ],
                },
                optional=True,
            )
        )
    else:
        blocks.append(context("Items are named here: this retro has too few people to hide in."))
    return {
        "type": "modal",
        "callback_id": CallbackId.RETRO_ITEM_MODAL,
        "title": plain("Retro item", 24),
        "submit": plain("Add", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"retro": retro_id, "dm": dm}),
        "blocks": blocks,
    }


def group_modal(board: Board) -> dict[str, Any]:
    """The facilitator's form to group similar items under one label."""
    options = [
        {
            "text": plain(truncate(f"{COLUMNS[i.category]}: {i.text}", 75)),
            "value": i.public_id,
        }
        for i in board.items[:100]
    ]
    return {
        "type": "modal",
        "callback_id": CallbackId.RETRO_GROUP_MODAL,
        "title": plain("Group items", 24),
        "submit": plain("Group", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"retro": board.retro.id}),
        "blocks": [
            input_block(
                BlockId.RETRO_ITEMS,
                "Items that say the same",
                {
                    "type": "multi_static_select",
                    "action_id": ActionId.RETRO_ITEMS,
                    "options": options or [{"text": plain("(no items)"), "value": "-"}],
                },
            ),
            input_block(
                BlockId.RETRO_LABEL,
                "Group name",
                text_input(ActionId.RETRO_LABEL, "Deploy pain", max_len=100),
            ),
        ],
    }


def action_modal(board: Board) -> dict[str, Any]:
    """The facilitator's form for an action: what, who, by when (top items as a reminder)."""
    top = [t for t in topics(board) if t[1] > 0][:3]
    hint = " · ".join(f"{escape(truncate(t[0], 60))} ({t[1]})" for t in top)
    blocks: list[Block] = [context(f"Top items: {hint}")] if hint else []
    blocks += [
        input_block(
            BlockId.ACT_TEXT,
            "Action",
            text_input(ActionId.ACT_TEXT, "Fix the flaky deploy", max_len=2000),
        ),
        input_block(
            BlockId.ACT_OWNER,
            "Owner",
            {"type": "users_select", "action_id": ActionId.ACT_OWNER},
            optional=True,
        ),
        input_block(
            BlockId.ACT_DUE,
            "Due",
            {"type": "datepicker", "action_id": ActionId.ACT_DUE},
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CallbackId.RETRO_ACTION_MODAL,
        "title": plain("Retro action", 24),
        "submit": plain("Add", 24),
        "close": plain("Cancel", 24),
        "private_metadata": encode({"retro": board.retro.id}),
        "blocks": blocks,
    }
