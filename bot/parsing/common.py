"""Pure parsers shared by every command: dates, people, ids, and short text helpers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta
from dateutil.relativedelta import weekday as rd_weekday

from bot.errors import InvalidInput
from bot.parsing.slack_text import echo

DATE_HINT = "Try `2026-12-04`, `today`, `tomorrow`, `friday` or `in 3 days`."

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_IN_N = re.compile(r"^in\s+(\d{1,4})\s+(day|days|week|weeks)$")
_MONTHS = frozenset(
    (
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "january", "february", "march", "april", "june", "july", "august",
        "september", "october", "november", "december",
    )
)  # fmt: skip

_WEEKDAYS: dict[str, rd_weekday] = {}
for _i, _names in enumerate(
    (
        ("monday", "mon"),
        ("tuesday", "tue", "tues"),
        ("wednesday", "wed"),
        ("thursday", "thu", "thurs"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = rd_weekday(_i)


def shorten(text: str, limit: int = 30) -> str:
    """Cut echoed user text so an answer stays short."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_line(text: str) -> str:
    """The first non-blank line of a message (a title for what it captures)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def parse_date(text: str, *, today: date) -> date:
    """Read a date: ISO, today, tomorrow, a weekday (the next one), `in N days|weeks`."""
    words = " ".join(text.lower().split())
    if not words:
        raise InvalidInput(f"Give a date. {DATE_HINT}")
    if words == "today":
        return today
    if words == "tomorrow":
        return today + timedelta(days=1)
    bare = words.removeprefix("next ")
    if bare in _WEEKDAYS:
        # "friday" is the next Friday after today, never today itself.
        return today + relativedelta(days=+1, weekday=_WEEKDAYS[bare])
    match = _IN_N.match(words)
    if match:
        n = int(match.group(1))
        days = n * 7 if match.group(2).startswith("week") else n
        if days > 3650:
            raise InvalidInput(f"`{text}` is more than ten years away. {DATE_HINT}")
        return today + timedelta(days=days)
    try:
        return date.fromisoformat(words)
    except ValueError:
        pass
    if not any(ch.isdigit() for ch in words):
        raise InvalidInput(f"I can't read `{text}` as a date. {DATE_HINT}")
    try:
        parsed = dateparser.parse(words, default=datetime(today.year, today.month, today.day))
    except (ValueError, OverflowError, TypeError):
        raise InvalidInput(f"I can't read `{text}` as a date. {DATE_HINT}") from None
    return parsed.date()


def starts_like_date(word: str) -> bool:
    """Whether a word may begin a date (a digit, today, a weekday, a month...)."""
    w = word.lower()
    return (
        w[:1].isdigit()
        or w in {"today", "tomorrow", "in", "next"}
        or w in _WEEKDAYS
        or w.rstrip(".") in _MONTHS
    )


def parse_user(token: str) -> str | None:
    """Return the user id of a Slack mention token (`<@U123|bob>`), else None."""
    match = _USER.match(token)
    return match.group(1) if match else None


def parse_ref(token: str, prefix: str) -> int:
    """Return n of `PREFIX-n` (also accepts a bare number and any case)."""
    raw = token.strip().upper()
    if raw.startswith(prefix + "-"):
        raw = raw[len(prefix) + 1 :]
    if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 and int(raw) > 0:
        return int(raw)
    raise InvalidInput(f"`{echo(token)}` is not an id. Type it like `{prefix}-12`.")
