"""Injected clocks: rules take `now` from here, never from the wall directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC instant."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (timezone-aware UTC)."""

    def now(self) -> datetime:
        """Return the current UTC instant."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock tests and the sandbox move by hand."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        """Return the frozen instant."""
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to an instant."""
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by a duration."""
        self._at += delta
