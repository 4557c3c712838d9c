"""The outbox's parts: sending limits, a claimed row, what a delivery did, the client."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from storage.scheduling import OutboxMessage


@dataclass(frozen=True)
class Limits:
    """Slack's posting limits and teamloop's retry policy."""

    channel_interval: float = 1.0  # seconds between two posts in one channel
    per_minute: float = 300.0  # workspace budget
    max_attempts: int = 5
    lease: float = 60.0  # seconds a claim lasts past its slot
    horizon: float = 5.0  # claim only what may be sent within this many seconds
    settle: float = 5.0  # wait after an unknown outcome before checking Slack
    timeout: float = 10.0  # seconds per Web API call
    workers: int = 8

    @property
    def spacing(self) -> float:
        """Seconds between two posts in one workspace."""
        return 60.0 / self.per_minute


@dataclass
class Report:
    """What one `deliver` call did."""

    sent: int = 0
    recovered: int = 0  # found already posted after an unknown outcome
    retried: int = 0
    rate_limited: int = 0
    dead: int = 0
    expired: int = 0  # past their deadline, or no longer true: never sent
    gone: int = 0  # edits of a message deleted in Slack (it is no longer edited)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        """Count one outcome (called from sender threads)."""
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


@dataclass(frozen=True)
class Claim:
    """A claimed row, detached from its session."""

    id: int
    team_id: str
    dedupe_key: str
    target: str
    channel_id: str | None
    thread_ts: str | None
    thread_key: str | None
    edit_of: str | None
    edit_ts: str | None
    file: bytes | None
    file_name: str | None
    drawing: dict[str, Any] | None
    text: str
    blocks: list[dict[str, Any]] | None
    attempts: int
    uncertain_since: datetime | None
    slot_at: float
    # Rendered from the store just before it is sent (cards and notices).
    render: bool = False


def outbox_client(base_url: str, token: str | None, timeout: float) -> WebClient:
    """A client without retry handlers: the outbox paces and retries itself."""
    client = WebClient(token=token, base_url=base_url, timeout=int(max(1, timeout)))
    client.timeout = timeout  # type: ignore[assignment]  # a float works; the hint says int
    client.retry_handlers.clear()
    return client


# Renders a row again from the store when it is sent: (text, blocks), or None when what
# it would say is no longer true (the row then expires).
Render = Callable[[Session, OutboxMessage], tuple[str, list[dict[str, Any]] | None] | None]
