"""`python -m bot …` (also `teamloop …`): run, sandbox, db upgrade, export."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import RunMode, Settings

log = logging.getLogger("teamloop")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="teamloop", description="teamloop Slack bot")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (Socket Mode, HTTP, or the local sandbox)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="force HTTP mode on PORT")
    mode.add_argument("--socket", action="store_true", help="force Socket Mode")
    sandbox = sub.add_parser("sandbox", help="a local workspace, no Slack account needed")
    sandbox.add_argument("--reset", action="store_true", help="start over with an empty store")
    sandbox.add_argument("--demo", action="store_true", help="seed a few requirements")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    export = sub.add_parser("export", help="write the store to stdout")
    export.add_argument("--format", choices=["json", "csv"], default="json")
    export.add_argument("--kind", choices=["requirements"], default="requirements")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
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
    command = args.command or "run"
    if command == "db":
        from storage.migrate import upgrade

        upgrade(settings.database_url)
        print("database is up to date")
        return 0
    if command == "export":
        from bot.export import export

        export(settings, kind=args.kind, fmt=args.format, out=sys.stdout)
        return 0
    if command == "sandbox":
        from bot.sandbox.run import run_sandbox

        return run_sandbox(settings, reset=args.reset, demo=args.demo)
    return _run(settings, http=getattr(args, "http", False), socket=getattr(args, "socket", False))


def _run(settings: Settings, *, http: bool, socket: bool) -> int:
    mode = RunMode.HTTP if http else RunMode.SOCKET if socket else settings.run_mode()
    if mode is RunMode.SANDBOX:
        from bot.sandbox.run import run_sandbox

        return run_sandbox(settings, reset=False, demo=False)
    missing = _missing(settings, mode)
    if missing:
        print(
            f"teamloop: {mode} mode needs {', '.join(missing)} (see .env.example)", file=sys.stderr
        )
        return 2
    from bot.app import build
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    app, deps = build(settings)
    if mode is RunMode.SOCKET:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("teamloop running in Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return 0
    from bot.web import serve_forever, wsgi_app

    log.info("teamloop serving HTTP on port %s (POST /slack/events, GET /healthz)", settings.port)
    serve_forever(wsgi_app(app, deps.sessions), host="0.0.0.0", port=settings.port)
    return 0


def _missing(settings: Settings, mode: RunMode) -> list[str]:
    need = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if mode is RunMode.SOCKET:
        need["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        need["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in need.items() if not value]
