"""Every status a row can have, as StrEnums, and the column type that stores them.

Members compare equal to their strings, so JSON, CSV and Slack payloads carry the same words
as before; the column type turns what the database holds back into members, so code reading a
row gets the enum, and mypy rejects a misspelt status.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class RequirementStatus(StrEnum):
    """A requirement's workflow: new -> triaged -> planned -> in_progress -> in_review -> done."""

    NEW = "new"
    TRIAGED = "triaged"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    DONE = "done"
    REJECTED = "rejected"
    # Closed by a merge into the requirement it repeats (`/req merge`).
    DUPLICATE = "duplicate"


CLOSED_REQUIREMENT = (
    RequirementStatus.DONE,
    RequirementStatus.REJECTED,
    RequirementStatus.DUPLICATE,
)


class BlockerStatus(StrEnum):
    """A blocker is open until someone resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"


class RiskStatus(StrEnum):
    """A risk is open until someone closes it."""

    OPEN = "open"
    CLOSED = "closed"


class OutboxStatus(StrEnum):
    """An outbox row's delivery state."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"
    # Past its deadline before it could be sent (what it said was no longer timely or true).
    EXPIRED = "expired"


class OccurrenceStatus(StrEnum):
    """What became of one occurrence of a schedule (running only inside its transaction)."""

    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class ResponseStatus(StrEnum):
    """One person's part in one standup run."""

    PROMPTED = "prompted"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    AWAY = "away"


class RetroStatus(StrEnum):
    """A retro's phases: collecting items by DM, voting in its thread, closed (summary posted)."""

    COLLECTING = "collecting"
    VOTING = "voting"
    CLOSED = "closed"


class RetroCategory(StrEnum):
    """The three columns of a retro."""

    WELL = "well"
    IMPROVE = "improve"
    IDEA = "idea"


class ActionStatus(StrEnum):
    """A retro action `ACT-n`: open until its owner marks it done (or the facilitator drops it)."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class FeedbackState(StrEnum):
    """Feedback follow-through, derived from the item and its requirement (see
    `bot.services.followthrough.state_of`): new -> acknowledged -> linked/planned -> shipped,
    or declined (with a reason)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    LINKED = "linked"
    PLANNED = "planned"
    SHIPPED = "shipped"
    DECLINED = "declined"


class StatusType(TypeDecorator[StrEnum]):
    """A VARCHAR(16) column holding one StrEnum's values (the schema stays as it was)."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Store the value; an unknown one fails here instead of landing in the table."""
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        """Read back the member."""
        return None if value is None else self.enum(value)
