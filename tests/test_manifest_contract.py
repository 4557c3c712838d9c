"""manifest.yml is the contract with Slack: it declares every command, shortcut and event the
app listens to and a scope for every Web API call it makes, and no scope nothing uses.

What the app listens to is read from the real bolt App; what it calls, from the stand-in: the
flows below, and (in the last test of a run) every call any test made."""

from __future__ import annotations

import copy
import html
import io
import json
import re
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from slack_bolt import App

from bot.app import build, create_app
from bot.deps import Worker
from bot.runtime import doctor
from bot.runtime.web import Served, wsgi_app
from bot.scopes import BOT_SCOPES, NEEDED_FOR
from sandbox.web_api import CALLED_METHODS
from sandbox.workspace import GRANTED_SCOPES, Fault
from storage.db import make_engine, make_session_factory
from tests import test_multi_workspace as oauth
from tests.conftest import (
    BOB,
    CAROL,
    DAVE,
    PM,
    PRODUCT,
    SECRET_CHANNEL,
    Env,
    Team,
    make_settings,
)
from tests.manifest_contract import (
    BUNDLED,
    EVENTS_SPEC,
    WEB_SPEC,
    Call,
    Listeners,
    bot_scopes,
    check_listeners,
    check_scopes,
    compact_scopes,
    load_manifest,
    registered,
)
from tests.manifest_yaml import loads

two = oauth.two  # two workspaces installed through OAuth against the stand-in
OUTSIDE = "C0LAUNCH"  # a public channel the bot is not in


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def listeners_of(app: App) -> Listeners:
    """The app's listeners, read from bolt (and the reading shown to work)."""
    found = registered(app)
    assert found.commands and found.shortcuts and found.events  # the reading works
    return found


def run_flows(team: Team) -> set[Call]:
    """A representative day of teamloop against the stand-in; returns the calls it made."""
    env, ws = team.env, team.env.ws
    # Ten days before: the digest waits for a channel's first week of history.
    env.clock.set(utc(2026, 11, 13, 10, 0))
    # Commands work in channels teamloop was never invited to; its digest goes there too.
    ws.add_channel(OUTSIDE, "launch", members=[PM, BOB])["members"].remove(ws.bot_user_id)
    env.req("new Launch checklist P2", channel=OUTSIDE)
    env.req("new Roadmap review P2")
    env.clock.set(utc(2026, 11, 20, 10, 0))  # the Friday before the digest
    for channel in (PRODUCT, SECRET_CHANNEL):
        env.req("new Audit log export P1", channel=channel)
        msg = env.driver.say("Checkout times out on Safari", user=BOB, channel=channel)
        env.driver.react("bulb", user=PM, channel=channel, ts=msg["ts"])  # history, permalink
        env.drain()
    env.req("new")  # the form: views.open
    msg = env.driver.say("Invoices need a PO number", user=CAROL, channel=PRODUCT)
    env.driver.shortcut("capture_feedback", user=PM, channel=PRODUCT, ts=msg["ts"])
    env.driver.command("/blocker", "Staging is down", user=DAVE, channel=PRODUCT)
    env.driver.command("/risk", "new Vendor may slip likelihood 4 impact 4", user=PM,
                       channel=PRODUCT)  # fmt: skip
    env.driver.event({"type": "app_home_opened", "user": PM, "channel": ws.dm_channel(PM),
                      "tab": "home", "event_ts": ws.next_ts()})  # fmt: skip
    env.driver.set_status(BOB, text="Vacationing", emoji=":palm_tree:")
    env.driver.join(CAROL, "C0ENG")
    env.drain()
    # A standup in a public and a private channel: members, profiles, DMs, edits.
    for channel in (PRODUCT, SECRET_CHANNEL):
        team.cmd("schedule weekdays 09:30 Europe/Berlin", channel=channel)
    # The first posts time out after reaching Slack: the outbox looks for them in the history
    # of their conversation (a channel, a DM) before trying again.
    ws.inject(Fault("timeout", "chat.postMessage", times=4, delay=1.2))
    team.at(utc(2026, 11, 23, 8, 30))
    team.deliver()
    team.at(utc(2026, 11, 23, 8, 31))
    team.deliver()
    prompt = team.prompts(PM)[-1]
    team.answer(PM, ["Shipped SSO", "Billing export", "none"], message=prompt)
    # Monday's digest with its chart, and the daily reminders.
    team.at(utc(2026, 11, 23, 9, 0))
    team.deliver()
    # The flows did what they say (a check of calls that never happened would prove nothing).
    assert any("digest" in m["text"].lower() for m in ws.channel_messages(OUTSIDE))
    assert ws.calls_of("files.completeUploadExternal") and ws.calls_of("views.publish")
    assert ws.calls_of("conversations.history") and ws.calls_of("conversations.open")
    with ws.lock:
        made = list(ws.calls)
    return {(c.method, ws.conversation_kind(c.args)) for c in made if c.method != "response_url"}


# -- reading the manifest and Slack's specs ------------------------------------------------
def test_the_manifest_reader_reads_its_yaml_and_refuses_what_it_does_not_know() -> None:
    text = 'a: "x # not a comment" # a comment\nb:\n- c: 1\n  d: true\n- plain words\n'
    assert loads(text) == {"a": "x # not a comment", "b": [{"c": 1, "d": True}, "plain words"]}
    for unsupported in ("a: [1, 2]", "a: {b: 1}", "a: |\n  text", "a: &x 1", "a: b: c"):
        with pytest.raises(ValueError):
            loads(unsupported)


@pytest.mark.skipif(not WEB_SPEC.exists(), reason=f"Slack's specs are not at {WEB_SPEC.parent}")
def test_bundled_scopes_match_slacks_specs() -> None:
    specs = (json.loads(WEB_SPEC.read_text()), json.loads(EVENTS_SPEC.read_text()))
    assert json.loads(BUNDLED.read_text()) == compact_scopes(*specs)


# -- what the app listens to ---------------------------------------------------------------
def test_manifest_declares_every_command_shortcut_and_event_the_app_handles(tmp_path: Any) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}", "http://127.0.0.1:9/api/")
    app = create_app(settings, worker=Worker())
    assert check_listeners(load_manifest(), listeners_of(app)) == []


# -- what the app calls --------------------------------------------------------------------
def test_every_call_of_a_day_of_teamloop_has_exactly_the_scopes_it_needs(team: Team) -> None:
    calls = run_flows(team)
    assert check_scopes(load_manifest(), listeners_of(team.env.app), calls) == []


def test_the_check_fails_when_the_manifest_loses_a_command_shortcut_event_or_scope(
    team: Team,
) -> None:
    """Remove each declared thing in turn (and add an unused scope): the check names it."""
    calls = run_flows(team)
    app = listeners_of(team.env.app)
    manifest = load_manifest()

    def problems(broken: dict[str, Any]) -> str:
        return "\n".join(check_listeners(broken, app) + check_scopes(broken, app, calls))

    features, settings = "features", "settings"
    for index, command in enumerate(manifest[features]["slash_commands"]):
        broken = copy.deepcopy(manifest)
        del broken[features]["slash_commands"][index]
        assert f"slash command {command['command']} is handled" in problems(broken)
        broken = copy.deepcopy(manifest)
        del broken[features]["slash_commands"][index]["usage_hint"]
        assert f"{command['command']} has no usage_hint" in problems(broken)
    for index, shortcut in enumerate(manifest[features]["shortcuts"]):
        broken = copy.deepcopy(manifest)
        del broken[features]["shortcuts"][index]
        assert f"shortcut {shortcut['callback_id']} is handled" in problems(broken)
    for event in manifest[settings]["event_subscriptions"]["bot_events"]:
        broken = copy.deepcopy(manifest)
        broken[settings]["event_subscriptions"]["bot_events"].remove(event)
        assert f"event {event} is handled but not in bot_events" in problems(broken)
    for scope in bot_scopes(manifest):
        broken = copy.deepcopy(manifest)
        broken["oauth_config"]["scopes"]["bot"].remove(scope)
        assert re.search(rf"needs one of \[[^]]*'{re.escape(scope)}'|scope {scope} is missing",
                         problems(broken)), scope  # fmt: skip
    broken = copy.deepcopy(manifest)
    broken["oauth_config"]["scopes"]["bot"].append("reactions:write")
    assert "scope reactions:write is declared but nothing uses it" in problems(broken)
    assert problems(manifest) == ""


@pytest.mark.contract_last
def test_every_call_any_test_made_has_a_declared_scope(team: Team) -> None:
    """Runs last: the stand-ins of the whole run recorded what the bot called."""
    calls = run_flows(team)
    seen = set(CALLED_METHODS)
    assert calls <= seen
    assert check_scopes(load_manifest(), listeners_of(team.env.app), seen) == []


# -- installing and checking an install ----------------------------------------------------
def test_bot_scopes_in_code_and_stand_in_are_the_manifests() -> None:
    declared = bot_scopes(load_manifest())
    assert sorted(BOT_SCOPES) == sorted(declared)
    assert sorted(GRANTED_SCOPES) == sorted(declared)  # the stand-in is installed from it
    assert set(NEEDED_FOR) == set(declared)  # doctor can say what each one is for


def test_oauth_install_asks_for_exactly_the_manifests_bot_scopes(db_url: str) -> None:
    settings = make_settings(
        db_url, "http://127.0.0.1:9/api/", slack_bot_token=None,
        slack_client_id="111.222", slack_client_secret="shh",
    )  # fmt: skip
    sessions = make_session_factory(make_engine(db_url))
    app, _deps = build(settings, sessions=sessions, worker=Worker())
    served = Served(wsgi_app(app, sessions)).start()
    try:
        with urllib.request.urlopen(served.url + "/slack/install") as resp:
            page = html.unescape(resp.read().decode())
    finally:
        served.stop()
    found = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
    assert found, page[:500]
    query = parse_qs(urlparse(found.group(1)).query, keep_blank_values=True)
    assert sorted(query["scope"][0].split(",")) == sorted(bot_scopes(load_manifest()))
    assert query.get("user_scope", [""]) == [""]  # no user token: teamloop acts as its bot


def test_doctor_names_a_missing_scope_and_what_stops_working(env: Env) -> None:
    out = io.StringIO()
    assert doctor.run(env.settings, out) == 0, out.getvalue()
    assert "every scope manifest.yml asks for is granted" in out.getvalue()
    env.ws.scopes.remove("files:write")
    out = io.StringIO()
    assert doctor.run(env.settings, out) == 1
    assert (
        "✗ SLACK_BOT_TOKEN: scope files:write not granted, so the weekly digest's chart will "
        "not work — reinstall the app from manifest.yml"
    ) in out.getvalue()


def test_tokens_revoked_stops_that_workspaces_schedules(two: oauth.Two) -> None:
    """The event the manifest now subscribes to: Slack sends it when the bot token is revoked."""
    from bot.outbox.sender import Limits
    from bot.runtime.jobs import build_jobs
    from tests.conftest import FAST

    alpha_ws, beta_ws = (two.directory.apis[team].ws for team in (oauth.ALPHA, oauth.BETA))
    two.clock.set(utc(2026, 11, 16, 10, 0))  # a week before the digest: it has history
    for team, person in ((oauth.ALPHA, "U0AMY"), (oauth.BETA, "U0BEA")):
        oauth.install(two, team, person)
        two.say(team, person, "/req", "new Quarterly planning P1")
    reply = two.drivers[oauth.ALPHA].event(
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [alpha_ws.bot_user_id]},
         "event_ts": alpha_ws.next_ts()}
    )  # fmt: skip
    assert reply.status == 200
    two.worker.drain()
    before = len(alpha_ws.calls)
    jobs = build_jobs(two.settings, sessions=two.sessions, clock=two.clock, limits=Limits(**FAST))
    try:
        two.clock.set(utc(2026, 11, 23, 8, 0))  # Monday 09:00 in Berlin: the default digest
        jobs.run_due(linger=0)
    finally:
        jobs.leadership.release()
    assert [m for m in beta_ws.channel_messages(oauth.PRODUCT) if "digest" in m["text"]]
    assert len(alpha_ws.calls) == before  # no digest, no reminders for Alpha
