"""Tables of the reliability core: schedules, their occurrences, and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.statuses import OccurrenceStatus, OutboxStatus, StatusType


class Schedule(Base):
    """A recurring job of one channel: weekdays and a local time in an IANA zone."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "kind", name="uq_schedules_team_channel_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    # rrule BYDAY codes, e.g. "MO,TU,WE,TH,FR".
    weekdays: Mapped[str] = mapped_column(String(32))
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM"
    # One or more IANA zones: a member-zones standup fires at the local time in each.
    zones: Mapped[list[str]] = mapped_column(JSON)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Occurrence(Base):
    """One firing of a schedule. UNIQUE (schedule, instant): the row makes it happen once."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at", name="uq_occurrences_schedule_due"),
        Index("ix_occurrences_team_due", "team_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[OccurrenceStatus] = mapped_column(StatusType(OccurrenceStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message teamloop will send; the dedupe key makes a second enqueue a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_edit_of", "edit_of"),
        Index("ix_outbox_edit_ts", "channel_id", "edit_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    # A channel id, or a user id for a DM (the sender opens the DM and stores its channel).
    target: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    # Reply in the thread of another outbox message (its dedupe key), once that one is sent.
    thread_key: Mapped[str | None] = mapped_column(String(200))
    # chat.update of another outbox message (its dedupe key) instead of a new post.
    edit_of: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # A file to upload (files_upload_v2) instead of a post; `text` is its comment.
    file: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_name: Mapped[str | None] = mapped_column(String(200))
    # A file the sender draws before uploading it (bot.outbox.render), e.g. the digest's
    # chart: drawing is heavy work, kept out of the tick's transactions.
    drawing: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # If this row goes dead: {"of_key": key, "text": …, "blocks": …} to apply instead; and/or
    # {"tell": user}: who asked for it, told if the channel can't be posted in.
    fallback: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        StatusType(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # Set while a sender holds the row; a lease that ran out means that sender died.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    # Wall-clock second (epoch) the pacer reserved for this send.
    slot_at: Mapped[float | None] = mapped_column(Float)
    # An attempt whose outcome is unknown (timeout, crash): check Slack before posting again.
    uncertain_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrences.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Not sent after this instant (marked expired, `deadline_note` says why); None: never.
    deadline: Mapped[datetime | None]
    deadline_note: Mapped[str | None] = mapped_column(String(200))
    # chat.update of a message posted outside the outbox (an item's card): its ts.
    edit_ts: Mapped[str | None] = mapped_column(String(32))
    # Rendered again from the store when claimed: {"card": true} or {"notice": [refs]}.
    render: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Item refs (REQ-3, BLK-1) this message shows with buttons: recorded when it is sent.
    about: Mapped[list[str] | None] = mapped_column(JSON)


class SchedulerState(Base):
    """Named instants the ticker keeps, e.g. how far occurrences have been computed."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]


class SendPace(Base):
    """Next free send slot of a workspace (key "*") or of one channel, shared by replicas.

    A 429's Retry-After pushes the workspace slot forward, so every replica waits.
    """

    __tablename__ = "send_pace"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float)


class ChannelReach(Base):
    """A channel teamloop learned it cannot post in: Slack's error (`not_in_channel`,
    `channel_not_found`, `is_archived`, `restricted_action`) and when it learned it. While the
    row exists, the channel gets no default schedules and its schedules stay paused; the bot
    being invited back (or the channel unarchived) removes it. `refused_at`: when a command
    was last refused for it (a `restricted_action` is only refused once, then tried again,
    since Slack cannot say in advance whether an admin lifted the restriction)."""

    __tablename__ = "channel_reach"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    error: Mapped[str] = mapped_column(String(64))
    learned_at: Mapped[datetime]
    refused_at: Mapped[datetime | None]
