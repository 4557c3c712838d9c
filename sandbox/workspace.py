"""The local workspace's state: people, channels, messages, views and every Web API call."""

from __future__ import annotations

import itertools
import math
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass
class ApiCall:
    """One recorded Web API call."""

    method: str
    args: Json
    error: str | None = None
    unknown_params: list[str] = field(default_factory=list)


@dataclass
class Fault:
    """An injected failure for the next calls of a method (or of any method when None)."""

    kind: str  # "429" | "500" | "timeout" | "error" (HTTP 200, ok=false, `error`)
    method: str | None = None
    times: int = 1
    retry_after: int = 1
    delay: float = 0.0
    error: str = "internal_error"
    # Set it to end a "timeout" stall early (so no handler thread outlives a test).
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Limits:
    """Slack's posting limits as the stand-in enforces them, plus random faults.

    `channel_interval` seconds between posts in one channel and `per_second` posts a second
    in the workspace (a token bucket holding `burst` posts, so network jitter is no breach);
    a post that breaks either gets 429 with Retry-After, and so does every post while a
    Retry-After is running. `fault_rate` of the other posts fail at random:
    half 500s, a quarter 429s (Retry-After 1) and a quarter stalls of `stall` seconds after
    which the message IS posted (as a real timeout can leave it). Each post spends up to
    `transit` seconds (at random) on its way before Slack sees it, as on a loaded network.
    """

    channel_interval: float = 1.0
    per_second: float = 1.0
    fault_rate: float = 0.0
    stall: float = 1.5
    seed: int = 7
    burst: float = 2.0
    slack: float = 0.05  # tolerance for network jitter, in seconds
    transit: float = 0.0
    rng: random.Random = field(init=False)
    tokens: float = field(default=0.0, init=False)
    refilled: float = field(default=0.0, init=False)
    during_pause: int = field(default=0, init=False)
    last_post: dict[str, float] = field(default_factory=dict, init=False)
    paused_until: float = field(default=0.0, init=False)
    pauses: list[tuple[float, float, str]] = field(default_factory=list, init=False)
    posted_at: list[float] = field(default_factory=list, init=False)
    violations: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.tokens, self.refilled = self.burst, time.monotonic()

    def pause(self, now: float, seconds: int, cause: str = "breach") -> int:
        """Start (or extend) a Retry-After period; returns the seconds to announce."""
        until = max(self.paused_until, now + seconds)
        self.pauses.append((now, until, cause))
        self.paused_until = until
        return max(1, math.ceil(until - now))

    def paused_seconds(self, cause: str | None = None) -> float:
        """Time covered by Retry-After periods (of one cause), overlaps counted once."""
        total, end = 0.0, float("-inf")
        spans = [(a, b) for a, b, c in self.pauses if cause in (None, c)]
        for start, stop in sorted(spans):
            start = max(start, end)
            if stop > start:
                total += stop - start
                end = stop
        return total


GRANTED_SCOPES = (
    "commands", "chat:write", "chat:write.public", "channels:history", "groups:history",
    "channels:read", "groups:read", "reactions:read", "users:read", "im:write", "im:history",
    "files:write",
)  # fmt: skip


class Workspace:
    """Everything the stand-in knows; safe to use from several threads."""

    def __init__(
        self,
        team_id: str = "T0TEAMLOOP",
        domain: str = "teamloop-sandbox",
        *,
        keep_calls: int | None = None,
        keep_messages: int | None = None,
    ) -> None:
        """`keep_calls`: how many recorded API calls to keep (None: all, as tests read them;
        the sandbox keeps the last few hundred, so a long session does not grow with them).
        `keep_messages`: how many of each channel's latest messages to keep (None: all, as
        Slack does on a paid plan; the sandbox keeps a few hundred, as a workspace with a
        short retention setting would, so its memory does not grow with every card)."""
        self.team_id = team_id
        self.keep_calls = keep_calls
        self.keep_messages = keep_messages
        self.domain = domain
        self.bot_user_id = "U0BOT"
        self.bot_id = "B0BOT"
        self.lock = threading.RLock()
        self.users: dict[str, Json] = {}
        self.locales: dict[str, str] = {}
        self.channels: dict[str, Json] = {}
        self.messages: dict[str, list[Json]] = {}
        self.ephemerals: list[Json] = []
        self.views: dict[str, Json] = {}
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.response_urls: dict[str, Json] = {}
        self.triggers: dict[str, str] = {}
        # What the bot token was granted (auth.test answers them in x-oauth-scopes).
        self.scopes: list[str] = list(GRANTED_SCOPES)
        # Uploaded files by id: name, length, content (bytes once uploaded), title.
        self.files: dict[str, Json] = {}
        self._seq = itertools.count(1)
        # Trigger ids are unique across runs, as Slack's are: the bot records them to count a
        # re-delivered command once, and a restarted sandbox on the same store would
        # otherwise reuse the last run's and have its first commands taken for re-deliveries.
        self._run = secrets.token_hex(5)
        # Where message timestamps come from: the wall, or the sandbox's movable clock.
        self.clock: Callable[[], float] = time.time
        self._last_ts = 0.0
        # Limits the stand-in enforces on chat.postMessage (None: unlimited), like Slack.
        self.limits: Limits | None = None
        self.add_user(self.bot_user_id, "teamloop", is_bot=True)

    # -- setup -----------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        tz: str = "UTC",
        is_bot: bool = False,
        status_text: str = "",
        status_emoji: str = "",
        locale: str = "en-US",
    ) -> Json:
        """Add a member (`locale` is only returned by users.info with `include_locale`)."""
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name.title(),
            "deleted": False,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "is_admin": is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {
                "real_name": name.title(),
                "display_name": name,
                "status_text": status_text,
                "status_emoji": status_emoji,
            },
        }
        with self.lock:
            self.users[user_id] = user
            self.locales[user_id] = locale
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        members: list[str] | None = None,
        is_private: bool = False,
        bot_member: bool = True,
        is_archived: bool = False,
        is_im: bool = False,
        posting_restricted: bool = False,
    ) -> Json:
        """Add a channel (the bot is a member unless `bot_member=False`; `is_im` makes a DM
        between the members, e.g. two people; `posting_restricted` answers posts with
        `restricted_action`)."""
        chan = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private and not is_im,
            "is_private": is_private or is_im,
            "is_im": is_im,
            "is_archived": is_archived,
            "members": [*(members or []), *([self.bot_user_id] if bot_member else [])],
            "posting_restricted": posting_restricted,
        }
        with self.lock:
            self.channels[channel_id] = chan
            self.messages.setdefault(channel_id, [])
        return chan

    def inject(self, fault: Fault) -> None:
        """Fail upcoming calls as told."""
        with self.lock:
            self.faults.append(fault)

    # -- helpers used by the API and the driver ------------------------------------------------
    def next_ts(self) -> str:
        """A unique, increasing message timestamp on the wall clock, as Slack's are."""
        with self.lock:
            self._last_ts = max(self.clock(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def trigger_for(self, user: str) -> str:
        """A trigger id for an interaction by `user` (a modal it opens belongs to them)."""
        trigger = f"{self.next_id('TR')}.{self._run}"
        with self.lock:
            self.triggers[trigger] = user
        return trigger

    @property
    def run(self) -> str:
        """This run's own token: ids that must not repeat across restarts carry it."""
        return self._run

    def next_id(self, prefix: str) -> str:
        """A unique object id such as V00000012."""
        return f"{prefix}{next(self._seq):08d}"

    def take_fault(self, method: str) -> Fault | None:
        """The fault to apply to this call, if any."""
        with self.lock:
            for fault in self.faults:
                if fault.method in (None, method) and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def post(
        self,
        channel: str,
        *,
        user: str,
        text: str = "",
        blocks: list[Json] | None = None,
        thread_ts: str | None = None,
        bot: bool = False,
        metadata: Json | None = None,
    ) -> Json:
        """Store a message in a channel (or a DM) and return it."""
        msg: Json = {
            "type": "message",
            "ts": self.next_ts(),
            "user": user,
            "text": text,
            "team": self.team_id,
        }
        if blocks:
            msg["blocks"] = blocks
        if bot:
            msg["bot_id"] = self.bot_id
        if metadata:
            msg["metadata"] = metadata
        if thread_ts:
            msg["thread_ts"] = thread_ts
        with self.lock:
            kept = self.messages.setdefault(channel, [])
            kept.append(msg)
            if self.keep_messages is not None and len(kept) > 2 * self.keep_messages:
                del kept[: -self.keep_messages]  # in batches: a slice per post would be O(n)
            if thread_ts:
                parent = self.find(channel, thread_ts)
                if parent is not None:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
        return msg

    def find(self, channel: str, ts: str) -> Json | None:
        """The message at `ts` in a channel."""
        with self.lock:
            return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def message(self, channel: str, ts: str) -> Json:
        """The message at `ts` in a channel; KeyError when there is none."""
        found = self.find(channel, ts)
        if found is None:
            raise KeyError(f"no message {ts} in {channel}")
        return found

    def channel_messages(self, channel: str, *, top_level: bool = True) -> list[Json]:
        """Messages of a channel, oldest first (top level only unless asked)."""
        with self.lock:
            msgs = list(self.messages.get(channel, []))
        if top_level:
            msgs = [m for m in msgs if m.get("thread_ts") in (None, m["ts"])]
        return msgs

    def thread(self, channel: str, ts: str) -> list[Json]:
        """The replies in a message's thread (without the parent)."""
        with self.lock:
            return [
                m
                for m in self.messages.get(channel, [])
                if m.get("thread_ts") == ts and m["ts"] != ts
            ]

    def record(self, call: ApiCall) -> None:
        """Keep one API call (the caller holds `lock`)."""
        self.calls.append(call)
        if self.keep_calls is not None and len(self.calls) > 2 * self.keep_calls:
            del self.calls[: -self.keep_calls]

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def add_ephemeral(self, eph: Json) -> Json:
        """Keep one "only visible to you" message; with `keep_messages` set, only the latest
        `keep_messages` once there are twice as many (as channels' messages are trimmed)."""
        with self.lock:
            self.ephemerals.append(eph)
            if self.keep_messages is not None and len(self.ephemerals) > 2 * self.keep_messages:
                del self.ephemerals[: -self.keep_messages]
        return eph

    def ephemerals_for(self, user: str) -> list[Json]:
        """Ephemeral messages shown to a user."""
        with self.lock:
            return [e for e in self.ephemerals if e["user"] == user]

    def conversation_kind(self, args: Json) -> str | None:
        """Which kind of conversation a call addresses, as Slack's scope prefixes name it
        (`channels` public, `groups` private, `im` a DM; a public channel the bot is not in
        is `channels (not joined)`), or None for no conversation."""
        channel = str(args.get("channel") or args.get("channel_id") or "")
        if args.get("users") or channel.startswith(("D", "U")):
            return "im"
        found = self.channels.get(channel)
        if found is None:
            return None
        if found.get("is_private"):
            return "groups"
        joined = self.bot_user_id in found.get("members", [])
        return "channels" if joined else "channels (not joined)"

    def dm_channel(self, user: str) -> str:
        """The DM channel id between the bot and a user."""
        return "D" + user.removeprefix("U")

    def permalink(self, channel: str, ts: str) -> str:
        """A Slack-style permalink."""
        return f"https://{self.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
