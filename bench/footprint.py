"""Footprint of each way teamloop runs: time to start, and the memory of its process tree.

Run: python -m bench.footprint [--commands N] [--idle S] [--database-url postgresql://…]

For each mode (the sandbox; `run --http` on SQLite; `run --http` on PostgreSQL, with its web
workers and its worker process, when a URL is given) it launches teamloop on an empty store,
measures the time from launch to the first `GET /healthz` 200, then the RSS and PSS of the
whole process tree after S seconds idle (default 10) and again after N signed `/req new`
commands (default 2,000; 8 concurrent clients, one typing into the sandbox's page). A bare
bolt app that only acks (`bench/bare_app.py`) runs under the same server in the same run
(waitress in one process for SQLite, gunicorn for PostgreSQL) and gets the same
measurements. Each store is fresh, so the first start also applies the migrations;
`restart` is the second start on that store.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.digest import scratch_database
from bot.runtime.web import Served
from sandbox.driver import Driver
from sandbox.web_api import WebApi
from sandbox.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
MIB = 1024.0


@dataclass
class Figures:
    """What one launch measured: seconds to the first 200, MiB of the tree, processes."""

    start: float
    start_cpu: float
    restart: float | None
    restart_cpu: float | None
    processes: int
    idle_rss: float
    idle_pss: float
    busy_rss: float
    busy_pss: float


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(tree(int(child)))
    return found


def memory(pid: int) -> tuple[int, float, float]:
    """(processes, RSS MiB, PSS MiB) of the tree under `pid`, from smaps_rollup."""
    pids = tree(pid)
    rss = pss = 0
    for each in pids:
        try:
            lines = Path(f"/proc/{each}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return len(pids), rss / MIB, pss / MIB


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, reaped children included) the tree under `pid` has used:
    what starting costs whatever else the machine is doing."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _launch(
    cmd: list[str], env: dict[str, str], cwd: Path = ROOT
) -> tuple[subprocess.Popen[bytes], float, float, str]:
    """Start `cmd` (`{port}` in it, and PORT, become a free port) in `cwd` (another checkout
    runs its own code); returns the process, the seconds to the first /healthz 200 (wall
    clock, and CPU), and its URL."""
    port = _port()
    url = f"http://127.0.0.1:{port}"
    begun = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, *(part.replace("{port}", str(port)) for part in cmd)],
        env={**env, "PORT": str(port)},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() - begun > 120:
            proc.kill()
            raise RuntimeError(f"{cmd} did not answer /healthz")
        time.sleep(0.01)
    return proc, time.monotonic() - begun, cpu_seconds(proc.pid), url


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _commands(send: Any, n: int) -> None:
    # The sandbox's page calls the bot on the same server: one person types one at a time.
    concurrency = getattr(send, "concurrency", 8)
    with ThreadPoolExecutor(concurrency) as pool:
        for ok in pool.map(send, range(n)):
            assert ok, "a command failed"


def measure(
    cmd: list[str], env: dict[str, str], send_to: Any, *, n: int, idle: float, restart: bool = False
) -> Figures:
    """Launch, wait `idle` s, measure; send `n` commands, settle, measure; stop."""
    proc, start, start_cpu, url = _launch(cmd, env)
    try:
        time.sleep(idle)  # the figure asked for is the idle footprint after this long
        processes, idle_rss, idle_pss = memory(proc.pid)
        send = send_to(url)
        _commands(send, n)
        # Measured once the after-ack work (each card's post and record) is done: memory that
        # work still holds is a queue, not growth. Bounded, for a mode that never says.
        settled = getattr(send, "settled", lambda: True)
        deadline = time.monotonic() + 60
        while not settled() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        _procs, busy_rss, busy_pss = memory(proc.pid)
    finally:
        _stop(proc)
    again = again_cpu = None
    if restart:
        proc, again, again_cpu, _url = _launch(cmd, env)
        _stop(proc)
    return Figures(
        start, start_cpu, again, again_cpu, processes, idle_rss, idle_pss, busy_rss, busy_pss
    )


def signed(ws: Workspace) -> Any:
    """Senders of signed `/req new` commands over HTTP to an app at a URL."""

    def to(url: str) -> Any:
        posted_before, acked = _posts(ws), list[bool]()
        driver = Driver(
            ws, signing_secret=SECRET, target=url + "/slack/events", standin_url="http://unused"
        )

        def send(i: int) -> bool:
            reply = driver.command(
                "/req", f"new Footprint item {i} P2", user="U0BENCH", channel="C0BENCH"
            )
            if reply.status == 200:
                acked.append(True)  # list.append is atomic under the GIL
            return reply.status == 200

        # Every acked command's card reached the stand-in.
        send.settled = lambda: _posts(ws) - posted_before >= len(acked)  # type: ignore[attr-defined]
        return send

    return to


def _posts(ws: Workspace) -> int:
    with ws.lock:
        return sum(1 for call in ws.calls if call.method == "chat.postMessage")


def through_the_page(url: str) -> Any:
    """The sandbox signs with its own secret: commands go through its page's API."""
    import json

    def send(i: int) -> bool:
        text = f"/req new Footprint item {i} P2"
        body = {"text": text, "user": "U0ALICE", "channel": "C0PRODUCT"}
        request = urllib.request.Request(
            url + "/ui/send", data=json.dumps(body).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as resp:
            return bool(resp.status == 200 and "error" not in json.loads(resp.read() or b"{}"))

    send.concurrency = 1  # type: ignore[attr-defined]
    return send


def _row(name: str, f: Figures) -> str:
    restart = "   –   " * 2 + " "
    if f.restart is not None and f.restart_cpu is not None:
        restart = f"{f.restart:5.2f} s {f.restart_cpu:5.2f} s"
    return (
        f"  {name:36s} {f.start:5.2f} s  {f.start_cpu:5.2f} s  {restart}  {f.processes:2d}  "
        f"{f.idle_rss:6.1f} {f.idle_pss:6.1f}  {f.busy_rss:6.1f} {f.busy_pss:6.1f}  "
        f"{f.busy_pss - f.idle_pss:+6.1f}"
    )


def main() -> None:
    """Measure every mode and its baseline, then print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--database-url", help="PostgreSQL server for the PostgreSQL mode")
    args = parser.parse_args()
    ws = Workspace(team_id="T0BENCH")
    ws.add_user("U0BENCH", "bench")
    ws.add_channel("C0BENCH", "bench", members=["U0BENCH"])
    standin = Served(WebApi(ws)).start()
    base = {
        **os.environ,
        "SLACK_API_URL": standin.url + "/api/",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    n, idle = args.commands, args.idle
    rows: list[tuple[str, Figures]] = []
    bare_waitress = ["-m", "waitress", "--threads=8", "--listen=127.0.0.1:{port}"]
    bare_waitress.append("bench.bare_app:wsgi")
    workers = base.get("TEAMLOOP_WEB_WORKERS", "2")
    bare_gunicorn = ["-m", "gunicorn", "-w", workers, "-k", "gthread", "--threads", "8"]
    bare_gunicorn += ["--preload", "-b", "127.0.0.1:{port}", "bench.bare_app:wsgi"]
    run = ["-m", "bot", "run", "--http"]
    try:
        with scratch_database(None) as url:
            # No Slack credentials: the sandbox (its own stand-in and secret).
            env = {k: v for k, v in base.items() if not k.startswith("SLACK_")}
            env["DATABASE_URL"] = url
            fig = measure(["-m", "bot", "sandbox"], env, through_the_page, n=n, idle=idle)
            rows.append(("sandbox (SQLite)", fig))
        with scratch_database(None) as url:
            env = {**base, "DATABASE_URL": url}
            fig = measure(run, env, signed(ws), n=n, idle=idle, restart=True)
            rows.append(("run --http, SQLite", fig))
        fig = measure(bare_waitress, base, signed(ws), n=n, idle=idle)
        rows.append(("bare bolt, waitress (1 process)", fig))
        if args.database_url:
            with scratch_database(args.database_url) as url:
                env = {**base, "DATABASE_URL": url}
                fig = measure(run, env, signed(ws), n=n, idle=idle, restart=True)
                rows.append(("run --http, PostgreSQL (web+worker)", fig))
            fig = measure(bare_gunicorn, base, signed(ws), n=n, idle=idle)
            rows.append((f"bare bolt, gunicorn ({workers} workers)", fig))
    finally:
        standin.stop()
    print(
        "Footprint: start = launch to first /healthz 200 on a fresh store (cpu: CPU time the "
        "tree used by then), restart = the same on that store again; memory in MiB of the "
        f"whole process tree after {idle:.0f} s idle and after {n} /req new commands "
        "(RSS+n, PSS+n); growth = PSS+n - PSS"
    )
    print(
        f"  {'mode':36s} {'start':>7s}  {'cpu':>7s}  {'restart':>7s} {'cpu':>7s}  {'#p':>2s}  "
        f"{'RSS':>6s} {'PSS':>6s}  {'RSS+n':>6s} {'PSS+n':>6s}  {'growth':>6s}"
    )
    for name, fig in rows:
        print(_row(name, fig))


if __name__ == "__main__":
    main()
