"""Prometheus metrics and the one structured log line per Slack request.

Request counts and ack latency are per process; with several web workers they are merged
through prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by the server
before the workers start). Outbox depth, sends and ticker lag are read from the database at
scrape time, so every replica reports the same truth.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, CallbackId, DmAction
from bot.parsing.anonymous import split_first, verdict
from storage.db import read
from storage.scheduling import OutboxMessage, SchedulerState
from storage.statuses import OutboxStatus

log = logging.getLogger("teamloop.request")
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

REQUESTS = Counter("teamloop_requests_total", "Slack requests handled", ["kind", "outcome"])
ACK_SECONDS = Histogram(
    "teamloop_ack_seconds",
    "Time from receiving a Slack request to answering it (the ack)",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0),
)


def _payload(body: bytes, content_type: str) -> dict[str, Any] | None:
    try:
        if "json" in content_type:
            data = json.loads(body or b"{}")
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            data = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, KeyError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def describe(body: bytes, content_type: str) -> tuple[str, str]:
    """(kind, team) of a Slack request body, e.g. ("command:/req", "T123"): never a user,
    never a word the user typed (a verb could be a typo of their feedback, or `anonymous`)."""
    data = _payload(body, content_type)
    if data is None:
        return "unreadable", ""
    if "command" in data:
        return f"command:{str(data['command'])[:30]}", data.get("team_id", "")
    team = data.get("team_id") or (data.get("team") or {}).get("id", "")
    if data.get("type") == "event_callback":
        return f"event:{(data.get('event') or {}).get('type', '?')}", team
    if data.get("type") == "block_actions":
        actions = data.get("actions") or [{}]
        return f"action:{actions[0].get('action_id', '?')}", team
    if data.get("type") == "view_submission":
        return f"view:{(data.get('view') or {}).get('callback_id', '?')}", team
    if data.get("type") in ("shortcut", "message_action"):
        return f"shortcut:{data.get('callback_id', '?')}", team
    return str(data.get("type") or "other"), team


# The DM's "Anonymous feedback" offer too: whoever presses it means to send anonymously.
# A retro's *Add an item* too: opening the item form says nothing, and its log line would.
ANON_ACTIONS = {
    ActionId.ANON_SEND,
    ActionId.ANON_SEND_NAMED,
    DmAction.ANONYMOUS,
    ActionId.RETRO_ADD,
}


def is_anonymous(data: dict[str, Any]) -> bool:
    """Is this request part of sending, or reading the replies to, anonymous feedback?
    Near misses count too: the sender meant to be anonymous until they choose otherwise."""
    if data.get("command") == "/feedback":
        word = split_first(str(data.get("text") or ""))[0]
        return word.lower() == "replies" or verdict(word) != "no"
    if data.get("type") == "block_actions":
        return any(a.get("action_id") in ANON_ACTIONS for a in data.get("actions") or [])
    if data.get("type") == "view_submission":
        view = data.get("view") or {}
        if view.get("callback_id") == CallbackId.RETRO_ITEM_MODAL:
            # Named or not: a logged named submission would date the anonymous ones by absence
            # (someone opened the form, and no named item followed).
            return True
        if view.get("callback_id") != CallbackId.FB_MODAL:
            return False
        values = ((view.get("state") or {}).get("values") or {}).values()
        return any(
            o.get("value") == "anonymous"
            for block in values
            for element in block.values()
            for o in element.get("selected_options") or []
        )
    return False


def instrument(app: WsgiApp) -> WsgiApp:
    """Count and time `/slack/events` requests and log one JSON line for each; anonymous
    feedback's requests are neither counted nor logged (their time would date the item)."""

    def wrapped(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/slack/events":
            return app(environ, start)
        begun = time.perf_counter()
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if is_anonymous(_payload(body, environ.get("CONTENT_TYPE", "")) or {}):
            return app(environ, start)
        kind, team = describe(body, environ.get("CONTENT_TYPE", ""))
        status: list[str] = []

        def capture(code: str, headers: Any, *exc: Any) -> Any:
            status.append(code)
            return start(code, headers, *exc)

        chunks = list(app(environ, capture))
        elapsed = time.perf_counter() - begun
        code = int((status or ["500"])[0].split()[0])
        outcome = "ok" if code < 400 else f"http_{code}"
        REQUESTS.labels(kind=kind, outcome=outcome).inc()
        ACK_SECONDS.labels(kind=kind).observe(elapsed)
        log.info(
            json.dumps(
                {"team": team, "kind": kind, "latency_ms": round(elapsed * 1000, 1),
                 "outcome": outcome, "status": code}
            )
        )  # fmt: skip
        return chunks

    return wrapped


class StoreCollector(Collector):
    """Outbox depth, messages by status, and ticker lag, read from the database."""

    def __init__(self, sessions: sessionmaker[Session], now: Callable[[], datetime]) -> None:
        self.sessions, self.now = sessions, now

    def collect(self) -> Iterator[Metric]:
        """One consistent read per scrape."""
        by_status = GaugeMetricFamily(
            "teamloop_outbox_messages", "Outbox rows by status", labels=["status"]
        )
        lag = GaugeMetricFamily(
            "teamloop_ticker_lag_seconds", "How far behind now the last tick computed occurrences"
        )
        with read(self.sessions) as session:
            rows = session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
            mark = session.get(SchedulerState, "occurrences")
        counts = {status: n for status, n in rows}
        for status in OutboxStatus:
            by_status.add_metric([status.value], counts.get(status, 0))
        yield by_status
        depth = GaugeMetricFamily("teamloop_outbox_depth", "Messages waiting to be sent")
        depth.add_metric(
            [], counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
        )
        yield depth
        lag.add_metric([], (self.now() - mark.at).total_seconds() if mark else float("nan"))
        yield lag


def metrics_app(sessions: sessionmaker[Session]) -> WsgiApp:
    """`GET /metrics` in Prometheus' text format."""

    def serve(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            MultiProcessCollector(registry)  # every web worker's counters, merged
        else:
            registry.register(REQUESTS)
            registry.register(ACK_SECONDS)
        registry.register(StoreCollector(sessions, lambda: datetime.now(UTC)))
        start("200 OK", [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")])
        return [generate_latest(registry)]

    return serve
