"""The App Home tab: published when opened and after acting on it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.services import home, lead, nudges
from bot.views.home import home_view
from handlers import slack_api
from handlers.common import actor_of, deps_of, number_of, team_of

log = logging.getLogger(__name__)


def publish_home(context: BoltContext, client: WebClient, user_id: str) -> None:
    """Build and publish one person's Home tab."""
    deps = deps_of(context)
    now = deps.clock.now()
    is_private = slack_api.privacy_check(client, deps.privacy)
    with deps.read() as session:
        channels = home.channels_of(session=session, team_id=team_of(context), user_id=user_id)
        led = lead.led_channels(session=session, team_id=team_of(context), user_id=user_id)
    # Slack is asked which channels are private outside any transaction.
    private = {c for c in channels if is_private(c)}
    public = [c for c in led if not is_private(c)][: lead.CHANNELS]
    with deps.read() as session:
        board = home.dashboard(
            session=session, team_id=team_of(context), user_id=user_id, now=now, private=private
        )
        board.team = lead.team_views(
            session=session, team_id=team_of(context), channel_ids=public, now=now,
            zone=deps.settings.zone,
        )  # fmt: skip
    today = now.astimezone(deps.settings.zone).date()
    client.views_publish(user_id=user_id, view=home_view(board, today=today, now=now))


def handle_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Refresh the Home tab each time it is opened."""
    if event.get("tab", "home") != "home":
        return
    deps_of(context).defer(lambda: publish_home(context, client, event["user"]), answer=None)


def _finish_from_home(
    prefix: str, ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Finish one of your items from the Home tab, then republish the tab."""
    ack()
    user = body["user"]["id"]
    actor = actor_of(context, user_id=user, channel_id="")
    ref = f"{prefix}-{number_of(body['actions'][0])}"
    deps, is_admin = deps_of(context), slack_api.admin_check(client)

    def work() -> None:
        try:
            with deps.transaction() as session:
                nudges.finish(
                    session=session, actor=actor, now=deps.clock.now(), ref=ref, is_admin=is_admin
                )
        finally:
            publish_home(context, client, user)

    def tell(text: str) -> None:
        slack_api.post(client, channel=user, text=text)

    deps.defer(work, answer=tell)


def handle_home_req_done(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Mark one of your requirements done from the Home tab."""
    _finish_from_home("REQ", ack, body, context, client)


def handle_home_blk_resolve(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Resolve one of your blockers from the Home tab."""
    _finish_from_home("BLK", ack, body, context, client)
