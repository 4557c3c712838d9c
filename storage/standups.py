"""Standups: the people teamloop knows, one run per schedule and day, one response per person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.statuses import ResponseStatus, StatusType


class Person(Base):
    """What Slack last told us about a member (users.info, user_change): name, zone, status."""

    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    # Slack's `locale` (`en-US`, `zh-CN`): how this person writes numeric dates.
    locale: Mapped[str | None] = mapped_column(String(16))
    is_bot: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    status_text: Mapped[str] = mapped_column(String(200), default="")
    status_emoji: Mapped[str] = mapped_column(String(100), default="")
    # Epoch seconds; 0 means the status does not expire.
    status_expiration: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
    # The bot's DM with them (conversations.open), kept so a restart doesn't reopen it.
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))


class Away(Base):
    """`/standup away until <date>`: no prompts for this person up to and including `until`."""

    __tablename__ = "standup_away"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[date]
    set_at: Mapped[datetime]


class StandupRun(Base):
    """One day of a channel's standup: one thread, whatever zones its members are in."""

    __tablename__ = "standup_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "day", name="uq_standup_runs_schedule_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    questions: Mapped[list[str]] = mapped_column(JSON)
    # Outbox dedupe key of the thread's parent message.
    parent_key: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]


class StandupResponse(Base):
    """One person in one run: prompted, answered, skipped or away (participation history)."""

    __tablename__ = "standup_responses"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", name="uq_standup_responses_run_user"),
        Index("ix_standup_responses_team_user", "team_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[int] = mapped_column(ForeignKey("standup_runs.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[ResponseStatus] = mapped_column(StatusType(ResponseStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[list[str] | None] = mapped_column(JSON)
    prompted_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    edited_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    blocker_id: Mapped[int | None] = mapped_column(ForeignKey("blockers.id", ondelete="SET NULL"))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
