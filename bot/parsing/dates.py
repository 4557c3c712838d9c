"""Dates as people type them, in English and Chinese, never silently misread.

First the phrase is read as a deadline: `by friday`, `周五前`, `Friday!`, `end-of-month`
mean what they say without the `by`, the `前`, the punctuation or the hyphens.
Reading order (first that answers wins):
1. teamloop's own shortcuts, whose meaning is a team convention rather than grammar:
   `today`/`eod`/`今天`, `tmrw`, `eow`/`end of week`, `next week`/`下周` (next week's
   Friday), `eom`/`end of month`/`月底`, `end of quarter`, `end of year`, weekday names
   (`friday`, `周五`: the next one after today), `next friday`/`下周五` (Friday of next
   week), `this friday`/`本周五`;
2. numeric dates (`12/4`, `01/02/2027`, `4.12.2026`) in the person's date order, since
   a library would guess the order silently; with a weekday (`fri 12/4`) checked against
   it; any other phrase with a numeric date in it is refused;
3. dateparser, limited to English and Chinese, for everything else (`Dec 4`, `4 Dec`,
   `in 3 days`, `in 2 weeks`, `明天`, `后天`, `12月4日`, `3天后`, `the 15th` …), except
   a reading with no day in it (`december`, `next month`, `明年`), which it would fill with
   today's day of the month.

Every reading returns the date and a short note when the phrase could mean something else
(`read as day/month`), so the answer can state it back ("Fri 4 Dec 2026").
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

from bot.errors import InvalidInput
from bot.parsing.date_library import parser, warm_up, warm_up_soon
from bot.parsing.date_types import (
    MAX_DAYS_AHEAD,
    DateConflict,
    DateContext,
    DateOrder,
    DateRead,
    ImpossibleDay,
    NoDay,
    PastDate,
    date_hint,
    example_date,
    order_for_locale,
    say_date,
)
from bot.parsing.slack_text import echo

__all__ = [
    "MAX_DAYS_AHEAD",
    "OWN_WORDS",
    "DateConflict",
    "DateContext",
    "DateOrder",
    "DateRead",
    "ImpossibleDay",
    "NoDay",
    "PastDate",
    "date_hint",
    "example_date",
    "order_for_locale",
    "parse_date",
    "read_date",
    "say_date",
    "warm_up",
    "warm_up_soon",
]  # fmt: skip


_EN_DAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_ZH_WEEK = r"(?:周|星期|礼拜)"
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_SHORTCUTS = {
    "today": "today", "eod": "today", "end of day": "today", "by eod": "today",
    "今天": "today", "今日": "today", "今天下班前": "today", "tonight": "today",
    "今晚": "today", "今天晚上": "today",
    "tomorrow": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow",
    "tomorow": "tomorrow", "eow": "eow", "end of week": "eow", "end of the week": "eow",
    "end of this week": "eow", "this week": "eow", "本周": "eow", "这周": "eow",
    "周末前": "eow", "本周末": "eow", "eom": "eom", "end of month": "eom",
    "end of the month": "eom", "end of this month": "eom", "月底": "eom", "月末": "eom",
    "本月底": "eom", "eoq": "eoq", "end of quarter": "eoq", "end of the quarter": "eoq",
    "季度末": "eoq", "本季度末": "eoq", "eoy": "eoy", "end of year": "eoy",
    "end of the year": "eoy", "年底": "eoy", "年末": "eoy", "next week": "eonw",
    "end of next week": "eonw", "下周": "eonw", "下星期": "eonw", "下个星期": "eonw",
    "下礼拜": "eonw", "下周末前": "eonw",
}  # fmt: skip
# Single words that start a phrase teamloop reads itself (for the capture grammar, which
# must tell `due tomorow` from `due diligence`).
OWN_WORDS = frozenset(k.split()[0] for k in _SHORTCUTS) | frozenset(_EN_DAYS)
_WEEKDAY_PHRASE = re.compile(r"^(?:(next|this|coming|on)\s+)?([a-z]+)$")
_ZH_WEEKDAY = re.compile(rf"^(下|下个|这|这个|本)?{_ZH_WEEK}([一二三四五六日天七])$")
_NUMERIC = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})(?:\2(\d{2,4}))?$")
_ZH_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})(?:日|号)?")
_ZH_MONTH_END = re.compile(r"^(\d{1,2})月(?:底|末)$")
# A numeric day/month inside a longer phrase ("fri 12/4"), with its year if any.
_NUMERIC_IN = re.compile(r"(?<![\d/.\-])\d{1,2}([/.\-])\d{1,2}(?:\1\d{2,4})?(?![\d/.\-])")
# "3天前" is "3 days ago": a count and a unit before 前 is not "before <a day>".
_ZH_COUNT = re.compile(r"^[\d零一二两三四五六七八九十几]+\s*(?:天|日|周|个?星期|个?礼拜|个?月|年)$")
# A count of months or years ("in 1 month", "2 years", "3个月后"): dateparser's reading of
# those keeps today's day of the month, which is what the phrase says.
_MONTHS_AHEAD = re.compile(
    r"(?:\d+|\ba|\ban|\bone|\btwo|\bthree|\bsix|\btwelve)\s*(?:months?|years?)\b|(?:个月|年)后"
)
_ANCHOR = re.compile(
    r"\d|[\u4e00-\u9fff]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?:day|days|week|weeks|month|months|year|years|fortnight|tomorrow)\b"
)
_ZH_NUMBER = re.compile(
    r"[零一二两三四五六七八九十]+(?=(?:天|日|周|星期|个?月|年)后)|[一二三四五六七八九十]+(?=月|日|号)"
)


# Words that plainly name a day gone by (every date teamloop asks for lies ahead).
_PAST = re.compile(
    r"^(?:(?:the )?day before yesterday|yesterday|last \w+|\d+ \w+ ago|a \w+ ago|昨天|前天"
    r"|[\d零一二两三四五六七八九十几]+\s*(?:天|周|个?星期|个?礼拜|个?月|年)前|上\S+)$"
)


def read_date(text: str, *, context: DateContext) -> DateRead:
    """Read `text` as a date for a person (see the module docstring for what is read).

    Returns the date and a note for readings open to doubt. Raises InvalidInput (whose
    message keeps the text and says what to type) when the text is not a date, names an
    impossible day (`2026-02-30`) or lies more than ten years ahead."""
    words = _deadline(text)
    today = context.today
    if not words:
        raise InvalidInput(f"Give a date. {date_hint(today)}")
    found = (
        _shortcut(words, today)
        or _weekday(words, today)
        or _numeric(words, context)
        or _dated_weekday(words, context, text)
        or _library(words, today, text)
    )
    if found is None and _PAST.match(words):
        raise PastDate(
            f"`{_keep(text)}` is in the past: give a day ahead, like `tomorrow`, `friday` or "
            f"`{example_date(today).isoformat()}`."
        )
    if found is None:
        raise InvalidInput(f"I couldn't read `{_keep(text)}` as a date. {date_hint(today)}")
    if (found.value - today).days > MAX_DAYS_AHEAD:
        raise InvalidInput(f"`{_keep(text)}` is more than ten years away. {date_hint(today)}")
    return DateRead(found.value, found.note, text)


def parse_date(text: str, *, today: date, order: DateOrder = DateOrder.DMY) -> date:
    """Just the date of `read_date` (for callers that state the date back themselves)."""
    return read_date(text, context=DateContext(today=today, order=order)).value


def _deadline(text: str) -> str:
    """The phrase as a deadline: lower case, spaces made plain, chat punctuation and the
    words that only say "on or before" dropped (`by friday`, `周五前`, `end-of-month`)."""
    words = " ".join(text.lower().replace("\u00a0", " ").split()).strip(" .,;!?。，！？")
    words = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", words)  # end-of-month
    words = re.sub(r"(?<=[\d零一二两三四五六七八九十])\s+(?=[\u4e00-\u9fff])", "", words)  # 3 天后
    if words.startswith("by "):
        words = words[3:]
    for before in ("之前", "以前", "前"):
        rest = words.removesuffix(before)
        if rest != words and rest and not _ZH_COUNT.match(rest):
            return rest.strip()
    return words


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
    if kind == "eonw":
        # "next week" names no day; as a deadline it is next week's Friday, said so.
        friday = today - timedelta(days=today.weekday()) + timedelta(days=11)
        return DateRead(friday, "means the end of next week")
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


def _dated_weekday(words: str, context: DateContext, text: str) -> DateRead | None:
    """`fri 12/4`, `12/4 friday`: the number read in the person's order, and the weekday
    checked against it. Any other phrase with a numeric date in it is not read at all,
    since the library would read the number in one order, silently."""
    match = _NUMERIC_IN.search(words)
    if not match:
        return None
    rest = (words[: match.start()] + " " + words[match.end() :]).replace(",", " ").split()
    day = _EN_DAYS.get(rest[0]) if len(rest) == 1 else None
    found = _numeric(match.group(0), context) if day is not None else None
    if found is None or day is None:
        raise InvalidInput(
            f"I couldn't read `{_keep(text)}` as a date: give the day alone, like "
            f"`{match.group(0)}`. {date_hint(context.today)}"
        )
    if found.value.weekday() != day:
        try:
            this_year = found.value.replace(year=context.today.year)
        except ValueError:  # 29 February
            this_year = found.value
        recent = context.today - timedelta(days=31) <= this_year < context.today
        if recent and this_year.weekday() == day:
            # `fri 12/4` on 7 December: that Friday has just been; the year on is no Friday.
            # (A conflict, so no shorter phrase, `fri` alone, is read instead.)
            raise DateConflict(
                f"`{_keep(text)}` is in the past ({say_date(this_year)}): give a day ahead, "
                f"like `tomorrow`, `friday` or `{example_date(context.today).isoformat()}`."
            )
        raise DateConflict(
            f"`{_keep(text)}` doesn't add up: `{match.group(0)}` reads as "
            f"{say_date(found.value)}, not a {_DAY_NAMES[day]}. {date_hint(context.today)}"
        )
    return found


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
    return ImpossibleDay(
        f"`{_keep(words)}` is not a day on the calendar. Try `friday`, `tomorrow` or `in 3 days`."
    )


def _zh_number(chars: str) -> str:
    # 三 -> 3, 十 -> 10, 十二 -> 12, 二十 -> 20: enough for "in N days/weeks/months".
    if "十" in chars:
        tens, _, ones = chars.partition("十")
        return str((_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + _ZH_DIGITS.get(ones, 0))
    return "".join(str(_ZH_DIGITS[ch]) for ch in chars)


def _library(words: str, today: date, text: str) -> DateRead | None:
    if re.fullmatch(r"[\d\s]*", words) or not _ANCHOR.search(words):
        # A bare number is a typo, not the 5th; and a phrase with no digit, month, unit or
        # Chinese in it ("in a") is one the library would only guess at.
        return None
    words = _ZH_NUMBER.sub(lambda m: _zh_number(m.group(0)), words)
    if month_end := _ZH_MONTH_END.match(words):  # 12月底: that month's last day
        month = int(month_end.group(1))
        if not 1 <= month <= 12:
            return None
        year = today.year + (month < today.month)
        return DateRead(date(year, month, monthrange(year, month)[1]))
    words = _ZH_MONTH_DAY.sub(r"\1月\2", words)
    warm_up()  # waits for a warm-up under way elsewhere rather than racing it
    try:
        data = parser(today).get_date_data(words)
    except Exception:  # a library's odd input error means "not a date" here
        return None
    if data.date_obj is None:
        return None
    found = data.date_obj.date()
    if tuple(data.parts or ()) == ("day",) and found < today:
        # "the 15th" on the 23rd: the library keeps this month's; the next one is meant.
        # The next month that has that day ("30th" on 31 Jan is 30 March).
        month = found.replace(day=1)
        while True:
            month = (month + timedelta(days=32)).replace(day=1)
            if found.day <= monthrange(month.year, month.month)[1]:
                break
        found = month.replace(day=found.day)
    if found < today:
        return None  # every date teamloop asks for lies ahead; a past reading is a misreading
    if "day" not in (data.parts or ()) and not _MONTHS_AHEAD.search(words):
        # `december`, `next month`, `明年`: no day in them, and the library would pick
        # today's day of the month (a year away for `december` in December).
        raise NoDay(
            f"`{_keep(text)}` names no day: say which, like `{found:%b} 15` or "
            f"`end of month`. {date_hint(today)}"
        )
    if "year" not in (data.parts or ()) and (found.month, found.day) == (today.month, today.day):
        # dateparser's "future" moves today's own date ("Nov 30" on 30 Nov) a year on.
        found = today
    return DateRead(found)
