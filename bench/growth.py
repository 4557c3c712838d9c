"""Store growth over a simulated year, with and without the retention purge.

Run: python -m bench.growth [--people 5000] [--days 365] [--sample 10]. Writes, per working
day of a simulated year, the rows teamloop's scheduled work leaves behind for `--people`
people in channels of 25 (the rates below), into a SQLite file at this tree's schema, and
runs the real daily purge (`Jobs.purge`, TEAMLOOP_RETENTION_DAYS=30) on the simulated
clock. Only 1/`--sample` of the people are simulated and the bytes multiplied back (the rows
are independent, so the total is linear in people). The same days are then written without
the purge for 60 days and extrapolated to the year. Prints the file's used bytes for both.

Per person and working day (assumed rates; the sizes are the real views' order of size):
a standup prompt DM (1.2 KB of blocks), its "Thanks" edit, the thread reply (0.8 KB),
4 Slack events handled, a reminder DM on one day in five (1.5 KB) and half a reminder log
row. Per channel: the standup thread parent and 3 merged edits of it, a reminders post on
a third of the days, and on Mondays the digest (4 messages of 2.5 KB) and its chart
(main stored a ~40 KB PNG in the outbox; this tree stores the chart's figures).
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.clock import FrozenClock
from bot.config import Settings
from bot.runtime.jobs import build_jobs
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import ProcessedEvent, Workspace
from storage.reminders import ReminderLog
from storage.scheduling import OutboxMessage

TEAM = "T0GROW"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


def main() -> None:
    """Simulate the year with the purge, then 60 days without; print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sample", type=int, default=10)
    args = parser.parse_args()
    people = args.people // args.sample
    with tempfile.TemporaryDirectory() as tmp:
        on = _simulate(Path(tmp) / "on.db", people, args.days, purge=True)
        off = _simulate(Path(tmp) / "off.db", people, 60, purge=False)
    k = args.sample
    print(f"{args.people} people ({people} simulated, x{k}), {args.days} days, retention 30 days")
    for day, used in on:
        print(f"  with the purge, day {day:3d}: {used * k / 2**20:8.0f} MiB")
    per_day = (off[-1][1] - off[0][1]) / (off[-1][0] - off[0][0])
    year = off[0][1] + per_day * (args.days - off[0][0])
    print(f"  without the purge: {per_day * k / 2**20:.1f} MiB a day, "
          f"{year * k / 2**30:.2f} GiB after {args.days} days (extrapolated from 60)")  # fmt: skip
    growth = (on[-1][1] - on[len(on) // 2][1]) * k
    print(f"  with the purge, growth over the second half year: {growth / 2**20:.0f} MiB")


def _simulate(path: Path, people: int, days: int, *, purge: bool) -> list[tuple[int, int]]:
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = FrozenClock(START)
    settings = Settings(_env_file=None, database_url=url, slack_bot_token="x")  # type: ignore[call-arg]
    jobs = build_jobs(settings, sessions=sessions, clock=clock)
    with engine.begin() as conn:
        conn.execute(insert(Workspace).values(team_id=TEAM, created_at=START))
    chart = _chart_spec()
    marks, serial = [], 0
    for day in range(days):
        now = START + timedelta(days=day)
        clock.set(now)
        if now.weekday() < 5:
            serial = _write_day(engine, now, people, serial, chart)
        if purge:
            jobs.purge()
        if day % 30 == 29 or day == days - 1:
            marks.append((day + 1, _used(engine)))
    engine.dispose()
    return marks


def _chart_spec() -> dict[str, Any]:
    from bot.outbox.render import weekly_spec
    from bot.readmodels import Week

    weeks = [Week((START - timedelta(weeks=8 - n)).date(), 12, 9, 3) for n in range(8)]
    return weekly_spec(weeks, title="Requirements, last 8 weeks")


def _blocks(size: int) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * size}}]


def _write_day(engine: Any, now: datetime, people: int, serial: int, chart: Any) -> int:
    rows: list[dict[str, Any]] = []

    def out(kind: str, size: int, **kw: Any) -> None:
        nonlocal serial
        serial += 1
        rows.append(
            {"team_id": TEAM, "dedupe_key": f"{kind}:{serial}", "target": "C0", "channel_id": "C0",
             "text": kind, "blocks": _blocks(size), "status": "sent", "attempts": 1,
             "next_attempt_at": now, "created_at": now, "sent_at": now, "slack_ts": "1.0", **kw}
        )  # fmt: skip

    channels = max(1, people // 25)
    for p in range(people):
        out("prompt", 1200)
        out("thanks", 1200)
        out("reply", 800)
        if (p + now.day) % 5 == 0:
            out("reminder", 1500)
    for c in range(channels):
        for _ in range(4):
            out("parent", 600)
        if (c + now.day) % 3 == 0:
            out("channel", 1500)
        if now.weekday() == 0:
            for _ in range(4):
                out("digest", 2500)
            out("chart", 0, drawing=chart)
    events = [{"event_id": f"Ev{serial}-{n}", "team_id": TEAM, "received_at": now}
              for n in range(people * 4)]  # fmt: skip
    # The same items come up day after day (an item is reminded until it is dealt with).
    log = [{"team_id": TEAM, "rule": "due_soon", "item": f"REQ-{n + now.day % 7}",
            "day": now.date(), "sent_to": f"U{n}", "at": now}
           for n in range(people // 2)]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(OutboxMessage), rows)
        conn.execute(insert(ProcessedEvent), events)
        if log:
            conn.execute(insert(ReminderLog), log)
    return serial


def _used(engine: Any) -> int:
    """Bytes of the file's pages in use (free pages are reused before the file grows)."""
    with engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()
        free = conn.execute(text("PRAGMA freelist_count")).scalar_one()
        size = conn.execute(text("PRAGMA page_size")).scalar_one()
    return int((pages - free) * size)


if __name__ == "__main__":
    main()
