"""Standup rules that need no database: parsing `/standup schedule`, who is away, which
answer names a blocker."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput
from bot.parsing.blockers import is_blocker
from bot.parsing.slack_text import echo, plain, too_long
from bot.scheduling.recurrence import CODES, DAILY, WEEKDAYS, parse_hhmm

DEFAULT_QUESTIONS = (
    "What did you get done since the last standup?",
    "What will you do today?",
    "Anything blocking you?",
)
MEMBER_ZONES = "member-zones"
SCHEDULE_USAGE = "/standup schedule weekdays 09:30 Europe/Berlin"
AWAY_EMOJI = {":palm_tree:", ":face_with_thermometer:"}
AWAY_WORDS = re.compile(r"\b(vacation|holiday|holidays|ooo|out of office|sick|leave)\b", re.I)
_DAY_NAMES = {name: code for code in CODES for name in (code.lower(),)}
_DAY_NAMES.update(
    {
        "mon": "MO", "tue": "TU", "tues": "TU", "wed": "WE", "thu": "TH", "thur": "TH",
        "thurs": "TH", "fri": "FR", "sat": "SA", "sun": "SU", "monday": "MO", "tuesday": "TU",
        "wednesday": "WE", "thursday": "TH", "friday": "FR", "saturday": "SA", "sunday": "SU",
    }
)  # fmt: skip


@dataclass(frozen=True)
class When:
    """A parsed `schedule`: rrule weekday codes, local HH:MM, a zone or None for member zones."""

    weekdays: str
    local_time: str
    zone: str | None


DAYS_HINT = "Use `weekdays`, `daily` or `mon,wed,fri`."


def parse_days(text: str, *, hint: str = DAYS_HINT) -> str:
    """`weekdays`, `daily`, `mon,wed,fri` (or `monday`) as rrule codes "MO,WE,FR".

    `hint` is what a refusal suggests instead (a weekly verb accepts one day only).
    """
    word = text.strip().lower()
    if word in ("weekdays", "workdays"):
        return WEEKDAYS
    if word in ("daily", "everyday", "every-day"):
        return DAILY
    codes = []
    for part in filter(None, re.split(r"[,\s]+", word)):
        code = _DAY_NAMES.get(part)
        if code is None:
            raise InvalidInput(f"I don't know the day `{echo(part, 20)}`. {hint}")
        codes.append(code)
    if not codes:
        raise InvalidInput(f"Which days? {hint}")
    return ",".join(c for c in CODES if c in codes)


def parse_time(text: str) -> str:
    """`9:30` or `09:30` as "09:30"."""
    if not re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
        raise InvalidInput(f"`{echo(text)}` is not a time. Use 24-hour HH:MM, like `09:30`.")
    try:
        at = parse_hhmm(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"`{echo(text)}` is not a time. Use 24-hour HH:MM, like `09:30`."
        ) from exc
    return f"{at.hour:02d}:{at.minute:02d}"


def parse_zone(text: str) -> str:
    """An IANA zone name, checked."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"`{echo(text)}` is not a time zone. Use an IANA name like `Europe/Berlin`, "
            f"or `{MEMBER_ZONES}` for each person's own zone."
        ) from exc
    return text


def parse_when(args: list[str], *, default_zone: str, usage: str = SCHEDULE_USAGE) -> When:
    """`<days> <HH:MM> [<zone>|member-zones]` (days may be left out: weekdays)."""
    if not args:
        raise InvalidInput(f"When? Type `{usage}`.")
    words = list(args)
    days = WEEKDAYS
    if not re.fullmatch(r"\d{1,2}:\d{2}", words[0]):
        days = parse_days(words.pop(0))
    if not words:
        raise InvalidInput(f"At what time? Type `{usage}`.")
    local_time = parse_time(words.pop(0))
    zone: str | None = default_zone
    if words:
        word = words.pop(0)
        zone = None if word.lower() == MEMBER_ZONES else parse_zone(word)
    if words:
        raise InvalidInput(f"I did not understand `{' '.join(words)}`. Type `{usage}`.")
    return When(days, local_time, zone)


def is_none(answer: str) -> bool:
    """True when a blockers answer says there is no blocker (see `bot.parsing.blockers`)."""
    return not is_blocker(answer)


def blocker_index(questions: list[str]) -> int | None:
    """Which question asks about blockers: one that says "block", else the third."""
    for n, question in enumerate(questions):
        if "block" in question.lower():
            return n
    return 2 if len(questions) >= 3 else None


def plan_index(questions: list[str]) -> int | None:
    """Which question asks for today's plan: one that says "today", else the second."""
    for n, question in enumerate(questions):
        if "today" in question.lower():
            return n
    return 1 if len(questions) >= 2 else None


def away_reason(*, emoji: str, text: str, expiration: int, now: datetime) -> str | None:
    """Why a Slack status means "do not prompt" (vacation, sick), or None."""
    if expiration and expiration <= now.timestamp():
        return None  # the status has run out
    if emoji in AWAY_EMOJI:
        return f"status {emoji}"
    found = AWAY_WORDS.search(text or "")
    return f"status “{found.group(0)}”" if found else None


def parse_questions(text: str) -> list[str]:
    """`q1 | q2 | q3` as a list (1 to 5 questions, each up to 150 characters)."""
    questions = [q.strip() for q in plain(text).split("|") if q.strip()]
    if not questions:
        raise InvalidInput(
            "Give the questions separated by |, e.g. "
            "`/standup questions Done? | Today? | Blockers?`"
        )
    if len(questions) > 5:
        raise InvalidInput("At most 5 questions, please; people answer short standups.")
    long = next((q for q in questions if len(q) > 150), None)
    if long is not None:
        raise too_long("Questions are", 150, long)
    return questions
