"""Monday 09:00 at scale: the digest and reminders of every channel fire while people capture.

Run: python -m bench.monday [--scale 1.0] [--baseline-tree /work/main] [--idle 20]
[--speed 2] [--switch S ...] (--switch: also run this tree with the GIL's switch interval at
S seconds). Builds one store (SQLite file) the size `bench.digest` uses at --scale 1.0:
200 channels, 100,000 requirements, 20,000 blockers, 1,000,000 history events, at the
schema both trees know; then, for the baseline tree (if given) and for this tree, in turn on
a copy of it: serves that tree's app over HTTP next to the Slack stand-in, sends
signed `/req new` from 8 clients for --idle seconds (the idle bot), then fires Monday 09:00
Berlin for all 200 channels (digest and reminders, 400 occurrences) with that tree's jobs, on
a clock running --speed times real time (at 2, a 5-minute spread passes in 150 s: denser
than reality), the sender delivering beside it, while the 8 clients keep capturing. The
app (8 waitress threads), the ticker and the sender share one process and one engine, as
`run --http` runs on SQLite. Prints, per tree: captures failed (non-200, an error answer,
or no answer within 10 s) and their p50/p99 idle and during the tick, the tick's own time
(wall: the sum of its ticks, which with 8 clients in the same process is mostly waiting for
the writer lock behind their captures and for the GIL; the ticker thread's CPU time; and its
time holding SQLite's writer lock, i.e. inside write transactions, measured by
bench/monday_probe.py), the captures' waits for that lock, and whether every occurrence ran
once and every message was sent once.
Targets: 0 failed, p99 during the tick <= 3x idle, the ticker's time in write transactions
<= 20 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UNTIL = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 Europe/Berlin
SECRET = "bench-secret"
SCHEMA = "0009"  # the newest revision both trees know: each upgrades on its own from there


def _probe() -> Any:
    """bench/monday_probe.py, loaded by path (the measured tree may have no such module)."""
    spec = importlib.util.spec_from_file_location("monday_probe", Path(__file__).with_name(
        "monday_probe.py"))  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["monday_probe"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Build the store once, run each tree on a copy, print the comparison."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--baseline-tree")
    parser.add_argument("--also-tree", action="append", default=[], help="another checkout")
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=2.0)
    parser.add_argument(
        "--switch", type=float, action="append", default=[],
        help="also run this tree with sys.setswitchinterval(S) in its process (repeatable)",
    )  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.switch:
            sys.setswitchinterval(args.switch[0])
        print(json.dumps(measure(args.child, idle=args.idle, speed=args.speed)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.db"
        begun = time.perf_counter()
        counts = build(f"sqlite:///{store}", args.scale)
        print(f"store: {counts} (SQLite file, {store.stat().st_size / 2**20:.0f} MiB), "
              f"built in {time.perf_counter() - begun:.0f} s")  # fmt: skip
        trees: list[tuple[str, Path, float | None]] = []
        if args.baseline_tree:
            trees.append(("baseline", Path(args.baseline_tree), None))
        trees.append(("this tree", ROOT, None))
        trees += [(f"this tree, switch interval {s:g} s", ROOT, s) for s in args.switch]
        trees += [(f"also {path}", Path(path), None) for path in args.also_tree]
        for name, tree, switch in trees:
            copy = Path(tmp) / f"tree{len(list(Path(tmp).glob('tree*')))}.db"
            shutil.copy(store, copy)
            print(f"\n{name} ({tree}), load: {os.getloadavg()[0]:.2f}")
            report(run_child(tree, f"sqlite:///{copy}", args, switch), args.speed)


def build(url: str, scale: float) -> str:
    """The bench.digest store at `scale`, at SCHEMA, with 200 channels' default schedules."""
    from sqlalchemy import insert

    from bench.digest import BATCH, CHANNELS, STATUSES, TEAM
    from storage.db import make_engine
    from storage.items import Blocker
    from storage.migrate import upgrade
    from storage.models import Counter, HistoryEvent, Requirement, Workspace

    upgrade(url, SCHEMA)
    engine = make_engine(url)
    rng = random.Random(7)
    n_reqs, n_blk, n_hist = int(100_000 * scale), int(20_000 * scale), int(1_000_000 * scale)

    def put(model: Any, rows: list[dict[str, Any]]) -> None:
        with engine.begin() as conn:
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(model), rows[start : start + BATCH])

    put(Workspace, [{"team_id": TEAM, "created_at": UNTIL - timedelta(days=400)}])
    reqs = []
    for n in range(1, n_reqs + 1):
        created = UNTIL - timedelta(minutes=rng.randrange(60 * 24 * 365))
        status = rng.choice(STATUSES)
        finished = status in STATUSES[5:]
        closed = created + timedelta(hours=rng.randrange(1, 2000)) if finished else None
        due = (created + timedelta(days=rng.randrange(60))).date() if n % 3 == 0 else None
        reqs.append(
            {"team_id": TEAM, "number": n, "title": f"Requirement {n}", "description": "",
             "status": status, "priority": rng.choice(("P0", "P1", "P2", "P2", "P3")),
             "owner_id": rng.choice((None, "U0A", "U0B", "U0C")), "requester_id": "U0A",
             "channel_id": CHANNELS[n % 200], "labels": [], "votes": rng.randrange(4),
             "due_date": due,
             "created_at": created, "updated_at": created,
             "closed_at": min(closed, UNTIL) if closed else None}
        )  # fmt: skip
    put(Requirement, reqs)
    # Captures during the bench continue the numbering (REQ-n is per workspace).
    put(Counter, [{"team_id": TEAM, "kind": "requirement", "value": n_reqs},
                  {"team_id": TEAM, "kind": "blocker", "value": n_blk}])  # fmt: skip
    blockers = []
    for n in range(1, n_blk + 1):
        opened = UNTIL - timedelta(minutes=rng.randrange(60 * 24 * 120))
        resolved = opened + timedelta(hours=rng.randrange(1, 500)) if n % 4 else None
        done = resolved is not None and resolved < UNTIL
        blockers.append(
            {"team_id": TEAM, "number": n, "text": f"Blocked on {n}", "reporter_id": "U0B",
             "owner_id": None, "channel_id": CHANNELS[n % 200], "opened_at": opened,
             "status": "resolved" if done else "open", "resolved_at": resolved if done else None}
        )  # fmt: skip
    put(Blocker, blockers)
    for start in range(0, n_hist, BATCH):
        rows = []
        for _ in range(min(BATCH, n_hist - start)):
            n = rng.randrange(1, n_reqs + 1)
            old, new = rng.sample(STATUSES[:5], 2)
            recent = rng.random() < 0.1  # a tenth in the last 8 weeks, as bench.digest
            span = (0, 60 * 24 * 56) if recent else (60 * 24 * 56, 60 * 24 * 365)
            rows.append(
                {"team_id": TEAM, "entity_type": "requirement", "entity_id": n,
                 "channel_id": CHANNELS[n % 200], "actor_id": "U0A", "field": "status",
                 "old_value": old, "new_value": new,
                 "at": UNTIL - timedelta(minutes=rng.randrange(*span))}
            )  # fmt: skip
        put(HistoryEvent, rows)
    engine.dispose()
    return f"200 channels, {n_reqs:,} requirements, {n_blk:,} blockers, {n_hist:,} history events"


def run_child(
    tree: Path, url: str, args: argparse.Namespace, switch: float | None = None
) -> dict[str, Any]:
    """This file's measurement, run with `tree`'s code (its bot, storage and sandbox), with
    the GIL's switch interval at `switch` seconds (None: as the tree leaves it)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = ["monday", "--child", url, "--idle", str(args.idle), "--speed", str(args.speed)]
    argv += ["--switch", str(switch)] if switch is not None else []
    # Run as a path (the baseline tree has no bench.monday), not from bench/ (its http.py
    # would shadow the standard library's http).
    here = str(Path(__file__).resolve())
    code = f"import runpy, sys; sys.argv = {argv!r}; runpy.run_path({here!r}, run_name='__main__')"
    cmd = [sys.executable, "-c", code]
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    print("".join(f"  | {line}\n" for line in done.stderr.splitlines()[-5:]), end="")
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: measurement failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(fig: dict[str, Any], speed: float) -> None:
    """Print one tree's figures against the targets."""
    idle, busy = fig["idle"], fig["tick"]
    ratio = busy["p99"] / idle["p99"] if idle["p99"] else float("inf")
    print(f"  captures idle:      {idle['n']:5d} sent, {idle['failed']} failed, "
          f"p50 {idle['p50']:7.1f} ms, p99 {idle['p99']:7.1f} ms")  # fmt: skip
    print(f"  captures with tick: {busy['n']:5d} sent, {busy['failed']} failed, "
          f"p50 {busy['p50']:7.1f} ms, p99 {busy['p99']:7.1f} ms, max {busy['max']:7.1f} ms, "
          f"over 1 s: {busy['over_1s']}")  # fmt: skip
    print(f"  p99 during the tick / idle p99 = {ratio:.2f}x (target <= 3)")
    print(f"  tick wall time: {fig['tick_seconds']:.1f} s in {fig['ticks']} ticks, longest "
          f"{fig['longest_tick']:.1f} s; window {fig['window']:.0f} s at {speed:g}x")  # fmt: skip
    print(f"  tick CPU (ticker thread): {fig['tick_cpu']:.1f} s")
    locks = fig["locks"]
    if locks["ticker"] is not None:
        t, snd = locks["ticker"], locks["sender"]
        print(f"  ticker inside write transactions: {t['held']:.1f} s in {t['count']} "
              f"(longest {t['longest'] * 1000:.0f} ms; target <= 20 s), {t['cpu']:.1f} s of it "
              f"on CPU; waited {t['waited']:.1f} s for the lock")  # fmt: skip
        print(f"  sender inside write transactions: {snd['held']:.1f} s in {snd['count']} "
              f"(longest {snd['longest'] * 1000:.0f} ms), {snd['cpu']:.1f} s on CPU")  # fmt: skip
        web, before = locks["web"], locks["idle_web"]
        n = web["count"] - before["count"]
        print(f"  web threads inside write transactions: idle {before['held']:.1f} s in "
              f"{before['count']} ({before['cpu']:.1f} s on CPU), during the tick "
              f"{web['held'] - before['held']:.1f} s in {n} "
              f"({web['cpu'] - before['cpu']:.1f} s on CPU)")  # fmt: skip
        print(f"  captures' wait for the lock during the tick: mean "
              f"{(web['waited'] - before['waited']) / max(1, n) * 1000:.1f} ms over {n}, longest "
              f"{web['longest_wait'] * 1000:.0f} ms (idle: mean "
              f"{before['waited'] / max(1, before['count']) * 1000:.1f} ms, longest "
              f"{before['longest_wait'] * 1000:.0f} ms)")  # fmt: skip
    print(f"  occurrences at 09:00: {fig['occurrences']}")
    print(f"  outbox of those: {fig['outbox']}; duplicate posts in Slack: {fig['duplicates']}; "
          f"all delivered in {fig['drain_seconds']:.0f} s after the window")  # fmt: skip
    print(f"  sqlite file {fig['db_mib']:.0f} MiB after the run; load during run "
          f"{fig['load']:.2f}")  # fmt: skip


class ScaledClock:
    """Simulated time from `start`, running `speed` times the wall clock."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed, self.t0 = start, speed, time.monotonic()

    def now(self) -> datetime:
        """The simulated instant."""
        return self.start + timedelta(seconds=(time.monotonic() - self.t0) * self.speed)


def measure(url: str, *, idle: float, speed: float) -> dict[str, Any]:
    """One tree: server, stand-in, clients, the Monday tick and the sender (see the top)."""
    from bench.digest import CHANNELS, TEAM
    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.outbox.sender import Limits
    from bot.runtime.jobs import build_jobs
    from bot.runtime.web import Served
    from sandbox.driver import Driver
    from sandbox.web_api import WebApi
    from sandbox.workspace import Workspace
    from storage.db import make_engine, make_session_factory

    ws = Workspace(team_id=TEAM)
    for user in ("U0A", "U0B", "U0C", "U0BENCH"):
        ws.add_user(user, user.lower())
    for channel in CHANNELS:
        ws.add_channel(channel, channel.lower(), members=["U0A", "U0B", "U0C", "U0BENCH"])
    standin = Served(WebApi(ws)).start()
    from bot.app import build
    from bot.runtime.web import wsgi_app
    from storage.migrate import upgrade

    upgrade(url)  # as `run` does on start
    settings = Settings(_env_file=None, database_url=url, slack_api_url=standin.url + "/api/",
                        slack_bot_token="xoxb-b", slack_signing_secret=SECRET,
                        teamloop_timezone="Europe/Berlin", log_level="ERROR")  # type: ignore[call-arg]  # fmt: skip
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    # One process, as `run --http` serves on SQLite: 8 waitress threads, the ticker and the
    # sender beside them on one engine (the web side keeps the real clock).
    app, _deps = build(settings, sessions=sessions)
    server = Served(wsgi_app(app, sessions), threads=8).start()
    try:
        limits = Limits(channel_interval=0.05, per_minute=60_000)  # Slack's pace: the stand-in's
        setup = FrozenClock(UNTIL - timedelta(hours=20))  # Sunday noon: the schedules appear
        build_jobs(settings, sessions=sessions, clock=setup, limits=limits).tick()
        clock = ScaledClock(UNTIL - timedelta(seconds=20), speed)
        jobs = build_jobs(settings, sessions=sessions, clock=clock, limits=limits)
        if hasattr(jobs, "upkeep"):
            jobs.upkeep()  # what this tree's ticker does at start (statistics)
        driver = Driver(ws, signing_secret=SECRET, target=server.url + "/slack/events",
                        standin_url="http://unused")  # fmt: skip
        return _phases(jobs, clock, driver, sessions, url, idle=idle, speed=speed)
    finally:
        # Cards still queued after the clients stopped (the capture rate outruns them) are
        # dropped, not posted at exit to a stand-in that is gone (each retried and refused).
        _deps.worker.shutdown(wait=True, cancel_futures=True)
        server.stop()
        standin.stop()


def _phases(
    jobs: Any, clock: ScaledClock, driver: Any, sessions: Any, url: str, *, idle: float,
    speed: float,
) -> dict[str, Any]:  # fmt: skip
    from sqlalchemy import func, select

    from storage.scheduling import Occurrence, OutboxMessage

    probe = _probe()
    spread = getattr(jobs, "spread", timedelta(0)).total_seconds()
    lock = probe.meter(sessions.kw["bind"])
    idle_samples = probe.clients(driver, seconds=idle)
    idle_locks = probe.as_dict(lock.others()) if lock else None
    stop = threading.Event()
    sending = threading.Thread(target=_deliver_loop, args=(jobs, stop), daemon=True)
    samples: list[tuple[float, bool]] = []
    clients = threading.Thread(target=lambda: samples.extend(probe.clients(driver, until=stop)))
    clock.t0 = time.monotonic()
    sending.start()
    clients.start()
    loads: list[float] = []
    tick_times: list[float] = []
    cpu = 0.0  # the ticker thread's own CPU seconds in jobs.tick
    me = threading.get_ident()
    window_end = UNTIL + timedelta(seconds=spread + 60)
    begun = time.monotonic()
    while not tick_times or clock.now() < window_end:
        started, on_cpu = time.perf_counter(), time.thread_time()
        jobs.tick()
        tick_times.append(time.perf_counter() - started)
        cpu += time.thread_time() - on_cpu
        loads.append(os.getloadavg()[0])
        time.sleep(max(0.0, 20 / speed - (time.perf_counter() - started)))
    started, on_cpu = time.perf_counter(), time.thread_time()
    jobs.tick()  # whatever became due during a long last tick
    tick_times.append(time.perf_counter() - started)
    cpu += time.thread_time() - on_cpu
    ticker = probe.as_dict(lock.of(me)) if lock else None
    sender = probe.as_dict(lock.of(sending.ident or 0)) if lock else None
    web = probe.as_dict(lock.others(me, sending.ident or 0)) if lock else None
    window = time.monotonic() - begun
    stop.set()
    clients.join()
    drained = time.monotonic()
    while time.monotonic() - drained < 600:
        with sessions() as s:
            left = s.scalar(
                select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
            )
        if not left:
            break
        jobs.deliver()
    sending.join(30)
    with sessions() as s:
        occ = s.execute(
            select(Occurrence.kind, Occurrence.status, func.count())
            .where(Occurrence.due_at == UNTIL)
            .group_by(Occurrence.kind, Occurrence.status)
        ).all()
        box = s.execute(
            select(OutboxMessage.status, func.count())
            .join(Occurrence, Occurrence.id == OutboxMessage.occurrence_id)
            .where(Occurrence.due_at == UNTIL)
            .group_by(OutboxMessage.status)
        ).all()
    keys: dict[str, int] = {}
    for msgs in driver.ws.messages.values():
        for m in msgs:
            key = ((m.get("metadata") or {}).get("event_payload") or {}).get("dedupe_key")
            if key:
                keys[key] = keys.get(key, 0) + 1
    return {
        "idle": probe.summary(idle_samples),
        "tick": probe.summary(samples),
        "tick_seconds": sum(tick_times),
        "tick_cpu": cpu,
        "locks": {"ticker": ticker, "sender": sender, "web": web, "idle_web": idle_locks},
        "ticks": len(tick_times),
        "longest_tick": max(tick_times),
        "window": window,
        "occurrences": {f"{k}:{st}": n for k, st, n in occ},
        "outbox": {str(st): n for st, n in box},
        "duplicates": sum(1 for n in keys.values() if n > 1),
        "drain_seconds": time.monotonic() - drained,
        "db_mib": Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20,
        "load": statistics.mean(loads) if loads else 0.0,
    }


def _deliver_loop(jobs: Any, stop: threading.Event) -> None:
    # BENCH_PROFILE=path: cProfile this thread (the sender's claims), stats written there.
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    while not stop.is_set():
        jobs.deliver()
        stop.wait(0.2)
    if profile is not None:
        profile.disable()
        profile.dump_stats(os.environ["BENCH_PROFILE"])


if __name__ == "__main__":
    main()
