"""Fixtures: a real database (SQLite, or PostgreSQL when set), the Slack stand-in, the app."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_bolt import App
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app
from bot.clock import FrozenClock
from bot.config import Settings
from bot.deps import Worker
from bot.runtime.web import Served
from sandbox.driver import Driver
from sandbox.server import Sandbox
from sandbox.web_api import WebApi
from sandbox.workspace import Json, Workspace
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade

SECRET = "test-signing-secret"
PM, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"
PRODUCT, ENG, SECRET_CHANNEL = "C0PRODUCT", "C0ENG", "C0SECRET"
# Monday 23 November 2026, 09:00 in Berlin.
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

PG_URL = os.environ.get("TEST_DATABASE_URL")
pytest_plugins = ("tests.contract_plugin",)
# Where the browser sandbox's clock starts unless `--today` says otherwise: a Wednesday.
SANDBOX_START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD[THH:MM]",
        default=None,
        help="run as if today were this day (UTC, default 09:00): the real clock is moved "
        "there with time-machine and the browser sandbox starts there. Proves that no test "
        "depends on the day it runs (.ci/run uses it for each weekday, DST days, 31 December).",
    )


def _today(config: pytest.Config) -> datetime | None:
    value = config.getoption("--today")
    if not value:
        return None
    day = datetime.fromisoformat(value)
    if "T" not in value:
        day = day.replace(hour=9)
    return day.replace(tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def moved_real_clock(pytestconfig: pytest.Config) -> Iterator[datetime | None]:
    """With `--today`, the real clock (datetime.now, time.time) runs from that day on."""
    today = _today(pytestconfig)
    if today is None:
        yield None
        return
    import time_machine

    with time_machine.travel(today, tick=True):
        yield today


@pytest.fixture
def sandbox_start(pytestconfig: pytest.Config) -> datetime:
    """The instant the browser sandbox's clock starts at: `--today`, else SANDBOX_START.

    A weekend `--today` starts on the Monday after: quiet by default holds `/standup now`'s
    prompts until a working day, and the browser tests answer them at once.
    """
    start = _today(pytestconfig) or SANDBOX_START
    while start.weekday() >= 5:
        start += timedelta(days=1)
    return start


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def box(tmp_path: Path, sandbox_start: datetime) -> Iterator[Sandbox]:
    """The browser sandbox on a file store of its own, its scheduler off (tests step it)."""
    settings = make_settings(f"sqlite:///{tmp_path / 'sandbox.db'}", "http://unused/api/")
    upgrade(settings.database_url)
    started = Sandbox(settings, free_port(), start=sandbox_start).start(scheduler=False)
    yield started
    started.stop()


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    # `public` stays on the path for extensions (pg_trgm lives there, once per database).
    return f"{base}{sep}options=-csearch_path%3D{schema},public"


def _trigram_in_public(conn: Any) -> None:
    """pg_trgm once per database, in `public`: the search migration's CREATE EXTENSION would
    otherwise put it in the first test schema, where every other test (and a run interrupted
    before its DROP SCHEMA) could not see it, and its DROP would take it from the others."""
    where = conn.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    if where is None:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    elif where != "public":
        conn.execute(text("ALTER EXTENSION pg_trgm SET SCHEMA public"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'teamloop.db'}"
        upgrade(url)
        yield url
        return
    if not PG_URL:
        pytest.skip(
            "PostgreSQL not configured: set TEST_DATABASE_URL (.ci/run does when "
            "127.0.0.1:5432 answers)"
        )
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        _trigram_in_public(conn)
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = _pg_schema_url(PG_URL, schema)
    upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def seed(ws: Workspace) -> None:
    """The people and channels most tests use."""
    ws.add_user(PM, "alice", tz="Europe/Berlin", locale="en-GB")
    ws.add_user(BOB, "bob", tz="Europe/Berlin", locale="en-US")
    ws.add_user(CAROL, "carol", is_admin=True, tz="America/New_York", locale="en-US")
    ws.add_user(DAVE, "dave", tz="Asia/Tokyo", locale="zh-CN")
    ws.add_channel(PRODUCT, "product", members=[PM, BOB, CAROL, DAVE])
    ws.add_channel(ENG, "eng", members=[BOB, DAVE])
    ws.add_channel(SECRET_CHANNEL, "secret", members=[PM, CAROL], is_private=True)


@pytest.fixture
def standin() -> Iterator[tuple[Workspace, Served]]:
    """The Slack Web API stand-in, served over real HTTP."""
    ws = Workspace()
    seed(ws)
    served = Served(WebApi(ws)).start()
    yield ws, served
    served.stop()


@dataclass
class Env:
    """Everything a test drives and inspects."""

    ws: Workspace
    driver: Driver
    app: App
    clock: FrozenClock
    worker: Worker
    sessions: sessionmaker[Session]
    settings: Settings

    def drain(self) -> None:
        """Wait for the work each request started after its ack."""
        self.worker.drain()

    def req(self, text: str, *, user: str = PM, channel: str = PRODUCT, **kw: Any) -> Any:
        """Send `/req text`, wait for follow-up work, return the reply."""
        reply = self.driver.command("/req", text, user=user, channel=channel, **kw)
        self.drain()
        return reply

    def last_ephemeral(self, user: str = PM) -> Json:
        """The newest message only `user` sees."""
        found = self.ws.ephemerals_for(user)
        assert found, f"no ephemeral message for {user}"
        return found[-1]

    def channel(self, channel: str = PRODUCT) -> list[Json]:
        """Top-level messages of a channel."""
        return self.ws.channel_messages(channel)


def make_settings(url: str, api_url: str, **extra: Any) -> Settings:
    """Settings as the environment would give them, without reading any .env."""
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
        "database_url": url,
        "teamloop_timezone": "Europe/Berlin",
    }
    return Settings(_env_file=None, **{**values, **extra})  # type: ignore[call-arg]


@pytest.fixture
def env(db_url: str, standin: tuple[Workspace, Served]) -> Iterator[Env]:
    """The real app on a real database, talking to the stand-in."""
    ws, served = standin
    settings = make_settings(db_url, served.url + "/api/")
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = FrozenClock(START)
    worker = Worker()
    app = create_app(settings, sessions=sessions, clock=clock, worker=worker)
    driver = Driver(ws, signing_secret=SECRET, target=app, standin_url=served.url)
    yield Env(ws, driver, app, clock, worker, sessions, settings)
    worker.drain()
    worker.shutdown()
    engine.dispose()


def texts(blocks: list[Json] | None, kinds: tuple[str, ...] = ("plain_text", "mrkdwn")) -> str:
    """All visible text of some blocks (of the given text object kinds), for assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in kinds and "text" in node:
                out.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks or [])
    return "\n".join(out)


@dataclass
class JobsEnv:
    """The scheduler and outbox on a real database, sending to the stand-in."""

    ws: Workspace
    jobs: Any
    clock: Any
    sessions: sessionmaker[Session]
    api_url: str
    db_url: str

    def schedule(self, **kw: Any) -> int:
        """Create a schedule (service call, one transaction); returns its id."""
        from bot.services import schedules
        from storage.db import transaction

        kw.setdefault("team_id", self.ws.team_id)
        kw.setdefault("now", self.clock.now())
        with transaction(self.sessions) as session:
            return schedules.upsert(session=session, **kw).id

    def run_due(self, at: datetime | None = None, *, linger: float = 0.0) -> Any:
        """Move the clock (if asked), tick and deliver, as `jobs run-due` does."""
        if at is not None:
            self.clock.set(at)
        return self.jobs.run_due(linger=linger)

    def rows(self, model: Any, **where: Any) -> list[Any]:
        """Rows of a table matching `where`, in id order."""
        from sqlalchemy import select

        with self.sessions() as session:
            query = select(model).filter_by(**where)
            pk = next(iter(model.__table__.primary_key.columns))
            return list(session.scalars(query.order_by(pk)))


FAST: dict[str, Any] = {
    "channel_interval": 0.02,
    "per_minute": 60_000,
    "settle": 0.0,
    "timeout": 1.0,
}


@pytest.fixture
def jobs_env(db_url: str, standin: tuple[Workspace, Served]) -> Iterator[JobsEnv]:
    """The jobs of one process with fast limits and a frozen clock."""
    from bot.outbox.sender import Limits
    from bot.runtime.jobs import build_jobs

    ws, served = standin
    api_url = served.url + "/api/"
    settings = make_settings(db_url, api_url)
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = FrozenClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    jobs = build_jobs(settings, sessions=sessions, clock=clock, limits=Limits(**FAST))
    yield JobsEnv(ws, jobs, clock, sessions, api_url, db_url)
    jobs.leadership.release()
    engine.dispose()


def midday(ws: Workspace, users: list[str], now: datetime) -> tuple[str, str]:
    """For tests whose processes run on the real clock: a zone where `now` is 12:xx, given
    to `users` (as Slack's users.info will say), and `now`'s local HH:MM there. A prompt due
    now then falls in everyone's working hours (DMs leave 08:00-18:30 local), whatever time
    of day the suite runs. Returns (zone, "HH:MM")."""
    hours = 12 - now.astimezone(UTC).hour  # -11 .. +12: every Etc/GMT zone exists
    # POSIX signs: Etc/GMT-3 is three hours ahead of UTC.
    zone = "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"
    for user in users:
        ws.users[user]["tz"] = ws.users[user]["tz_label"] = zone
        ws.users[user]["tz_offset"] = hours * 3600
    return zone, f"{now.astimezone(ZoneInfo(zone)):%H:%M}"


def wait_until(predicate: Any, *, timeout: float = 15.0, what: str = "condition") -> None:
    """Poll for something another process or thread does (never for the clock)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Team:
    """The app and the jobs of one process on one database and one clock."""

    env: Env
    jobs: Any

    def cmd(self, text: str, *, user: str = PM, channel: str = PRODUCT) -> Json:
        """`/standup text`; the ack or, for deferred verbs, the newest ephemeral answer."""
        before = len(self.env.ws.ephemerals_for(user))
        reply = self.env.driver.command("/standup", text, user=user, channel=channel)
        self.env.drain()
        assert reply.status == 200
        found = self.env.ws.ephemerals_for(user)
        return found[-1] if len(found) > before else reply.json()

    def at(self, when: datetime) -> Any:
        """Move the clock, run due work and deliver."""
        self.env.clock.set(when)
        self.env.drain()
        return self.jobs.run_due(linger=0.0)

    def deliver(self) -> Any:
        """Send what is queued."""
        self.env.drain()
        return self.jobs.deliver()

    def dms(self, user: str) -> list[Json]:
        return self.env.ws.channel_messages(self.env.ws.dm_channel(user))

    def prompts(self, user: str) -> list[Json]:
        return [m for m in self.dms(user) if m["text"].startswith("Standup for")]

    def parents(self, channel: str = PRODUCT) -> list[Json]:
        return [m for m in self.env.ws.channel_messages(channel) if "Standup ·" in m["text"]]

    def replies(self, parent: Json, channel: str = PRODUCT) -> list[Json]:
        return self.env.ws.thread(channel, parent["ts"])

    def answer(self, user: str, answers: list[str], *, message: Json | None = None) -> Json:
        """Click Answer on the person's newest DM and submit the form."""
        msg = message or self.dms(user)[-1]
        views_before = set(self.env.ws.views)
        self.env.driver.click(
            msg, "standup_answer", user=user, channel=self.env.ws.dm_channel(user)
        )
        [view_id] = set(self.env.ws.views) - views_before
        view = self.env.ws.views[view_id]
        values = {f"standup_q{n}": {f"standup_q{n}": {"type": "plain_text_input", "value": a}}
                  for n, a in enumerate(answers)}  # fmt: skip
        reply = self.env.driver.submit(view_id, values, user=user)
        assert reply.status == 200, reply.body
        self.env.drain()
        return view

    def rows(self, model: Any, **where: Any) -> list[Any]:
        from sqlalchemy import select

        with self.env.sessions() as s:
            return list(s.scalars(select(model).filter_by(**where)))


@pytest.fixture
def team(env: Env) -> Iterator[Team]:
    """The app and the jobs together, on one database and one clock."""
    from bot.outbox.sender import Limits
    from bot.runtime.jobs import build_jobs

    jobs = build_jobs(env.settings, sessions=env.sessions, clock=env.clock, limits=Limits(**FAST))
    yield Team(env, jobs)
    jobs.leadership.release()
