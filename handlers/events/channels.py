"""The bot's own place in channels: removed, invited back, channel archived or unarchived.

Slack sends `member_left_channel` / `member_joined_channel` with the bot's own user id,
`channel_left` / `group_left` to the bot removed from a public / private channel, and
`channel_archive` / `group_archive` (and `…_unarchive`). A channel teamloop can no longer post
in has its schedules paused (and whoever set them up told once); back in, they resume.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.errors import CannotReach
from bot.services import defaults, reach
from handlers import slack_api
from handlers.common import deps_of, team_of


def bot_left(channel_id: str, context: BoltContext, client: WebClient) -> None:
    """The bot is out of `channel_id`: ask Slack whether it can still post there (a public
    channel it left still takes posts, with chat:write.public); if not, pause its schedules."""
    try:
        slack_api.require_reach(client, channel_id, read=False, user="")
    except CannotReach as exc:
        _learn(context, channel_id, exc.code)


def bot_back(channel_id: str, context: BoltContext) -> None:
    """The bot may post in `channel_id` again: resume what was paused there, and give the
    channel the default schedules it was left without."""
    deps = deps_of(context)
    team_id, now = team_of(context), deps.clock.now()
    with deps.transaction() as session:
        was_known = reach.known(session=session, team_id=team_id, channel_id=channel_id)
        reach.forget(session=session, team_id=team_id, channel_id=channel_id, now=now)
        if was_known is not None:
            defaults.ensure_channel(session=session, team_id=team_id, channel_id=channel_id,
                                    zone=deps.settings.zone.key, now=now)  # fmt: skip


def handle_left(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """`channel_left` / `group_left`: the bot was removed from a channel."""
    if event.get("channel"):
        bot_left(str(event["channel"]), context, client)


def handle_archive(event: dict[str, Any], context: BoltContext) -> None:
    """`channel_archive` / `group_archive`: nothing can be posted there any more."""
    if event.get("channel"):
        _learn(context, str(event["channel"]), "is_archived")


def _learn(context: BoltContext, channel_id: str, error: str) -> None:
    deps = deps_of(context)
    with deps.transaction() as session:
        reach.learn(
            session=session,
            team_id=team_of(context),
            channel_id=channel_id,
            error=error,
            now=deps.clock.now(),
            zone=deps.settings.zone.key,
        )


def handle_unarchive(event: dict[str, Any], context: BoltContext) -> None:
    """`channel_unarchive` / `group_unarchive`: posting works again."""
    if event.get("channel"):
        bot_back(str(event["channel"]), context)
