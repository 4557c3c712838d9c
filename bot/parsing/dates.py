"""Dates as people type them, in English and Chinese, never silently misread.

Reading order (first that answers wins):
1. teamloop's own shortcuts, whose meaning is a team convention rather than grammar:
   `today`/`eod`/`今天`, `tmrw`, `eow`/`end of week`, `eom`/`end of month`/`月底`,
   `end of quarter`, `end of year`, weekday names (`friday`, `周五`: the next one after
   today), `next friday`/`下周五` (Friday of next week), `this friday`/`本周五`;
2. numeric dates (`12/4`, `01/02/2027`, `4.12.2026`) in the person's date order, since
   a library would guess the order silently;
3. dateparser, limited to English and Chinese, for everything else (`Dec 4`, `4 Dec`,
   `in 3 days`, `in 2 weeks`, `明天`, `后天`, `12月4日`, `3天后`, `下个月` …).

Every reading returns the date and a short note when the phrase could mean something else
(`read as day/month`), so the answer can state it back ("Fri 4 Dec 2026").
"""

from __future__ import annotations

import re
import threading
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.errors import InvalidInput
from bot.parsing.slack_text import echo

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

DATE_HINT = "Try `friday`, `tomorrow`, `in 3 days`, `Dec 4` or `2026-12-04`."

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


_EN_DAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ZH_WEEK = r"(?:周|星期|礼拜)"
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_SHORTCUTS = {
    "today": "today", "eod": "today", "end of day": "today", "by eod": "today",
    "今天": "today", "今日": "today", "今天下班前": "today",
    "tomorrow": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow",
    "tomorow": "tomorrow", "eow": "eow", "end of week": "eow", "end of the week": "eow",
    "end of this week": "eow", "this week": "eow", "本周": "eow", "这周": "eow",
    "周末前": "eow", "本周末": "eow", "eom": "eom", "end of month": "eom",
    "end of the month": "eom", "end of this month": "eom", "月底": "eom", "月末": "eom",
    "本月底": "eom", "eoq": "eoq", "end of quarter": "eoq", "end of the quarter": "eoq",
    "季度末": "eoq", "本季度末": "eoq", "eoy": "eoy", "end of year": "eoy",
    "end of the year": "eoy", "年底": "eoy", "年末": "eoy",
}  # fmt: skip
_WEEKDAY_PHRASE = re.compile(r"^(?:(next|this|coming|on)\s+)?([a-z]+)$")
_ZH_WEEKDAY = re.compile(rf"^(下|下个|这|这个|本)?{_ZH_WEEK}([一二三四五六日天七])$")
_NUMERIC = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})(?:\2(\d{2,4}))?$")
_ZH_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})(?:日|号)?")
_ANCHOR = re.compile(
    r"\d|[\u4e00-\u9fff]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?:day|days|week|weeks|month|months|year|years|fortnight|tomorrow)\b"
)
_ZH_NUMBER = re.compile(r"[零一二两三四五六七八九十]+(?=(?:天|日|周|星期|个?月|年)后)")


# Words that plainly name a day gone by (every date teamloop asks for lies ahead).
_PAST = re.compile(
    r"^(?:(?:the )?day before yesterday|yesterday|last \w+|\d+ \w+ ago|a \w+ ago|昨天|前天)$"
)


class PastDate(InvalidInput):
    """The text names a day gone by (`yesterday`, `last friday`, `3 days ago`)."""


def read_date(text: str, *, context: DateContext) -> DateRead:
    """Read `text` as a date for a person (see the module docstring for what is read).

    Returns the date and a note for readings open to doubt. Raises InvalidInput (whose
    message keeps the text and says what to type) when the text is not a date, names an
    impossible day (`2026-02-30`) or lies more than ten years ahead."""
    words = " ".join(text.lower().replace("\u00a0", " ").split()).strip(" .,;!。，！")
    if not words:
        raise InvalidInput(f"Give a date. {DATE_HINT}")
    today = context.today
    found = (
        _shortcut(words, today)
        or _weekday(words, today)
        or _numeric(words, context)
        or _library(words, today)
    )
    if found is None and _PAST.match(words):
        raise PastDate(
            f"`{_keep(text)}` is in the past: give a day ahead, like `tomorrow` or `friday`. "
            f"{DATE_HINT}"
        )
    if found is None:
        raise InvalidInput(f"I couldn't read `{_keep(text)}` as a date. {DATE_HINT}")
    if (found.value - today).days > MAX_DAYS_AHEAD:
        raise InvalidInput(f"`{_keep(text)}` is more than ten years away. {DATE_HINT}")
    return DateRead(found.value, found.note, text)


def parse_date(text: str, *, today: date, order: DateOrder = DateOrder.DMY) -> date:
    """Just the date of `read_date` (for callers that state the date back themselves)."""
    return read_date(text, context=DateContext(today=today, order=order)).value


def _keep(text: str) -> str:
    # The user's text is echoed in an error: keep it whole unless it is very long, and
    # never let it form a mention or a link (Slack's markup read as plain, then escaped).
    return echo(" ".join(text.split()), 60)


def _shortcut(words: str, today: date) -> DateRead | None:
    kind = _SHORTCUTS.get(words)
    if kind is None:
        return None
    if kind == "today":
        return DateRead(today)
    if kind == "tomorrow":
        return DateRead(today + timedelta(days=1))
    if kind == "eow":
        # The working week ends on Friday; at the weekend it is the coming Friday.
        ahead = (4 - today.weekday()) % 7
        return DateRead(today + timedelta(days=ahead), "means the end of the working week")
    if kind == "eom":
        return DateRead(today.replace(day=monthrange(today.year, today.month)[1]))
    if kind == "eoq":
        month = (today.month - 1) // 3 * 3 + 3
        return DateRead(date(today.year, month, monthrange(today.year, month)[1]))
    return DateRead(date(today.year, 12, 31))


def _weekday(words: str, today: date) -> DateRead | None:
    match = _WEEKDAY_PHRASE.match(words)
    if match and match.group(2) in _EN_DAYS:
        which, day = match.group(1) or "", _EN_DAYS[match.group(2)]
        mode = {"next": "next", "this": "this"}.get(which, "")
    else:
        zh = _ZH_WEEKDAY.match(words)
        if not zh:
            return None
        prefix, day = zh.group(1) or "", _ZH_DAYS[zh.group(2)]
        mode = "next" if prefix.startswith("下") else "this" if prefix else ""
    monday = today - timedelta(days=today.weekday())
    name = _DAY_NAMES[day]
    if mode == "next":
        # "next friday" / 下周五: the Friday of next week, never this week's (stated back,
        # since people disagree on it).
        return DateRead(monday + timedelta(days=7 + day), f"means next week's {name}")
    if mode == "this":
        return DateRead(monday + timedelta(days=day), f"means this week's {name}")
    # A bare weekday is the next one after today: "friday" on a Friday is a week away.
    ahead = (day - today.weekday() - 1) % 7 + 1
    return DateRead(today + timedelta(days=ahead))


def _numeric(words: str, context: DateContext) -> DateRead | None:
    match = _NUMERIC.match(words)
    if not match:
        return None
    a, b, c = match.group(1), match.group(3), match.group(4)
    today = context.today
    if len(a) == 4:  # 2026-12-04, 2026/12/4: year first is never ambiguous
        if c is None:
            raise _impossible(words)
        return DateRead(_make(int(a), int(b), int(c), words))
    if len(a) > 2 or (c is not None and len(c) == 3):
        raise _impossible(words)
    first, second = int(a), int(b)
    if context.order is DateOrder.DMY:
        day, month, note = first, second, "day/month"
    else:  # MDY, and YMD with no year given (12/4 is 4 December in YMD locales too)
        day, month, note = second, first, "month/day"
    if c is None:
        value = _make(today.year, month, day, words, leap_ok=True)
        if value < today:
            value = _make(today.year + 1, month, day, words, leap_ok=True)
    else:
        year = int(c) + (2000 if len(c) == 2 else 0)
        value = _make(year, month, day, words)
    # Only a reading the other order could have made differently is worth a note.
    other_valid = first != second and first <= 12 and second <= 12
    return DateRead(value, f"read as {note}" if other_valid else "")


def _make(year: int, month: int, day: int, words: str, *, leap_ok: bool = False) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if leap_ok and month == 2 and day == 29:
            # 29/2 with no year: the next leap year's.
            for y in range(year, year + 8):
                if monthrange(y, 2)[1] == 29:
                    return date(y, 2, 29)
        raise _impossible(words) from None


def _impossible(words: str) -> InvalidInput:
    return InvalidInput(f"`{_keep(words)}` is not a day on the calendar. {DATE_HINT}")


def _zh_number(chars: str) -> str:
    # 三 -> 3, 十 -> 10, 十二 -> 12, 二十 -> 20: enough for "in N days/weeks/months".
    if "十" in chars:
        tens, _, ones = chars.partition("十")
        return str((_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + _ZH_DIGITS.get(ones, 0))
    return "".join(str(_ZH_DIGITS[ch]) for ch in chars)


def _library(words: str, today: date) -> DateRead | None:
    if re.fullmatch(r"[\d\s]*", words) or not _ANCHOR.search(words):
        # A bare number is a typo, not the 5th; and a phrase with no digit, month, unit or
        # Chinese in it ("in a") is one the library would only guess at.
        return None
    words = _ZH_NUMBER.sub(lambda m: _zh_number(m.group(0)), words)
    words = _ZH_MONTH_DAY.sub(r"\1月\2", words)
    warm_up()  # waits for a warm-up under way elsewhere rather than racing it
    try:
        data = _parser(today).get_date_data(words)
    except Exception:  # a library's odd input error means "not a date" here
        return None
    if data.date_obj is None or data.date_obj.date() < today:
        return None  # every date teamloop asks for lies ahead; a past reading is a misreading
    found = data.date_obj.date()
    if "year" not in (data.parts or ()) and (found.month, found.day) == (today.month, today.day):
        # dateparser's "future" moves today's own date ("Nov 30" on 30 Nov) a year on.
        found = today
    return DateRead(found)


@lru_cache(maxsize=16)
def _parser(today: date) -> DateDataParser:
    """dateparser for English and Chinese, reading relative phrases from `today`.

    Imported here, not at module import: loading its language data takes a while and
    only date phrases need it. Numeric orders never reach it (see `_numeric`)."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY",
    }
    return DateDataParser(languages=["en", "zh"], settings=settings, try_previous_locales=False)


_loading = threading.Lock()
_loaded = threading.Event()


def warm_up() -> None:
    """Load dateparser's English and Chinese data now, once per process (about 0.4 s of CPU).

    Thread-safe: a caller arriving while another thread loads waits for it (one lock), and
    once loaded this is a flag check. `_library` calls it before its first use, so a date
    phrase never meets half-loaded data whoever started the loading."""
    if _loaded.is_set():
        return
    with _loading:
        if _loaded.is_set():
            return
        _parser(date(2026, 1, 1)).get_date_data("Dec 4")
        _parser(date(2026, 1, 1)).get_date_data("12月4")
        _loaded.set()


def warm_up_soon() -> threading.Thread:
    """Start `warm_up` on a daemon thread and return it: called once a server listens, so
    the load costs neither the start nor the first person's ack (a request that needs
    dateparser before it is done waits for it in `warm_up`)."""
    thread = threading.Thread(target=warm_up, name="teamloop-warm-up", daemon=True)
    thread.start()
    return thread
