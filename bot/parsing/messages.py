"""What a Slack message says, wherever its content is: `text`, attachments, blocks or files.

Messages posted by apps often have empty or fallback `text`, with the content in
`attachments` (`pretext`, `title`, `text`, `fields`, `fallback`) or `blocks` (`rich_text`,
`section`, `context`); file shares carry `files` (../shared/slack/BEHAVIOUR.md). The result
is plain text (through `bot.parsing.slack_text.plain`), ready to store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.parsing.slack_text import plain

NO_TEXT = "(message without text)"


def message_text(msg: dict[str, Any], label: Callable[[str], str] = str) -> str:
    """The message's plain text: its `text`, else attachments, else blocks, else file names.

    `label` names bare `<@U1>` / `<#C1>` markup before it is decoded (`handlers.names.namer`).
    Returns `NO_TEXT` when none of them says anything.
    """
    for found in (
        msg.get("text") or "",
        _attachments(msg.get("attachments") or []),
        _blocks(msg.get("blocks") or []),
        "\n".join(str(f.get("title") or f.get("name") or "") for f in msg.get("files") or []),
    ):
        text = plain(label(found)).strip()
        if text:
            return text
    return NO_TEXT


def _attachments(attachments: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for att in attachments:
        parts = [att.get(key) or "" for key in ("pretext", "title", "text")]
        parts += [f"{f.get('title', '')}: {f.get('value', '')}" for f in att.get("fields") or []]
        said = [p for p in parts if str(p).strip()]
        # The fallback stands for the whole attachment when nothing else is there.
        lines.extend(said or [att.get("fallback") or ""])
    return "\n".join(str(line) for line in lines if str(line).strip())


def _blocks(blocks: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "rich_text":
            lines.append("".join(_rich(el) for el in block.get("elements") or []))
        elif kind in ("section", "header"):
            lines.append(_text_object(block.get("text")))
            lines.extend(_text_object(f) for f in block.get("fields") or [])
        elif kind == "context":
            lines.append(" ".join(_text_object(el) for el in block.get("elements") or []))
    return "\n".join(line for line in lines if line.strip())


def _text_object(obj: Any) -> str:
    return str(obj.get("text") or "") if isinstance(obj, dict) else ""


def _rich(element: dict[str, Any]) -> str:
    """Rich text as Slack's markup, so `plain` reads mentions and links the same way."""
    kind = element.get("type")
    if kind == "text":
        # Rich text elements carry raw text; escape it so `plain` decodes it back unchanged.
        raw = str(element.get("text") or "")
        return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if kind == "user":
        return f"<@{element.get('user_id', '')}>"
    if kind == "channel":
        return f"<#{element.get('channel_id', '')}>"
    if kind == "link":
        return f"<{element.get('url', '')}|{element.get('text') or ''}>"
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "broadcast":
        return f"<!{element.get('range', 'here')}>"
    if kind in ("rich_text_section", "rich_text_quote", "rich_text_preformatted"):
        return "".join(_rich(el) for el in element.get("elements") or []) + "\n"
    if kind == "rich_text_list":
        return "".join("• " + _rich(el) for el in element.get("elements") or [])
    return ""
