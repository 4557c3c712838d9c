"""The PostgreSQL deployment's web tier: gunicorn with several threaded worker processes.

The app is built once in the master, before the fork (`preload_app`), so the workers share
the imported code copy-on-write instead of each importing it again. Nothing that must not
cross a fork exists by then: the engine's pool has no connection yet (`post_fork` drops any
anyway), and the after-ack worker threads start with the first request.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Settings

log = logging.getLogger("teamloop")


class WebServer(BaseApplication):
    """gunicorn with gthread workers, the app preloaded in the master before the fork."""

    def __init__(self, settings: Settings, *, on_exit: Any = None) -> None:
        self.settings = settings
        self.on_exit_hook = on_exit
        self.engine: Any = None
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
            "preload_app": True,
            "post_fork": lambda _server, _worker: self._after_fork(),
            "child_exit": lambda _server, worker: multiprocess.mark_process_dead(worker.pid),
            "on_exit": lambda _server: self.on_exit_hook and self.on_exit_hook(),
        }
        for key, value in config.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Runs once in the master (preload): the app, its engine and its routes."""
        from bot.app import build
        from bot.parsing.dates import warm_up
        from bot.runtime.web import wsgi_app

        app, deps = build(self.settings)
        warm_up()  # before the fork: every worker shares dateparser's loaded data
        log.info("teamloop app loaded in process %s, before the fork", os.getpid())
        self.engine = deps.sessions.kw["bind"]
        return wsgi_app(app, deps.sessions)

    def _after_fork(self) -> None:
        # A pooled connection must never be shared by two processes: each worker opens its own
        # (close=False leaves the parent's, if any, to the parent).
        if self.engine is not None:
            self.engine.dispose(close=False)
        from storage.capture import forget_after_fork

        forget_after_fork()
