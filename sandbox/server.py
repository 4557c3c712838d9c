"""The sandbox server: the Slack stand-in, teamloop over HTTP, the scheduler on a movable
clock, and the browser page, all on one local port."""

from __future__ import annotations

import logging
import mimetypes
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select

from bot.app import build
from bot.clock import OffsetClock
from bot.config import Settings
from bot.parsing.dates import warm_up_soon
from bot.runtime.jobs import build_jobs
from bot.runtime.web import Served, wsgi_app
from bot.services import cards, defaults
from sandbox.driver import Driver
from sandbox.ui import UiApi, load_clock, read_json, save_clock
from sandbox.web_api import WebApi
from sandbox.workspace import Workspace
from storage.db import transaction
from storage.models import Requirement

WEB = Path(__file__).with_name("web")
log = logging.getLogger(__name__)
# How long stopping waits for the bot's after-ack work (s); CI wants a stop within 10 s.
STOP_DRAIN = 5.0
# The stand-in's record of API calls (what tests read; the page never does): the sandbox keeps
# only the latest 100 to 200. Each call keeps its arguments (a card's blocks): 500 to 1,000 of
# them were about 8 MiB of bench.footprint's growth after 2,000 commands.
KEEP_CALLS = 100
# Each channel's latest messages the sandbox keeps (between this and twice as many): the page
# shows the latest ones. With both bounds the sandbox grew by 9.4 MiB PSS after 2,000
# commands, not 29.6 (bench.footprint, same machine, same hour).
KEEP_MESSAGES = 200
PEOPLE = [
    ("U0ALICE", "alice", True),
    ("U0BOB", "bob", False),
    ("U0CAROL", "carol", False),
    ("U0DAVE", "dave", False),
    ("U0ERIN", "erin", False),
]


def seed(ws: Workspace, zone: str) -> None:
    """Five people, two channels, and `#leads`: private, alice and bob, teamloop not in it."""
    for user_id, name, admin in PEOPLE:
        ws.add_user(user_id, name, is_admin=admin, tz=zone)
    ids = [p[0] for p in PEOPLE]
    ws.add_channel("C0PRODUCT", "product", members=ids)
    ws.add_channel("C0ENG", "eng", members=ids[1:4])
    ws.add_channel("C0LEADS", "leads", members=ids[:2], is_private=True, bot_member=False)


DEMO_REQUIREMENTS = (
    "new Export invoices to CSV P1 <@U0BOB|bob> due friday #billing",
    "new SSO with Okta P0 <@U0CAROL|carol> #enterprise",
    "new Dark mode P3 #ui",
)


class Sandbox:
    """The stand-in, the bot over HTTP, the scheduler and the page, on one local server."""

    def __init__(self, settings: Settings, port: int, *, start: datetime | None = None) -> None:
        """`start`: the sandbox time to begin at (tests fix it); default: now, or where an
        earlier run left the clock if that is later."""
        self.ws = Workspace(keep_calls=KEEP_CALLS, keep_messages=KEEP_MESSAGES)
        seed(self.ws, settings.teamloop_timezone)
        self.secret = secrets.token_hex(16)
        api = WebApi(self.ws)
        self.server = Served(self._route, port=port)
        bot_settings = settings.model_copy(
            update={
                "slack_bot_token": "xoxb-sandbox",
                "slack_signing_secret": self.secret,
                "slack_api_url": self.server.url + "/api/",
                "slack_app_token": None,
            }
        )
        self.app, self.deps = build(bot_settings)
        # Time the clock panel can move; it starts where an earlier run left it.
        saved = load_clock(self.deps.sessions)
        begin = start or datetime.now(UTC)
        self.clock = OffsetClock(max(begin, saved) if saved else begin)
        self.deps.clock = self.clock
        self.ws.clock = lambda: self.clock.now().timestamp()
        self.jobs = build_jobs(bot_settings, sessions=self.deps.sessions, clock=self.clock)
        self.ticker = self.jobs.ticker()
        self.ui = UiApi(self)
        self.routes: dict[str, Callable[..., Iterable[bytes]]] = {
            "api": api,
            "bot": wsgi_app(self.app, self.deps.sessions),
        }
        self.driver = Driver(
            self.ws,
            signing_secret=self.secret,
            target=self.server.url + "/slack/events",
            standin_url=self.server.url,
        )
        self.user, self.channel = "U0ALICE", "C0PRODUCT"

    def start(self, *, scheduler: bool = True) -> Sandbox:
        """Serve (and run the scheduler, as `run` does)."""
        self.server.start()
        warm_up_soon()  # dateparser's data loads while the page opens (see bot.parsing.dates)
        if scheduler:
            self.ticker.start()
        return self

    def stop(self) -> None:
        """Stop the scheduler, let the bot finish what it acked (up to `STOP_DRAIN` s: its
        posts go to the stand-in on this server), then stop the server."""
        self.ticker.stop()
        self.jobs.leadership.release()
        try:
            self.deps.worker.drain(timeout=STOP_DRAIN)
        except TimeoutError as exc:
            log.warning("sandbox stopping with work unfinished: %s", exc)
        self.server.stop()
        self.deps.worker.shutdown(wait=False, cancel_futures=True)

    def settle(self) -> None:
        """Wait for the bot's after-ack work."""
        self.deps.worker.drain()

    def run_due(self) -> None:
        """Run what is due at the sandbox time and send it (the clock panel)."""
        self.settle()
        self.jobs.run_due(linger=2.0)

    def save_clock(self) -> None:
        """Keep the sandbox time in the store."""
        save_clock(self.deps.sessions, self.clock.now())

    def demo(self) -> None:
        """A few requirements (captured a week ago, so the first Monday digest has the week
        of history it waits for) and a weekday standup in #product.

        #product's default reminders and digest start now, as for a channel teamloop was
        just invited to: the ticker finds new channels by their items' capture time, and
        these are dated a week back, before a first tick that may already have run (the
        ticker runs in the background)."""
        self.clock.advance(-timedelta(days=7))
        try:
            for text in DEMO_REQUIREMENTS:
                self.driver.command("/req", text, user="U0ALICE", channel="C0PRODUCT")
            self.settle()
        finally:
            self.clock.advance(timedelta(days=7))
        with transaction(self.deps.sessions) as session:
            defaults.ensure_channel(
                session=session,
                team_id=self.ws.team_id,
                channel_id="C0PRODUCT",
                zone=self.deps.settings.teamloop_timezone,
                now=self.clock.now(),
            )
            # Their cards were drawn a week ago: brought to today (a due date gone by since
            # shows overdue on the card as in `/req list`), by edits the sender sends.
            numbers = session.scalars(
                select(Requirement.number).where(Requirement.channel_id == "C0PRODUCT")
            )
            cards.touch_many(
                session,
                team_id=self.ws.team_id,
                refs=[f"REQ-{n}" for n in numbers],
                now=self.clock.now(),
            )
        self.driver.command(
            "/standup", "schedule weekdays 09:30", user="U0ALICE", channel="C0PRODUCT"
        )
        self.settle()
        # The seeding typed those commands, not the person opening the page: the answers only
        # they would see ("Standup set…") are not theirs to read.
        with self.ws.lock:
            self.ws.ephemerals.clear()

    # -- HTTP ------------------------------------------------------------------------------------
    def _route(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(("/api/", "/response/", "/upload/")):
            return self.routes["api"](environ, start)
        if path == "/slack/events" or path == "/healthz":
            return self.routes["bot"](environ, start)
        if path == "/ui/state":
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            body = self.ui.state(
                query.get("user", self.user),
                query.get("channel", self.channel),
                query.get("thread"),
            )
            return _json(start, body)
        if path.startswith("/ui/") and environ.get("REQUEST_METHOD") == "POST":
            handler = self.ui.posts.get(path.removeprefix("/ui/"))
            if handler is None:
                return _json(start, {"error": "unknown action"}, "404 Not Found")
            answer = handler(read_json(environ))
            self.settle()
            return _json(start, answer)
        if path == "/favicon.ico":
            start("204 No Content", [])
            return [b""]
        if path.startswith("/files/"):
            stored = self.ws.files.get(path.removeprefix("/files/"))
            if stored is None or stored.get("content") is None:
                return _json(start, {"error": "no such file"}, "404 Not Found")
            kind = mimetypes.guess_type(stored["name"])[0] or "application/octet-stream"
            start("200 OK", [("Content-Type", kind)])
            return [stored["content"]]
        return _static(path, start)


def _json(start: Callable[..., Any], body: Any, status: str = "200 OK") -> Iterable[bytes]:
    import json

    start(
        status, [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]
    )
    return [json.dumps(body).encode()]


def _static(path: str, start: Callable[..., Any]) -> Iterable[bytes]:
    """The page and its files (committed with the project; nothing is downloaded)."""
    name = "index.html" if path in ("", "/") else path.removeprefix("/static/")
    file = (WEB / name).resolve()
    if WEB.resolve() not in file.parents or not file.is_file():
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    start("200 OK", [("Content-Type", f"{kind}; charset=utf-8"), ("Cache-Control", "no-store")])
    return [file.read_bytes()]
