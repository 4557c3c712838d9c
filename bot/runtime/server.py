"""Production serving: HTTP under gunicorn (several worker processes), and the ticker and
sender as a process of their own, so web workers and scheduled work scale apart.

Roles: `web` serves `/slack/events`, `/healthz`, `/metrics` (and OAuth install); `worker`
runs the ticker and the outbox sender; `all` runs both (the worker as a child process).
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
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Settings

log = logging.getLogger("teamloop")
ROLES = ("web", "worker", "all")


class WebServer(BaseApplication):
    """gunicorn with threaded workers; each worker builds its own app and database pool."""

    def __init__(self, settings: Settings, *, on_exit: Any = None) -> None:
        self.settings = settings
        self.on_exit_hook = on_exit
        super().__init__()

    def load_config(self) -> None:
        """Bind, workers and hooks (no gunicorn config file is read)."""
        from prometheus_client import multiprocess

        config = {
            "bind": f"0.0.0.0:{self.settings.port}",
            "workers": self.settings.teamloop_web_workers,
            "worker_class": "gthread",
            "threads": 8,
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": None,  # teamloop logs one structured line per Slack request itself
            "loglevel": self.settings.log_level.lower(),
            "preload_app": False,
            "child_exit": lambda _server, worker: multiprocess.mark_process_dead(worker.pid),
            "on_exit": lambda _server: self.on_exit_hook and self.on_exit_hook(),
        }
        for key, value in config.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Runs in each worker after the fork: its own engine, app and worker threads."""
        from bot.app import build
        from bot.runtime.web import wsgi_app

        app, deps = build(self.settings)
        return wsgi_app(app, deps.sessions)


def serve(settings: Settings, *, role: str) -> int:
    """Run one role until stopped (SIGTERM or Ctrl-C)."""
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    if role == "worker":
        return run_worker(settings)
    metrics_dir = tempfile.mkdtemp(prefix="teamloop-metrics-")
    # Before any worker imports prometheus_client: counters of all workers are merged.
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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ticker.start()
    log.info("teamloop worker running: ticker every %ss, sender every 1s", jobs.tick_every)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        ticker.stop()
        jobs.leadership.release()
        engine.dispose()
    return 0
