"""Production shape on PostgreSQL: three gunicorn web workers and two worker processes under
1,000 signed commands, with one process of each kind SIGKILLed along the way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.scheduling.recurrence import DAILY
from sandbox.driver import Driver
from storage.models import Requirement
from storage.scheduling import OutboxMessage
from tests.conftest import PRODUCT, SECRET, JobsEnv, midday, wait_until
from tests.test_restart_and_replicas import _free_port, bot_env

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = 1000


def _children(pid: int) -> list[int]:
    try:
        raw = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in raw.split()]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def test_web_workers_and_workers_under_load_and_sigkill(jobs_env: JobsEnv) -> None:
    if not jobs_env.db_url.startswith("postgresql"):
        pytest.skip("several processes share one PostgreSQL database; SQLite serves one process")
    ws = jobs_env.ws
    users = [f"U0L{n:03d}" for n in range(60)]
    for user in users:
        ws.add_user(user, f"load{user}")
    now = datetime.now(UTC)  # the processes run on the real clock
    zone, local = midday(ws, users, now)
    jobs_env.clock.set(now - timedelta(minutes=30))
    jobs_env.schedule(
        channel_id=PRODUCT, kind="standup", weekdays=DAILY, local_time=local,
        zones=[zone], config={"participants": users, "reminder_minutes": 0},
    )  # fmt: skip
    port = _free_port()
    env = bot_env(
        jobs_env,
        PORT=str(port),
        TEAMLOOP_WEB_WORKERS="3",
        TEAMLOOP_TICK_SECONDS="0.5",
        TEAMLOOP_SEND_BUDGET="600",  # ten a second: the sends take a few seconds
        TEAMLOOP_SEND_LEASE="3",
        LOG_LEVEL="WARNING",
    )
    run = [sys.executable, "-m", "bot", "run", "--http", "--role"]
    web = subprocess.Popen([*run, "web"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    workers = [
        subprocess.Popen([*run, "worker"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: _healthy(url) and len(_children(web.pid)) == 3, timeout=60, what="3 web workers"
        )
        driver = Driver(
            ws, signing_secret=SECRET, target=url + "/slack/events", standin_url="http://unused"
        )
        acked: dict[str, bool] = {}

        def send(n: int) -> None:
            title = f"Load item {n:04d}"
            try:
                reply = driver.command(
                    "/req", f"new {title}", user=users[n % len(users)], channel=PRODUCT
                )
            except OSError:
                return  # the worker serving it was killed: never acked
            # The ack is empty (the card follows it); a 200 comes after the capture committed.
            acked[title] = reply.status == 200

        with ThreadPoolExecutor(12) as pool:
            for n in range(COMMANDS):
                pool.submit(send, n)
                if n == COMMANDS // 3:
                    os.kill(_children(web.pid)[0], signal.SIGKILL)  # a web worker dies
                if n == COMMANDS // 2:
                    workers[0].send_signal(signal.SIGKILL)  # a ticker/sender dies
        # Every acked capture is stored exactly once; nothing is stored twice.
        with jobs_env.sessions() as s:
            counts = dict(
                s.execute(select(Requirement.title, func.count()).group_by(Requirement.title)).all()
            )
        ok = [t for t, good in acked.items() if good]
        assert len(ok) >= COMMANDS * 0.9, f"only {len(ok)} of {COMMANDS} acked"
        assert all(counts.get(t) == 1 for t in ok)
        assert set(counts.values()) == {1}
        # Every prompt is sent exactly once, the dead sender's claims included.
        wait_until(
            lambda: {r.status for r in jobs_env.rows(OutboxMessage)} == {"sent"},
            timeout=90,
            what="the outbox to drain",
        )
        sent = Counter(
            m["metadata"]["event_payload"]["dedupe_key"]
            for u in users
            for m in ws.channel_messages(ws.dm_channel(u))
        )
        assert len(sent) == len(users) and set(sent.values()) == {1}
        assert len(_children(web.pid)) == 3  # gunicorn replaced the killed worker
    finally:
        for proc in (web, *workers):
            if proc.poll() is None:
                proc.terminate()
        for proc in (web, *workers):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    time.sleep(0.1)
