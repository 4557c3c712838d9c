"""Processes killed mid-send, and several replicas on one PostgreSQL database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduling.leadership import Leadership
from bot.scheduling.recurrence import DAILY, WEEKDAYS
from sandbox.workspace import Fault
from storage.db import make_engine
from storage.scheduling import Occurrence, OutboxMessage
from tests.conftest import PM, PRODUCT, SECRET, JobsEnv, midday, wait_until

ROOT = Path(__file__).resolve().parent.parent
MONDAY_0830 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def bot_env(env: JobsEnv, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": env.db_url,
        "SLACK_API_URL": env.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "TEAMLOOP_TIMEZONE": "Europe/Berlin",
        "TEAMLOOP_CHANNEL_INTERVAL": "0.01",
        "TEAMLOOP_SEND_BUDGET": "60000",
        "SLACK_APP_TOKEN": "",
        # The processes run on the real clock: channel work at its instant, not spread over
        # minutes (the spread has its own test in test_tick_at_scale).
        "TEAMLOOP_TICK_SPREAD": "0",
        **extra,
    }


def run_due(env: JobsEnv, at: datetime, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "run-due", "--now", at.isoformat(), "--wait", "5"],
        env=bot_env(env, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def dm_keys(env: JobsEnv, user: str) -> list[str]:
    msgs = env.ws.channel_messages(env.ws.dm_channel(user))
    return [m["metadata"]["event_payload"]["dedupe_key"] for m in msgs]


def channel_keys(env: JobsEnv, channel: str = PRODUCT) -> list[str]:
    msgs = env.ws.channel_messages(channel)
    return [m["metadata"]["event_payload"]["dedupe_key"] for m in msgs if m.get("metadata")]


def start_standup(env: JobsEnv) -> None:
    env.clock.set(MONDAY_0830 - timedelta(days=1))
    env.schedule(
        channel_id=PRODUCT,
        kind="standup",
        weekdays=WEEKDAYS,
        local_time="09:30",
        zones=["Europe/Berlin"],
        config={"participants": [PM], "reminder_minutes": 0},
    )


@pytest.mark.parametrize("stage", ["after claiming", "after Slack posted"])
def test_killed_mid_send_loses_nothing_and_sends_once(jobs_env: JobsEnv, stage: str) -> None:
    start_standup(jobs_env)
    # Hold the process inside its first Web API call of this stage, then SIGKILL it.
    method = "conversations.open" if stage == "after claiming" else "chat.postMessage"
    stall = Fault("timeout", method, times=1, delay=30)
    jobs_env.ws.inject(stall)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "jobs", "run-due", "--now", MONDAY_0830.isoformat()],
        env=bot_env(jobs_env),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: jobs_env.ws.calls_of(method), what=f"the {method} call")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    stall.release.set()  # Slack goes on with the request the dead process made
    if stage == "after Slack posted":
        wait_until(lambda: dm_keys(jobs_env, PM) or channel_keys(jobs_env), what="Slack to post")
    # The run's two messages: Alice's prompt and the thread parent in the channel.
    stuck = jobs_env.rows(OutboxMessage, status="sending")
    assert stuck and all(r.slack_ts is None for r in stuck)
    # An operator (or the next tick) runs again once the dead sender's lease is over.
    again = run_due(jobs_env, MONDAY_0830 + timedelta(minutes=2))
    assert again.returncode == 0, again.stderr
    posted = dm_keys(jobs_env, PM) + channel_keys(jobs_env)
    rows = jobs_env.rows(OutboxMessage)
    assert sorted(posted) == sorted(r.dedupe_key for r in rows)  # each exactly once
    assert {r.status for r in rows} == {"sent"}
    assert rows[-1].slack_ts == jobs_env.ws.channel_messages("D0ALICE")[0]["ts"]
    if stage == "after Slack posted":
        assert "found already sent" in again.stdout and "0 found" not in again.stdout
    assert len(jobs_env.rows(Occurrence)) == 1


def test_run_due_cli_is_idempotent_and_says_what_it_did(jobs_env: JobsEnv) -> None:
    start_standup(jobs_env)
    first = run_due(jobs_env, MONDAY_0830)
    second = run_due(jobs_env, MONDAY_0830)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "occurrences: 1 run, 0 skipped" in first.stdout
    assert "outbox: 2 sent" in first.stdout  # Alice's prompt and the channel's thread parent
    assert "occurrences: 0 run" in second.stdout and "outbox: 0 sent" in second.stdout
    assert len(dm_keys(jobs_env, PM)) == 1


def test_run_due_refuses_an_instant_without_offset(jobs_env: JobsEnv) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "run-due", "--now", "2026-11-23 08:30"],
        env=bot_env(jobs_env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "try 2026-11-23T08:30:00Z" in out.stderr
    assert "Traceback" not in out.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_replicas_send_every_occurrence_exactly_once(jobs_env: JobsEnv) -> None:
    if not jobs_env.db_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite serves one process")
    users = [f"U0P{n:03d}" for n in range(100)]
    for user in users:
        jobs_env.ws.add_user(user, f"person{user}")
    now = datetime.now(UTC)  # the replicas run on the real clock
    zone, local = midday(jobs_env.ws, users, now)
    jobs_env.clock.set(now - timedelta(minutes=30))
    for channel, kind in ((PRODUCT, "standup"), ("C0ENG", "reminders")):
        jobs_env.schedule(
            channel_id=channel,
            kind=kind,
            weekdays=DAILY,
            local_time=local,
            zones=[zone],
            config={"participants": users, "reminder_minutes": 0},
        )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http"],
            # A budget of 30 posts a second: the send takes seconds, so both replicas work.
            env=bot_env(
                jobs_env,
                PORT=str(_free_port()),
                TEAMLOOP_TICK_SECONDS="0.5",
                TEAMLOOP_SEND_BUDGET="1800",
            ),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        wait_until(
            lambda: sum(len(dm_keys(jobs_env, u)) for u in users) >= len(users),
            timeout=60,
            what="every prompt",
        )
        wait_until(
            lambda: {r.status for r in jobs_env.rows(OutboxMessage)} == {"sent"},
            what="the outbox to drain",
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(15)
    sent: Counter[str] = Counter(k for u in users for k in dm_keys(jobs_env, u))
    assert len(sent) == len(users) and set(sent.values()) == {1}
    occurrences = jobs_env.rows(Occurrence)
    assert sorted((o.kind, o.status) for o in occurrences) == [
        ("reminders", "done"),
        ("standup", "done"),
    ]
    senders = {r.claimed_by for r in jobs_env.rows(OutboxMessage)}
    assert len(senders) == 2, "both replicas should have sent some of the prompts"
    for proc in procs:
        assert proc.returncode in (0, -signal.SIGTERM), proc.stderr.read() if proc.stderr else ""


def test_one_ticker_at_a_time_and_takeover_when_it_dies(jobs_env: JobsEnv) -> None:
    if not jobs_env.db_url.startswith("postgresql"):
        pytest.skip("the ticker lock is a PostgreSQL advisory lock; SQLite runs one process")
    engines = [make_engine(jobs_env.db_url) for _ in range(2)]
    first, second = (Leadership(e) for e in engines)
    try:
        assert first.held() and first.held()
        assert not second.held()
        first._conn.invalidate()  # the leader's connection dies with its process
        first._conn = None
        wait_until(second.held, what="the other replica to take over")
        assert not first.held()
    finally:
        first.release()
        second.release()
        for e in engines:
            e.dispose()
