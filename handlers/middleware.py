"""The one global middleware: hand listeners their deps and drop re-delivered events."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.deps import Deps
from bot.services.deliveries import first_delivery


class Provide(Middleware):
    """Puts `deps` in the context; acks a re-delivered event (same event_id) only.

    A `Middleware` class, not a function: bolt inspects a function middleware's arguments
    on every request (about 0.1 ms of each ack, measured by cProfile in bench.capture)."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """Run the rest of the chain, or answer 200 to an event delivered before."""
        deps, body = self.deps, req.body
        req.context["deps"] = deps
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


def provide(deps: Deps) -> Provide:
    """The middleware for `deps` (registered with `app.use`)."""
    return Provide(deps)
