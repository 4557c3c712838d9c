"""A requirement's history in words, one change a line, for `/req show`:
`Wed 2 Dec, 22:37 · @ann · status: triaged → planned`, `… · merged into REQ-1`.

Pure functions of the stored events (`storage.models.HistoryEvent`: field, old and new
values as text, UTC time). Field names never reach the person as stored (`merged_into`,
`close_reason`), nor do ISO dates: due dates read as `say_date` writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.parsing.dates import say_date
from bot.parsing.slack_text import escape
from bot.views.blocks import truncate
from storage.models import HistoryEvent

# Longest old or new value shown (a close reason can be 3000 characters).
VALUE_MAX = 80


def say_when(at: datetime, zone: Any) -> str:
    """An instant as the bot's answers show it: `Wed 2 Dec, 22:37` in `zone` (a tzinfo:
    the person's or the channel's zone); no year, no zone name."""
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _status(value: str | None) -> str:
    return value.replace("_", " ") if value else "none"


def _owner(value: str | None) -> str:
    return f"<@{value}>" if value else "nobody"


def _due(value: str | None) -> str:
    if not value:
        return "none"
    try:
        return say_date(date.fromisoformat(value))
    except ValueError:  # stored before due dates were ISO: shown as it was written
        return escape(truncate(value, VALUE_MAX))


def _text(value: str | None) -> str:
    return escape(truncate(value, VALUE_MAX)) if value else "none"


def _changed(name: str, say: Callable[[str | None], str]) -> Callable[[HistoryEvent], str]:
    return lambda ev: f"{name}: {say(ev.old_value)} → {say(ev.new_value)}"


def _reason(ev: HistoryEvent) -> str:
    if ev.new_value:
        return f"reason: “{_text(ev.new_value)}”"
    return f"reason dropped (was “{_text(ev.old_value)}”)"


_SAY: dict[str, Callable[[HistoryEvent], str]] = {
    "created": lambda ev: "created",
    "status": _changed("status", _status),
    "owner": lambda ev: (
        f"assigned to {_owner(ev.new_value)}" if not ev.old_value else _changed("owner", _owner)(ev)
    ),
    "priority": _changed("priority", _text),
    "due": lambda ev: (
        f"due {_due(ev.new_value)}" if not ev.old_value else _changed("due date", _due)(ev)
    ),
    "votes": _changed("votes", _text),
    "close_reason": _reason,
    "merged_into": lambda ev: f"merged into {_text(ev.new_value)}",
    "merged": lambda ev: f"{_text(ev.new_value)} merged into this one",
}


def change_line(ev: HistoryEvent, zone: Any) -> str:
    """One change: `Wed 2 Dec, 22:37 · @ann · priority: P2 → P1` (mrkdwn, user text
    escaped). A field without its own wording reads `field: old → new`, underscores as
    spaces."""
    who = f"<@{ev.actor_id}>" if ev.actor_id else "someone"
    say = _SAY.get(ev.field) or _changed(ev.field.replace("_", " "), _text)
    return f"{say_when(ev.at, zone)} · {who} · {say(ev)}"


def change_lines(changes: list[HistoryEvent], zone: Any) -> str:
    """The changes newest first as given, one a line (one mrkdwn text)."""
    return "\n".join(change_line(ev, zone) for ev in changes)
