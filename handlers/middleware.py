"""Global middleware: hand listeners their deps; drop re-delivered events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.deps import Deps
from bot.services.deliveries import first_delivery


def provide(deps: Deps) -> Callable[..., Any]:
    """Middleware that puts `deps` into every request's context."""

    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["deps"] = deps
        return next()

    return middleware


def dedupe_events(
    body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Acknowledge a re-delivered event (same event_id) without handling it again."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id:
        deps: Deps = context["deps"]
        fresh = deps.run(
            first_delivery,
            team_id=body.get("team_id") or "",
            event_id=event_id,
            now=deps.clock.now(),
        )
        if not fresh:
            return BoltResponse(status=200, body="")
    return next()
