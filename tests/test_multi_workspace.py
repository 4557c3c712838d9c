"""Two workspaces installed through OAuth against the stand-in: nothing crosses between them."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from bot.app import build
from bot.clock import FrozenClock
from bot.deps import Worker
from bot.outbox.sender import Limits
from bot.runtime.export import export
from bot.runtime.jobs import build_jobs
from bot.runtime.web import Served, wsgi_app
from sandbox.directory import Directory
from sandbox.driver import Driver
from sandbox.workspace import Workspace
from storage.db import make_engine, make_session_factory
from storage.models import Requirement
from storage.models import Workspace as WorkspaceRow
from storage.scheduling import OutboxMessage
from tests.conftest import FAST, SECRET, make_settings, texts

ALPHA, BETA = "T0ALPHA", "T0BETA"
PRODUCT = "C0PRODUCT"  # the same channel id in both: ids alone must never be enough


def seed(team: str, people: list[str]) -> Workspace:
    ws = Workspace(team_id=team, domain=team.lower())
    for user in people:
        ws.add_user(user, user.lower().removeprefix("u0"), tz="Europe/Berlin")
    ws.add_channel(PRODUCT, "product", members=people)
    return ws


@dataclass
class Two:
    directory: Directory
    standin: Served
    bot: Served
    sessions: Any
    settings: Any
    clock: FrozenClock
    worker: Worker
    drivers: dict[str, Driver]

    def say(self, team: str, user: str, command: str, text: str) -> dict[str, Any]:
        reply = self.drivers[team].command(command, text, user=user, channel=PRODUCT)
        self.worker.drain()
        assert reply.status == 200, reply.body
        return reply.json() if reply.body.strip() else {}


def install(two: Two, team: str, installer: str) -> str:
    """The install flow in a browser: the install page, Slack's approval, the redirect."""
    with urllib.request.urlopen(two.bot.url + "/slack/install") as resp:
        page = resp.read().decode()
        # The state cookie is Secure; a browser on https would send it back, so we do.
        cookie = resp.headers["Set-Cookie"].split(";")[0]
    state = re.search(r"state=([\w-]+)", page)
    assert state, page[:500]
    code = two.directory.grant(team, installer)
    url = f"{two.bot.url}/slack/oauth_redirect?code={code}&state={state.group(1)}"
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request) as resp:
        return str(resp.read().decode())


@pytest.fixture
def two(db_url: str) -> Iterator[Two]:
    alpha = seed(ALPHA, ["U0AMY", "U0ARI"])
    beta = seed(BETA, ["U0BEA", "U0BOX"])
    directory = Directory(alpha, beta, client_id="111.222", client_secret="shh")
    standin = Served(directory).start()
    settings = make_settings(
        db_url,
        standin.url + "/api/",
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="shh",
        teamloop_encryption_key=Fernet.generate_key().decode(),
    )
    sessions = make_session_factory(make_engine(db_url))
    clock = FrozenClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    worker = Worker()
    app, _deps = build(settings, sessions=sessions, clock=clock, worker=worker)
    bot = Served(wsgi_app(app, sessions)).start()
    drivers = {
        ws.team_id: Driver(
            ws,
            signing_secret=SECRET,
            target=bot.url + "/slack/events",
            standin_url=f"{standin.url}/ws/{ws.team_id}",
        )
        for ws in (alpha, beta)
    }
    yield Two(directory, standin, bot, sessions, settings, clock, worker, drivers)
    worker.drain()
    bot.stop()
    standin.stop()


def test_two_workspaces_never_see_each_other(two: Two) -> None:
    assert "teamloop" in install(two, ALPHA, "U0AMY").lower()
    install(two, BETA, "U0BEA")
    assert [e["team"] for e in two.directory.exchanges] == [ALPHA, BETA]
    # Tokens are encrypted at rest.
    with two.sessions() as s:
        stored = s.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
    assert sorted(t for t, _ in stored) == [ALPHA, BETA]
    assert all(token.startswith("enc:") and "xoxb" not in token for _, token in stored)

    two.clock.set(datetime(2026, 11, 16, 10, 0, tzinfo=UTC))  # the digest needs a week
    two.say(ALPHA, "U0AMY", "/req", "new Alpha acquisition plan P1 due 2026-11-23")
    two.say(ALPHA, "U0AMY", "/blocker", "Alpha legal review")
    two.say(BETA, "U0BEA", "/req", "new Beta roadmap")
    # Numbering is per workspace; each sees its own REQ-1.
    shown = two.say(BETA, "U0BEA", "/req", "show REQ-1")
    assert "Beta roadmap" in texts(shown.get("blocks")) + shown.get("text", "")
    listed = two.say(BETA, "U0BEA", "/req", "list all")
    assert "Alpha" not in json.dumps(listed)
    assert "Alpha" not in json.dumps(two.say(BETA, "U0BEA", "/blocker", "list"))
    # The App Home of a Beta person shows Beta items only.
    beta_ws = two.directory.apis[BETA].ws
    two.drivers[BETA].event(
        {"type": "app_home_opened", "user": "U0BEA", "channel": "D0BEA", "tab": "home",
         "event_ts": beta_ws.next_ts()}
    )  # fmt: skip
    two.worker.drain()
    home = texts(beta_ws.views["VHOMEU0BEA"]["blocks"])
    assert "Beta roadmap" in home and "Alpha" not in home
    # Each workspace's messages went to that workspace, with its own token.
    alpha_ws = two.directory.apis[ALPHA].ws
    assert all("Beta" not in json.dumps(m) for m in alpha_ws.messages.get(PRODUCT, []))
    assert all("Alpha" not in json.dumps(m) for m in beta_ws.messages.get(PRODUCT, []))

    # Monday's default digests: each channel, each workspace, its own items.
    jobs = build_jobs(two.settings, sessions=two.sessions, clock=two.clock, limits=Limits(**FAST))
    two.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    jobs.run_due(linger=0)
    alpha_digest = [m for m in alpha_ws.channel_messages(PRODUCT) if "digest" in m["text"]]
    beta_digest = [m for m in beta_ws.channel_messages(PRODUCT) if "digest" in m["text"]]
    assert alpha_digest and beta_digest
    alpha_thread = alpha_ws.thread(PRODUCT, alpha_digest[0]["ts"])
    beta_thread = beta_ws.thread(PRODUCT, beta_digest[0]["ts"])
    assert "Alpha acquisition" in json.dumps(alpha_thread)
    assert "Alpha" not in json.dumps([*beta_digest, *beta_thread])
    assert "Beta roadmap" in json.dumps(beta_thread)
    # Exports of one workspace carry only its items.
    out = io.StringIO()
    export(two.settings, kind="requirements", fmt="json", out=out, team_id=BETA)
    assert [r["title"] for r in json.loads(out.getvalue())["requirements"]] == ["Beta roadmap"]

    # Beta uninstalls: its tokens are gone, its data stays, nothing more is sent there.
    two.drivers[BETA].event({"type": "app_uninstalled", "event_ts": beta_ws.next_ts()})
    two.worker.drain()
    with two.sessions() as s:
        assert (
            s.execute(
                text("SELECT count(*) FROM slack_bots WHERE team_id = :t"), {"t": BETA}
            ).scalar()
            == 0
        )
        assert s.get(WorkspaceRow, BETA).uninstalled_at is not None
        assert s.scalars(select(Requirement.title).where(Requirement.team_id == BETA)).all() == [
            "Beta roadmap"
        ]
    before = len(beta_ws.calls)
    two.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    jobs.run_due(linger=0)
    assert len(beta_ws.calls) == before  # no reminders, no digests for Beta
    with two.sessions() as s:
        beta_rows = s.scalars(select(OutboxMessage).where(OutboxMessage.team_id == BETA)).all()
    assert {r.status for r in beta_rows if r.created_at >= datetime(2026, 11, 24, tzinfo=UTC)} <= {
        "dead"
    }
    jobs.leadership.release()


def test_install_needs_a_valid_state(two: Two) -> None:
    code = two.directory.grant(ALPHA, "U0AMY")
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(f"{two.bot.url}/slack/oauth_redirect?code={code}&state=forged")
    assert failed.value.code in (400, 401, 403)
    with two.sessions() as s:
        assert s.execute(text("SELECT count(*) FROM slack_bots")).scalar() == 0
