"""The default run is lean: one process on SQLite, a preloaded gunicorn on PostgreSQL, and a
start path that imports only what serving needs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.runtime.web import Served
from bot.scheduling.recurrence import DAILY
from sandbox.driver import Driver
from sandbox.workspace import Workspace
from storage.db import make_engine
from storage.migrate import alembic_config, ensure_current, script_heads, upgrade
from storage.models import Requirement
from tests.conftest import PM, PRODUCT, SECRET, JobsEnv, midday, wait_until
from tests.test_production import _children, _healthy
from tests.test_restart_and_replicas import ROOT, _free_port, bot_env, dm_keys

# Loaded only when used: migrations, charting, the sandbox, OAuth stores, the PostgreSQL server.
NOT_ON_THE_START_PATH = (
    "alembic",
    "mako",
    "pygments",
    "matplotlib",
    "sandbox",
    "gunicorn",
    "cryptography",
    "sqlalchemy.dialects.postgresql",
    "holidays",
    "slack_sdk.oauth.installation_store.sqlalchemy",
    "slack_sdk.oauth.state_store.sqlalchemy",
)
PROBE = """
import os, sys, threading, time, urllib.request
from bot.cli import main

def probe():
    url = f"http://127.0.0.1:{os.environ['PORT']}/healthz"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=1).status == 200:
                break
        except OSError:
            time.sleep(0.05)
    import gc
    # The collector is back on once the scheduled work is wired, just after listening.
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.05)
    print("\\n".join(sorted(sys.modules)), flush=True)
    print(f"gc:{gc.isenabled()}:{gc.get_freeze_count() > 0}", flush=True)
    os._exit(0)

threading.Thread(target=probe, daemon=True).start()
main(["run", "--http"])
"""


def test_run_http_serves_and_schedules_then_stops(jobs_env: JobsEnv, tmp_path: Path) -> None:
    """SQLite: one process does it all. PostgreSQL: gunicorn (app preloaded) and a worker."""
    sqlite = jobs_env.db_url.startswith("sqlite")
    now = datetime.now(UTC)  # the process runs on the real clock
    zone, local = midday(jobs_env.ws, [PM], now)
    jobs_env.clock.set(now - timedelta(minutes=30))
    jobs_env.schedule(
        channel_id=PRODUCT, kind="standup", weekdays=DAILY, local_time=local,
        zones=[zone], config={"participants": [PM], "reminder_minutes": 0},
    )  # fmt: skip
    port = _free_port()
    env = bot_env(jobs_env, PORT=str(port), TEAMLOOP_TICK_SECONDS="0.5", TEAMLOOP_WEB_WORKERS="2")
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url), timeout=60, what="/healthz to answer")
        if sqlite:
            assert _children(proc.pid) == [], "on SQLite, run is one process"
        else:
            wait_until(lambda: len(_children(proc.pid)) == 3, what="2 web workers and a worker")
        driver = Driver(
            jobs_env.ws, signing_secret=SECRET, target=url + "/slack/events", standin_url=url
        )
        reply = driver.command("/req", "new Lean export P1", user=PM, channel=PRODUCT)
        assert reply.status == 200, reply.body
        # The card is posted right after the (empty) ack, with chat.postMessage (issue 17).
        wait_until(
            lambda: any(
                m["text"].startswith("REQ-1:") for m in jobs_env.ws.channel_messages(PRODUCT)
            ),
            what="the card",
        )
        assert [r.title for r in jobs_env.rows(Requirement)] == ["Lean export"]
        with urllib.request.urlopen(url + "/metrics", timeout=5) as resp:
            metrics = resp.read().decode()
        assert 'teamloop_requests_total{kind="command:/req",outcome="ok"} 1.0' in metrics
        # The ticker and the sender run too: the standup prompt reaches Alice once.
        wait_until(lambda: dm_keys(jobs_env, PM), timeout=30, what="the standup prompt")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        took = time.monotonic() - started
    finally:
        proc.kill()
    output = log_path.read_text()
    assert code == 0, output
    assert took < 10, f"took {took:.1f}s to stop"
    assert "Traceback" not in output, output
    assert len(dm_keys(jobs_env, PM)) == 1
    loaded = [line for line in output.splitlines() if "app loaded in process" in line]
    if sqlite:
        assert "in one process" in output and not loaded, output
    else:
        # Preloaded: built once, in the master, not again in each worker after the fork.
        assert len(loaded) == 1 and f"process {proc.pid}," in loaded[0], output


@pytest.mark.parametrize("store", ["current", "new"])
def test_start_path_imports_only_what_serving_needs(
    standin: tuple[Workspace, Served], tmp_path: Path, store: str
) -> None:
    """On a store at the head (every start but the first) and on a new one (built from the
    migrations' schema, `storage.fresh`): no Alembic, no PostgreSQL dialect; and the garbage
    collector, paused while starting (as `python -m bot` does), is back on once serving."""
    url = f"sqlite:///{tmp_path / 'teamloop.db'}"
    if store == "current":
        upgrade(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SLACK_API_URL": standin[1].url + "/api/",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "",
        "PORT": str(_free_port()),
    }
    out = subprocess.run(
        [sys.executable, "-c", "import gc; gc.disable()\n" + PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert "gc:True:True" in out.stdout.split(), out.stderr
    modules = set(out.stdout.split())
    assert "bot.runtime.web" in modules and "handlers" in modules, out.stderr
    loaded = [
        name
        for name in NOT_ON_THE_START_PATH
        if name in modules or any(m.startswith(name + ".") for m in modules)
    ]
    assert loaded == [], f"imported on the start path: {loaded}"


def test_migrations_run_only_when_the_store_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    # The head read from the scripts' text is Alembic's own.
    assert script_heads() == set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    assert ensure_current(url) is True  # a fresh store is migrated
    engine = make_engine(url)
    try:
        assert "requirements" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert ensure_current(url) is False  # already at the head: Alembic is not needed


def test_a_taken_port_is_said_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'teamloop.db'}"
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "SLACK_APP_TOKEN": ""}
        env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SECRET)
        out = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--http"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 2, out.stderr
    assert f"teamloop: cannot listen on PORT {port}: Address already in use" in out.stderr
    assert "Traceback" not in out.stderr


WARM_RACE = """
import threading
from datetime import date
from bot.parsing.dates import DateContext, read_date, warm_up_soon

warm = warm_up_soon()
ctx = DateContext(today=date(2026, 11, 30))
phrases = {"Dec 4": date(2026, 12, 4), "12月4日": date(2026, 12, 4), "3天后": date(2026, 12, 3)}
got = {}

def read(phrase):
    got[phrase] = read_date(phrase, context=ctx).value

readers = [threading.Thread(target=read, args=(p,)) for p in phrases]
for t in readers:
    t.start()
for t in readers:
    t.join(60)
warm.join(60)
assert got == phrases, got
print("ok")
"""


def test_dateparser_loads_after_listening_and_the_first_dates_wait_for_it() -> None:
    """The warm-up runs on a thread once the server listens (not in the start path); date
    phrases read while it loads wait for it and come out right, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", WARM_RACE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


ARENA_PROBE = """
import re, sys, threading
from bot.runtime.memory import limit_malloc_arenas
applied = limit_malloc_arenas() if sys.argv[1] == "capped" else False
barrier = threading.Barrier(8)
held = []
def allocate():
    chunks = [bytearray(50_000) for _ in range(40)]  # under the mmap threshold: the arena's
    held.append(chunks)
    barrier.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
heaps = set()
for line in open("/proc/self/maps"):
    start = int(line.split("-")[0], 16)
    if " rw-p " in line and line.rstrip().endswith(" 0") and start % (64 << 20) == 0:
        heaps.add(start)
print(applied, len(heaps))
"""


def test_the_process_keeps_few_malloc_arenas_however_many_threads_allocate() -> None:
    """glibc gives each allocating thread an arena that keeps what it once held; capped at
    two (`limit_malloc_arenas`, called first by `python -m bot`), 8 threads share them."""
    if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
        pytest.skip("malloc arenas are glibc's; this C library has none to cap")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def heaps(mode: str) -> tuple[str, int]:
        out = subprocess.run(
            [sys.executable, "-c", ARENA_PROBE, mode],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        applied, count = out.stdout.split()
        return applied, int(count)

    assert heaps("capped") == ("True", 1)  # the main arena is the brk heap: one more at most
    assert heaps("default")[1] >= 4
