"""Feedback, blockers and risks: numbered per workspace like requirements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.statuses import BlockerStatus, RiskStatus, StatusType


class Feedback(Base):
    """`FB-<n>`. An anonymous one has no author anywhere, and is held back for the digest."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_feedback_team_number"),
        UniqueConstraint(
            "team_id", "source_channel_id", "source_ts", name="uq_feedback_source_message"
        ),
        Index("ix_feedback_team_channel", "team_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # idea | problem | praise | question
    channel_id: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(default=False)
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("requirements.id", ondelete="SET NULL")
    )
    permalink: Mapped[str | None] = mapped_column(String(500))
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    # Anonymous feedback: shown in the channel's next digest, never at once.
    digested_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    # Follow-through: first acknowledged (ack, link or promote), declined with a reason.
    acknowledged_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    declined_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def ref(self) -> str:
        """Human id, e.g. FB-4."""
        return f"FB-{self.number}"


class Blocker(Base):
    """`BLK-<n>`: something stopping work, with a reporter, an owner and open/resolved times."""

    __tablename__ = "blockers"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_blockers_team_number"),
        UniqueConstraint(
            "team_id", "source_channel_id", "source_ts", name="uq_blockers_source_message"
        ),
        Index("ix_blockers_team_channel_status", "team_id", "channel_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[BlockerStatus] = mapped_column(
        StatusType(BlockerStatus), default=BlockerStatus.OPEN
    )
    reporter_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("requirements.id", ondelete="SET NULL")
    )
    permalink: Mapped[str | None] = mapped_column(String(500))
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]

    @property
    def ref(self) -> str:
        """Human id, e.g. BLK-2."""
        return f"BLK-{self.number}"


class Risk(Base):
    """`RSK-<n>`: likelihood × impact (1–5 each), an owner, a mitigation and a review date."""

    __tablename__ = "risks"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_risks_team_number"),
        Index("ix_risks_team_channel_status", "team_id", "channel_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    likelihood: Mapped[int] = mapped_column(Integer, default=3)
    impact: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[RiskStatus] = mapped_column(StatusType(RiskStatus), default=RiskStatus.OPEN)
    owner_id: Mapped[str | None] = mapped_column(String(32))
    reporter_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    mitigation: Mapped[str] = mapped_column(Text, default="")
    review_date: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    @property
    def ref(self) -> str:
        """Human id, e.g. RSK-1."""
        return f"RSK-{self.number}"

    @property
    def score(self) -> int:
        """Likelihood × impact, 1–25."""
        return self.likelihood * self.impact


class ItemMessage(Base):
    """A message teamloop posted about an item (its card, a capture's confirmation, a reminder
    DM with buttons), by channel and ts, so a change to the item can edit it in place."""

    __tablename__ = "item_messages"
    __table_args__ = (
        UniqueConstraint("team_id", "ref", "channel_id", "ts", name="uq_item_messages_message"),
        Index("ix_item_messages_team_ref", "team_id", "ref"),
        Index("ix_item_messages_channel_ts", "channel_id", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(16))  # REQ-3, FB-1, BLK-2, RSK-4
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # card | confirmation | reminder
    # Who a reminder DM was for (its buttons are theirs); None for channel messages.
    recipient: Mapped[str | None] = mapped_column(String(32))
    # Edited when the item changes; a confirmation shows no state and is not.
    live: Mapped[bool] = mapped_column(default=True)
    # Blocks shown beside the card (a due-date note, a duplicate hint), or a reminder's whole
    # message as first sent.
    blocks: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
