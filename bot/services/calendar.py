"""When someone may be messaged: their own zone, the team's working days, working hours,
public holidays of the team's country, and not while they are away.

Every DM teamloop sends on a schedule (reminders, standup prompts, "pause my standups?")
asks `slot` for the instant it may leave; a channel post asks `working_day`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.services import people
from storage.reminders import ChannelCalendar
from storage.scheduling import Schedule
from storage.standups import Away, Person

# DMs leave between 08:00 and 18:30 local time: the half hour keeps a send delayed by the
# outbox's pacing (or a standup reminder queued for later) inside 19:00.
WORK_START = time(8, 0)
WORK_END = time(18, 30)
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MON_TO_FRI = frozenset(range(5))
# An away date meaning "paused until `/standup back`" (Pause my standups, or too many missed).
PAUSED_UNTIL = date(9999, 12, 31)
# A message that cannot leave within this long is not queued: the next daily run asks again.
HORIZON = timedelta(hours=24)


@dataclass(frozen=True)
class Calendar:
    """A channel's working week: weekdays (0 = Monday), holiday country (ISO 3166 alpha-2 or
    None), and the zone used for people whose own zone teamloop does not know."""

    weekdays: frozenset[int]
    country: str | None
    zone: ZoneInfo

    def working_day(self, day: date) -> bool:
        """A working weekday that is not a public holiday of the country."""
        return day.weekday() in self.weekdays and not is_holiday(self.country, day)


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays  # its country tables load when a calendar is first asked for

    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_holiday(country: str | None, day: date) -> bool:
    """Is `day` a public holiday in `country` (national holidays, the `holidays` library)?"""
    return bool(country) and day in _holidays(str(country), day.year)


def check_country(code: str) -> str:
    """An ISO country code the `holidays` library knows, upper-cased; InvalidInput otherwise."""
    import holidays

    wanted = code.strip().upper()
    if wanted not in holidays.list_supported_countries():
        raise InvalidInput(
            f"I don't know public holidays for {code.strip()[:20]!r}. Type a two-letter country "
            "code, e.g. `/digest holidays DE`, or `/digest holidays off`."
        )
    return wanted


def for_channel(*, session: Session, team_id: str, channel_id: str, zone: ZoneInfo) -> Calendar:
    """The channel's calendar: its standup's days (Mon-Fri without one) and holiday country."""
    standup = session.scalar(
        select(Schedule).where(
            Schedule.team_id == team_id,
            Schedule.channel_id == channel_id,
            Schedule.kind == "standup",
        )
    )
    days = MON_TO_FRI
    if standup is not None and standup.weekdays:
        codes = {c.strip().upper() for c in standup.weekdays.split(",")}
        days = frozenset(n for n, c in enumerate(WEEKDAY_CODES) if c in codes) or MON_TO_FRI
    row = session.get(ChannelCalendar, (team_id, channel_id))
    return Calendar(weekdays=days, country=row.country if row else None, zone=zone)


def set_country(
    *, session: Session, team_id: str, channel_id: str, country: str | None, by: str, now: datetime
) -> None:
    """Observe `country`'s public holidays in this channel (None: none)."""
    row = session.get(ChannelCalendar, (team_id, channel_id)) or ChannelCalendar(
        team_id=team_id, channel_id=channel_id
    )
    row.country, row.set_by, row.set_at = country, by, now
    session.add(row)


def country_of(*, session: Session, team_id: str, channel_id: str) -> str | None:
    """The channel's holiday country, if one is set."""
    row = session.get(ChannelCalendar, (team_id, channel_id))
    return row.country if row else None


def zone_of(person: Person | None, calendar: Calendar) -> ZoneInfo:
    """The person's own Slack zone, else the channel's."""
    if person is not None and person.tz:
        try:
            return ZoneInfo(person.tz)
        except (KeyError, ValueError):
            return calendar.zone
    return calendar.zone


def away_on(
    session: Session, person: Person | None, team_id: str, user_id: str, at: datetime
) -> str | None:
    """Why this person is away at `at` (by `/standup away`, or their Slack status), or None."""
    away = session.get(Away, (team_id, user_id))
    if away is not None and away.until >= at.date():
        if away.until == PAUSED_UNTIL:
            return "standups paused"
        return f"away until {away.until.isoformat()}"
    return people.status_away(person, at)


def slot(
    *,
    session: Session,
    calendar: Calendar,
    team_id: str,
    user_id: str,
    now: datetime,
    person: Person | None = None,
) -> datetime | None:
    """The first instant from `now` (UTC, aware) at which this person may get a DM: a working,
    non-holiday day in their zone, between 08:00 and 18:30 there, not away. None when that is
    more than a day away (their weekend, a holiday, away): the next daily run asks again."""
    person = person or session.get(Person, (team_id, user_id))
    zone = zone_of(person, calendar)
    local = now.astimezone(zone)
    for offset in range(3):
        day = local.date() + timedelta(days=offset)
        start = datetime.combine(day, WORK_START, zone)
        end = datetime.combine(day, WORK_END, zone)
        at = max(local, start)
        if at >= end or not calendar.working_day(day):
            continue
        if at - local > HORIZON:
            return None
        if away_on(session, person, team_id, user_id, at) is not None:
            return None
        return at.astimezone(now.tzinfo)
    return None


def same_day_slot(
    *,
    session: Session,
    calendar: Calendar,
    team_id: str,
    user_id: str,
    person: Person | None,
    after: datetime,
    minutes: int,
) -> datetime | None:
    """`minutes` after `after` (a standup prompt), moved into the person's working hours, but
    only on that same local day (a standup reminder the next day is stale); None otherwise."""
    if minutes <= 0:
        return None
    later = slot(
        session=session,
        calendar=calendar,
        team_id=team_id,
        user_id=user_id,
        now=after + timedelta(minutes=minutes),
        person=person,
    )
    zone = zone_of(person, calendar)
    if later is None or later.astimezone(zone).date() != after.astimezone(zone).date():
        return None
    return later


def day_end(
    *, session: Session, calendar: Calendar, team_id: str, user_id: str, at: datetime
) -> datetime:
    """The end of the recipient's working day on which `at` falls (18:30 in their zone, as
    UTC): a DM of that day (a standup prompt, its reminder, the daily reminders) is stale
    after it, so the outbox expires it rather than send it late."""
    zone = zone_of(session.get(Person, (team_id, user_id)), calendar)
    local = at.astimezone(zone)
    return datetime.combine(local.date(), WORK_END, zone).astimezone(at.tzinfo)


def midnight_after(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` in `zone` (aware): a channel post of that day is stale
    from then on."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), zone)
