"""Serving `run` in HTTP mode, by store.

SQLite (one writer): one process serves HTTP on waitress threads and runs the ticker and the
sender beside it; more processes would only queue on the file's write lock. PostgreSQL: gunicorn
web workers (`web_workers.py`) and the ticker and sender as a process of their own, so web
serving and scheduled work scale apart, across machines too.

Roles: `web` serves `/slack/events`, `/healthz`, `/metrics` (and OAuth install); `worker`
runs the ticker and the outbox sender; `all` runs both.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

from bot.config import Settings
from bot.runtime.memory import resume_collector

log = logging.getLogger("teamloop")
ROLES = ("web", "worker", "all")
THREADS = 8  # HTTP request threads, as many as each gunicorn worker has


def one_process(settings: Settings) -> bool:
    """Whether `run` serves in a single process: always on SQLite."""
    return settings.database_url.startswith("sqlite")


def serve(settings: Settings, *, role: str) -> int:
    """Run one role until stopped (SIGTERM or Ctrl-C)."""
    from storage.migrate import ensure_current

    ensure_current(settings.database_url)
    if role == "worker":
        return run_worker(settings)
    if one_process(settings):
        return serve_in_process(settings, role=role)
    return _serve_workers(settings, role=role)


def _stop_on_sigterm() -> threading.Event:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    return stop


def _wait(stop: threading.Event) -> None:
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass


def serve_in_process(settings: Settings, *, role: str) -> int:
    """HTTP on waitress threads, with the ticker and sender in the same process (`role` all).

    The app is built (every listener registered) before the port is opened, so a `/healthz`
    200 means Slack's requests are served. Scheduled work is wired once listening: the
    ticker and the outbox sender (apscheduler and some 45 modules, about 0.2 s of a start)
    serve no request, and the ticker always started after the server anyway."""
    from bot.app import build
    from bot.parsing.dates import warm_up_soon
    from bot.runtime.web import Served, wsgi_app

    stop = _stop_on_sigterm()
    # Requests waiting for a free thread are ordinary backpressure, not a warning per request.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app, deps = build(settings)
    engine = deps.sessions.kw["bind"]
    try:
        served = Served(
            wsgi_app(app, deps.sessions), host="0.0.0.0", port=settings.port, threads=THREADS
        )
    except OSError as exc:  # the port is taken (or not ours): say so, no traceback
        print(f"teamloop: cannot listen on PORT {settings.port}: {exc.strerror}", file=sys.stderr)
        deps.worker.shutdown(wait=False)
        engine.dispose()
        resume_collector()
        return 2
    served.start()
    jobs = ticker = None
    try:
        from bot.runtime.jobs import build_jobs

        jobs = build_jobs(settings, sessions=deps.sessions, clock=deps.clock)
        ticker = jobs.ticker() if role == "all" else None
        resume_collector()  # started: the collector is back on (`pause_collector`)
        # Listening first: dateparser's data loads beside the first requests, not before them.
        warm_up_soon()
        if ticker is not None:
            ticker.start()
        log.info(
            "teamloop serving HTTP on port %s in one process, %s threads (role %s)",
            settings.port,
            THREADS,
            role,
        )
        _wait(stop)
    finally:
        # The ticker stops beside the server: posts on their way finish and are recorded while
        # the last requests are answered, both within the 10 s a supervisor waits.
        stopper = threading.Thread(target=ticker.stop) if ticker is not None else None
        if stopper is not None:
            stopper.start()
        served.stop()
        if stopper is not None:
            stopper.join(timeout=10)
        if jobs is not None:
            jobs.leadership.release()
        deps.worker.shutdown(wait=True, cancel_futures=True)
        engine.dispose()
    return 0


def _serve_workers(settings: Settings, *, role: str) -> int:
    from bot.runtime.web_workers import WebServer

    resume_collector()  # the master builds the app after this (`--preload`), collector on
    metrics_dir = tempfile.mkdtemp(prefix="teamloop-metrics-")
    # Before prometheus_client is imported: counters of all workers are merged.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    child = _start_worker_process() if role == "all" else None

    def stop_child() -> None:
        if child is not None and child.poll() is None:
            child.terminate()
            child.wait(15)
        shutil.rmtree(metrics_dir, ignore_errors=True)

    log.info(
        "teamloop serving HTTP on port %s with %s workers (role %s)",
        settings.port,
        settings.teamloop_web_workers,
        role,
    )
    try:
        WebServer(settings, on_exit=stop_child).run()
    finally:
        stop_child()
    return 0


def _die_with_parent() -> None:
    # Linux: the worker gets SIGTERM when the web server dies, even by SIGKILL.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start_worker_process() -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "bot", "run", "--http", "--role", "worker"]
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    return subprocess.Popen(cmd, preexec_fn=preexec)


def run_worker(settings: Settings) -> int:
    """The ticker and the outbox sender, until SIGTERM."""
    from bot.clock import SystemClock
    from bot.runtime.jobs import build_jobs
    from storage.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    jobs = build_jobs(settings, sessions=make_session_factory(engine), clock=SystemClock())
    ticker = jobs.ticker()
    stop = _stop_on_sigterm()
    resume_collector()
    ticker.start()
    log.info("teamloop worker running: ticker every %ss, sender every 1s", jobs.tick_every)
    try:
        _wait(stop)
    finally:
        ticker.stop()
        jobs.leadership.release()
        engine.dispose()
    return 0
