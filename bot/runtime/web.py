"""HTTP mode: a WSGI app serving `/slack/events` and `/healthz`, run under waitress."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from waitress.server import create_server

from bot.runtime.metrics import instrument, metrics_app
from storage.db import read

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def wsgi_app(app: App, sessions: sessionmaker[Session]) -> WsgiApp:
    """Route Slack's requests to bolt (events, and OAuth install when set up), answer health
    checks (database included) and serve Prometheus metrics."""
    slack = instrument(SlackRequestHandler(app, path="/slack/events"))
    metrics = metrics_app(sessions)
    health = Health(sessions)
    oauth_paths = ("/slack/install", "/slack/oauth_redirect")

    def route(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            if health.ok():
                status, body = "200 OK", {"ok": True, "database": "ok"}
            else:
                status, body = "503 Service Unavailable", {"ok": False, "database": "down"}
            start(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path == "/metrics":
            return metrics(environ, start)
        if path == "/slack/events" or (app.oauth_flow is not None and path in oauth_paths):
            return slack(environ, start)
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return route


class Health:
    """The database check behind `/healthz`, answered within `DEADLINE` seconds.

    The probe (`SELECT 1` in a read transaction: no write lock) runs on a thread of its own;
    a database that hangs makes the answer 503 at the deadline instead of holding the request,
    and concurrent checks share the probe in flight, so a hung database never piles up
    threads. Failing probes log one WARNING line each (no traceback).
    """

    DEADLINE = 1.5

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._lock = threading.Lock()
        self._probe: Future[bool] | None = None

    def _run(self, future: Future[bool]) -> None:
        try:
            with read(self.sessions) as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # the probe must answer, not crash
            log.warning("health check failed: %s", type(exc).__name__)
            future.set_result(False)
        else:
            future.set_result(True)

    def ok(self) -> bool:
        """Whether the database answered within the deadline."""
        with self._lock:
            probe = self._probe
            if probe is None or probe.done():
                probe = self._probe = Future()
                threading.Thread(target=self._run, args=(probe,), daemon=True).start()
        try:
            return probe.result(timeout=self.DEADLINE)
        except TimeoutError:
            log.warning("health check: no answer from the database within %ss", self.DEADLINE)
            return False


class Served:
    """A WSGI app running under waitress in a background thread (tests, sandbox)."""

    def __init__(
        self, app: WsgiApp, host: str = "127.0.0.1", port: int = 0, threads: int = 8
    ) -> None:
        self.server = create_server(
            app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True
        )
        self.port: int = self.server.effective_port  # type: ignore[union-attr]
        self.url = f"http://{host}:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        # Our own loop with a stop flag: closing sockets under a running select() raises EBADF.
        server: Any = self.server
        while not self._stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    def start(self) -> Served:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: leave the loop, then close the sockets and worker threads."""
        self._stopping.set()
        self._thread.join(timeout=5)
        server: Any = self.server
        server.task_dispatcher.shutdown(timeout=5)
        server.asyncore.close_all(server._map)
