"""Capture by emoji reaction: `:bulb:` a requirement, `:speech_balloon:` feedback,
`:construction:` a blocker; each message once."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.ids import Reaction
from bot.parsing.messages import message_text
from bot.services import blockers, duplicates, feedback
from bot.services import requirements as reqs
from bot.views import duplicates as dup_views
from bot.views import items as item_views
from bot.views import requirements as views
from handlers import slack_api
from handlers.cards import record_posted
from handlers.common import actor_of, deps_of
from handlers.names import namer

log = logging.getLogger(__name__)


def fetch_message(client: WebClient, channel: str, ts: str) -> dict[str, Any] | None:
    """The reacted-to message: top level via history, a thread reply via replies."""
    found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    for msg in found.get("messages") or []:
        if msg.get("ts") == ts:
            return dict(msg)
    # Asked with a reply's ts, Slack answers with the whole thread, parent first: ask from
    # the reply on, so the parent and the reply are the first two.
    replies = client.conversations_replies(
        channel=channel, ts=ts, oldest=ts, inclusive=True, limit=2
    )
    for msg in replies.get("messages") or []:
        if msg.get("ts") == ts:
            return dict(msg)
    return None


def handle_reaction(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Events are acked already (and deduped on event_id); the capture runs after."""
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    if event.get("reaction") in (Reaction.FEEDBACK, Reaction.BLOCKER):
        handle_item_reaction(event, context, client)
        return
    if event.get("reaction") != Reaction.REQUIREMENT:
        return
    channel, ts = item.get("channel", ""), item.get("ts", "")
    actor = actor_of(context, user_id=event.get("user", ""), channel_id=channel)
    deps = deps_of(context)

    def capture() -> None:
        msg = fetch_message(client, channel, ts)
        if msg is None:
            log.warning("reacted message %s/%s not found", channel, ts)
            return
        permalink = slack_api.permalink(client, channel=channel, ts=ts)
        with deps.transaction() as session:
            req, created = reqs.capture_message(
                session=session,
                actor=actor,
                now=deps.clock.now(),
                text=message_text(msg, namer(context, client)),
                source_channel_id=channel,
                source_ts=ts,
                permalink=permalink,
                requester_id=msg.get("user"),
            )
        if not created:
            slack_api.post_ephemeral(
                client,
                channel=channel,
                user=actor.user_id,
                text=f"That message is already {req.ref}.",
            )
            return
        blocks = views.card(req, today=actor.today(deps.clock.now()))
        with deps.read() as session:
            alike = duplicates.similar(
                session=session, actor=actor, text=req.title, exclude_id=req.id
            )
        extra = dup_views.hint_blocks(req.number, alike[0]) if alike else []
        posted = slack_api.post(
            client,
            channel=channel,
            thread_ts=msg.get("thread_ts") or ts,
            text=views.confirmation(req),
            blocks=blocks + extra,
        )
        record_posted(deps, posted, team_id=actor.team_id, ref=req.ref, extra=extra)

    deps.defer(capture, answer=None, retry_unavailable=True)


def handle_item_reaction(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """`:speech_balloon:` captures feedback, `:construction:` a blocker, once per message."""
    item = event.get("item") or {}
    is_feedback = event.get("reaction") == Reaction.FEEDBACK
    channel, ts = item.get("channel", ""), item.get("ts", "")
    actor = actor_of(context, user_id=event.get("user", ""), channel_id=channel)
    deps = deps_of(context)

    def capture() -> None:
        msg = fetch_message(client, channel, ts)
        if msg is None:
            log.warning("reacted message %s/%s not found", channel, ts)
            return
        permalink = slack_api.permalink(client, channel=channel, ts=ts)
        common = {
            "actor": actor,
            "now": deps.clock.now(),
            "text": message_text(msg, namer(context, client)),
            "source_channel_id": channel,
            "source_ts": ts,
            "permalink": permalink,
        }
        found: Any
        if is_feedback:
            with deps.transaction() as session:
                found, created = feedback.capture_message(
                    session=session, author_id=msg.get("user"), **common
                )
        else:
            with deps.transaction() as session:
                found, created = blockers.capture_message(
                    session=session, reporter_id=msg.get("user"), **common
                )
        if not created:
            slack_api.post_ephemeral(
                client,
                channel=channel,
                user=actor.user_id,
                text=f"That message is already {found.ref}.",
            )
            return
        command = "/feedback list" if is_feedback else "/blocker list"
        posted = slack_api.post(
            client,
            channel=channel,
            thread_ts=msg.get("thread_ts") or ts,
            text=item_views.confirmation(found.ref, found.text, command),
        )
        record_posted(deps, posted, team_id=actor.team_id, ref=found.ref, role="confirmation")

    deps.defer(capture, answer=None, retry_unavailable=True)
