"""Several stand-in workspaces behind one Web API URL, told apart by their bot tokens, and
Slack's OAuth code exchange (`oauth.v2.access`) that installs the app into one of them.

Each workspace's own URLs (response URLs, file uploads) live under `/ws/<team_id>/`.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from sandbox.web_api import StartResponse, WebApi
from sandbox.workspace import Json, Workspace


class Directory:
    """A WSGI app routing Web API calls to the workspace a token belongs to."""

    def __init__(self, *workspaces: Workspace, client_id: str, client_secret: str) -> None:
        self.apis = {ws.team_id: WebApi(ws) for ws in workspaces}
        self.client_id, self.client_secret = client_id, client_secret
        self.tokens: dict[str, str] = {}  # bot token -> team id
        self.codes: dict[str, tuple[str, str]] = {}  # one-time code -> (team id, installer)
        self.exchanges: list[Json] = []

    def grant(self, team_id: str, installer: str) -> str:
        """The code Slack hands the installer's browser after they approve the app."""
        code = f"code-{uuid.uuid4().hex[:12]}"
        self.codes[code] = (team_id, installer)
        return code

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        path = environ.get("PATH_INFO", "")
        if path == "/api/oauth.v2.access":
            return self._json(start, self._exchange(environ))
        if path.startswith("/ws/"):
            team, _, rest = path.removeprefix("/ws/").partition("/")
            api = self.apis.get(team)
            if api is None:
                return self._json(start, {"ok": False, "error": "team_not_found"})
            environ = {**environ, "PATH_INFO": "/" + rest, "SCRIPT_NAME": f"/ws/{team}"}
            return api(environ, start)
        if path.startswith("/api/"):
            team = self.tokens.get(self._token(environ))
            if team is None:
                return self._json(start, {"ok": False, "error": "invalid_auth"})
            return self.apis[team]({**environ, "SCRIPT_NAME": f"/ws/{team}"}, start)
        return self._json(start, {"ok": False, "error": "not_found"}, "404 Not Found")

    @staticmethod
    def _token(environ: dict[str, Any]) -> str:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        return auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""

    def _exchange(self, environ: dict[str, Any]) -> Json:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(size).decode() if size else ""
        args = dict(parse_qsl(raw))
        basic = environ.get("HTTP_AUTHORIZATION", "")
        if basic.startswith("Basic "):
            cid, _, secret = base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
            args.setdefault("client_id", cid)
            args.setdefault("client_secret", secret)
        if (args.get("client_id"), args.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return {"ok": False, "error": "invalid_client_id"}
        found = self.codes.pop(args.get("code", ""), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team, installer = found
        ws = self.apis[team].ws
        token = f"xoxb-{team.lower()}-{uuid.uuid4().hex[:16]}"
        self.tokens[token] = team
        self.exchanges.append({"team": team, "installer": installer})
        return {
            "ok": True,
            "app_id": "A0TEAMLOOP",
            "authed_user": {"id": installer},
            "scope": ",".join(ws.scopes),
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": ws.bot_user_id,
            "team": {"id": team, "name": ws.domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    @staticmethod
    def _json(start: StartResponse, body: Json, status: str = "200 OK") -> Iterable[bytes]:
        start(status, [("Content-Type", "application/json; charset=utf-8")])
        return [json.dumps(body).encode()]
