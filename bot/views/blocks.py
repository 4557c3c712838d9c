"""Small Block Kit builders and the one mrkdwn escape helper; every limit is enforced here."""

from __future__ import annotations

import json
from typing import Any

from bot.parsing.slack_text import escape

__all__ = ["escape"]

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
CONTEXT_TEXT_MAX = 2000
FALLBACK_TEXT_MAX = 3000


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plural(n: int, word: str) -> str:
    """`n` and `word`, with an "s" unless n is 1 ("1 vote", "3 votes"); English only."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """A plain_text object (emoji on)."""
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> dict[str, Any]:
    """A mrkdwn text object; the caller has escaped user text already."""
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def section(
    text: str | None, *, fields: list[str] | None = None, accessory: Block | None = None
) -> Block:
    """A section with mrkdwn text and/or fields (at most 10) and an optional accessory."""
    block: Block = {"type": "section"}
    if text is not None:
        block["text"] = mrkdwn(text)
    if fields:
        block["fields"] = [mrkdwn(f, FIELD_TEXT_MAX) for f in fields[:10]]
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    """A context block of mrkdwn elements (at most 10)."""
    return {"type": "context", "elements": [mrkdwn(t, CONTEXT_TEXT_MAX) for t in texts[:10]]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", *, style: str | None = None) -> Block:
    """A button element."""
    el: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT_MAX),
        "action_id": action_id,
        "value": truncate(value, 2000),
    }
    if style:
        el["style"] = style
    return el


def option(text: str, value: str) -> Block:
    """An option for selects."""
    return {"text": plain(text, OPTION_TEXT_MAX), "value": value}


def static_select(
    placeholder: str, action_id: str, options: list[Block], initial: Block | None = None
) -> Block:
    """A static_select element."""
    el: Block = {
        "type": "static_select",
        "placeholder": plain(placeholder, 150),
        "action_id": action_id,
        "options": options[:100],
    }
    if initial is not None:
        el["initial_option"] = initial
    return el


def actions(*elements: Block, block_id: str | None = None) -> Block:
    """An actions block (at most 25 elements)."""
    block: Block = {"type": "actions", "elements": list(elements)[:25]}
    if block_id:
        block["block_id"] = block_id
    return block


def text_input(
    action_id: str, placeholder: str, *, multiline: bool = False, max_len: int = 3000
) -> Block:
    """A plain_text_input element."""
    return {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_len,
        "placeholder": plain(placeholder, 150),
    }


def input_block(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    """An input block of a modal."""
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }


def fit_message(blocks: list[Block]) -> list[Block]:
    """Keep a message within 50 blocks, saying what was left out."""
    if len(blocks) <= MAX_MESSAGE_BLOCKS:
        return blocks
    kept = blocks[: MAX_MESSAGE_BLOCKS - 1]
    return [*kept, context(f"_{len(blocks) - len(kept)} more not shown._")]


def message(text: str, blocks: list[Block] | None = None, *, in_channel: bool = False) -> Block:
    """A response body for ack/respond: ephemeral unless `in_channel`."""
    body: Block = {
        "response_type": "in_channel" if in_channel else "ephemeral",
        "text": truncate(text, FALLBACK_TEXT_MAX),
    }
    if blocks:
        body["blocks"] = fit_message(blocks)
    return body


def encode(value: dict[str, Any]) -> str:
    """Compact JSON for button values and private_metadata."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
