"""Fan-out through the outbox: N DMs against a stand-in that enforces Slack's limits.

Run: python -m bench.fanout [N] [--database-url URL]. The stand-in allows one post a second
per channel and a workspace budget of RATE posts a second (a token bucket of 5), and fails
5% of posts at random (500s, 429s with Retry-After 1, and stalls past the client timeout
after which Slack posts anyway). Prints delivered, duplicates, lost, elapsed, and the minimum
time the limits allow: (N - 5) / RATE plus the Retry-After periods of the injected 429s
(nobody may post during those), measured in the same run. Breaches the sender causes are
reported and not counted in that minimum.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import SystemClock
from bot.outbox.sender import Limits, Sender, outbox_client
from bot.outbox.store import enqueue
from bot.runtime.web import Served
from sandbox.web_api import WebApi
from sandbox.workspace import Limits as SlackLimits
from sandbox.workspace import Workspace
from storage.db import make_engine, make_session_factory, transaction
from storage.migrate import upgrade
from storage.scheduling import OutboxMessage

RATE = 100.0  # workspace budget, posts a second: 2,000 posts take 20 s at the least


def main() -> None:
    """Run the fan-out once and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'fanout.db'}"
        run(args.n, url)


def run(n: int, url: str) -> None:
    """Queue n DMs, deliver them, and compare with what the limits allow."""
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)  # the stalls are on purpose
    upgrade(url)
    ws = Workspace(team_id="T0BENCH")
    users = [f"U0B{i:05d}" for i in range(n)]
    for user in users:
        ws.add_user(user, user.lower())
    limits = SlackLimits(
        channel_interval=1.0, per_second=RATE, burst=5, fault_rate=0.05, stall=0.75
    )
    ws.limits = limits
    served = Served(WebApi(ws)).start()
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = SystemClock()
    try:
        with transaction(sessions) as session:
            session.query(OutboxMessage).delete()
            for i, user in enumerate(users):
                enqueue(
                    session=session,
                    team_id=ws.team_id,
                    dedupe_key=f"fanout:{i}",
                    target=user,
                    text=f"Standup time, {user}",
                    now=clock.now(),
                )
        sending = Limits(
            channel_interval=1.0, per_minute=RATE * 60, timeout=0.5, settle=1.0, workers=12
        )
        sender = Sender(
            sessions=sessions,
            client=outbox_client(served.url + "/api/", "xoxb-bench", sending.timeout),
            clock=clock,
            limits=sending,
        )
        started = time.monotonic()
        report = sender.deliver(linger=120)
        elapsed = time.monotonic() - started
    finally:
        served.stop()
        engine.dispose()

    seen: Counter[str] = Counter()
    for msgs in ws.messages.values():
        for msg in msgs:
            key = ((msg.get("metadata") or {}).get("event_payload") or {}).get("dedupe_key")
            if key:
                seen[key] += 1
    delivered = len(seen)
    duplicates = sum(c - 1 for c in seen.values())
    lost = n - delivered
    # Only the injected 429s count: a pause the sender caused by posting early is its own cost.
    paused = limits.paused_seconds("fault")
    minimum = (n - limits.burst) / RATE + paused
    gaps = [b - a for a, b in zip(limits.posted_at, limits.posted_at[1:], strict=False)]
    faults = Counter(c.error for c in ws.calls if c.error)
    print(f"fan-out of {n} DMs at {RATE:.0f} posts/s, 1 post/s per channel, 5% faults")
    print(f"  delivered   {delivered}")
    print(f"  duplicates  {duplicates}")
    print(f"  lost        {lost}")
    print(f"  dead rows   {report.dead}")
    print(f"  elapsed     {elapsed:.1f} s")
    print(
        f"  minimum     {minimum:.1f} s  ({n} / {RATE:.0f} per s + {paused:.1f} s of Retry-After)"
    )
    print(f"  ratio       {elapsed / minimum:.3f}  (target <= 1.15)")
    print(
        f"  limit breaches seen by Slack: {len(limits.violations)}"
        f" (costing {limits.paused_seconds('breach'):.1f} s of Retry-After)"
    )
    print(f"  median gap between posts {statistics.median(gaps) * 1000:.1f} ms")
    print(f"  faults injected: {dict(faults)}")
    print(
        f"  sender: {report.sent} sent, {report.recovered} found already posted, "
        f"{report.retried} retried, {report.rate_limited} rate-limited"
    )
    print(f"  finished {datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z")


if __name__ == "__main__":
    main()
