"""The Slack Web API stand-in: a WSGI app answering in Slack's shapes and recording every call."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from sandbox.conversations_api import ConversationsApi
from sandbox.spec import check_call, methods
from sandbox.workspace import ApiCall, Fault, Json, Limits, Workspace

StartResponse = Callable[..., Any]
# Every known Web API method any stand-in in this process was asked for, with the kind of
# conversation it addressed: the manifest contract test checks manifest.yml grants each a scope.
CALLED_METHODS: set[tuple[str, str | None]] = set()
FORBIDDEN = {"link_names": "link_names", "parse": "full"}


def _loads(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _rate_limited(seconds: int) -> tuple[str, list[tuple[str, str]], Json]:
    return (
        "429 Too Many Requests",
        [("Retry-After", str(seconds))],
        {"ok": False, "error": "ratelimited"},
    )


class WebApi(ConversationsApi):
    """Dispatches `/api/<method>` to handlers over a Workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.handlers: dict[str, Callable[[Json], Json]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "conversations.info": self.conversations_info,
            "conversations.members": self.conversations_members,
            "conversations.open": self.conversations_open,
            "users.info": self.users_info,
            "views.open": self.views_open,
            "views.update": self.views_update,
            "views.push": self.views_open,
            "views.publish": self.views_publish,
            "reactions.add": lambda args: {"ok": True},
            "files.getUploadURLExternal": self.files_get_upload_url,
            "files.completeUploadExternal": self.files_complete_upload,
        }
        self.base_url = ""

    # -- WSGI --------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        path = environ.get("PATH_INFO", "")
        size = int(environ.get("CONTENT_LENGTH") or 0)
        host = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        self.base_url = host + environ.get("SCRIPT_NAME", "")
        if path.startswith("/upload/"):
            # The upload URL files.getUploadURLExternal handed out: raw bytes, not a form.
            return self._upload(
                path.removeprefix("/upload/"), environ["wsgi.input"].read(size), start
            )
        raw = environ["wsgi.input"].read(size).decode() if size else ""
        ctype = environ.get("CONTENT_TYPE", "")
        args: Json = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        if raw:
            args.update(json.loads(raw) if "json" in ctype else dict(parse_qsl(raw)))
        if path.startswith("/api/"):
            status, headers, body = self.call(path.removeprefix("/api/"), args)
        elif path.startswith("/response/"):
            status, headers, body = self.response_url(path.removeprefix("/response/"), args)
        else:
            status, headers, body = "404 Not Found", [], {"ok": False, "error": "not_found"}
        start(status, [("Content-Type", "application/json; charset=utf-8"), *headers])
        return [json.dumps(body).encode()]

    def call(self, method: str, args: Json) -> tuple[str, list[tuple[str, str]], Json]:
        """Check, record and answer one Web API call (with any injected fault)."""
        args = {k: _loads(v) for k, v in args.items() if k != "token"}
        error = check_call(method, args)
        if error is None and method not in self.handlers:
            error = "unknown_method"
        known = set(methods().get(method, {}).get("params", []))
        call = ApiCall(method, args, error, sorted(k for k in args if k not in known))
        with self.ws.lock:
            self.ws.record(call)
            if error != "unknown_method":
                CALLED_METHODS.add((method, self.ws.conversation_kind(args)))
        fault = self.ws.take_fault(method)
        if fault is None and method == "chat.postMessage" and self.ws.limits and error is None:
            limited = self._enforce(self.ws.limits, args)
            if limited is not None:
                call.error = "ratelimited"
                return limited
            fault = self._random_fault(self.ws.limits)
        if fault is not None:
            call.error = f"injected_{fault.kind}"
            if fault.kind == "429":
                return _rate_limited(fault.retry_after)
            if fault.kind == "error":
                return "200 OK", [], {"ok": False, "error": fault.error}
            if fault.kind == "500":
                return "500 Internal Server Error", [], {"ok": False, "error": "internal_error"}
            fault.release.wait(fault.delay)  # a real stall: the client's timeout must fire
        if error is not None:
            return "200 OK", [], {"ok": False, "error": error}
        denied = self._unreachable(method, args)
        if denied is not None:
            call.error = denied
            return "200 OK", [], {"ok": False, "error": denied}
        headers = [("x-oauth-scopes", ",".join(self.ws.scopes))] if method == "auth.test" else []
        try:
            return "200 OK", headers, self.handlers[method](args)
        except KeyError as exc:
            call.error = f"not_found:{exc}"
            return "200 OK", [], {"ok": False, "error": "channel_not_found"}

    def _enforce(
        self, limits: Limits, args: Json
    ) -> tuple[str, list[tuple[str, str]], Json] | None:
        """429 a post that breaks the channel or workspace limit; else take its slot."""
        if limits.transit:
            with self.ws.lock:
                delay = limits.rng.random() * limits.transit
            time.sleep(delay)
        now = time.monotonic()
        channel = str(args.get("channel", ""))
        with self.ws.lock:
            if now < limits.paused_until:
                limits.during_pause += 1
                return _rate_limited(max(1, math.ceil(limits.paused_until - now)))
            tokens = min(limits.burst, limits.tokens + (now - limits.refilled) * limits.per_second)
            limits.tokens, limits.refilled = tokens, now
            early_chan = (
                limits.last_post.get(channel, float("-inf"))
                + limits.channel_interval
                - limits.slack
                - now
            )
            wait = max((1 - tokens) / limits.per_second, early_chan)
            if wait > 0:
                limits.violations.append(f"{channel}: {wait:.3f}s too early")
                return _rate_limited(limits.pause(now, math.ceil(wait)))
            limits.tokens -= 1
            limits.last_post[channel] = now
            limits.posted_at.append(now)
        return None

    def _random_fault(self, limits: Limits) -> Fault | None:
        with self.ws.lock:
            roll = limits.rng.random()
            if roll >= limits.fault_rate:
                return None
            kind = limits.rng.choice(["500", "500", "429", "timeout"])
            if kind == "429":
                limits.pause(time.monotonic(), 1, cause="fault")
        return Fault(kind, times=0, retry_after=1, delay=limits.stall)

    # -- methods -----------------------------------------------------------------------------
    def auth_test(self, args: Json) -> Json:
        """Who the token belongs to."""
        return {
            "ok": True,
            "url": f"https://{self.ws.domain}.slack.com/",
            "team": self.ws.domain,
            "user": "teamloop",
            "team_id": self.ws.team_id,
            "user_id": self.ws.bot_user_id,
            "bot_id": self.ws.bot_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, args: Json) -> Json:
        """Post as the bot."""
        channel = self._channel(args["channel"])
        msg = self.ws.post(
            channel,
            user=self.ws.bot_user_id,
            text=args.get("text", ""),
            blocks=args.get("blocks"),
            thread_ts=args.get("thread_ts"),
            bot=True,
            metadata=args.get("metadata"),
        )
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def chat_post_ephemeral(self, args: Json) -> Json:
        """Show a message to one user only."""
        channel = self._channel(args["channel"])
        ts = self.ws.next_ts()
        with self.ws.lock:
            self.ws.add_ephemeral(
                {
                    "channel": channel,
                    "user": args["user"],
                    "ts": ts,
                    "text": args.get("text", ""),
                    "blocks": args.get("blocks"),
                    "thread_ts": args.get("thread_ts"),
                }
            )
        return {"ok": True, "message_ts": ts}

    def chat_update(self, args: Json) -> Json:
        """Edit a bot message."""
        msg = self.ws.find(args["channel"], args["ts"])
        if msg is None:
            return {"ok": False, "error": "message_not_found"}
        with self.ws.lock:
            msg["text"] = args.get("text", msg.get("text", ""))
            if "blocks" in args:
                msg["blocks"] = args["blocks"]
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": msg["text"],
            "message": {k: v for k, v in msg.items() if k != "ts"},
        }

    def chat_get_permalink(self, args: Json) -> Json:
        """A permalink for a message."""
        return {
            "ok": True,
            "channel": args["channel"],
            "permalink": self.ws.permalink(args["channel"], args["message_ts"]),
        }

    def users_info(self, args: Json) -> Json:
        """A member's profile."""
        user = self.ws.users.get(args.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if str(args.get("include_locale", "")).lower() in ("true", "1"):
            # As Slack: the locale comes only when asked for (never in user_change events).
            user = {**user, "locale": self.ws.locales.get(user["id"], "en-US")}
        return {"ok": True, "user": user}

    def _store_view(self, view: Json, view_id: str, **extra: Any) -> Json:
        stored = {
            **view,
            "id": view_id,
            "team_id": self.ws.team_id,
            "app_installed_team_id": self.ws.team_id,
            "app_id": "A0TEAMLOOP",
            "bot_id": self.ws.bot_id,
            "state": {"values": {}},
            "hash": self.ws.next_ts(),
            **extra,
        }
        with self.ws.lock:
            self.ws.views[view_id] = stored
        return stored

    def views_open(self, args: Json) -> Json:
        """Open a modal (views.push: on top of the open one), for the trigger's person."""
        trigger = args.get("trigger_id")
        user = self.ws.triggers.get(str(trigger), "")
        view = self._store_view(
            args["view"], self.ws.next_id("V"), trigger_id=trigger, user_id=user
        )
        return {"ok": True, "view": view}

    def views_update(self, args: Json) -> Json:
        """Replace an open view."""
        view_id = args.get("view_id") or next(
            (
                v["id"]
                for v in self.ws.views.values()
                if v.get("external_id") == args.get("external_id")
            ),
            "",
        )
        if view_id not in self.ws.views:
            return {"ok": False, "error": "not_found"}
        user = self.ws.views[view_id].get("user_id", "")
        return {"ok": True, "view": self._store_view(args["view"], view_id, user_id=user)}

    def views_publish(self, args: Json) -> Json:
        """Publish a user's App Home."""
        view_id = f"VHOME{args['user_id']}"
        return {
            "ok": True,
            "view": self._store_view(args["view"], view_id, user_id=args["user_id"]),
        }

    # -- response_url ------------------------------------------------------------------------
    def response_url(self, token: str, args: Json) -> tuple[str, list[tuple[str, str]], Json]:
        """Answer posted to a response_url: ephemeral, in channel, or replacing the original."""
        target = self.ws.response_urls.get(token)
        if target is None:
            return "404 Not Found", [], {"ok": False, "error": "expired_url"}
        with self.ws.lock:
            self.ws.record(ApiCall("response_url", args))
        blocks, text = args.get("blocks"), args.get("text", "")
        original = target.get("message_ts")
        if args.get("replace_original") in (True, "true") and original:
            msg = self.ws.find(target["channel"], original)
            if msg is not None:
                with self.ws.lock:
                    msg.update(text=text, blocks=blocks)
                return "200 OK", [], {"ok": True}
            for eph in self.ws.ephemerals:
                if eph["ts"] == original:
                    eph.update(text=text, blocks=blocks)
                    return "200 OK", [], {"ok": True}
        if args.get("response_type") == "in_channel":
            self.ws.post(
                target["channel"], user=self.ws.bot_user_id, text=text, blocks=blocks, bot=True
            )
        else:
            with self.ws.lock:
                self.ws.add_ephemeral(
                    {
                        "channel": target["channel"],
                        "user": target["user"],
                        "ts": self.ws.next_ts(),
                        "text": text,
                        "blocks": blocks,
                        "thread_ts": target.get("thread_ts"),
                    }
                )
        return "200 OK", [], {"ok": True}
