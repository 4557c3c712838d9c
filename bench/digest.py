"""Digest cost against history size: one channel's weekly digest (data only, no Slack calls).

Run: python -m bench.digest [--database-url URL] [--runs N]. Builds a store of 100,000
requirements and 20,000 blockers across 200 channels with 100,000 history events, times one
channel's digest (median of N runs), then adds 900,000 older history events (1,000,000 in
all, the week's activity unchanged) and times it again, in the same run. Prints both medians
and their ratio (target <= 1.5: the cost follows the week, not the history) and whether the
1M median is under 100 ms. Without --database-url it uses a temporary SQLite file; with a
PostgreSQL URL it works in a fresh schema that it drops afterwards.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, insert, text

from bot.services import digest
from storage.db import make_engine, make_session_factory
from storage.items import Blocker
from storage.migrate import upgrade
from storage.models import HistoryEvent, Requirement, Workspace

TEAM = "T0BENCH"
CHANNELS = [f"C{n:05d}" for n in range(200)]
UNTIL = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
STATUSES = ("new", "triaged", "planned", "in_progress", "in_review", "done", "rejected")
BATCH = 20_000


def main() -> None:
    """Build the store, time the digest at 100k and 1M history events, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with scratch_database(args.database_url) as url:
        run(url, runs=args.runs)


@contextmanager
def scratch_database(url: str | None) -> Iterator[str]:
    """A temporary SQLite file, or a fresh PostgreSQL schema in `url` (dropped after)."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'digest.db'}"
        return
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        # public too: pg_trgm lives there (see tests/conftest.py).
        yield f"{url}{sep}options=-csearch_path%3D{schema},public"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run(url: str, *, runs: int) -> None:
    """Fill, time, grow the history, time again."""
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(7)
    started = time.perf_counter()
    _fill(engine, rng)
    _history(engine, rng, 100_000, recent=True)
    print(f"store: 100,000 requirements, 20,000 blockers, 200 channels ({_kind(url)}); "
          f"filled in {time.perf_counter() - started:.0f} s")  # fmt: skip
    small = _time_digest(engine, runs)
    started = time.perf_counter()
    _history(engine, rng, 900_000, recent=False)
    print(f"added 900,000 older history events in {time.perf_counter() - started:.0f} s")
    large = _time_digest(engine, runs)
    print(f"digest of one channel, median of {runs}: 100k history {small * 1000:.1f} ms, "
          f"1M history {large * 1000:.1f} ms")  # fmt: skip
    verdict = "ok" if large < 0.1 else "over 100 ms"
    print(f"ratio 1M/100k = {large / small:.2f} (target <= 1.5); 1M median {verdict}")
    engine.dispose()


def _kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite file"


def _time_digest(engine: Engine, runs: int) -> float:
    sessions = make_session_factory(engine)
    zone = ZoneInfo("Europe/Berlin")
    times = []
    for n in range(runs + 3):
        channel = CHANNELS[n % len(CHANNELS)]
        with sessions() as session:
            begun = time.perf_counter()
            data = digest.build(
                session=session,
                team_id=TEAM,
                channel_id=channel,
                since=UNTIL - timedelta(days=7),
                until=UNTIL,
                zone=zone,
                mark_feedback=False,
            )
            elapsed = time.perf_counter() - begun
            session.rollback()
        assert data.created or data.moved or data.open_by_status, "the store should have a week"
        if n >= 3:  # the first runs warm caches
            times.append(elapsed)
    return statistics.median(times)


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for n in range(0, len(rows), BATCH):
            conn.execute(insert(model), rows[n : n + BATCH])


def _fill(engine: Engine, rng: random.Random) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"team_id": TEAM, "created_at": UNTIL}])
    reqs = []
    for n in range(1, 100_001):
        created = UNTIL - timedelta(minutes=rng.randrange(60 * 24 * 365))
        status = rng.choice(STATUSES)
        finished = status in ("done", "rejected")
        closed = created + timedelta(hours=rng.randrange(1, 2000)) if finished else None
        due = (created + timedelta(days=rng.randrange(60))).date() if n % 3 == 0 else None
        reqs.append(
            {"team_id": TEAM, "number": n, "title": f"Requirement {n}", "description": "",
             "status": status, "priority": rng.choice(("P0", "P1", "P2", "P2", "P3")),
             "owner_id": rng.choice((None, "U0A", "U0B", "U0C")), "requester_id": "U0A",
             "channel_id": CHANNELS[n % 200], "labels": [], "votes": rng.randrange(4),
             "due_date": due,
             "created_at": created, "updated_at": created,
             "closed_at": min(closed, UNTIL) if closed else None}
        )  # fmt: skip
    _insert(engine, Requirement, reqs)
    blockers = []
    for n in range(1, 20_001):
        opened = UNTIL - timedelta(minutes=rng.randrange(60 * 24 * 120))
        resolved = opened + timedelta(hours=rng.randrange(1, 500)) if n % 4 else None
        blockers.append(
            {"team_id": TEAM, "number": n, "text": f"Blocked on {n}", "reporter_id": "U0B",
             "owner_id": None, "channel_id": CHANNELS[n % 200], "opened_at": opened,
             "status": "resolved" if resolved and resolved < UNTIL else "open",
             "resolved_at": resolved if resolved and resolved < UNTIL else None}
        )  # fmt: skip
    _insert(engine, Blocker, blockers)


def _history(engine: Engine, rng: random.Random, count: int, *, recent: bool) -> None:
    """History events: over the last 8 weeks (recent), or in the year before that."""
    span = (0, 60 * 24 * 56) if recent else (60 * 24 * 56, 60 * 24 * 365)
    rows = []
    for _ in range(count):
        n = rng.randrange(1, 100_001)
        old, new = rng.sample(STATUSES[:5], 2)
        rows.append(
            {"team_id": TEAM, "entity_type": "requirement", "entity_id": n,
             "channel_id": CHANNELS[n % 200], "actor_id": "U0A", "field": "status",
             "old_value": old, "new_value": new,
             "at": UNTIL - timedelta(minutes=rng.randrange(*span))}
        )  # fmt: skip
        if len(rows) >= BATCH:
            _insert(engine, HistoryEvent, rows)
            rows = []
    if rows:
        _insert(engine, HistoryEvent, rows)


if __name__ == "__main__":
    main()
