"""Anonymous feedback, kept apart from named feedback so nothing about it leaks early.

Neither table has an autoincrement key: the primary keys are random, and on SQLite the
tables are WITHOUT ROWID, so neither ids nor the physical order of rows tell when, or in
what order, items were sent. Times are kept to the day. No user id is ever stored here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base


class AnonymousFeedback(Base):
    """An anonymous item (`AN-XXXXXX`): held until a digest releases it with others."""

    __tablename__ = "anonymous_feedback"
    __table_args__ = (
        Index("ix_anonymous_feedback_team_channel", "team_id", "channel_id", "released_on"),
        {"sqlite_with_rowid": False},
    )

    public_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    # The day it was sent, in UTC: enough for the 4-week hold, too coarse to match a request.
    day: Mapped[date]
    released_on: Mapped[date | None]
    # Released alone after the longest hold (no second item came): the digest says so.
    held_alone: Mapped[bool] = mapped_column(default=False)
    # The sender's private reply code, only as a salted hash (teamloop can't map it back).
    code_salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    # Linked by a lead to a requirement: its sender hears "it shipped" in the reply thread.
    requirement_id: Mapped[int | None] = mapped_column(Integer)


class AnonymousReply(Base):
    """One message of an anonymous item's reply thread (a lead's, or the sender's)."""

    __tablename__ = "anonymous_replies"
    __table_args__ = (
        Index("ix_anonymous_replies_item", "item_id", "position"),
        {"sqlite_with_rowid": False},
    )

    public_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(
        ForeignKey("anonymous_feedback.public_id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    from_sender: Mapped[bool]
    text: Mapped[str] = mapped_column(Text)
    day: Mapped[date]


def truncate_wal(session: Session) -> None:
    """SQLite: copy the write-ahead log into the database and empty it, so the order of
    its frames can't place an anonymous write among the others. Best effort: readers in
    flight may keep some frames until the next checkpoint. Nothing to do on PostgreSQL."""
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any transaction: a checkpoint can't run in one
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
