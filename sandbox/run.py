"""`python -m bot sandbox`: the local workspace in the browser (or, with --terminal, in a
terminal), the bot running as it does with Slack."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from datetime import date
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.ids import CallbackId
from sandbox.encoding import not_a_command, split_command
from sandbox.render import render_message
from sandbox.server import Sandbox
from sandbox.workspace import Json, Workspace
from storage.migrate import ensure_current
from storage.models import Requirement

HELP = """Type a slash command (/req new Export invoices P1 @bob due friday), a message (any
other text is posted where you are, as in Slack's message box), or:
  :say <text>            post a message        :react <n> [emoji]   react (default bulb)
  :shortcut <n>          capture message n      :click <n> <button>  press a button
                         (a menu's choice by its text: :click 0 in progress;
                         :click e<n> <button> in an answer only you see, [e1] …)
  :as <name>             act as someone else    :in <#channel>       switch channel
  :in dm                 your DM with teamloop (type help, standup answers)
  :channel remove-bot|invite-bot|archive|unarchive|restrict|allow
                         what Slack sends when the channel changes (teamloop removed, etc.)
  :show                  reprint the channel    :quit
Channels: #product (everyone), #eng (bob, carol, dave), #leads (private: alice and bob,
teamloop not invited)."""

# `:channel <op>`: the page's channel menu, by the operation names it posts.
CHANNEL_OPS = {
    "remove-bot": "remove_bot",
    "invite-bot": "invite_bot",
    "archive": "archive",
    "unarchive": "unarchive",
    "restrict": "restrict",
    "allow": "allow",
}


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
    terminal: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve the browser sandbox until Ctrl-C (or `stop`); `terminal` runs the text version."""
    out = stdout or sys.stdout
    if reset:
        _reset(settings.database_url)
    ensure_current(settings.database_url)
    try:
        box = Sandbox(settings, settings.port)
    except OSError as exc:  # the port is taken: say so in one line, as `run` does
        print(
            f"teamloop: cannot listen on PORT {settings.port}: {exc.strerror}. "
            "Set PORT to a free port, e.g. PORT=3001 python -m bot",
            file=sys.stderr,
        )
        return 2
    box.start(scheduler=not terminal)
    try:
        if demo or (not terminal and _empty(box)):
            box.demo()
        if terminal:
            # Log lines (a request each, a refused form value) would land between the prompt
            # and the chat: here only errors are printed.
            logging.getLogger().setLevel(logging.ERROR)
            print(f"teamloop sandbox (store: {settings.database_url})", file=out)
            print(HELP, file=out)
            with contextlib.suppress(KeyboardInterrupt):
                Repl(box, stdin or sys.stdin, out).loop()
            return 0
        print(
            f"teamloop sandbox: open {box.server.url} in your browser "
            f"(store: {settings.database_url}). Ctrl-C stops it.",
            file=out,
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            (stop or threading.Event()).wait()
        return 0
    finally:
        box.stop()


def _empty(box: Sandbox) -> bool:
    with box.deps.sessions() as session:
        return session.scalar(select(func.count(Requirement.id))) == 0


class Repl:
    """Reads lines, acts as the current person, prints what the workspace shows."""

    def __init__(self, box: Sandbox, stdin: TextIO, out: TextIO) -> None:
        self.box, self.stdin, self.out = box, stdin, out
        self.seen = 0
        # Answers only the current person sees, numbered as printed: `:click e1 vote`.
        self.ephemerals: list[Json] = []
        # What was last printed of each message (by ts), to print it again when it changes.
        self.printed: dict[str, str] = {}

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
            channel = ws.channels.get(self.box.channel)
            where = f"#{channel['name']}" if channel else "the DM with teamloop"
            line = self.prompt(f"{who} in {where}> ")
            if line is None or line.strip() in (":quit", ":q"):
                return
            try:
                self.handle(line.strip())
            except IndexError:
                print(f"  (sandbox) no such message in `{line.strip()}`: the numbers are in "
                      "[brackets] (:show reprints them). Type :help.", file=self.out)  # fmt: skip
            except (KeyError, ValueError) as exc:
                print(f"  (sandbox) can't do that: {exc}. Type :help.", file=self.out)
            self.box.settle()
            # No ticker here: send what the outbox has due (card edits after a change), so
            # cards follow their items as on the page.
            self.box.jobs.deliver(linger=0.5)
            self.fill_views()
            self.show_new()

    def _messages(self) -> list[Json]:
        return self.box.ws.channel_messages(self.box.channel, top_level=False)

    def handle(self, line: str) -> None:
        box, d = self.box, self.box.driver
        if not line:
            return
        if line.startswith("/"):
            command, text = split_command(line)
            reply = d.command(
                command, escape_mentions(text, box.ws), user=box.user, channel=box.channel
            )
            if reply.status == 404:  # no app registered it: Slackbot answers, as in Slack
                box.ui.slackbot_says(not_a_command(command), user=box.user, channel=box.channel)
            return
        if not line.startswith(":"):  # typed in the message box: posted, as Slack does
            d.say(line, user=box.user, channel=box.channel)
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
            if n.lower().startswith("e"):
                self.click(self.ephemerals[int(n[1:]) - 1], label.strip().lower(), ephemeral=True)
            else:
                self.click(msgs[int(n)], label.strip().lower())
        elif verb == ":as":
            in_dm = box.channel == box.ws.dm_channel(box.user)
            box.user = next(u for u, v in box.ws.users.items() if v["name"] == rest.strip("@ "))
            if in_dm:  # a DM is one person's: follow to the new person's
                box.channel, self.seen = box.ws.dm_channel(box.user), 0
        elif verb == ":in" and rest.strip().lower() == "dm":
            box.channel, self.seen = box.ws.dm_channel(box.user), 0
        elif verb == ":in":
            box.channel = next(
                c for c, v in box.ws.channels.items() if v["name"] == rest.strip("# ")
            )
            self.seen = 0
        elif verb == ":channel" and rest.strip() in CHANNEL_OPS:
            body = {"user": box.user, "channel": box.channel, "op": CHANNEL_OPS[rest.strip()]}
            print(f"  (sandbox) {box.ui.channel(body).get('error') or 'done'}", file=self.out)
        elif verb == ":show":
            self.seen = 0
        else:
            print(HELP, file=self.out)

    def click(self, msg: Json, label: str, *, ephemeral: bool = False) -> None:
        for block in msg.get("blocks") or []:
            for el in block.get("elements") or []:
                if el.get("type") == "button" and label in el["text"]["text"].lower():
                    self.box.driver.click(
                        msg,
                        el["action_id"],
                        user=self.box.user,
                        channel=msg.get("channel") or self.box.channel,
                        ephemeral=ephemeral,
                    )
                    print(f"  (pressed {el['text']['text']})", file=self.out)
                    return
        # A menu (`Change status ▾`): its options are picked by their text.
        for block in msg.get("blocks") or []:
            for el in block.get("elements") or []:
                for option in el.get("options") or [] if el.get("type") == "static_select" else []:
                    if label and label in option["text"]["text"].lower():
                        self.box.driver.click(
                            msg,
                            el["action_id"],
                            user=self.box.user,
                            channel=msg.get("channel") or self.box.channel,
                            selected=option["value"],
                            ephemeral=ephemeral,
                        )
                        print(f"  (picked {option['text']['text']})", file=self.out)
                        return
        raise ValueError(f"no button or menu choice {label!r} on that message")

    def fill_views(self) -> None:
        """Ask for each field of any form the bot opened, then submit it."""
        for view_id, view in list(self.box.ws.views.items()):
            if view.get("type") != "modal":
                continue
            print(
                f"  -- {view['title']['text']} (Enter keeps the value in brackets; "
                ":cancel closes it) --",
                file=self.out,
            )
            answers: dict[str, str] = {}
            while True:
                values = self._ask(view, answers)
                if values is None:
                    print("  (form closed: nothing was sent)", file=self.out)
                    self.box.ws.views.pop(view_id, None)
                    break
                reply = self.box.driver.submit(view_id, values, user=self.box.user)
                errors = reply.json().get("errors") if reply.body.strip() else None
                self.box.settle()
                if not errors:
                    break
                # As in Slack, the form stays open with what was typed; fix and send again.
                for message in errors.values():
                    print(f"  ! {message}", file=self.out)

    def _ask(self, view: Json, answers: dict[str, str]) -> dict[str, Json] | None:
        """Each field's value (Enter keeps the one in brackets; `:cancel` closes the form)."""
        values: dict[str, Json] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            el = block["element"]
            default = answers.get(block["block_id"]) or (
                el.get("initial_value")
                or (el.get("initial_option") or {}).get("value", "")
                or el.get("initial_date", "")
            )
            hint = " (YYYY-MM-DD)" if el["type"] == "datepicker" else ""
            while True:
                answer = self.prompt(f"  {block['label']['text']}{hint} [{default}]: ")
                if answer is None or answer.strip() == ":cancel":
                    return None
                answer = answer.strip() or default
                if el["type"] != "datepicker" or not answer or _iso_date(answer):
                    break
                # Slack's date picker can only send a real date: ask again, as its calendar
                # would not let one through.
                print(f"  (sandbox) `{answer}` is not a date: type it as YYYY-MM-DD, e.g. "
                      f"{self.box.clock.now():%Y-%m-%d}.",
                      file=self.out)  # fmt: skip
            answers[block["block_id"]] = answer
            if el["type"] == "users_select" and answer:
                answer = next(
                    (u for u, v in self.box.ws.users.items() if v["name"] == answer.strip("@ ")),
                    answer,
                )
            values[block["block_id"]] = {el["action_id"]: _element_value(el, answer)}
        return values

    def show_new(self) -> None:
        """Print new messages, and again any message or private answer changed since it was
        printed (a card after a button press, an answer replaced by the next step)."""
        ws, out = self.box.ws, self.out
        msgs = self._messages()
        for i, msg in enumerate(msgs):
            drawn = render_message(i, msg, ws)
            if i >= self.seen:
                print(drawn, file=out)
            elif self.printed.get(msg["ts"]) not in (None, drawn):
                print(drawn.replace(":", " (edited):", 1), file=out)
            self.printed[msg["ts"]] = drawn
        self.seen = len(msgs)
        for eph in ws.ephemerals_for(self.box.user):
            if not eph.get("shown"):
                eph["shown"] = True
                self.ephemerals.append(eph)
            label = f"e{self.ephemerals.index(eph) + 1}"
            shown = {**eph, "user": eph.get("from", ws.bot_user_id)}
            drawn = render_message(label, shown, ws, ephemeral=True)
            before = self.printed.get(f"e:{eph['ts']}")
            if before != drawn:
                print(drawn if before is None else drawn.replace(":", " (updated):", 1), file=out)
            self.printed[f"e:{eph['ts']}"] = drawn


# A typed `@word`: at the start, after whitespace or an opening bracket or quote (not inside
# an address like `bob@example.com`); a name may hold `.`, `-` and `_`.
_TYPED_MENTION = re.compile(r"(?<![^\s(\[{\"'])@([\w.-]+)")
_SPECIAL = ("channel", "here", "everyone")


def escape_mentions(text: str, ws: Workspace) -> str:
    """What Slack's client sends for a command with should_escape: `@bob` becomes
    `<@U0BOB|bob>` (punctuation after the name stays after it: `@bob,` -> `<@U0BOB|bob>,`) and
    `@channel`, `@here`, `@everyone` become `<!channel>`, `<!here>`, `<!everyone>`. An unknown
    `@nobody` stays as typed."""
    names = {u["name"]: uid for uid, u in ws.users.items()}

    def markup(found: re.Match[str]) -> str:
        word = found.group(1)
        name = word
        while name:  # `@bob.` -> `bob` and `.`: a trailing `.` or `-` ends a sentence
            if name in names:
                return f"<@{names[name]}|{name}>{word[len(name) :]}"
            if name in _SPECIAL:
                return f"<!{name}>{word[len(name) :]}"
            if name[-1] not in ".-":
                break
            name = name[:-1]
        return found.group(0)

    return _TYPED_MENTION.sub(markup, text)


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


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
