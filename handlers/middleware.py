"""The one global middleware: hand listeners their deps and drop re-delivered events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from bot.deps import Deps
from bot.services.deliveries import first_delivery


def provide(deps: Deps) -> Callable[..., Any]:
    """Middleware: put `deps` in the context; ack a re-delivered event (same event_id) only."""

    def middleware(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        context["deps"] = deps
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with deps.transaction() as session:
                fresh = first_delivery(
                    session=session,
                    team_id=body.get("team_id") or "",
                    event_id=event_id,
                    now=deps.clock.now(),
                )
            if not fresh:
                return BoltResponse(status=200, body="")
        return next()

    return middleware
