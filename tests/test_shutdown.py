"""Stopping is clean: SIGTERM during a fan-out ends the worker fast, and nothing is lost."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.outbox import store as outbox
from storage.db import transaction
from storage.scheduling import OutboxMessage
from tests.conftest import JobsEnv, wait_until
from tests.test_restart_and_replicas import ROOT, bot_env, dm_keys, run_due

FANOUT = 200
# Rows queued at a fixed instant long past, so the worker (on the real clock) finds them due.
QUEUED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _queue_fanout(env: JobsEnv, users: list[str]) -> None:
    with transaction(env.sessions) as session:
        for user in users:
            outbox.enqueue(
                session=session,
                team_id=env.ws.team_id,
                dedupe_key=f"fanout:{user}",
                target=user,
                text=f"Standup for you, {user}",
                now=QUEUED_AT,
            )


def test_sigterm_during_a_200_message_fanout(jobs_env: JobsEnv, tmp_path: Path) -> None:
    users = [f"U0F{n:03d}" for n in range(FANOUT)]
    for user in users:
        jobs_env.ws.add_user(user, f"fan{user}")
    _queue_fanout(jobs_env, users)
    log = (tmp_path / "worker.log").open("w")
    # Ten posts a second: the fan-out takes about 20 s, so SIGTERM lands in the middle of it,
    # with sends in flight and claims waiting for their slot.
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--role", "worker"],
        env=bot_env(jobs_env, TEAMLOOP_SEND_BUDGET="600", TEAMLOOP_CHANNEL_INTERVAL="1"),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def posted() -> int:
        return sum(len(dm_keys(jobs_env, u)) for u in users)

    try:
        wait_until(lambda: posted() >= 20, timeout=60, what="the fan-out to be under way")
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(30)
        took = time.monotonic() - started
    finally:
        worker.kill()
        log.close()
    output = (tmp_path / "worker.log").read_text()
    assert code == 0, output
    assert took < 10, f"the worker took {took:.1f}s to stop"
    assert "Traceback" not in output, output
    rows = jobs_env.rows(OutboxMessage)
    sent_before = [r for r in rows if r.status == "sent"]
    assert 0 < len(sent_before) < FANOUT, "SIGTERM should have landed mid fan-out"
    # Nothing is left claimed by the stopped worker: what it did not post is free at once.
    assert {r.status for r in rows} <= {"sent", "pending"}
    assert all(r.claimed_by is None and r.lease_until is None for r in rows if r.status != "sent")
    # Every row Slack has is recorded as sent (in-flight posts finished and were recorded).
    assert posted() == len(sent_before)

    # The next process takes over at once (no lease to wait out) and sends the rest.
    again = run_due(jobs_env, datetime(2026, 1, 5, 9, 1, tzinfo=UTC))
    assert again.returncode == 0, again.stderr
    per_key: Counter[str] = Counter(k for u in users for k in dm_keys(jobs_env, u))
    assert len(per_key) == FANOUT, "every message reached Slack"
    assert set(per_key.values()) == {1}, "no message was sent twice"
    assert {r.status for r in jobs_env.rows(OutboxMessage)} == {"sent"}
