"""Retrospectives: a retro per channel and round, its items and votes, and actions `ACT-n`;
and the "it shipped" notices of feedback follow-through.

Retro items have random primary keys and, on SQLite, no rowid (as anonymous feedback): the
table's order says nothing about who wrote what when, and an anonymous item keeps no user id
and only the UTC day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.statuses import ActionStatus, RetroCategory, RetroStatus, StatusType


class Retro(Base):
    """One retro of a channel: collecting (DMs), then voting (its thread), then closed."""

    __tablename__ = "retros"
    __table_args__ = (Index("ix_retros_team_channel_status", "team_id", "channel_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[RetroStatus] = mapped_column(StatusType(RetroStatus))
    facilitator_id: Mapped[str | None] = mapped_column(String(32))
    # Who was asked (the channel's people at the start) and how many: the anonymity crowd.
    members: Mapped[list[str]] = mapped_column(JSON)
    votes_each: Mapped[int] = mapped_column(Integer, default=3)
    collect_until: Mapped[datetime]
    vote_until: Mapped[datetime | None]
    # Outbox keys of the retro's parent post (the thread) and of its voting board.
    parent_key: Mapped[str] = mapped_column(String(200))
    board_key: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class RetroItem(Base):
    """One item of a retro (went well, to improve, idea); `author_id` None when anonymous."""

    __tablename__ = "retro_items"
    __table_args__ = (Index("ix_retro_items_retro", "retro_id"), {"sqlite_with_rowid": False})

    public_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id", ondelete="CASCADE"))
    category: Mapped[RetroCategory] = mapped_column(StatusType(RetroCategory))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(String(32))
    # A group label set through the facilitator's form: grouped items are shown and counted
    # together.
    group_label: Mapped[str | None] = mapped_column(String(100))
    day: Mapped[date]


class RetroVote(Base):
    """One person's vote on one item (a person has the retro's `votes_each` votes)."""

    __tablename__ = "retro_votes"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", name="uq_retro_votes_item_user"),
        Index("ix_retro_votes_retro_user", "retro_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(ForeignKey("retro_items.public_id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class RetroAction(Base):
    """`ACT-<n>`: an action from a retro, with an owner and a due date; carried over to the
    channel's next retros until done."""

    __tablename__ = "retro_actions"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_retro_actions_team_number"),
        Index("ix_retro_actions_team_channel_status", "team_id", "channel_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    number: Mapped[int]
    channel_id: Mapped[str] = mapped_column(String(32))
    retro_id: Mapped[int | None] = mapped_column(ForeignKey("retros.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ActionStatus] = mapped_column(
        StatusType(ActionStatus), default=ActionStatus.OPEN
    )
    owner_id: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    due_date: Mapped[date | None]
    # The last retro it was carried into (shown first there), and how many times.
    carried_into: Mapped[int | None] = mapped_column(Integer)
    carried: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    @property
    def ref(self) -> str:
        """Human id, e.g. ACT-3."""
        return f"ACT-{self.number}"


class ShipNotice(Base):
    """ "It shipped" for one person and one requirement: told once, in that day's batch DM
    (`batch_key` is its outbox key)."""

    __tablename__ = "ship_notices"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "requirement_id", name="uq_ship_notices_person"),
        Index("ix_ship_notices_batch", "batch_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"))
    line: Mapped[str] = mapped_column(Text)
    batch_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
