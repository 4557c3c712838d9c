"""`python -m bot sandbox`: a local workspace in the terminal, the bot running as with Slack."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import make_url

from bot.app import build
from bot.config import Settings
from bot.ids import CallbackId
from bot.sandbox.driver import Driver
from bot.sandbox.render import render_message
from bot.sandbox.web_api import WebApi
from bot.sandbox.workspace import Json, Workspace
from bot.web import Served, wsgi_app
from storage.migrate import upgrade

PEOPLE = [
    ("U0ALICE", "alice", True),
    ("U0BOB", "bob", False),
    ("U0CAROL", "carol", False),
    ("U0DAVE", "dave", False),
    ("U0ERIN", "erin", False),
]
HELP = """Type a slash command (/req new Export invoices P1 @bob due friday), or:
  :say <text>            post a message        :react <n> [emoji]   react (default bulb)
  :shortcut <n>          capture message n      :click <n> <button>  press a button
  :as <name>             act as someone else    :in <#channel>       switch channel
  :show                  reprint the channel    :quit"""


def seed(ws: Workspace, zone: str) -> None:
    """Five people and two channels."""
    for user_id, name, admin in PEOPLE:
        ws.add_user(user_id, name, is_admin=admin, tz=zone)
    ids = [p[0] for p in PEOPLE]
    ws.add_channel("C0PRODUCT", "product", members=ids)
    ws.add_channel("C0ENG", "eng", members=ids[1:4])


class Sandbox:
    """The stand-in, the bot over HTTP and a driver, all on one local server."""

    def __init__(self, settings: Settings, port: int) -> None:
        self.ws = Workspace()
        seed(self.ws, settings.teamloop_timezone)
        self.secret = secrets.token_hex(16)
        api = WebApi(self.ws)
        self.routes: dict[str, Callable[..., Iterable[bytes]]] = {}

        def route(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if path.startswith(("/api/", "/response/")):
                return api(environ, start)
            return self.routes["bot"](environ, start)

        self.server = Served(route, port=port)
        bot_settings = settings.model_copy(
            update={
                "slack_bot_token": "xoxb-sandbox",
                "slack_signing_secret": self.secret,
                "slack_api_url": self.server.url + "/api/",
                "slack_app_token": None,
            }
        )
        self.app, self.deps = build(bot_settings)
        self.routes["bot"] = wsgi_app(self.app, self.deps.sessions)
        self.driver = Driver(
            self.ws,
            signing_secret=self.secret,
            target=self.server.url + "/slack/events",
            standin_url=self.server.url,
        )
        self.user, self.channel = "U0ALICE", "C0PRODUCT"

    def start(self) -> Sandbox:
        """Serve."""
        self.server.start()
        return self

    def settle(self) -> None:
        """Wait for the bot's after-ack work."""
        self.deps.worker.drain()


def _reset(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)


def run_sandbox(
    settings: Settings,
    *,
    reset: bool,
    demo: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Run the sandbox until :quit (or forever when stdin is not a terminal)."""
    out = stdout or sys.stdout
    if reset:
        _reset(settings.database_url)
    upgrade(settings.database_url)
    box = Sandbox(settings, settings.port).start()
    print(
        f"teamloop sandbox: a local workspace on {box.server.url} (store: {settings.database_url})",
        file=out,
    )
    if demo:
        for text in (
            "new Export invoices to CSV P1 <@U0BOB|bob> due friday #billing",
            "new SSO with Okta P0 <@U0CAROL|carol> #enterprise",
            "new Dark mode P3 #ui",
        ):
            box.driver.command("/req", text, user="U0ALICE", channel="C0PRODUCT")
        box.settle()
    print(HELP, file=out)
    Repl(box, stdin or sys.stdin, out).loop()
    box.server.stop()
    return 0


class Repl:
    """Reads lines, acts as the current person, prints what the workspace shows."""

    def __init__(self, box: Sandbox, stdin: TextIO, out: TextIO) -> None:
        self.box, self.stdin, self.out = box, stdin, out
        self.seen = 0

    def prompt(self, text: str) -> str | None:
        self.out.write(text)
        self.out.flush()
        line = self.stdin.readline()
        return None if not line else line.rstrip("\n")

    def loop(self) -> None:
        """Until :quit or end of input."""
        while True:
            ws = self.box.ws
            who = ws.users[self.box.user]["name"]
            line = self.prompt(f"{who} in #{ws.channels[self.box.channel]['name']}> ")
            if line is None or line.strip() in (":quit", ":q"):
                return
            try:
                self.handle(line.strip())
            except (KeyError, IndexError, ValueError) as exc:
                print(f"  (sandbox) can't do that: {exc}. Type :help.", file=self.out)
            self.box.settle()
            self.fill_views()
            self.show_new()

    def _messages(self) -> list[Json]:
        return self.box.ws.channel_messages(self.box.channel, top_level=False)

    def handle(self, line: str) -> None:
        box, d = self.box, self.box.driver
        if not line:
            return
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            d.command(command, escape_mentions(text, box.ws), user=box.user, channel=box.channel)
            return
        verb, _, rest = line.partition(" ")
        msgs = self._messages()
        if verb == ":say":
            d.say(rest, user=box.user, channel=box.channel)
        elif verb == ":react":
            args = rest.split()
            emoji = args[1].strip(":") if len(args) > 1 else "bulb"
            d.react(emoji, user=box.user, channel=box.channel, ts=msgs[int(args[0])]["ts"])
        elif verb == ":shortcut":
            d.shortcut(
                CallbackId.CAPTURE_REQUIREMENT,
                user=box.user,
                channel=box.channel,
                ts=msgs[int(rest)]["ts"],
            )
        elif verb == ":click":
            n, _, label = rest.partition(" ")
            self.click(msgs[int(n)], label.strip().lower())
        elif verb == ":as":
            box.user = next(u for u, v in box.ws.users.items() if v["name"] == rest.strip("@ "))
        elif verb == ":in":
            box.channel = next(
                c for c, v in box.ws.channels.items() if v["name"] == rest.strip("# ")
            )
            self.seen = 0
        elif verb == ":show":
            self.seen = 0
        else:
            print(HELP, file=self.out)

    def click(self, msg: Json, label: str) -> None:
        for block in msg.get("blocks") or []:
            for el in block.get("elements") or []:
                if el.get("type") == "button" and label in el["text"]["text"].lower():
                    self.box.driver.click(
                        msg, el["action_id"], user=self.box.user, channel=self.box.channel
                    )
                    return
        raise ValueError(f"no button {label!r} on that message")

    def fill_views(self) -> None:
        """Ask for each field of any form the bot opened, then submit it."""
        for view_id, view in list(self.box.ws.views.items()):
            if view.get("type") != "modal":
                continue
            print(
                f"  -- {view['title']['text']} (Enter keeps the value in brackets) --",
                file=self.out,
            )
            values: dict[str, Json] = {}
            for block in view.get("blocks", []):
                if block.get("type") != "input":
                    continue
                el = block["element"]
                default = el.get("initial_value") or (el.get("initial_option") or {}).get(
                    "value", ""
                )
                answer = self.prompt(f"  {block['label']['text']} [{default}]: ")
                answer = answer or default
                if el["type"] == "users_select" and answer:
                    answer = next(
                        (
                            u
                            for u, v in self.box.ws.users.items()
                            if v["name"] == answer.strip("@ ")
                        ),
                        answer,
                    )
                values[block["block_id"]] = {el["action_id"]: _element_value(el, answer)}
            reply = self.box.driver.submit(view_id, values, user=self.box.user)
            errors = reply.json().get("errors") if reply.body.strip() else None
            if errors:
                for message in errors.values():
                    print(f"  ! {message}", file=self.out)
                self.box.ws.views.pop(view_id, None)
            self.box.settle()

    def show_new(self) -> None:
        ws, out = self.box.ws, self.out
        msgs = self._messages()
        for i in range(self.seen, len(msgs)):
            print(render_message(i, msgs[i], ws), file=out)
        self.seen = len(msgs)
        for eph in ws.ephemerals_for(self.box.user):
            if not eph.get("shown"):
                eph["shown"] = True
                print(
                    render_message(0, {**eph, "user": ws.bot_user_id}, ws, ephemeral=True), file=out
                )


def escape_mentions(text: str, ws: Workspace) -> str:
    """What Slack does for commands with should_escape: `@bob` becomes `<@U0BOB|bob>`."""
    names = {u["name"]: uid for uid, u in ws.users.items()}
    words = []
    for word in text.split(" "):
        name = word[1:]
        words.append(f"<@{names[name]}|{name}>" if word.startswith("@") and name in names else word)
    return " ".join(words)


def _element_value(el: Json, answer: str) -> Json:
    kind = el["type"]
    if kind == "static_select":
        return {
            "type": kind,
            "selected_option": {"value": answer, "text": {"type": "plain_text", "text": answer}},
        }
    if kind == "users_select":
        return {"type": kind, "selected_user": answer or None}
    if kind == "datepicker":
        return {"type": kind, "selected_date": answer or None}
    return {"type": kind, "value": answer or None}
