"""The wire half of the Slack stand-in's driver: payload skeletons, signing, delivery.

`Transport` signs a request and delivers it (bolt dispatch in-process, or HTTP POST), then
shows what an ack body asks for as Slack would; sandbox.driver.Driver builds the payloads.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest

from sandbox.workspace import Json, Workspace

SAMPLES = Path(__file__).with_name("samples")


@cache
def _sample(name: str) -> str:
    return (SAMPLES / f"{name}.json").read_text()


def template(name: str) -> Json:
    """A fresh copy of one of Slack's payload skeletons (every field Slack may send)."""
    data: Json = json.loads(_sample(name))
    return copy.deepcopy(data)


def sign(secret: str, body: str, timestamp: int) -> str:
    """Slack's v0 request signature."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    """The app's HTTP answer to one request."""

    status: int
    body: str

    def json(self) -> Json:
        """The body as JSON ({} when empty)."""
        return json.loads(self.body) if self.body.strip() else {}


class Transport:
    """Signs and delivers requests to an app, and applies its answers to the workspace."""

    def __init__(
        self, workspace: Workspace, *, signing_secret: str, target: App | str, standin_url: str
    ) -> None:
        self.ws = workspace
        self.secret = signing_secret
        self.target = target
        self.standin_url = standin_url.rstrip("/")
        self.clock_skew = 0
        self._event_seq = 0

    # -- transport ---------------------------------------------------------------------------
    def send(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> Reply:
        """Sign and deliver one request (bolt dispatch in-process, or HTTP POST)."""
        ts = timestamp if timestamp is not None else int(time.time()) + self.clock_skew
        hdrs: dict[str, str | Sequence[str]] = {
            "content-type": content_type,
            "x-slack-request-timestamp": str(ts),
            "x-slack-signature": signature or sign(self.secret, body, ts),
            **(headers or {}),
        }
        if isinstance(self.target, App):
            resp = self.target.dispatch(BoltRequest(body=body, headers=hdrs))
            return Reply(resp.status, resp.body)
        flat = {k: str(v) for k, v in hdrs.items()}
        req = urllib.request.Request(self.target, data=body.encode(), headers=flat, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return Reply(r.status, r.read().decode())
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode())

    def _response_url(
        self, channel: str, user: str, message_ts: str | None = None, thread_ts: str | None = None
    ) -> str:
        # An ephemeral answer shows where the pressed message is: in its thread, if it is in one.
        token = self.ws.next_id("R")
        self.ws.response_urls[token] = {
            "channel": channel,
            "user": user,
            "message_ts": message_ts,
            "thread_ts": thread_ts,
        }
        return f"{self.standin_url}/response/{token}"

    def _apply(self, reply: Reply, channel: str, user: str) -> None:
        """Show what an ack body asks for, as Slack would."""
        if reply.status != 200 or not reply.body.strip().startswith("{"):
            return
        data = reply.json()
        if "text" not in data and "blocks" not in data:
            return
        if data.get("response_type") == "in_channel":
            self.ws.post(
                channel,
                user=self.ws.bot_user_id,
                text=data.get("text", ""),
                blocks=data.get("blocks"),
                bot=True,
            )
        else:
            self.ws.add_ephemeral(
                {
                    "channel": channel,
                    "user": user,
                    "ts": self.ws.next_ts(),
                    "text": data.get("text", ""),
                    "blocks": data.get("blocks"),
                }
            )

    def _team(self, body: Json) -> None:
        body["team"] = {
            "id": self.ws.team_id,
            "domain": self.ws.domain,
            "enterprise_id": "",
            "enterprise_name": "",
        }
        body["enterprise"] = None
        body["api_app_id"] = "A0TEAMLOOP"
        body["is_enterprise_install"] = False

    def _user(self, user: str) -> Json:
        return {
            "id": user,
            "username": self.ws.users.get(user, {}).get("name", user),
            "name": self.ws.users.get(user, {}).get("name", user),
            "team_id": self.ws.team_id,
        }

    def _interact(self, body: Json) -> Reply:
        return self.send(
            urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded"
        )
