"""The small types of date reading (bot.parsing.dates): the date order, what a reading
needs and returns, how answers say a date and give an example, and the refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.errors import InvalidInput


def example_date(today: date) -> date:
    """A date to show in hints, never past: the next Friday after `today`."""
    return today + timedelta(days=(4 - today.weekday()) % 7 or 7)


def date_hint(today: date) -> str:
    """What to type instead, with a real date a few days after `today` (a fixed example
    would go stale): "Try `friday`, `tomorrow`, `in 3 days`, `Dec 11` or `2026-12-11`."."""
    day = example_date(today)
    return f"Try `friday`, `tomorrow`, `in 3 days`, `{day:%b} {day.day}` or `{day.isoformat()}`."


# Further than this is a typo, not a plan.
MAX_DAYS_AHEAD = 3650


class DateOrder(StrEnum):
    """How a numeric date like `01/02/2027` is read (TEAMLOOP_DATE_ORDER, or a person's locale)."""

    DMY = "DMY"
    MDY = "MDY"
    YMD = "YMD"


@dataclass(frozen=True)
class DateContext:
    """What reading a date needs: the person's today and their numeric date order."""

    today: date
    order: DateOrder = DateOrder.DMY


@dataclass(frozen=True)
class DateRead:
    """A date read from text, with a note when the phrase was open to another reading."""

    value: date
    note: str = ""
    text: str = field(default="", compare=False)


def order_for_locale(locale: str | None, default: DateOrder) -> DateOrder:
    """The numeric date order of a Slack locale (`en-US` -> MDY, `zh-CN` -> YMD, `en-GB` ->
    DMY); `default` when the locale is unknown or empty."""
    if not locale:
        return default
    tag = locale.replace("_", "-").lower()
    if tag in {"en-us", "es-us", "en-ph", "fil-ph"}:
        return DateOrder.MDY
    lang = tag.split("-", 1)[0]
    if lang in {"zh", "ja", "ko", "hu", "lt", "mn"}:
        return DateOrder.YMD
    if lang in {"en", "fr", "de", "es", "it", "pt", "nl", "ru", "pl", "sv", "da", "nb", "fi",
                "tr", "cs", "el", "he", "id", "vi", "uk", "ro"}:  # fmt: skip
        return DateOrder.DMY
    return default


def say_date(value: date, *, today: date | None = None) -> str:
    """A date as answers show it: `Fri 4 Dec 2026` (with `(today)`/`(tomorrow)` when so)."""
    text = f"{value:%a} {value.day} {value:%b %Y}"
    if today is not None and value == today:
        return text + " (today)"
    if today is not None and value == today + timedelta(days=1):
        return text + " (tomorrow)"
    return text


class PastDate(InvalidInput):
    """The text names a day gone by (`yesterday`, `last friday`, `3 days ago`)."""


class ImpossibleDay(InvalidInput):
    """The text names a day no calendar has (`31/2`, `2026-02-30`)."""


class NoDay(InvalidInput):
    """The text names a month or a year but no day (`december`, `next month`, `明年`)."""


class DateConflict(InvalidInput):
    """The text says two things of one day (`tue 12/4` when 4 December is a Friday)."""
