"""Who is acting, where, and in which time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Actor:
    """The person behind a request, the channel they typed in and their zone for dates."""

    team_id: str
    user_id: str
    channel_id: str
    zone: ZoneInfo = UTC_ZONE

    def today(self, now: datetime) -> date:
        """The actor's local date at `now` (for `today`, `friday`, overdue checks)."""
        return now.astimezone(self.zone).date()
