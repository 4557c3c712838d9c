"""Render Block Kit messages as terminal text for the sandbox."""

from __future__ import annotations

import re
from typing import Any

from sandbox.workspace import Json, Workspace

_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")


def mrkdwn(text: str, ws: Workspace) -> str:
    """Resolve mentions and links and unescape, as Slack shows them."""
    # A date Slack draws in the reader's zone: the terminal shows its fallback.
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _MENTION.sub(lambda m: "@" + _name(ws.users, m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or _name(ws.channels, m.group(1))), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _name(table: dict[str, Json], key: str) -> str:
    return str(table.get(key, {}).get("name") or key)


def _text(obj: Any, ws: Workspace) -> str:
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn(raw, ws) if obj.get("type") == "mrkdwn" else raw


def block_lines(blocks: list[Json], ws: Workspace) -> list[str]:
    """One or more lines per block."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'), ws)} ==")
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text(block["text"], ws).splitlines())
            if block.get("fields"):
                fields = [_text(f, ws).replace("\n", ": ", 1) for f in block["fields"]]
                lines.append(" | ".join(fields))
        elif kind == "context":
            lines.append("   " + " ".join(_text(e, ws) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            labels = []
            for el in block.get("elements", []):
                if el.get("type") == "button":
                    labels.append(f"[{_text(el.get('text'), ws)}]")
                else:
                    labels.append(f"[{_text(el.get('placeholder'), ws)} ▾]")
            lines.append("   " + " ".join(labels))
    return lines


def render_message(index: int | str, msg: Json, ws: Workspace, *, ephemeral: bool = False) -> str:
    """`[3] teamloop: …` with the blocks underneath."""
    who = ws.users.get(msg.get("user", ""), {}).get("name", msg.get("user", "?"))
    who = "Slackbot" if who == "USLACKBOT" else who
    tag = " (only visible to you)" if ephemeral else ""
    head = f"[{index}] {who}{tag}:"
    # A typed message's rich_text block draws nothing here: its text is the message's text.
    body = block_lines(msg.get("blocks") or [], ws) or [mrkdwn(msg.get("text", ""), ws)]
    return "\n".join([head, *("    " + line for line in body)])
