"""Slack listeners, registered explicitly in one place."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from bot.ids import ActionId, CallbackId, DmAction
from handlers.commands.blocker import handle_blocker
from handlers.commands.digest import handle_digest
from handlers.commands.feedback import handle_feedback
from handlers.commands.req import handle_req
from handlers.commands.retro import handle_retro
from handlers.commands.risk import handle_risk
from handlers.commands.search import handle_search
from handlers.commands.standup import handle_standup
from handlers.errors import on_error
from handlers.events import channels
from handlers.events.dm import handle_dm_message, in_a_dm
from handlers.events.home import handle_home_blk_resolve, handle_home_opened, handle_home_req_done
from handlers.events.install import handle_tokens_revoked, handle_uninstalled
from handlers.events.people import handle_member_joined, handle_member_left, handle_user_change
from handlers.events.reactions import handle_reaction
from handlers.interactions.anon_actions import (
    handle_reply_button,
    handle_reply_submit,
    handle_send_anonymously,
    handle_send_named,
)
from handlers.interactions.dm_actions import handle_offer
from handlers.interactions.item_actions import (
    handle_blocker_shortcut,
    handle_blocker_submit,
    handle_feedback_shortcut,
    handle_feedback_submit,
    handle_link_button,
    handle_link_submit,
    handle_promote,
    handle_resolve,
    handle_risk_close,
    handle_risk_edit,
    handle_risk_submit,
)
from handlers.interactions.merge_actions import (
    handle_link_suggested,
    handle_merge,
    handle_not_duplicate,
)
from handlers.interactions.reminder_actions import (
    handle_done,
    handle_reassign,
    handle_reassign_submit,
    handle_snooze,
    handle_stop,
)
from handlers.interactions.req_actions import (
    handle_assign_me,
    handle_page,
    handle_status,
    handle_vote,
)
from handlers.interactions.req_modal import handle_capture_shortcut, handle_modal_submit
from handlers.interactions.retro_actions import (
    handle_action_button,
    handle_action_submit,
    handle_add_button,
    handle_group_button,
    handle_group_submit,
    handle_item_submit,
)
from handlers.interactions.retro_actions import handle_vote as handle_retro_vote
from handlers.interactions.standup_actions import (
    handle_answer_button,
    handle_answer_submit,
    handle_not_blocker_button,
    handle_pause_button,
    handle_setup_submit,
    handle_skip_button,
)
from handlers.interactions.suggest_actions import handle_run_suggested
from handlers.middleware import provide


def register(app: App, deps: Deps) -> None:
    """Attach every middleware and listener to the app."""
    app.use(provide(deps))
    app.error(on_error)

    app.command("/req")(handle_req)
    app.command("/feedback")(handle_feedback)
    app.command("/blocker")(handle_blocker)
    app.command("/risk")(handle_risk)
    app.command("/standup")(handle_standup)
    app.command("/digest")(handle_digest)
    app.command("/search")(handle_search)
    app.command("/retro")(handle_retro)

    app.shortcut(CallbackId.CAPTURE_REQUIREMENT)(handle_capture_shortcut)
    app.view(CallbackId.REQ_MODAL)(handle_modal_submit)
    app.shortcut(CallbackId.CAPTURE_FEEDBACK)(handle_feedback_shortcut)
    app.shortcut(CallbackId.CAPTURE_BLOCKER)(handle_blocker_shortcut)
    app.view(CallbackId.FB_MODAL)(handle_feedback_submit)
    app.view(CallbackId.BLK_MODAL)(handle_blocker_submit)
    app.view(CallbackId.FB_LINK_MODAL)(handle_link_submit)
    app.view(CallbackId.RSK_MODAL)(handle_risk_submit)
    app.view(CallbackId.STANDUP_MODAL)(handle_answer_submit)
    app.view(CallbackId.STANDUP_SETUP)(handle_setup_submit)
    app.view(CallbackId.REM_REASSIGN_MODAL)(handle_reassign_submit)
    app.view(CallbackId.ANON_REPLY_MODAL)(handle_reply_submit)
    app.view(CallbackId.RETRO_ITEM_MODAL)(handle_item_submit)
    app.view(CallbackId.RETRO_GROUP_MODAL)(handle_group_submit)
    app.view(CallbackId.RETRO_ACTION_MODAL)(handle_action_submit)

    app.action(ActionId.REQ_ASSIGN_ME)(handle_assign_me)
    app.action(ActionId.REQ_VOTE)(handle_vote)
    app.action(ActionId.REQ_STATUS)(handle_status)
    app.action(ActionId.REQ_MERGE)(handle_merge)
    app.action(ActionId.REQ_NOT_DUPLICATE)(handle_not_duplicate)
    app.action(ActionId.FB_LINK_SUGGESTED)(handle_link_suggested)
    app.action(ActionId.REQ_LIST_PAGE + "_prev")(handle_page)
    app.action(ActionId.REQ_LIST_PAGE + "_next")(handle_page)

    app.action(ActionId.FB_PROMOTE)(handle_promote)
    app.action(ActionId.RUN_SUGGESTED)(handle_run_suggested)
    app.action(ActionId.FB_LINK)(handle_link_button)
    app.action(ActionId.BLK_RESOLVE)(handle_resolve)
    app.action(ActionId.RSK_EDIT)(handle_risk_edit)
    app.action(ActionId.RSK_CLOSE)(handle_risk_close)
    app.action(ActionId.HOME_REQ_DONE)(handle_home_req_done)
    app.action(ActionId.HOME_BLK_RESOLVE)(handle_home_blk_resolve)
    app.action(ActionId.STANDUP_ANSWER)(handle_answer_button)
    app.action(ActionId.STANDUP_SKIP)(handle_skip_button)
    app.action(ActionId.STANDUP_NOT_BLOCKER)(handle_not_blocker_button)
    app.action(ActionId.REM_SNOOZE)(handle_snooze)
    app.action(ActionId.REM_DONE)(handle_done)
    app.action(ActionId.REM_REASSIGN)(handle_reassign)
    app.action(ActionId.REM_STOP)(handle_stop)
    app.action(ActionId.STANDUP_PAUSE)(handle_pause_button)
    app.action(ActionId.ANON_SEND)(handle_send_anonymously)
    app.action(ActionId.ANON_SEND_NAMED)(handle_send_named)
    app.action(ActionId.ANON_REPLY)(handle_reply_button)
    app.action(ActionId.RETRO_ADD)(handle_add_button)
    app.action(ActionId.RETRO_VOTE)(handle_retro_vote)
    app.action(ActionId.RETRO_GROUP)(handle_group_button)
    app.action(ActionId.RETRO_ACTION)(handle_action_button)
    for offer in (DmAction.REQUIREMENT, DmAction.FEEDBACK, DmAction.ANONYMOUS, DmAction.BLOCKER):
        app.action(offer)(handle_offer)

    app.event("reaction_added")(handle_reaction)
    app.event("app_home_opened")(handle_home_opened)
    app.event("user_change")(handle_user_change)
    app.event("member_joined_channel")(handle_member_joined)
    app.event("member_left_channel")(handle_member_left)
    for left in ("channel_left", "group_left"):
        app.event(left)(channels.handle_left)
    for archived in ("channel_archive", "group_archive"):
        app.event(archived)(channels.handle_archive)
    for unarchived in ("channel_unarchive", "group_unarchive"):
        app.event(unarchived)(channels.handle_unarchive)
    app.event("app_uninstalled")(handle_uninstalled)
    app.event("tokens_revoked")(handle_tokens_revoked)
    # Only DMs: the manifest subscribes message.im alone, and the matcher says so too.
    app.event("message", matchers=[in_a_dm])(handle_dm_message)
