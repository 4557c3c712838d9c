"""Keep the people teamloop knows in step with Slack: profile changes and channel membership."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import people, retro_schedule, standups
from handlers import slack_api
from handlers.common import deps_of
from handlers.events import channels


def handle_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """A member's name, zone or status changed: store it; member-zones standups follow."""
    deps = deps_of(context)
    user = event.get("user") or {}
    team_id = context.team_id or user.get("team_id")
    if not team_id or not user.get("id"):
        return
    now = deps.clock.now()
    with deps.transaction() as session:
        people.remember(session=session, team_id=team_id, users=[user], now=now)
    with deps.transaction() as session:
        standups.sync_zones(session=session, team_id=team_id, now=now)


def handle_member_joined(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Someone joined a channel: a channel-members standup and a scheduled retro ask them too."""
    _membership(event, context, client, joined=True)


def handle_member_left(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Someone left a channel: no more prompts or retro DMs for that channel."""
    _membership(event, context, client, joined=False)


def _membership(
    event: dict[str, Any], context: BoltContext, client: WebClient, *, joined: bool
) -> None:
    deps = deps_of(context)
    team_id, user_id, channel_id = context.team_id, event.get("user"), event.get("channel")
    if not team_id or not user_id or not channel_id:
        return
    if user_id == context.bot_user_id:
        if joined:
            channels.bot_back(channel_id, context)
        else:
            channels.bot_left(channel_id, context, client)
        return
    if joined:
        slack_api.refresh_people(client, deps, team_id, [user_id])
    with deps.transaction() as session:
        for follow in (standups.membership_changed, retro_schedule.membership_changed):
            follow(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                user_id=user_id,
                joined=joined,
                now=deps.clock.now(),
            )
