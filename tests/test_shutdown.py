"""Stopping is clean: SIGTERM during a fan-out ends the worker fast, and nothing is lost."""

from __future__ import annotations

import gc
import logging
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.error import URLError

import pytest

from bot.app import build
from bot.errors import UserError
from bot.outbox import store as outbox
from sandbox.server import Sandbox
from storage.db import transaction
from storage.migrate import upgrade
from storage.scheduling import OutboxMessage
from tests.conftest import JobsEnv, make_settings, wait_until
from tests.test_restart_and_replicas import ROOT, bot_env, dm_keys, run_due
from tests.test_sandbox_retro import _port

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


def test_the_sandbox_stops_after_the_posts_it_owes(
    tmp_path: Path, sandbox_start: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C (or CI's SIGTERM) while the demo's cards are still being posted: the posts
    reach the stand-in before the stand-in stops, instead of a traceback per card."""
    settings = make_settings(f"sqlite:///{tmp_path / 'sandbox.db'}", "http://unused/api/")
    upgrade(settings.database_url)
    box = Sandbox(settings, _port(), start=sandbox_start).start(scheduler=False)
    client = box.app.client

    def slow_post() -> None:
        time.sleep(0.5)  # still posting when stop() begins
        client.chat_postMessage(channel="C0PRODUCT", text="posted while stopping")

    box.deps.defer(slow_post, answer=None)
    with caplog.at_level(logging.WARNING):
        box.stop()
    assert "posted while stopping" in [m["text"] for m in box.ws.channel_messages("C0PRODUCT")]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_slack_unreachable_after_the_ack_is_a_warning_not_a_traceback(
    jobs_env: JobsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack down (connection refused after slack_sdk's retry) is not a bug of ours: one
    warning line, no ERROR with a traceback, and the failed answer does not raise either."""
    _app, deps = build(make_settings(jobs_env.db_url, "http://127.0.0.1:9/api/"))
    answered: list[str] = []
    refused = URLError(ConnectionRefusedError(111, "Connection refused"))

    def answer(text: str) -> None:
        answered.append(text)
        raise refused

    def unreachable() -> None:
        raise refused

    def mistyped() -> None:
        raise UserError("Type it again as `/req new …`.")

    with caplog.at_level(logging.WARNING):
        deps.defer(unreachable, answer=answer)
        deps.defer(mistyped, answer=answer)
        deps.worker.drain()
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.deps"]
    assert any("Slack unreachable" in w for w in warnings), warnings
    assert any("could not answer the user" in w for w in warnings), warnings
    assert answered == ["Type it again as `/req new …`."]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_finished_after_ack_work_is_freed_at_once(jobs_env: JobsEnv) -> None:
    """A deferred work's request (payload, card, rows) goes as soon as it is done, without
    waiting for a full garbage collection: a closure cycle kept every request of a burst
    alive, tens of MiB after 2,000 commands (bench.footprint)."""
    _app, deps = build(make_settings(jobs_env.db_url, "http://127.0.0.1:9/api/"))

    class Request:
        """Stands for what a listener's closure holds."""

    held = [Request() for _ in range(3)]
    gone = [weakref.ref(r) for r in held]
    answered: list[str] = []

    def work(request: Request) -> Callable[[], None]:
        def run() -> None:
            assert request is not None
            raise UserError("Type it again as `/req new …`.")

        return run

    gc.disable()
    try:
        for request in held:
            deps.defer(work(request), answer=answered.append)
        del request
        held.clear()
        deps.worker.drain()
        assert answered == ["Type it again as `/req new …`."] * 3
        assert [ref() for ref in gone] == [None, None, None]
    finally:
        gc.enable()


def test_a_drained_burst_gives_memory_back_once(jobs_env: JobsEnv) -> None:
    """After a backlog of after-ack work (a burst of commands) has drained, the allocator's
    free pages go back to the system once; a short queue does not trigger it."""
    from bot.deps import Worker

    worker = Worker(max_workers=2)
    try:
        for size, trims in ((Worker.TRIM_AFTER - 50, 0), (Worker.TRIM_AFTER + 10, 1)):
            gate = threading.Event()
            for _ in range(size):
                worker.submit(gate.wait, 10)
            gate.set()
            worker.drain()
            assert worker.trims == trims
    finally:
        worker.shutdown(wait=True)
