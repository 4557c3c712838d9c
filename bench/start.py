"""Time to start `run --http` on SQLite: to the first `GET /healthz` 200, and where it goes.

Run: python -m bench.start [--runs N] [--baseline DIR] [--phases]

Launches `python -m bot run --http` on a fresh SQLite store (`fresh`: the migrations run) and
again on that store (`restart`), N times each (default 5), and prints the median wall time
from launch to the first `/healthz` 200 and the CPU time the process used by then (user +
system, from /proc: what a start costs whatever else the machine is doing). With
`--baseline DIR` (another checkout, e.g. `git worktree add /tmp/old main`) the same launches
run from that tree too, interleaved one for one with this tree's, so both see the same load;
the ratio new/old is printed. `--compile` first writes each tree's bytecode (`compileall`, as
installing a wheel does): without it, and with PYTHONDONTWRITEBYTECODE set, every start
compiles teamloop's own modules from source again. `--phases` first times each step of one
start in a new process (imports, Settings(), ensure_current, build, build_jobs, listening, the
first /healthz).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(url: str, api: str) -> dict[str, str]:
    from bench.footprint import SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMLOOP_"))}
    env.update(
        DATABASE_URL=url,
        SLACK_API_URL=api,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        LOG_LEVEL="WARNING",
    )
    return env


def starts(tree: Path, api: str) -> tuple[float, float, float, float]:
    """(fresh wall, fresh CPU, restart wall, restart CPU) seconds of one pair of launches of
    `tree`'s `run --http` on a new SQLite file."""
    from bench.footprint import _launch, _stop

    with tempfile.TemporaryDirectory() as tmp:
        env = _env(f"sqlite:///{Path(tmp) / 'start.db'}", api)
        cmd = ["-m", "bot", "run", "--http"]
        proc, fresh, fresh_cpu, _url = _launch(cmd, env, cwd=tree)
        _stop(proc)
        proc, again, again_cpu, _url = _launch(cmd, env, cwd=tree)
        _stop(proc)
    return fresh, fresh_cpu, again, again_cpu


def phases(api: str) -> None:
    """Time each step of one start in this (new) process, on a fresh store then on a current
    one: this module imports nothing of teamloop's at the top, so the imports count."""
    import urllib.request

    clock = time.perf_counter
    cpu = time.process_time
    marks: list[tuple[str, float, float]] = []

    def mark(name: str, wall: float, used: float) -> None:
        marks.append((name, clock() - wall, cpu() - used))

    w, c = clock(), cpu()
    from bot.config import Settings
    from bot.runtime.web import Served, wsgi_app
    from storage.migrate import ensure_current

    mark("import config, web, migrate", w, c)
    w, c = clock(), cpu()
    from bot.app import build
    from bot.runtime.jobs import build_jobs

    mark("import app, jobs", w, c)
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("fresh", "restart"):
            os.environ.update(_env(f"sqlite:///{Path(tmp) / 'start.db'}", api))
            w, c = clock(), cpu()
            settings = Settings()
            mark(f"{label}: Settings()", w, c)
            w, c = clock(), cpu()
            ensure_current(settings.database_url)
            mark(f"{label}: ensure_current", w, c)
            w, c = clock(), cpu()
            app, deps = build(settings)
            mark(f"{label}: build()", w, c)
            w, c = clock(), cpu()
            jobs = build_jobs(settings, sessions=deps.sessions, clock=deps.clock)
            ticker = jobs.ticker()
            mark(f"{label}: build_jobs + ticker()", w, c)
            w, c = clock(), cpu()
            served = Served(wsgi_app(app, deps.sessions)).start()
            mark(f"{label}: wsgi_app + listen", w, c)
            w, c = clock(), cpu()
            with urllib.request.urlopen(served.url + "/healthz", timeout=10) as resp:
                assert resp.status == 200
            mark(f"{label}: first /healthz", w, c)
            served.stop()
            del ticker
            deps.worker.shutdown(wait=True)
            deps.sessions.kw["bind"].dispose()
    print("Phases of one start, in a new process (wall ms, CPU ms):")
    for name, wall, used in marks:
        print(f"  {name:34s} {wall * 1000:7.1f} {used * 1000:7.1f}")


def main() -> None:
    """Time interleaved starts of this tree (and the baseline's), print medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare against")
    parser.add_argument("--phases", action="store_true", help="time each step of one start")
    parser.add_argument("--compile", action="store_true", help="write both trees' bytecode")
    parser.add_argument("--phases-of", metavar="API_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phases_of:  # the child process `--phases` starts
        phases(args.phases_of)
        return
    from bot.runtime.web import Served
    from sandbox.web_api import WebApi
    from sandbox.workspace import Workspace

    standin = Served(WebApi(Workspace(team_id="T0BENCH"))).start()
    api = standin.url + "/api/"
    try:
        if args.phases:
            subprocess.run(
                [sys.executable, "-m", "bench.start", "--phases-of", api], cwd=ROOT, check=True
            )
        trees = {"this tree": ROOT}
        if args.baseline is not None:
            trees = {"baseline": args.baseline.resolve(), **trees}
        if args.compile:
            for tree in trees.values():
                cmd = [sys.executable, "-m", "compileall", "-q", "bot", "handlers", "storage"]
                subprocess.run(cmd, cwd=tree, check=True, stdout=subprocess.DEVNULL)
        got: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in trees}
        for _ in range(args.runs):
            for name, tree in trees.items():  # interleaved: both see the same load
                got[name].append(starts(tree, api))
    finally:
        standin.stop()
    cached = "bytecode compiled" if args.compile else "bytecode as found"
    if sys.flags.dont_write_bytecode and not args.compile:
        cached += " (PYTHONDONTWRITEBYTECODE set)"
    print(
        f"run --http on SQLite, launch to first /healthz 200, median of {args.runs} "
        f"(load {os.getloadavg()[0]:.1f}; {cached}):"
    )
    print(f"  {'tree':12s} {'fresh':>7s} {'cpu':>7s}  {'restart':>7s} {'cpu':>7s}")
    medians = {}
    for name, runs in got.items():
        medians[name] = [statistics.median(r[i] for r in runs) for i in range(4)]
        m = medians[name]
        print(f"  {name:12s} {m[0]:5.2f} s {m[1]:5.2f} s  {m[2]:5.2f} s {m[3]:5.2f} s")
    if "baseline" in medians:
        old, new = medians["baseline"], medians["this tree"]
        ratios = "  ".join(f"{n / o:5.2f}" for n, o in zip(new, old, strict=True))
        print(f"  {'new/old':12s} {ratios}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
