"""The reminder log of one reminders run: read at once, claimed in memory, written in one
INSERT (the run is one occurrence, which the scheduler runs once, inside one transaction).

The UNIQUE (team, rule, item, day) row is still what makes a reminder once a day: a row
already there for today refuses the claim here, and the bulk INSERT ignores a conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from storage.db import upsert_insert
from storage.reminders import ReminderLog

# Items per IN (...) list, and rows per INSERT: well inside SQLite's bound variables.
CHUNK = 500

Key = tuple[str, str, str]  # rule, item, recipient
Seen = tuple[date | None, datetime | None, int]  # last day, last time, how many


@dataclass
class Claims:
    """What the log says about some items, and today's new claims."""

    session: Session
    team_id: str
    today: date
    now: datetime
    seen: dict[Key, Seen] = field(default_factory=dict)
    taken: set[tuple[str, str]] = field(default_factory=set)  # (rule, item) said today
    loaded: set[str] = field(default_factory=set)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def load(self, items: Iterable[str]) -> None:
        """Read the log of these items in a few queries (a run's items, up front)."""
        wanted = sorted(set(items) - self.loaded)
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            rows = self.session.execute(
                select(
                    ReminderLog.rule,
                    ReminderLog.item,
                    ReminderLog.sent_to,
                    func.max(ReminderLog.day),
                    func.max(ReminderLog.at),
                    func.count(),
                )
                .where(ReminderLog.team_id == self.team_id, ReminderLog.item.in_(chunk))
                .group_by(ReminderLog.rule, ReminderLog.item, ReminderLog.sent_to)
            )
            for rule, item, to, last_day, last_at, sent in rows:
                self.seen[(rule, item, to)] = (last_day, last_at, int(sent))
                if last_day == self.today:
                    self.taken.add((rule, item))
            self.loaded.update(chunk)

    def claim(
        self,
        rule: str,
        item: str,
        to: str,
        due: Callable[[int, date | None, datetime | None], bool],
    ) -> bool:
        """Claim today's reminder of `item` under `rule` for `to` if `due(sent, last_day,
        last_at)` says so and nobody has it today; the row is written by `flush`."""
        self.load([item])
        if (rule, item) in self.taken:
            return False
        last_day, last_at, sent = self.seen.get((rule, item, to), (None, None, 0))
        if not due(sent, last_day, last_at):
            return False
        self.taken.add((rule, item))
        self.seen[(rule, item, to)] = (self.today, self.now, sent + 1)
        self.rows.append(
            {"team_id": self.team_id, "rule": rule, "item": item, "day": self.today,
             "sent_to": to, "at": self.now}
        )  # fmt: skip
        return True

    def taken_meanwhile(self, session: Session) -> bool:
        """Whether any of today's claims (made from a snapshot) was logged for today by
        someone else since: then the run must be decided again, inside `session`."""
        mine = {(row["rule"], row["item"]) for row in self.rows}
        items = sorted({item for _rule, item in mine})
        for start in range(0, len(items), CHUNK):
            logged = session.execute(
                select(ReminderLog.rule, ReminderLog.item).where(
                    ReminderLog.team_id == self.team_id,
                    ReminderLog.day == self.today,
                    ReminderLog.item.in_(items[start : start + CHUNK]),
                )
            )
            if any((rule, item) in mine for rule, item in logged):
                return True
        return False

    def flush(self, session: Session | None = None) -> int:
        """Write today's claims in one executemany (one statement compiled once, its rows
        batched by the driver; a multi-row VALUES of each length compiled anew every time
        cost more than the writing); returns how many."""
        if not self.rows:
            return 0
        session = session or self.session  # the write transaction, after a snapshot's claims
        dialect = session.get_bind().dialect.name
        known = dialect in ("postgresql", "sqlite")
        make: Any = upsert_insert(dialect) if known else insert
        stmt = make(ReminderLog)
        if make is not insert:
            stmt = stmt.on_conflict_do_nothing(index_elements=["team_id", "rule", "item", "day"])
        # Core, not the ORM's bulk path: the rows are plain values, nothing to track.
        session.connection().execute(stmt, self.rows)
        written, self.rows = len(self.rows), []
        return written
