"""SQLAlchemy 2.x typed models. Every row carries `team_id`; times are UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.statuses import RequirementStatus, StatusType


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes: a rule forgot to use the injected clock."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to values SQLite hands back naive."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic needs them)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Workspace(Base):
    """A Slack workspace (team) teamloop serves."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Set by app_uninstalled / tokens_revoked: its data stays, nothing more is sent.
    uninstalled_at: Mapped[datetime | None]


class Counter(Base):
    """Per-workspace sequence for human ids (REQ-1, FB-1, ...)."""

    __tablename__ = "counters"

    team_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Requirement(Base):
    """A requirement `REQ-<number>`, numbered per workspace."""

    __tablename__ = "requirements"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_requirements_team_number"),
        # NULLs are distinct: only message-sourced rows are unique per source message.
        UniqueConstraint(
            "team_id", "source_channel_id", "source_ts", name="uq_requirements_source_message"
        ),
        Index("ix_requirements_team_channel_status", "team_id", "channel_id", "status"),
        Index("ix_requirements_team_owner", "team_id", "owner_id"),
        # Home tab and `/req list mine` look up owner OR requester (one index each side).
        Index("ix_requirements_team_requester", "team_id", "requester_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequirementStatus] = mapped_column(
        StatusType(RequirementStatus), default=RequirementStatus.NEW
    )
    priority: Mapped[str] = mapped_column(String(2), default="P2")
    owner_id: Mapped[str | None] = mapped_column(String(32))
    requester_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    due_date: Mapped[date | None]
    permalink: Mapped[str | None] = mapped_column(String(500))
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    votes: Mapped[int] = mapped_column(Integer, default=0)
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    @property
    def ref(self) -> str:
        """Human id, e.g. REQ-12."""
        return f"REQ-{self.number}"


class RequirementVote(Base):
    """One +1 per person and requirement."""

    __tablename__ = "requirement_votes"
    __table_args__ = (UniqueConstraint("requirement_id", "user_id", name="uq_votes_req_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class HistoryEvent(Base):
    """One change to a tracked item: who, when, field, old -> new. The audit trail."""

    __tablename__ = "history_events"
    __table_args__ = (
        Index("ix_history_team_entity", "team_id", "entity_type", "entity_id"),
        Index("ix_history_team_channel_at", "team_id", "channel_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(Base):
    """Events API deliveries already handled (Slack re-delivers; dedupe on event_id)."""

    __tablename__ = "processed_events"
    # The retention purge deletes by age.
    __table_args__ = (Index("ix_processed_events_received", "received_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
