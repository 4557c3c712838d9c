"""Recurrences in local time: weekdays at HH:MM in an IANA zone, turned into UTC instants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule
from dateutil.tz import resolve_imaginary

CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAYS = "MO,TU,WE,TH,FR"
DAILY = ",".join(CODES)


def parse_weekdays(codes: str) -> list[rrule.weekday]:
    """rrule weekdays from "MO,WE,FR" (raises ValueError on an unknown code)."""
    days = [c.strip().upper() for c in codes.split(",") if c.strip()]
    if not days or any(d not in CODES for d in days):
        raise ValueError(f"unknown weekdays {codes!r}")
    return [rrule.weekdays[CODES.index(d)] for d in days]


def parse_hhmm(value: str) -> time:
    """A local time from "HH:MM" (raises ValueError)."""
    hh, _, mm = value.partition(":")
    return time(int(hh), int(mm))


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach a zone: a time skipped by spring-forward moves forward, an ambiguous one is
    the first (fold=0), so every local date yields exactly one instant."""
    return resolve_imaginary(naive.replace(tzinfo=zone, fold=0))


def instants(
    *, weekdays: str, local_time: str, zone: str, after: datetime, until: datetime
) -> Iterator[datetime]:
    """UTC instants in (after, until] when the recurrence fires, oldest first."""
    tz = ZoneInfo(zone)
    at = parse_hhmm(local_time)
    # Walk local dates a day either side of the window; the UTC filter below is exact.
    first = after.astimezone(tz).date() - timedelta(days=1)
    last = until.astimezone(tz).date() + timedelta(days=1)
    rule = rrule.rrule(
        rrule.DAILY,
        byweekday=parse_weekdays(weekdays),
        byhour=at.hour,
        byminute=at.minute,
        bysecond=0,
        dtstart=datetime.combine(first, time()),
        until=datetime.combine(last, time(23, 59)),
    )
    for naive in rule:
        instant = localize(naive, tz).astimezone(UTC)
        if after < instant <= until:
            yield instant


def next_instant(*, weekdays: str, local_time: str, zone: str, after: datetime) -> datetime:
    """The first firing strictly after `after` (for "next run" answers)."""
    for instant in instants(
        weekdays=weekdays, local_time=local_time, zone=zone, after=after, until=after + timedelta(8)
    ):
        return instant
    raise ValueError("recurrence never fires")
