"""The baseline for bench/http.py: a bare bolt app whose /req handler only acks, as WSGI.

Served by the same gunicorn settings as teamloop (`gunicorn bench.bare_app:wsgi`).
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
    """The WSGI entry point."""
    return _handler(environ, start)
