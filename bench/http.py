"""HTTP throughput and ack latency: teamloop under its production server vs a bare bolt app.

Run: python -m bench.http [N] [--concurrency C] [--database-url URL] [--baseline-tree DIR]
(DIR: another checkout, e.g. main, served the same way in the same rounds). Both apps run under
the same server: on SQLite one waitress process with 8 threads (as `run --http` serves
there), on PostgreSQL gunicorn (TEAMLOOP_WEB_WORKERS workers, gthread, 8 threads), and get
the same signed `/req new …` commands over HTTP from C concurrent clients, in alternating
rounds within one run. teamloop stores every capture (SQLite file by default). Prints
requests a second and p50/p99 ack latency for each, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.digest import scratch_database
from bot.runtime.web import Served
from sandbox.driver import Driver
from sandbox.web_api import WebApi
from sandbox.workspace import Workspace

SECRET = "bench-secret"
ROUNDS = 4
ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Start both servers, send the rounds, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--baseline-tree",
        help="another checkout of teamloop (e.g. main) to measure in the same rounds",
    )
    args = parser.parse_args()
    ws = Workspace(team_id="T0BENCH")
    ws.add_user("U0BENCH", "bench")
    ws.add_user("U0BOB", "bob")
    ws.add_channel("C0BENCH", "bench", members=["U0BENCH", "U0BOB"])
    standin = Served(WebApi(ws)).start()
    # PostgreSQL: a fresh schema, dropped afterwards; else a temporary SQLite file.
    with scratch_database(args.database_url) as url:
        env = {
            **os.environ,
            "SLACK_API_URL": standin.url + "/api/",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_APP_TOKEN": "",
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
        }
        teamloop = ["-m", "bot", "run", "--http", "--role", "web"]
        sqlite = url.startswith("sqlite")
        bare_port = _port()
        bare = (
            ["-m", "waitress", "--threads=8", f"--listen=127.0.0.1:{bare_port}"]
            if sqlite
            else ["-m", "gunicorn"]
        )
        bare.append("bench.bare_app:wsgi")
        servers = {
            "teamloop": _start(teamloop, env, _port()),
            "bare bolt": _start(bare, env, bare_port, gunicorn=not sqlite),
        }
        if args.baseline_tree:
            tree = Path(args.baseline_tree).resolve()
            servers["baseline"] = _start(
                teamloop, {**env, "PYTHONPATH": str(tree)}, _port(), cwd=tree
            )
        try:
            workers = os.environ.get("TEAMLOOP_WEB_WORKERS", "2")
            server = "waitress, one process" if sqlite else f"gunicorn gthread x{workers}"
            _measure(ws, servers, args.n, args.concurrency, server)
        finally:
            for proc, _url in servers.values():
                proc.terminate()
                proc.wait(20)
            standin.stop()


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(
    cmd: list[str], env: dict[str, str], port: int, gunicorn: bool = False, cwd: Path = ROOT
) -> tuple[subprocess.Popen[bytes], str]:
    workers = env.get("TEAMLOOP_WEB_WORKERS", "2")
    extra = ["-w", workers, "-k", "gthread", "--threads", "8", "--preload"]
    extra += ["-b", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(
        [sys.executable, *cmd, *(extra if gunicorn else [])],
        env={**env, "PORT": str(port)},
        cwd=cwd,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/slack/events", timeout=1)
        except urllib.error.HTTPError:
            return proc, url  # it answers (405/404 to a GET): up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{cmd} did not start")


def _round(driver: Driver, start: int, n: int, concurrency: int) -> tuple[float, list[float]]:
    def one(i: int) -> float:
        begun = time.perf_counter()
        reply = driver.command(
            "/req", f"new Export invoices batch {i} P1 <@U0BOB|bob> #billing",
            user="U0BENCH", channel="C0BENCH",
        )  # fmt: skip
        assert reply.status == 200, reply.body[:200]
        return time.perf_counter() - begun

    begun = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(start, start + n)))
    return n / (time.perf_counter() - begun), latencies


def _measure(
    ws: Workspace,
    servers: Mapping[str, tuple[object, str]],
    n: int,
    concurrency: int,
    server: str,
) -> None:
    drivers = {
        name: Driver(
            ws, signing_secret=SECRET, target=url + "/slack/events", standin_url="http://unused"
        )
        for name, (_proc, url) in servers.items()
    }
    for driver in drivers.values():
        _round(driver, 10_000_000, 50, concurrency)  # warm up: imports, pools, auth.test
    per_round = n // ROUNDS
    rates: dict[str, list[float]] = {name: [] for name in drivers}
    lat: dict[str, list[float]] = {name: [] for name in drivers}
    for r in range(ROUNDS):
        for name, driver in drivers.items():
            rate, latencies = _round(driver, r * per_round, per_round, concurrency)
            rates[name].append(rate)
            lat[name].extend(latencies)
    print(
        f"{n} signed /req new per app over HTTP, {concurrency} concurrent clients, "
        f"{ROUNDS} alternating rounds, {server}"
    )
    figures = {}
    for name in drivers:
        ms = sorted(x * 1000 for x in lat[name])
        p50, p99 = statistics.median(ms), ms[int(len(ms) * 0.99) - 1]
        rate = statistics.median(rates[name])
        figures[name] = (rate, p50, p99)
        print(f"  {name:10s} {rate:7.0f} req/s (median of rounds)", end="")
        print(f"  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
    b_rate, b50, b99 = figures["bare bolt"]
    for name in ("teamloop", "baseline"):
        if name in figures:
            t_rate, t50, t99 = figures[name]
            print(f"  ratio {name}/bare: throughput {t_rate / b_rate:.2f}x, p50 {t50 / b50:.2f}x, "
                  f"p99 {t99 / b99:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
