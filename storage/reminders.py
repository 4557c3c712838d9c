"""What the daily reminders remember: which item was reminded under which rule on which day,
and snoozes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ReminderLog(Base):
    """One reminder of one item under one rule on one day: the UNIQUE row makes it once."""

    __tablename__ = "reminder_log"
    __table_args__ = (
        UniqueConstraint("team_id", "rule", "item", "day", name="uq_reminder_log_once_a_day"),
        # A run reads the log of its channel's items at once; the purge deletes by age.
        Index("ix_reminder_log_team_item", "team_id", "item", "sent_to"),
        Index("ix_reminder_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(32))
    # "BLK-3", "REQ-12", "RSK-2", or "standup:<schedule>:<user>" for a person.
    item: Mapped[str] = mapped_column(String(80))
    day: Mapped[date]
    sent_to: Mapped[str] = mapped_column(String(32))  # a user id, or the channel
    at: Mapped[datetime]


class Snooze(Base):
    """ "Snooze 1 day" on a reminder: no reminders about this item until `until`."""

    __tablename__ = "snoozes"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    item: Mapped[str] = mapped_column(String(80), primary_key=True)
    until: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(32))


class ReminderStop(Base):
    """*Stop reminding me* on a reminder: this person hears no more about this item."""

    __tablename__ = "reminder_stops"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    item: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]


class ChannelCalendar(Base):
    """A channel's public-holiday country (`/digest holidays DE`): nobody there is messaged
    on those days. `country` None means no holidays are observed."""

    __tablename__ = "channel_calendars"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    country: Mapped[str | None] = mapped_column(String(8))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]
