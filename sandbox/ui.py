"""The browser sandbox's JSON API: what the page shows, and what a person does in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.scheduling.recurrence import next_instant
from sandbox.driver import has_element
from sandbox.encoding import not_a_command, split_command
from sandbox.workspace import Json
from storage.db import transaction
from storage.retros import Retro
from storage.scheduling import OutboxMessage, Schedule, SchedulerState
from storage.statuses import OutboxStatus, RetroStatus

if TYPE_CHECKING:
    from sandbox.server import Sandbox

CLOCK_STATE = "sandbox_clock"
SLACKBOT = "USLACKBOT"
CHANGED = "That message has changed. Try again."
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


class UiApi:
    """One method per page request; each returns JSON-ready data."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.posts: dict[str, Callable[[Json], Json]] = {
            "send": self.send,
            "react": self.react,
            "shortcut": self.shortcut,
            "action": self.action,
            "submit": self.submit,
            "close": self.close,
            "home": self.home,
            "clock": self.clock,
            "status": self.status,
            "channel": self.channel,
        }

    # -- reading ---------------------------------------------------------------------------------
    def state(self, user: str, channel: str, thread: str | None) -> Json:
        """Everything the page draws for `user` looking at `channel` (and maybe a thread)."""
        ws = self.box.ws
        with ws.lock:
            users = [
                {k: u.get(k) for k in ("id", "name", "real_name", "is_bot", "tz")}
                | {
                    "status": u["profile"].get("status_emoji", "")
                    + " "
                    + u["profile"].get("status_text", "")
                }
                for u in ws.users.values()
            ]
            channels = [
                {k: c.get(k) for k in ("id", "name", "is_private", "is_archived")}
                | {
                    "bot_member": ws.bot_user_id in c["members"],
                    "posting_restricted": bool(c.get("posting_restricted")),
                }
                for c in ws.channels.values()
                if user in c["members"] and not c.get("is_im")
            ]
            # An ephemeral shows where it was sent: in its thread when it has one.
            mine = [
                {**_message(e), "user": e.get("from", ws.bot_user_id), "ephemeral": True}
                for e in ws.ephemerals
                if e["user"] == user and e["channel"] == channel
            ]
            shown = [_message(m) for m in ws.messages.get(channel, []) if not _is_reply(m)]
            shown += [e for e in mine if not e.get("thread_ts")]
            shown.sort(key=lambda m: float(m["ts"]))
            replies = None
            if thread:
                replies = [
                    _message(m) for m in ws.messages.get(channel, []) if m.get("ts") == thread
                ]
                replies += [_message(m) for m in ws.thread(channel, thread)]
                replies += [e for e in mine if e.get("thread_ts") == thread]
                replies.sort(key=lambda m: float(m["ts"]))
            modals = [
                v
                for v in ws.views.values()
                if v.get("type") == "modal" and v.get("user_id") == user
            ]
            modal = max(modals, key=lambda v: float(v["hash"])) if modals else None
            home = ws.views.get(f"VHOME{user}")
        return {
            "now": self.box.clock.now().isoformat(),
            "next": _iso(self.next_event()),
            "team": ws.domain,
            "bot": ws.bot_user_id,
            "users": users,
            "channels": channels,
            "dm": ws.dm_channel(user),
            "messages": shown[-200:],
            "thread": replies,
            "modal": modal,
            "home": home,
        }

    def next_event(self) -> datetime | None:
        """The next scheduled occurrence, or a queued message waiting for its time."""
        now = self.box.clock.now()
        found: list[datetime] = []
        with self.box.deps.sessions() as session:
            for sched in session.scalars(select(Schedule).where(Schedule.active)):
                found += [
                    next_instant(
                        weekdays=sched.weekdays, local_time=sched.local_time, zone=z, after=now
                    )
                    for z in sched.zones
                ]
            waiting = session.scalar(
                select(OutboxMessage.next_attempt_at)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at > now,
                )
                .order_by(OutboxMessage.next_attempt_at)
                .limit(1)
            )
            # A retro's collection or voting ends on its own (the next tick moves it on).
            found += [
                at
                for at in session.scalars(
                    select(Retro.collect_until).where(Retro.status == RetroStatus.COLLECTING)
                )
                if at > now
            ]
            found += [
                at
                for at in session.scalars(
                    select(Retro.vote_until).where(Retro.status == RetroStatus.VOTING)
                )
                if at is not None and at > now
            ]
        if waiting is not None:
            found.append(waiting)
        return min(found) if found else None

    # -- acting ----------------------------------------------------------------------------------
    def send(self, body: Json) -> Json:
        """A slash command, or a plain message (in a thread when `thread_ts` is given)."""
        from sandbox.run import escape_mentions

        text, user, channel = str(body["text"]).strip(), body["user"], body["channel"]
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            command, rest = split_command(text)
            reply = self.box.driver.command(
                command, escape_mentions(rest, self.box.ws), user=user, channel=channel
            )
            # No app registered it (bolt answers 404): in Slack, Slackbot says so instead.
            if reply.status == 404:
                self.slackbot_says(not_a_command(command), user=user, channel=channel)
            elif reply.status != 200:
                return {"error": f"{command} failed ({reply.status})"}
        elif text:
            self.box.driver.say(text, user=user, channel=channel, thread_ts=body.get("thread_ts"))
        return {}

    def react(self, body: Json) -> Json:
        """Add an emoji reaction (the capture emojis make teamloop act)."""
        ws, emoji = self.box.ws, str(body["emoji"]).strip(":")
        msg = ws.find(body["channel"], body["ts"])
        if msg is None:
            return {"error": "no such message"}
        with ws.lock:
            who = msg.setdefault("reactions", {}).setdefault(emoji, [])
            if body["user"] in who:
                return {}
            who.append(body["user"])
        self.box.driver.react(emoji, user=body["user"], channel=body["channel"], ts=body["ts"])
        return {}

    def shortcut(self, body: Json) -> Json:
        """A message shortcut (capture_requirement, capture_feedback, capture_blocker)."""
        self.box.driver.shortcut(
            body["callback_id"], user=body["user"], channel=body["channel"], ts=body["ts"]
        )
        return {}

    def action(self, body: Json) -> Json:
        """A button or select in a message, an ephemeral message, or the App Home."""
        ws, user = self.box.ws, body["user"]
        msg: Json | None
        if body.get("home"):
            home = ws.views.get(f"VHOME{user}")
            msg = {"ts": "0", "blocks": home["blocks"]} if home else None
        else:
            msg = ws.find(body["channel"], body["ts"]) or next(
                (e for e in ws.ephemerals if e["ts"] == body["ts"] and e["user"] == user), None
            )
        # A press on what the page still showed but is gone (pressed twice, a stale page, a
        # message replaced since): Slack sends nothing for it and the client says so.
        if msg is None or not has_element(msg, body["action_id"]):
            return {"notice": CHANGED}
        try:
            self.box.driver.click(
                msg,
                body["action_id"],
                user=user,
                channel="" if body.get("home") else body["channel"],
                value=body.get("value"),
                selected=body.get("selected"),
                ephemeral=bool(body.get("ephemeral")),
            )
        except KeyError:  # a menu choice the message no longer offers
            return {"notice": CHANGED}
        return {}

    def slackbot_says(self, text: str, *, user: str, channel: str) -> None:
        """An ephemeral from Slackbot (not the app), e.g. for a command no app registered."""
        ws = self.box.ws
        with ws.lock:
            ws.add_ephemeral(
                {"channel": channel, "user": user, "ts": ws.next_ts(), "text": text,
                 "blocks": None, "from": SLACKBOT}
            )  # fmt: skip

    def channel(self, body: Json) -> Json:
        """What a person or admin does to a channel, from its menu: remove or invite
        teamloop, archive or unarchive, restrict or allow app posts. Slack sends the app
        the events it would (see `Driver.remove_bot`, `invite_bot`, `archive`)."""
        ws, driver, user, channel = self.box.ws, self.box.driver, body["user"], body["channel"]
        found = ws.channels.get(channel)
        if found is None or user not in found["members"]:
            return {"error": "no such channel"}
        op = body.get("op")
        if op == "remove_bot" and ws.bot_user_id in found["members"]:
            driver.remove_bot(channel, by=user)
        elif op == "invite_bot" and ws.bot_user_id not in found["members"]:
            driver.invite_bot(channel)
        elif op in ("archive", "unarchive"):
            driver.archive(channel, by=user, undo=op == "unarchive")
        elif op in ("restrict", "allow"):
            with ws.lock:
                found["posting_restricted"] = op == "restrict"
        else:
            return {"error": f"nothing to do: {op}"}
        return {}

    def submit(self, body: Json) -> Json:
        """Submit a modal; validation errors come back by block id."""
        reply = self.box.driver.submit(body["view_id"], body["values"], user=body["user"])
        answer = reply.json() if reply.body.strip().startswith("{") else {}
        if answer.get("response_action") == "errors":
            return {"errors": answer.get("errors", {})}
        if reply.status != 200:
            return {"error": "teamloop could not take that form"}
        return {}

    def close(self, body: Json) -> Json:
        """Close a modal without submitting."""
        with self.box.ws.lock:
            self.box.ws.views.pop(body["view_id"], None)
        return {}

    def home(self, body: Json) -> Json:
        """Open the App Home tab (teamloop publishes it)."""
        ws = self.box.ws
        event = {
            "type": "app_home_opened",
            "user": body["user"],
            "channel": ws.dm_channel(body["user"]),
            "tab": "home",
            "event_ts": ws.next_ts(),
        }
        self.box.driver.event(event)
        return {}

    def status(self, body: Json) -> Json:
        """Set a Slack status (vacation skips standups)."""
        self.box.driver.set_status(
            body["user"], text=body.get("text", ""), emoji=body.get("emoji", "")
        )
        return {}

    def clock(self, body: Json) -> Json:
        """Advance the sandbox clock (an hour, a day, or to the next event) and run due work."""
        step = body.get("step")
        clock = self.box.clock
        self.box.run_due()  # first what is due now (it may create a channel's default schedules)
        if step == "next":
            nxt = self.next_event()
            if nxt is None:
                return {"error": "nothing is scheduled yet: try `/standup schedule weekdays 09:30`"}
            delta = max(nxt - clock.now(), timedelta()) + timedelta(seconds=1)
        elif step in STEPS:
            delta = STEPS[step]
        else:
            return {"error": "step is hour, day or next"}
        clock.advance(delta)
        self.box.save_clock()
        self.box.run_due()
        return {"now": clock.now().isoformat()}


def _is_reply(msg: Json) -> bool:
    return bool(msg.get("thread_ts")) and msg.get("thread_ts") != msg.get("ts")


def _message(msg: Json) -> Json:
    out = {
        k: msg.get(k)
        for k in ("ts", "user", "text", "blocks", "thread_ts", "reply_count", "reactions", "bot_id")
    }
    if msg.get("files"):
        out["files"] = [
            {
                "id": f["id"],
                "name": f.get("name"),
                "title": f.get("title"),
                "url": f"/files/{f['id']}",
            }
            for f in msg["files"]
        ]
    return out


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at else None


def load_clock(sessions: Any) -> datetime | None:
    """The sandbox time saved by an earlier run (so advanced time is not lost)."""
    with sessions() as session:
        row = session.get(SchedulerState, CLOCK_STATE)
        return row.at if row else None


def save_clock(sessions: Any, at: datetime) -> None:
    """Remember the sandbox time."""
    with transaction(sessions) as session:
        row = session.get(SchedulerState, CLOCK_STATE)
        if row is None:
            session.add(SchedulerState(name=CLOCK_STATE, at=at))
        else:
            row.at = at


def read_json(environ: dict[str, Any]) -> Json:
    """The request body as JSON."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(size) if size else b"{}"
    data: Json = json.loads(raw or b"{}")
    return data
