"""HTTP mode under waitress, the CLI, settings and the terminal sandbox."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.app import build
from bot.config import RunMode, Settings
from bot.runtime.web import Served, wsgi_app
from sandbox.driver import Driver
from sandbox.run import run_sandbox
from tests.conftest import PM, PRODUCT, SECRET, Env, make_settings

ROOT = Path(__file__).resolve().parents[1]


def test_http_mode_serves_signed_requests_and_health(env: Env) -> None:
    app, deps = build(env.settings, sessions=env.sessions, clock=env.clock, worker=env.worker)
    served = Served(wsgi_app(app, deps.sessions)).start()
    try:
        with urllib.request.urlopen(served.url + "/healthz") as resp:
            assert json.loads(resp.read()) == {"ok": True, "database": "ok"}
        driver = Driver(
            env.ws,
            signing_secret=SECRET,
            target=served.url + "/slack/events",
            standin_url=env.driver.standin_url,
        )
        reply = driver.command("/req", "new Over real HTTP P1", user=PM, channel=PRODUCT)
        assert reply.status == 200
        env.drain()  # the card is posted right after the ack (issue 17)
        assert "REQ-1: Over real HTTP" in env.channel()[-1]["text"]
        bad = driver.send(
            "command=%2Freq&text=new+x", "application/x-www-form-urlencoded", signature="v0=00"
        )
        assert bad.status == 401
    finally:
        served.stop()


def _cli(args: list[str], db: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DATABASE_URL": db, "HOME": "/tmp", **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=ROOT,
        timeout=60,
    )


def test_cli_db_upgrade_and_export(env: Env, tmp_path: Path) -> None:
    env.req("new Export me P1 #data")
    env.req("status REQ-1 triaged")
    url = env.settings.database_url
    assert _cli(["db", "upgrade"], url).returncode == 0
    out = _cli(["export", "--format", "json", "--kind", "requirements"], url)
    assert out.returncode == 0, out.stderr
    [item] = json.loads(out.stdout)["requirements"]
    assert (item["id"], item["status"], item["labels"]) == ("REQ-1", "triaged", ["data"])
    assert [h["field"] for h in item["history"]] == ["created", "status"]
    rows = list(csv.DictReader(io.StringIO(_cli(["export", "--format", "csv"], url).stdout)))
    assert rows[0]["title"] == "Export me" and rows[0]["labels"] == "data"


def test_cli_refuses_bad_settings(tmp_path: Path) -> None:
    out = _cli(["db", "upgrade"], f"sqlite:///{tmp_path}/x.db", TEAMLOOP_TIMEZONE="Mars/Base")
    assert out.returncode == 2 and "TEAMLOOP_TIMEZONE" in out.stderr
    out = _cli(["run", "--http"], f"sqlite:///{tmp_path}/x.db")
    assert out.returncode == 2 and "SLACK_BOT_TOKEN" in out.stderr


def test_run_mode_follows_credentials() -> None:
    base: dict[str, Any] = {"_env_file": None}
    assert Settings(**base).run_mode() is RunMode.SANDBOX
    assert (
        Settings(**base, slack_bot_token="x", slack_signing_secret="y").run_mode() is RunMode.HTTP
    )
    assert (
        Settings(**base, slack_bot_token="x", slack_app_token="xapp").run_mode() is RunMode.SOCKET
    )
    with pytest.raises(ValidationError):
        Settings(**base, port=70000)


def test_terminal_sandbox_session(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path}/sandbox.db", "http://unused/api/")
    settings = settings.model_copy(update={"port": 0})
    script = (
        "\n".join(
            [
                "/req new Export invoices to CSV P1 @dave due friday #billing",
                ":say Customers want SSO",
                ":react 1",
                "/req new",
                "Team calendar",
                "",
                "P1",
                "bob",
                "",
                "ops",
                "/req list",
                ":in dm",
                ":say help",
                ":quit",
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    assert (
        run_sandbox(
            settings, reset=True, demo=False, terminal=True, stdin=io.StringIO(script), stdout=out
        )
        == 0
    )
    shown = out.getvalue()
    assert "== REQ-1 · Export invoices to CSV ==" in shown and "*Owner*: @dave" in shown
    assert "== REQ-2 · Customers want SSO ==" in shown
    assert "== REQ-3 · Team calendar ==" in shown and "*Owner*: @bob" in shown
    assert "Requirements in this channel (3)" in shown
    assert "(only visible to you)" in shown
    assert "What teamloop can do" in shown and "REQ-3 Team calendar" in shown  # the DM
