"""Helpers every listener shares: deps, the acting person, answers, the admin check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.errors import InvalidInput
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
    # Every row is scoped by workspace; never store one under an empty team.
    team_id = team_of(context)
    return Actor(team_id=team_id, user_id=user_id, channel_id=channel_id, zone=deps.settings.zone)


def team_of(context: BoltContext) -> str:
    """The request's workspace; every row is scoped by it, so a request without one fails."""
    if not context.team_id:
        raise RuntimeError("request without a team id")
    return context.team_id


def action_of(body: dict[str, Any], context: BoltContext) -> tuple[Actor, dict[str, Any]]:
    """Who clicked, in which channel, and the action they clicked."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    return actor, body["actions"][0]


def number_of(action: dict[str, Any]) -> int:
    """The item number a button or select carries (`3` or `3:done`)."""
    raw = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    try:
        return int(str(raw).split(":", 1)[0])
    except ValueError:
        raise InvalidInput(
            "That button is out of date. Type `/req list` for a fresh one."
        ) from None


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
    with deps.transaction() as session:
        people.remember(session=session, team_id=team_id, users=users, now=deps.clock.now())


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
