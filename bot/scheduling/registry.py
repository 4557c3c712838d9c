"""The kinds of scheduled work the ticker knows, registered explicitly (see bot/runtime/jobs.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from storage.scheduling import Occurrence, Schedule

log = logging.getLogger(__name__)


class OccurrenceHandler(Protocol):
    """Writes what an occurrence sends (outbox rows); returns how many messages."""

    def __call__(
        self, *, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime
    ) -> int: ...


class OccurrencePreparer(Protocol):
    """Reads what an occurrence due at `due_at` (in `zone`) will send, in a read-only
    snapshot outside any write transaction, and returns the handler that then writes it in
    the occurrence's own (short) transaction. Raising fails the occurrence, as a handler's
    error does."""

    def __call__(
        self, *, session: Session, schedule: Schedule, due_at: datetime, zone: str, now: datetime
    ) -> OccurrenceHandler: ...


@dataclass(frozen=True)
class Kind:
    """A kind of schedule: its handler and how late it may still run.

    With `prepare`, the ticker runs that first in a read snapshot and the handler it returns
    in the write transaction (SQLite's single writer is held only for the writes); `handler`
    is then the one-transaction path, for callers outside the ticker."""

    name: str
    catch_up: timedelta
    handler: OccurrenceHandler
    # Per-channel work that may start a few minutes after its instant, at a fixed offset per
    # channel (bot.scheduling.occurrences.offset), so one instant is not one burst of writes.
    spread: bool = False
    prepare: OccurrencePreparer | None = None


@dataclass
class Registry:
    """The kinds the ticker knows; filled explicitly by `bot.runtime.jobs.default_registry`."""

    kinds: dict[str, Kind] = field(default_factory=dict)

    def register(self, kind: Kind) -> None:
        """Add a kind (each name once)."""
        if kind.name in self.kinds:
            raise ValueError(f"kind {kind.name!r} registered twice")
        self.kinds[kind.name] = kind
