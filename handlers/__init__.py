"""Slack listeners, registered explicitly in one place."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.ids import ActionId, CallbackId
from handlers.commands.req import handle_req
from handlers.errors import on_error
from handlers.events.reactions import handle_reaction
from handlers.interactions.req_actions import (
    handle_assign_me,
    handle_page,
    handle_status,
    handle_vote,
)
from handlers.interactions.req_modal import handle_capture_shortcut, handle_modal_submit
from handlers.middleware import provide


def register(app: App, deps: Deps) -> None:
    """Attach every middleware and listener to the app."""
    app.use(provide(deps))
    app.error(on_error)

    app.command("/req")(handle_req)

    app.shortcut(CallbackId.CAPTURE_REQUIREMENT)(handle_capture_shortcut)
    app.view(CallbackId.REQ_MODAL)(handle_modal_submit)

    app.action(ActionId.REQ_ASSIGN_ME)(handle_assign_me)
    app.action(ActionId.REQ_VOTE)(handle_vote)
    app.action(ActionId.REQ_STATUS)(handle_status)
    app.action(ActionId.REQ_LIST_PAGE + "_prev")(handle_page)
    app.action(ActionId.REQ_LIST_PAGE + "_next")(handle_page)

    app.event("reaction_added")(handle_reaction)
