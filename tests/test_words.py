"""Dates and words people actually type: a table of date phrases (English and Chinese, each
with its expected date for a fixed today and zone) and a table of labelled answers to the
blockers question. Expected values were worked out by hand from a calendar, not by running
the parser."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput
from bot.parsing.blockers import is_blocker
from bot.parsing.dates import DateContext, DateOrder, read_date, say_date

D, M, Y = DateOrder.DMY, DateOrder.MDY, DateOrder.YMD
MON = "2026-11-30T12:00Z"  # a Monday; its week runs to Sun 6 Dec
FRI = "2026-12-04T12:00Z"
NYE = "2026-12-31T12:00Z"  # a Thursday
LEAP = "2028-02-28T12:00Z"  # a Monday before a leap day
FEB = "2026-02-27T12:00Z"  # a Friday in a common year
# (now, zone, order, phrase, expected date or None for "refused")
DATES: list[tuple[str, str, DateOrder, str, str | None]] = [
    (MON, "UTC", D, "2026-12-04", "2026-12-04"),
    (MON, "UTC", D, "today", "2026-11-30"),
    (MON, "UTC", D, "Today", "2026-11-30"),
    (MON, "UTC", D, "eod", "2026-11-30"),
    (MON, "UTC", D, "EOD", "2026-11-30"),
    (MON, "UTC", D, "end of day", "2026-11-30"),
    (MON, "UTC", D, "tomorrow", "2026-12-01"),
    (MON, "UTC", D, "tmrw", "2026-12-01"),
    (MON, "UTC", D, "tmr", "2026-12-01"),
    (MON, "UTC", D, "Tomorrow.", "2026-12-01"),
    (MON, "UTC", D, "TOMORROW", "2026-12-01"),
    (MON, "UTC", D, "eow", "2026-12-04"),
    (MON, "UTC", D, "EOW", "2026-12-04"),
    (MON, "UTC", D, "end of week", "2026-12-04"),
    (MON, "UTC", D, "end of the week", "2026-12-04"),
    (MON, "UTC", D, "eom", "2026-11-30"),
    (MON, "UTC", D, "end of month", "2026-11-30"),
    (MON, "UTC", D, "end of the month", "2026-11-30"),
    (MON, "UTC", D, "end of quarter", "2026-12-31"),
    (MON, "UTC", D, "eoq", "2026-12-31"),
    (MON, "UTC", D, "end of year", "2026-12-31"),
    (MON, "UTC", D, "monday", "2026-12-07"),
    (MON, "UTC", D, "tuesday", "2026-12-01"),
    (MON, "UTC", D, "tue", "2026-12-01"),
    (MON, "UTC", D, "wednesday", "2026-12-02"),
    (MON, "UTC", D, "thu", "2026-12-03"),
    (MON, "UTC", D, "friday", "2026-12-04"),
    (MON, "UTC", D, "Fri", "2026-12-04"),
    (MON, "UTC", D, "saturday", "2026-12-05"),
    (MON, "UTC", D, "sunday", "2026-12-06"),
    (MON, "UTC", D, "next monday", "2026-12-07"),
    (MON, "UTC", D, "next tuesday", "2026-12-08"),
    (MON, "UTC", D, "next friday", "2026-12-11"),
    (MON, "UTC", D, "next sunday", "2026-12-13"),
    (MON, "UTC", D, "this friday", "2026-12-04"),
    (MON, "UTC", D, "this wednesday", "2026-12-02"),
    (MON, "UTC", D, "on friday", "2026-12-04"),
    (MON, "UTC", D, "coming friday", "2026-12-04"),
    (MON, "UTC", D, "in 3 days", "2026-12-03"),
    (MON, "UTC", D, "in 1 day", "2026-12-01"),
    (MON, "UTC", D, "in 2 weeks", "2026-12-14"),
    (MON, "UTC", D, "in 1 week", "2026-12-07"),
    (MON, "UTC", D, "in a week", "2026-12-07"),
    (MON, "UTC", D, "in 10 days", "2026-12-10"),
    (MON, "UTC", D, "in 2 months", "2027-01-30"),
    (MON, "UTC", D, "in 1 month", "2026-12-30"),
    (MON, "UTC", D, "Dec 4", "2026-12-04"),
    (MON, "UTC", D, "dec 4", "2026-12-04"),
    (MON, "UTC", D, "December 4", "2026-12-04"),
    (MON, "UTC", D, "4 Dec", "2026-12-04"),
    (MON, "UTC", D, "4 December", "2026-12-04"),
    (MON, "UTC", D, "Dec 4 2026", "2026-12-04"),
    (MON, "UTC", D, "4 Dec 2026", "2026-12-04"),
    (MON, "UTC", D, "December 4th", "2026-12-04"),
    (MON, "UTC", D, "Dec 25", "2026-12-25"),
    (MON, "UTC", D, "Jan 15", "2027-01-15"),
    (MON, "UTC", D, "15 Jan 2027", "2027-01-15"),
    (MON, "UTC", D, "Nov 30", "2026-11-30"),
    (MON, "UTC", D, "Feb 28", "2027-02-28"),
    (MON, "UTC", D, "March 1 2027", "2027-03-01"),
    (MON, "UTC", D, "2027-01-01", "2027-01-01"),
    (MON, "UTC", D, "2026/12/04", "2026-12-04"),
    (MON, "UTC", D, "2026.12.4", "2026-12-04"),
    (MON, "UTC", D, "12/4", "2027-04-12"),
    (MON, "UTC", M, "12/4", "2026-12-04"),
    (MON, "UTC", D, "4/12", "2026-12-04"),
    (MON, "UTC", M, "4/12", "2027-04-12"),
    (MON, "UTC", D, "01/02/2027", "2027-02-01"),
    (MON, "UTC", M, "01/02/2027", "2027-01-02"),
    (MON, "UTC", D, "31/12", "2026-12-31"),
    (MON, "UTC", M, "12/31", "2026-12-31"),
    (MON, "UTC", D, "31/12/2026", "2026-12-31"),
    (MON, "UTC", M, "12/31/26", "2026-12-31"),
    (MON, "UTC", D, "4.12.2026", "2026-12-04"),
    (MON, "UTC", D, "04-12-2026", "2026-12-04"),
    (MON, "UTC", M, "12-04-2026", "2026-12-04"),
    (MON, "UTC", Y, "12/4", "2026-12-04"),
    (MON, "UTC", Y, "2027/1/2", "2027-01-02"),
    (MON, "UTC", D, "1/12", "2026-12-01"),
    (MON, "UTC", M, "1/12", "2027-01-12"),
    (MON, "UTC", D, "30/11", "2026-11-30"),
    (MON, "UTC", D, "29/11", "2027-11-29"),
    (MON, "UTC", D, "13/12", "2026-12-13"),
    (MON, "UTC", D, "in\u00a03 days", "2026-12-03"),
    (MON, "UTC", D, "  friday  ", "2026-12-04"),
    (MON, "UTC", D, "今天", "2026-11-30"),
    (MON, "UTC", D, "明天", "2026-12-01"),
    (MON, "UTC", D, "后天", "2026-12-02"),
    (MON, "UTC", D, "大后天", "2026-12-03"),
    (MON, "UTC", D, "周五", "2026-12-04"),
    (MON, "UTC", D, "星期五", "2026-12-04"),
    (MON, "UTC", D, "礼拜五", "2026-12-04"),
    (MON, "UTC", D, "周一", "2026-12-07"),
    (MON, "UTC", D, "周日", "2026-12-06"),
    (MON, "UTC", D, "星期天", "2026-12-06"),
    (MON, "UTC", D, "下周五", "2026-12-11"),
    (MON, "UTC", D, "下周一", "2026-12-07"),
    (MON, "UTC", D, "下星期三", "2026-12-09"),
    (MON, "UTC", D, "下个星期五", "2026-12-11"),
    (MON, "UTC", D, "本周五", "2026-12-04"),
    (MON, "UTC", D, "这周三", "2026-12-02"),
    (MON, "UTC", D, "12月4日", "2026-12-04"),
    (MON, "UTC", D, "12月4号", "2026-12-04"),
    (MON, "UTC", D, "12月25日", "2026-12-25"),
    (MON, "UTC", D, "1月15日", "2027-01-15"),
    (MON, "UTC", D, "2027年1月15日", "2027-01-15"),
    (MON, "UTC", D, "月底", "2026-11-30"),
    (MON, "UTC", D, "月末", "2026-11-30"),
    (MON, "UTC", D, "年底", "2026-12-31"),
    (MON, "UTC", D, "3天后", "2026-12-03"),
    (MON, "UTC", D, "三天后", "2026-12-03"),
    (MON, "UTC", D, "10天后", "2026-12-10"),
    (MON, "UTC", D, "十天后", "2026-12-10"),
    (MON, "UTC", D, "2周后", "2026-12-14"),
    (MON, "UTC", D, "两周后", "2026-12-14"),
    (MON, "UTC", D, "本周", "2026-12-04"),
    (FRI, "UTC", D, "friday", "2026-12-11"),
    (FRI, "UTC", D, "today", "2026-12-04"),
    (FRI, "UTC", D, "eow", "2026-12-04"),
    (FRI, "UTC", D, "next friday", "2026-12-11"),
    (FRI, "UTC", D, "next monday", "2026-12-07"),
    (FRI, "UTC", D, "monday", "2026-12-07"),
    (FRI, "UTC", D, "tomorrow", "2026-12-05"),
    (FRI, "UTC", D, "this friday", "2026-12-04"),
    (FRI, "UTC", D, "周五", "2026-12-11"),
    (FRI, "UTC", D, "下周一", "2026-12-07"),
    (FRI, "UTC", D, "in 3 days", "2026-12-07"),
    (FRI, "UTC", D, "eom", "2026-12-31"),
    (NYE, "UTC", D, "tomorrow", "2027-01-01"),
    (NYE, "UTC", D, "明天", "2027-01-01"),
    (NYE, "UTC", D, "eom", "2026-12-31"),
    (NYE, "UTC", D, "eoy", "2026-12-31"),
    (NYE, "UTC", D, "eoq", "2026-12-31"),
    (NYE, "UTC", D, "friday", "2027-01-01"),
    (NYE, "UTC", D, "next monday", "2027-01-04"),
    (NYE, "UTC", D, "in 2 weeks", "2027-01-14"),
    (NYE, "UTC", D, "Jan 2", "2027-01-02"),
    (NYE, "UTC", D, "2/1", "2027-01-02"),
    (NYE, "UTC", M, "1/2", "2027-01-02"),
    (NYE, "UTC", M, "12/31", "2026-12-31"),
    (NYE, "UTC", D, "下周五", "2027-01-08"),
    (NYE, "UTC", D, "eow", "2027-01-01"),
    (NYE, "UTC", D, "in 1 month", "2027-01-31"),
    (LEAP, "UTC", D, "tomorrow", "2028-02-29"),
    (LEAP, "UTC", D, "eom", "2028-02-29"),
    (LEAP, "UTC", D, "in 2 days", "2028-03-01"),
    (LEAP, "UTC", D, "29/2", "2028-02-29"),
    (LEAP, "UTC", M, "2/29", "2028-02-29"),
    (LEAP, "UTC", D, "Feb 29", "2028-02-29"),
    (LEAP, "UTC", D, "后天", "2028-03-01"),
    (LEAP, "UTC", D, "月底", "2028-02-29"),
    (LEAP, "UTC", D, "end of quarter", "2028-03-31"),
    (FEB, "UTC", D, "eom", "2026-02-28"),
    (FEB, "UTC", D, "29/2", "2028-02-29"),
    (FEB, "UTC", D, "tomorrow", "2026-02-28"),
    (FEB, "UTC", D, "in 2 days", "2026-03-01"),
    (FEB, "UTC", D, "end of quarter", "2026-03-31"),
    (FEB, "UTC", D, "monday", "2026-03-02"),
    # DST days and zones whose date differs from UTC's: "today" is the person's own.
    ("2026-03-29T00:30Z", "Europe/Berlin", D, "today", "2026-03-29"),
    ("2026-03-29T00:30Z", "Europe/Berlin", D, "tomorrow", "2026-03-30"),
    ("2026-03-29T00:30Z", "Europe/Berlin", D, "eow", "2026-04-03"),
    ("2026-03-29T00:30Z", "Europe/Berlin", D, "monday", "2026-03-30"),
    ("2026-03-28T23:30Z", "Europe/Berlin", D, "today", "2026-03-29"),
    ("2026-11-01T04:30Z", "America/New_York", M, "today", "2026-11-01"),
    ("2026-11-01T04:30Z", "America/New_York", M, "tomorrow", "2026-11-02"),
    ("2026-11-01T03:30Z", "America/New_York", M, "today", "2026-10-31"),
    ("2026-10-25T00:30Z", "Europe/London", D, "tomorrow", "2026-10-26"),
    ("2026-11-30T20:00Z", "Asia/Tokyo", Y, "today", "2026-12-01"),
    ("2026-11-30T20:00Z", "Asia/Tokyo", Y, "明天", "2026-12-02"),
    ("2026-11-30T20:00Z", "America/Los_Angeles", M, "today", "2026-11-30"),
    ("2026-11-30T20:00Z", "Pacific/Kiritimati", D, "eom", "2026-12-31"),
    # As deadlines are written: "by …", "…前/之前", punctuation, hyphens, typed in chat.
    (MON, "UTC", D, "by friday", "2026-12-04"),
    (MON, "UTC", D, "by tomorrow", "2026-12-01"),
    (MON, "UTC", D, "Friday?", "2026-12-04"),
    (MON, "UTC", D, "end-of-month", "2026-11-30"),
    (MON, "UTC", D, "tonight", "2026-11-30"),
    (MON, "UTC", D, "weds", "2026-12-02"),
    (MON, "UTC", D, "今晚", "2026-11-30"),
    (MON, "UTC", D, "周五前", "2026-12-04"),
    (MON, "UTC", D, "下周五之前", "2026-12-11"),
    (MON, "UTC", D, "12月4日前", "2026-12-04"),
    (MON, "UTC", D, "3 天后", "2026-12-03"),
    (MON, "UTC", D, "十二月四日", "2026-12-04"),
    (MON, "UTC", D, "12月底", "2026-12-31"),
    (FRI, "UTC", D, "11月底", "2027-11-30"),
    (MON, "UTC", D, "the 15th", "2026-12-15"),
    (MON, "UTC", D, "30th", "2026-11-30"),
    ("2026-01-31T12:00Z", "UTC", D, "30th", "2026-03-30"),  # February has none
    # "next week" names no day: teamloop reads it as the end of next week, and says so.
    (MON, "UTC", D, "next week", "2026-12-11"),
    (MON, "UTC", D, "end of next week", "2026-12-11"),
    (MON, "UTC", D, "下周", "2026-12-11"),
    (MON, "UTC", D, "下个星期", "2026-12-11"),
    (FRI, "UTC", D, "next week", "2026-12-11"),
    # A weekday written with a numeric date: the number in the person's order, checked.
    (MON, "UTC", M, "fri 12/4", "2026-12-04"),
    (MON, "UTC", M, "12/4 friday", "2026-12-04"),
    (MON, "UTC", D, "Fri, 4/12", "2026-12-04"),
    (MON, "UTC", M, "Fri 01/01/2027", "2027-01-01"),
    # Refused: not a date, an impossible day, a date already past, or too far.
    (MON, "UTC", M, "tue 12/4", None),  # 4 Dec is a Friday: which one was meant?
    (MON, "UTC", M, "12/4 5pm", None),  # the library would read 12 April
    (MON, "UTC", D, "december", None),  # no day: the library would pick 30 Dec
    (MON, "UTC", D, "Jan", None),
    (MON, "UTC", D, "2027", None),
    (MON, "UTC", D, "next year", None),
    (MON, "UTC", D, "next month", None),
    (MON, "UTC", D, "下个月", None),
    (MON, "UTC", D, "明年", None),
    (MON, "UTC", D, "12月", None),
    (MON, "UTC", D, "3天前", None),
    (MON, "UTC", D, "frday", None),
    (MON, "UTC", D, "TBD", None),
    (MON, "UTC", D, "Q1", None),
    (MON, "UTC", D, "someday", None),
    (MON, "UTC", D, "soon", None),
    (MON, "UTC", D, "asap", None),
    (MON, "UTC", D, "whenever", None),
    (MON, "UTC", D, "next sprint", None),
    (MON, "UTC", D, "in a while", None),
    (MON, "UTC", D, "", None),
    (MON, "UTC", D, "5", None),
    (MON, "UTC", D, "2026-02-30", None),
    (MON, "UTC", D, "31/2", None),
    (MON, "UTC", D, "13/13", None),
    (MON, "UTC", M, "13/12", None),
    (MON, "UTC", D, "yesterday", None),
    (MON, "UTC", D, "3 days ago", None),
    (MON, "UTC", D, "in 99999 days", None),
    (MON, "UTC", D, "以后", None),
    (MON, "UTC", D, "下次", None),
]


def _context(now: str, zone: str, order: DateOrder) -> DateContext:
    instant = datetime.fromisoformat(now.replace("Z", "+00:00"))
    return DateContext(today=instant.astimezone(ZoneInfo(zone)).date(), order=order)


def test_the_table_is_big_enough() -> None:
    assert len(DATES) >= 150
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in row[3]) for row in DATES) >= 40


@pytest.mark.parametrize(("now", "zone", "order", "phrase", "expected"), DATES)
def test_date_phrases(
    now: str, zone: str, order: DateOrder, phrase: str, expected: str | None
) -> None:
    context = _context(now, zone, order)
    if expected is None:
        with pytest.raises(InvalidInput) as caught:
            read_date(phrase, context=context)
        # The answer keeps what was typed and says what to type instead.
        assert phrase.strip() in caught.value.message and "friday" in caught.value.message
        return
    assert read_date(phrase, context=context).value == date.fromisoformat(expected)


def test_doubtful_readings_are_stated_back() -> None:
    monday = _context(MON, "UTC", D)
    assert read_date("01/02/2027", context=monday).note == "read as day/month"
    assert read_date("13/12", context=monday).note == ""  # only one reading exists
    assert read_date("next tuesday", context=monday).note == "means next week's Tuesday"
    assert read_date("12/4", context=_context(MON, "UTC", M)).note == "read as month/day"
    assert read_date("next week", context=monday).note == "means the end of next week"
    assert read_date("fri 12/4", context=_context(MON, "UTC", M)).note == "read as month/day"
    assert say_date(date(2026, 12, 4)) == "Fri 4 Dec 2026"
    assert say_date(date(2026, 12, 1), today=date(2026, 11, 30)) == "Tue 1 Dec 2026 (tomorrow)"


# (answer, is it a blocker?)
BLOCKERS: list[tuple[str, bool]] = [
    ("No blockers today", False),
    ("no blockers", False),
    ("No blocker.", False),
    ("not really", False),
    ("Not really!", False),
    ("nothing blocking", False),
    ("Nothing blocking me", False),
    ("nothing", False),
    ("Nothing so far", False),
    ("none", False),
    ("None.", False),
    ("none today", False),
    ("nope", False),
    ("Nope 👍", False),
    ("no", False),
    ("No!", False),
    ("n/a", False),
    ("N/A", False),
    ("-", False),
    ("—", False),
    ("", False),
    ("all good", False),
    ("All good, thanks!", False),
    ("all clear", False),
    ("I'm good", False),
    ("I’m fine", False),
    ("not blocked", False),
    ("Not at the moment", False),
    ("no issues", False),
    ("No problems", False),
    ("nothing to report", False),
    ("no blockers 🎉", False),
    ("Nope, thanks", False),
    ("无阻碍", False),
    ("暂无", False),
    ("没有", False),
    ("无", False),
    ("没有阻碍", False),
    ("一切顺利", False),
    ("没问题", False),
    ("目前没有", False),
    ("暂时没有。", False),
    ("blocked on API keys", True),
    ("Blocked by the design review", True),
    ("waiting for legal sign-off", True),
    ("Waiting on QA", True),
    ("need access to prod", True),
    ("Needs a decision from Alice", True),
    ("stuck on the flaky CI", True),
    ("depends on the billing team", True),
    ("can't deploy until infra fixes the VPN", True),
    ("No, but waiting for the API keys", True),
    ("nothing blocking, but I need the Figma file", True),
    ("not really, just waiting on review", True),
    ("None except the staging outage", True),
    ("no access to Sentry", True),
    ("The staging DB is down", True),
    ("需要设计稿", True),
    ("等后端接口", True),
    ("卡在登录问题上", True),
    ("没有，但是需要权限", True),
    ("依赖支付团队", True),
]


def test_blocker_table_is_big_enough() -> None:
    assert len(BLOCKERS) >= 60
    assert {label for _, label in BLOCKERS} == {True, False}


@pytest.mark.parametrize(("answer", "expected"), BLOCKERS)
def test_blocker_answers(answer: str, expected: bool) -> None:
    assert is_blocker(answer) is expected
