"""The Web API calls listeners make, in one place, each with one way of handling errors.

Posts and permalinks raise SlackApiError: they run after the ack, where the deferred runner
turns a failure into a short answer (or a log line); a permalink of a message in a
conversation the bot can't read (a shortcut there) is None instead. Checks that only narrow
what someone sees (is-admin, is-private) fail closed with a warning, not failing the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps, PrivacyCache
from bot.errors import REACH_CODES, CannotReach
from bot.services import people, reach
from bot.services.actor import Actor

log = logging.getLogger(__name__)


def post(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
) -> Any:
    """Post a message (a card when blocks are given), in a thread when `thread_ts` is set;
    returns Slack's answer (its `channel` and `ts` say where the message is)."""
    return client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)


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


def require_reach(
    client: WebClient,
    channel: str,
    *,
    read: bool,
    user: str,
    deps: Deps | None = None,
    team_id: str | None = None,
) -> None:
    """Raise CannotReach unless the bot may post in `channel` (and read it, with `read`):
    Slack is asked (`_ask_slack`), then, with `deps` and `team_id`, what teamloop learned
    from its own posts there (bot.services.reach.refusal: a `restricted_action`, which
    Slack cannot tell in advance, is refused once; knowledge Slack just contradicted is
    dropped and the channel's paused schedules resume)."""
    _ask_slack(client, channel, read=read, user=user)
    if deps is None or not team_id:
        return
    with deps.transaction() as session:
        code = reach.refusal(
            session=session,
            team_id=team_id,
            channel_id=channel,
            now=deps.clock.now(),
            zone=deps.settings.zone.key,
        )
    if code is not None:
        raise CannotReach(code)


def _ask_slack(client: WebClient, channel: str, *, read: bool, user: str) -> None:
    """Raise CannotReach unless Slack says the bot may post in `channel` (and read it).

    Slash commands work everywhere, so this runs before anything is saved or promised: a
    private channel or a DM between people the bot is not in answers `channel_not_found`,
    an archived one can't be posted in, and reading a public channel needs membership
    (posting there works with chat:write.public). A DM (`D…`) is reachable only when it is
    the bot's own DM with `user` (conversations.open names it; no im:read needed).
    """
    if channel.startswith("D"):
        try:
            own = (client.conversations_open(users=user).get("channel") or {}).get("id")
        except SlackApiError:
            own = None
        if own != channel:
            raise CannotReach("channel_not_found")
        return
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        raise CannotReach(str(exc.response.get("error", "channel_not_found"))) from None
    if info.get("is_archived"):
        raise CannotReach("is_archived")
    member = bool(info.get("is_member"))
    if info.get("is_im") or member:
        return
    if info.get("is_private") or info.get("is_mpim"):
        raise CannotReach("channel_not_found")
    if read:
        raise CannotReach("not_in_channel")


def permalink(client: WebClient, *, channel: str, ts: str) -> str | None:
    """The permanent link of a message; None where Slack won't show the bot the conversation
    (a message shortcut in a private channel it is not in, or a DM between people: the
    capture is kept without its link)."""
    try:
        answer = client.chat_getPermalink(channel=channel, message_ts=ts)
    except SlackApiError as exc:
        if str(exc.response.get("error")) not in REACH_CODES:
            raise
        log.info("no permalink in %s: %s", channel, exc.response.get("error"))
        return None
    link: str | None = answer.get("permalink")
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


def privacy_check(client: WebClient, known: PrivacyCache | None = None) -> Callable[[str], bool]:
    """Ask Slack whether a channel is private (cached per check, and in `known` for a few
    minutes across requests; unknown counts as private and is asked again next time)."""
    cache: dict[str, bool] = {}

    def is_private(channel: str) -> bool:
        if channel not in cache:
            fresh = known.get(channel) if known is not None else None
            if fresh is not None:
                cache[channel] = fresh
                return fresh
            try:
                info = client.conversations_info(channel=channel).get("channel") or {}
                cache[channel] = bool(info.get("is_private"))
                if known is not None:
                    known.put(channel, cache[channel])
            except SlackApiError:
                cache[channel] = True  # unknown: keep it out of the Home tab
        return cache[channel]

    return is_private


MEMBERS_MAX = 500


def refresh_members(client: WebClient, deps: Deps, actor: Actor) -> tuple[list[str], list[str]]:
    """The channel's members Slack describes (each one's name, zone and status stored from
    users.info), and the ones it won't describe (skipped, for the answer to name)."""
    members: list[str] = []
    for page in client.conversations_members(channel=actor.channel_id, limit=200):
        members.extend(page.get("members") or [])
        if len(members) >= MEMBERS_MAX:
            break
    skipped = refresh_people(client, deps, actor.team_id, members[:MEMBERS_MAX])
    return [m for m in members[:MEMBERS_MAX] if m not in skipped], skipped


def refresh_people(client: WebClient, deps: Deps, team_id: str, user_ids: list[str]) -> list[str]:
    """Store each person's name, zone, locale and status from users.info; returns the ids
    Slack would not describe (`user_not_found` for shared-channel guests and deleted users,
    or any other error), which are skipped so one bad lookup never stops the rest."""
    users: list[dict[str, Any]] = []
    skipped: list[str] = []
    for user_id in user_ids:
        try:
            users.append(client.users_info(user=user_id, include_locale=True).get("user") or {})
        except SlackApiError as exc:
            log.warning("users.info %s: %s; skipped", user_id, exc.response.get("error"))
            skipped.append(user_id)
    with deps.transaction() as session:
        people.remember(session=session, team_id=team_id, users=users, now=deps.clock.now())
    for user in users:
        deps.writing.drop((team_id, str(user.get("id"))))
    return skipped


def skipped_note(skipped: list[str]) -> str:
    """A sentence naming the members Slack would not describe ("" when none)."""
    if not skipped:
        return ""
    names = ", ".join(f"<@{u}>" for u in skipped[:10]) + (" and others" if skipped[10:] else "")
    return (
        f" I left out {names}: Slack won't tell me about them (a guest from another "
        "organization, or a deleted account)."
    )


def learn_person(client: WebClient, deps: Deps, team_id: str, user_id: str) -> None:
    """Store one person's zone and locale (after the ack), so their next date reads right.

    A person Slack won't describe (external, deleted) keeps the workspace defaults."""
    if refresh_people(client, deps, team_id, [user_id]):
        log.warning("users.info for %s failed; dates use the defaults", user_id)
