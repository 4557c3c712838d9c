"""`python -m bot doctor`: check the settings, the database, and each token and its scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from bot.config import RunMode, Settings
from bot.scopes import NEEDED_FOR, missing_scopes


def run(settings: Settings, out: TextIO) -> int:
    """Print one line per check; 0 when everything passed."""
    failures = 0

    def report(ok: bool, what: str, fix: str = "") -> None:
        nonlocal failures
        failures += not ok
        print(f"{'✓' if ok else '✗'} {what}" + (f" — {fix}" if fix and not ok else ""), file=out)

    mode = settings.run_mode()
    report(True, f"mode: {mode} (time zone {settings.teamloop_timezone})")
    _database(settings, report)
    if mode is RunMode.SANDBOX:
        report(True, "no Slack credentials: `python -m bot` runs the local sandbox")
        return 1 if failures else 0
    report(bool(settings.slack_signing_secret), "signing secret set", "set SLACK_SIGNING_SECRET")
    if mode is RunMode.SOCKET:
        token = settings.slack_app_token or ""
        report(
            token.startswith("xapp-"),
            "app-level token for Socket Mode",
            "SLACK_APP_TOKEN starts with xapp-",
        )
    if settings.oauth_enabled:
        _installs(settings, report)
    else:
        _token(settings, settings.slack_bot_token or "", "SLACK_BOT_TOKEN", report)
    return 1 if failures else 0


Report = Callable[..., None]


def _database(settings: Settings, report: Report) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from storage.db import make_engine
    from storage.migrate import alembic_config

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
        report(True, f"database reachable ({engine.url.render_as_string(hide_password=True)})")
        report(
            current == head,
            f"schema at {current or 'none'} (latest {head})",
            "run `python -m bot db upgrade`",
        )
    except Exception as exc:  # any driver error: say it, do not crash
        report(
            False, f"database: {type(exc).__name__}: {exc}".splitlines()[0], "check DATABASE_URL"
        )
    finally:
        engine.dispose()


def _token(settings: Settings, token: str, name: str, report: Report) -> None:
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=10)
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        report(False, f"{name}: Slack said {exc.response.get('error')}", "check the token")
        return
    except Exception as exc:  # network errors: say which
        report(False, f"{name}: cannot reach {settings.slack_api_url} ({type(exc).__name__})")
        return
    report(
        True,
        f"{name} works: workspace {answer.get('team')} ({answer.get('team_id')}), "
        f"bot {answer.get('user_id')}",
    )
    headers = {str(k).lower(): v for k, v in (answer.headers or {}).items()}  # any case
    granted = {s.strip() for s in str(headers.get("x-oauth-scopes", "")).split(",") if s.strip()}
    if not granted:  # some tokens' answers carry no x-oauth-scopes: nothing to compare
        report(True, f"{name}: Slack did not list the granted scopes; scope check skipped")
        return
    missing = missing_scopes(granted)
    if not missing:
        report(True, f"{name}: every scope manifest.yml asks for is granted")
    for scope in missing:
        report(
            False,
            f"{name}: scope {scope} not granted, so {NEEDED_FOR[scope]} will not work",
            "reinstall the app from manifest.yml",
        )


def _installs(settings: Settings, report: Report) -> None:
    from sqlalchemy import select

    from bot.installs import InstallationStore
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        store = InstallationStore(settings, engine)
        with engine.connect() as conn:
            teams = sorted(
                {
                    r[0]
                    for r in conn.execute(
                        select(store.bots.c.team_id).where(
                            store.bots.c.client_id == store.client_id
                        )
                    )
                }
            )
        report(True, f"OAuth: client id set; {len(teams)} workspace(s) installed")
        for team in teams:
            token = store.bot_token(team)
            if token:
                _token(settings, token, f"workspace {team}", report)
    except Exception as exc:  # bad key, unreachable database: say it
        report(False, f"installations: {exc}", "check TEAMLOOP_ENCRYPTION_KEY and DATABASE_URL")
    finally:
        engine.dispose()
