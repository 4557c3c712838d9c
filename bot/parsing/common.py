"""Pure parsers shared by every command: dates, people, ids, and short text helpers."""

from __future__ import annotations

import difflib
import re
from datetime import date

from dateutil.relativedelta import weekday as rd_weekday

from bot.errors import InvalidInput
from bot.parsing import dates
from bot.parsing.dates import DateOrder
from bot.parsing.slack_text import echo

__all__ = [
    "DateOrder",
    "is_user_id",
    "parse_date",
    "parse_ref",
    "parse_user",
    "starts_like_date",
]

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def is_user_id(value: str) -> bool:
    """Whether `value` is shaped like a Slack user id (`U0BOB`, `W012ABC`), as a form's user
    menu submits it."""
    return _USER_ID.fullmatch(value) is not None


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


def parse_date(text: str, *, today: date, order: DateOrder = DateOrder.DMY) -> date:
    """Read a date as people type it (see `bot.parsing.dates`); InvalidInput if it isn't one."""
    return dates.parse_date(text, today=today, order=order)


# Words after `due` that mean the person meant a date (so an unreadable one is an error,
# not part of the title): "due someday", "due end of sprint", "due 下周五".
_DATE_WORDS = frozenset(
    (
        "today", "tomorrow", "tmrw", "tmr", "tmw", "eod", "eow", "eom", "eoq", "eoy", "end",
        "in", "next", "this", "on", "by", "someday", "sometime", "soon", "asap", "later",
        "whenever", "tonight", "week", "month", "quarter", "year", "yesterday", "last", "coming",
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    )
)  # fmt: skip


# Typos of these are still dates meant ("frday", "tommorow"): refused, never kept in a
# title. Only whole names, so "monthly" or "amount" are not taken for one.
_NAMES = (
    *(n for n in _MONTHS if len(n) > 4), *(n for n in _WEEKDAYS if len(n) > 4),
    "today", "tomorrow", "tonight",
)  # fmt: skip
_VAGUE = re.compile(r"^(?:tb[dac]|q[1-4]|h[12]|weekend|mid|early|late|later)$")


def starts_like_date(word: str, following: str = "") -> bool:
    """Whether a word may begin a date (a digit, today, a weekday, a month, 下周五 …, a typo
    of one, or a vague one like `TBD`); `following` is the word after it (`the 15th`)."""
    w = word.lower().strip(".,!?;:。，！？").split("-", 1)[0]
    return (
        w[:1].isdigit()
        or w in _DATE_WORDS
        or w in _WEEKDAYS
        or w in _MONTHS
        or w in dates.OWN_WORDS
        or bool(_VAGUE.match(w))
        or any("\u4e00" <= ch <= "\u9fff" for ch in w[:2])
        or (w == "the" and following[:1].isdigit())
        or (len(w) >= 4 and bool(difflib.get_close_matches(w, _NAMES, n=1, cutoff=0.8)))
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
