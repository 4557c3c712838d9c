"""The baseline for bench/http.py: a bare bolt app whose /req handler only acks, as WSGI.

Served by the same server as teamloop: gunicorn (`gunicorn bench.bare_app:wsgi`) or
waitress in one process (`python -m waitress bench.bare_app:wsgi`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(
    client=WebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    process_before_response=True,
    token_verification_enabled=False,
)


@app.command("/req")
def handle(ack: Ack) -> None:
    """Ack and nothing else."""
    ack({"response_type": "ephemeral", "text": "ok"})


_handler = SlackRequestHandler(app)


def wsgi(environ: dict[str, Any], start: Any) -> Iterable[bytes]:
    """The WSGI entry point; `/healthz` answers 200 (bench/footprint.py waits on it)."""
    if environ.get("PATH_INFO") == "/healthz":
        start("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']
    return _handler(environ, start)
