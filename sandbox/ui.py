"""The browser sandbox's JSON API: what the page shows, and what a person does in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.scheduling.recurrence import next_instant
from sandbox.workspace import Json
from storage.db import transaction
from storage.retros import Retro
from storage.scheduling import OutboxMessage, Schedule, SchedulerState
from storage.statuses import OutboxStatus, RetroStatus

if TYPE_CHECKING:
    from sandbox.server import Sandbox

CLOCK_STATE = "sandbox_clock"
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
                {"id": c["id"], "name": c["name"], "is_private": c["is_private"]}
                for c in ws.channels.values()
                if user in c["members"]
            ]
            shown = [_message(m) for m in ws.messages.get(channel, []) if not _is_reply(m)]
            shown += [
                {**_message(e), "user": ws.bot_user_id, "ephemeral": True}
                for e in ws.ephemerals
                if e["user"] == user and e["channel"] == channel
            ]
            shown.sort(key=lambda m: float(m["ts"]))
            replies = None
            if thread:
                replies = [
                    _message(m) for m in ws.messages.get(channel, []) if m.get("ts") == thread
                ]
                replies += [_message(m) for m in ws.thread(channel, thread)]
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
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            reply = self.box.driver.command(
                command, escape_mentions(rest, self.box.ws), user=user, channel=channel
            )
            if reply.status != 200:
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
        if body.get("home"):
            msg: Json | None = {"ts": "0", "blocks": ws.views[f"VHOME{user}"]["blocks"]}
        else:
            msg = ws.find(body["channel"], body["ts"]) or next(
                (e for e in ws.ephemerals if e["ts"] == body["ts"]), None
            )
        if msg is None:
            return {"error": "that message is gone"}
        self.box.driver.click(
            msg,
            body["action_id"],
            user=user,
            channel="" if body.get("home") else body["channel"],
            value=body.get("value"),
            selected=body.get("selected"),
            ephemeral=bool(body.get("ephemeral")),
        )
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
