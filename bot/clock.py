"""Injected clocks: rules take `now` from here, never from the wall directly."""

from __future__ import annotations

import time
from collections.abc import Callable
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


class OffsetClock:
    """Real time flowing from a chosen start (`jobs run-due --now`): retries still wait."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("OffsetClock needs an aware datetime")
        self._start, self._mono, self._t0 = start.astimezone(UTC), monotonic, monotonic()

    def now(self) -> datetime:
        """The start plus the real time elapsed since."""
        return self._start + timedelta(seconds=self._mono() - self._t0)

    def advance(self, delta: timedelta) -> None:
        """Jump ahead (the sandbox's clock panel); time keeps flowing from there."""
        self._start += delta
