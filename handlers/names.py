"""Names for the people and channels Slack wrote as bare ids (`<@U1>`, `<#C1>`).

Real clients often send a mention or channel without its `|name`; stored as read that would
be `@U1`. Before any entry point decodes text, the ids get their names: people from the
people table (users.info when it has none), channels from conversations.info. Read outside
any write transaction; an id Slack won't name stays as the id (`@U1`, `#C1`).
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.parsing.slack_text import unlabelled, with_labels
from bot.services import people
from handlers.common import deps_of, team_of


def named(raw: str, *, deps: Deps, client: WebClient, team_id: str) -> str:
    """`raw` (Slack's text) with every unlabelled mention and channel given its name."""
    user_ids, channel_ids = unlabelled(raw)
    if not user_ids and not channel_ids:
        return raw
    names: dict[str, str] = {}
    if user_ids:
        with deps.read() as session:
            stored = people.known(session=session, team_id=team_id, user_ids=user_ids)
            names.update({u: p.name for u, p in stored.items() if p.name and p.name != u})
    for user_id in user_ids:
        if user_id not in names:
            names[user_id] = _user_name(client, user_id)
    for channel_id in channel_ids:
        names[channel_id] = _channel_name(client, channel_id)
    return with_labels(raw, names)


def namer(context: BoltContext, client: WebClient) -> Callable[[str], str]:
    """`named` for this request's workspace, for `bot.parsing.messages.message_text`."""
    deps, team_id = deps_of(context), team_of(context)
    return lambda raw: named(raw, deps=deps, client=client, team_id=team_id)


def _user_name(client: WebClient, user_id: str) -> str:
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError:
        return ""  # unknown: the id stays
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or user.get("real_name") or user.get("name") or "")


def _channel_name(client: WebClient, channel_id: str) -> str:
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError:
        return ""  # private or gone: the id stays
    return str(info.get("name") or "")
