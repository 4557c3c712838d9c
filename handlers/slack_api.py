"""The Web API calls listeners make, in one place, each with one way of handling errors.

Posts and permalinks raise SlackApiError: they run after the ack, where the deferred runner
turns a failure into a short answer (or a log line). Checks that only narrow what someone
sees (is-admin, is-private) fail closed with a warning instead of failing the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.services import people
from bot.services.actor import Actor

log = logging.getLogger(__name__)


def post(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
) -> None:
    """Post a message (a card when blocks are given), in a thread when `thread_ts` is set."""
    client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)


def post_ephemeral(
    client: WebClient,
    *,
    channel: str,
    user: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """An answer only `user` sees, in a channel."""
    client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)


def permalink(client: WebClient, *, channel: str, ts: str) -> str | None:
    """The permanent link of a message."""
    link: str | None = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    return link


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


def privacy_check(client: WebClient) -> Callable[[str], bool]:
    """Ask Slack whether a channel is private (cached per check; unknown counts as private)."""
    cache: dict[str, bool] = {}

    def is_private(channel: str) -> bool:
        if channel not in cache:
            try:
                info = client.conversations_info(channel=channel).get("channel") or {}
                cache[channel] = bool(info.get("is_private"))
            except SlackApiError:
                cache[channel] = True  # unknown: keep it out of the Home tab
        return cache[channel]

    return is_private


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
    """Store each person's name, zone, locale and status from users.info."""
    users = [client.users_info(user=u, include_locale=True).get("user") or {} for u in user_ids]
    with deps.transaction() as session:
        people.remember(session=session, team_id=team_id, users=users, now=deps.clock.now())


def learn_person(client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    """Store one person's zone and locale (after the ack), so their next date reads right.

    A person Slack won't describe (external, deleted) keeps the workspace defaults."""
    try:
        refresh_people(client, deps, team_id, [user_id])
    except SlackApiError as exc:
        log.warning("users.info for %s failed (%s); dates use the defaults", user_id, exc)
