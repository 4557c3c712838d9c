"""`python -m bot …` (also `teamloop …`): run, sandbox, db upgrade, search rebuild, jobs run-due,
export."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import ValidationError

from bot.config import RunMode, Settings
from bot.runtime.memory import limit_malloc_arenas, pause_collector, resume_collector

log = logging.getLogger("teamloop")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teamloop", description="teamloop Slack bot")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (Socket Mode, HTTP, or the local sandbox)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="force HTTP mode on PORT")
    mode.add_argument("--socket", action="store_true", help="force Socket Mode")
    run.add_argument(
        "--role",
        choices=["web", "worker", "all"],
        default="all",
        help="web: serve Slack's requests; worker: ticker and sender; all: both (default)",
    )
    sandbox = sub.add_parser("sandbox", help="a local workspace, no Slack account needed")
    sandbox.add_argument("--reset", action="store_true", help="start over with an empty store")
    sandbox.add_argument(
        "--demo", action="store_true", help="seed requirements and a standup (automatic when empty)"
    )
    sandbox.add_argument("--terminal", action="store_true", help="the text version, no browser")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    search = sub.add_parser("search", help="full-text search maintenance")
    search_sub = search.add_subparsers(dest="search_command", required=True)
    search_sub.add_parser("rebuild", help="recompute the search index from the stored items")
    jobs = sub.add_parser("jobs", help="scheduled work")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    due = jobs_sub.add_parser(
        "run-due", help="run every occurrence due at an instant, then deliver the outbox"
    )
    due.add_argument("--now", type=_instant, help="ISO-8601 instant with offset (default: now)")
    due.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to keep retrying failed sends before exiting (default 30)",
    )
    sub.add_parser("doctor", help="check the settings, the database, tokens and scopes")
    export = sub.add_parser("export", help="write the store to stdout")
    export.add_argument("--format", choices=["json", "csv"], default="json")
    export.add_argument(
        "--kind",
        choices=["requirements", "feedback", "blockers", "risks", "standups", "actions"],
        default="requirements",
    )
    export.add_argument("--team", help="only this workspace (team id), e.g. T01ABCDEF")
    return parser


def _instant(value: str) -> datetime:
    from dateutil.parser import isoparse  # only `jobs run-due --now` needs it

    try:
        parsed = isoparse(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an instant with an offset; try 2026-11-23T08:30:00Z"
        )
    return parsed.astimezone(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    limit_malloc_arenas()  # before any thread starts
    # Until the process serves (`resume_collector` on every path below; at once for the
    # one-off commands, which start no server).
    pause_collector()
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            print(f"teamloop: {name}: {err['msg']}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # One line per job run and per migration plugin is noise at INFO; their warnings still show.
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    command = args.command or "run"
    if command != "run":
        resume_collector()
    if command == "db":
        from storage.migrate import upgrade

        upgrade(settings.database_url)
        print("database is up to date")
        return 0
    if command == "search":
        return _rebuild_search(settings)
    if command == "doctor":
        from bot.runtime.doctor import run as doctor

        return doctor(settings, sys.stdout)
    if command == "jobs":
        return _run_due(settings, now=args.now, wait=args.wait)
    if command == "export":
        from bot.runtime.export import export

        export(settings, kind=args.kind, fmt=args.format, out=sys.stdout, team_id=args.team)
        return 0
    _interrupt_on_sigterm()
    try:
        if command == "sandbox":
            from sandbox.run import run_sandbox

            resume_collector()
            return run_sandbox(settings, reset=args.reset, demo=args.demo, terminal=args.terminal)
        return _run(
            settings,
            http=getattr(args, "http", False),
            socket=getattr(args, "socket", False),
            role=getattr(args, "role", "all"),
        )
    except KeyboardInterrupt:
        return 0  # stopped while starting up: `finally` blocks already undid what had begun


def _rebuild_search(settings: Settings) -> int:
    from bot.services import search
    from storage.db import make_engine, make_session_factory, transaction

    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            count = search.rebuild(session=session)
    finally:
        engine.dispose()
    print(f"search index rebuilt: {count} items")
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _interrupt_on_sigterm() -> None:
    """SIGTERM stops a run as Ctrl-C does: `finally` blocks stop the ticker and release leases.

    Python's default SIGTERM ends the process at once, leaving claimed rows to their lease.
    gunicorn and the worker role install their own handlers over this one.
    """
    signal.signal(signal.SIGTERM, _interrupt)


def _run(settings: Settings, *, http: bool, socket: bool, role: str) -> int:
    mode = RunMode.HTTP if http else RunMode.SOCKET if socket else settings.run_mode()
    if mode is RunMode.SANDBOX:
        from sandbox.run import run_sandbox

        resume_collector()
        return run_sandbox(settings, reset=False, demo=False)
    missing = _missing(settings, mode)
    if missing:
        print(
            f"teamloop: {mode} mode needs {', '.join(missing)} (see .env.example)", file=sys.stderr
        )
        resume_collector()
        return 2
    if mode is RunMode.HTTP or role == "worker":
        from bot.runtime.server import serve

        return serve(settings, role=role)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build
    from bot.parsing.dates import warm_up_soon
    from bot.runtime.jobs import build_jobs
    from storage.migrate import ensure_current

    ensure_current(settings.database_url)
    app, deps = build(settings)
    ticker = build_jobs(settings, sessions=deps.sessions, clock=deps.clock).ticker()
    if role == "all":
        ticker.start()
    resume_collector()
    warm_up_soon()
    try:
        log.info("teamloop running in Socket Mode (role %s)", role)
        SocketModeHandler(app, settings.slack_app_token).start()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        ticker.stop()


def _run_due(settings: Settings, *, now: datetime | None, wait: float) -> int:
    from bot.clock import OffsetClock, SystemClock
    from bot.runtime.jobs import build_jobs
    from storage.db import make_engine, make_session_factory
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    clock = OffsetClock(now) if now is not None else SystemClock()
    jobs = build_jobs(settings, sessions=make_session_factory(engine), clock=clock)
    try:
        ticked, sent = jobs.run_due(linger=wait)
    finally:
        engine.dispose()
    print(
        f"occurrences: {ticked.done} run, {ticked.skipped} skipped, {ticked.failed} failed; "
        f"messages queued: {ticked.messages}"
    )
    print(
        f"outbox: {sent.sent} sent, {sent.recovered} found already sent, {sent.retried} retried, "
        f"{sent.rate_limited} rate-limited, {sent.dead} dead, {sent.expired} expired "
        "(past their deadline or no longer true: not sent)"
    )
    return 1 if sent.dead else 0


def _missing(settings: Settings, mode: RunMode) -> list[str]:
    token = settings.slack_bot_token or ("oauth" if settings.oauth_enabled else None)
    need = {"SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)": token}
    if mode is RunMode.SOCKET:
        need["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        need["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in need.items() if not value]
