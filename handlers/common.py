"""Helpers every listener shares: deps, the acting person, answers, the admin check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services import people
from bot.services.actor import Actor
from bot.views.blocks import message

log = logging.getLogger(__name__)


def deps_of(context: BoltContext) -> Deps:
    """The app's shared dependencies."""
    deps: Deps = context["deps"]
    return deps


def actor_of(context: BoltContext, *, user_id: str, channel_id: str) -> Actor:
    """Who is acting and where, in the workspace's default zone."""
    deps = deps_of(context)
    team_id = context.team_id
    if not team_id:
        # Every row is scoped by workspace; never store one under an empty team.
        raise RuntimeError("request without a team id")
    return Actor(team_id=team_id, user_id=user_id, channel_id=channel_id, zone=deps.settings.zone)


MEMBERS_MAX = 500


def refresh_members(client: WebClient, deps: Deps, actor: Actor) -> list[str]:
    """The channel's members, with each one's name, zone and status stored (users.info)."""
    members: list[str] = []
    for page in client.conversations_members(channel=actor.channel_id, limit=200):
        members.extend(page.get("members") or [])
        if len(members) >= MEMBERS_MAX:
            break
    refresh_people(client, deps, actor.team_id, members[:MEMBERS_MAX])
    return members[:MEMBERS_MAX]


def refresh_people(client: WebClient, deps: Deps, team_id: str, user_ids: list[str]) -> None:
    """Store each person's name, zone and status from users.info."""
    users = [client.users_info(user=u).get("user") or {} for u in user_ids]
    deps.run(people.remember, team_id=team_id, users=users, now=deps.clock.now())


def ephemeral(respond: Callable[..., Any]) -> Callable[[str], None]:
    """An `answer(text)` that replies only to the person, via the response_url."""

    def answer(text: str) -> None:
        respond(**message(text), replace_original=False)

    return answer


def admin_check(client: WebClient) -> Callable[[str], bool]:
    """Ask Slack whether a user is a workspace admin or owner (only when a rule needs it)."""

    def is_admin(user_id: str) -> bool:
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError:
            log.warning("users.info failed; treating %s as not an admin", user_id)
            return False
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    return is_admin


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted modal's values by action id (text, user, date, time, option, or lists)."""
    values: dict[str, Any] = {}
    for block in ((view.get("state") or {}).get("values") or {}).values():
        for action_id, element in block.items():
            if "selected_options" in element:
                values[action_id] = [o["value"] for o in element["selected_options"] or []]
            elif "selected_users" in element:
                values[action_id] = list(element["selected_users"] or [])
            else:
                values[action_id] = (
                    element.get("value")
                    or element.get("selected_user")
                    or element.get("selected_date")
                    or element.get("selected_time")
                    or (element.get("selected_option") or {}).get("value")
                )
    return values


def privacy_check(client: WebClient) -> Callable[[str], bool]:
    """Is a channel private? Asked of Slack once per channel and request; unknown = private,
    so an item never shows outside a channel we cannot vouch for."""
    cache: dict[str, bool] = {}

    def is_private(channel: str) -> bool:
        if channel not in cache:
            try:
                info = client.conversations_info(channel=channel).get("channel") or {}
                cache[channel] = bool(info.get("is_private") or info.get("is_im"))
            except SlackApiError:
                cache[channel] = True
        return cache[channel]

    return is_private
