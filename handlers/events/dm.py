"""The app's DM (`message.im`): typed standup answers, `help`, and offers to capture text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.parsing.dm import Word, clean, word_of
from bot.readmodels import ChatTurn
from bot.services import home, standup_chat
from bot.views import dm as views
from handlers import slack_api
from handlers.common import deps_of, team_of
from handlers.names import named

log = logging.getLogger(__name__)

# Subtypes that carry something the person typed; the rest (deletions, joins, …) need nothing.
TYPED = {None, "file_share", "thread_broadcast"}


def in_a_dm(body: dict[str, Any]) -> bool:
    """Listener matcher: a message event from a DM with the app (channel_type `im`)."""
    return bool((body.get("event") or {}).get("channel_type") == "im")


def _from_a_bot(message: dict[str, Any], context: BoltContext) -> bool:
    """Ours or another app's: never answered, so two bots can't talk to each other forever."""
    return bool(
        message.get("bot_id")
        or message.get("subtype") == "bot_message"
        or message.get("bot_profile")
        or (context.bot_user_id and message.get("user") == context.bot_user_id)
    )


def handle_dm_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Events are acked already (and deduped on event_id); the answer is posted after."""
    if event.get("channel_type") != "im" or _from_a_bot(event, context):
        return
    subtype = event.get("subtype")
    if subtype == "message_changed":
        _edited(event, context, client)
    elif subtype in TYPED:
        _typed(event, context, client)


def _answer(client: WebClient, event: dict[str, Any]) -> Callable[..., None]:
    """Post into the DM, in the thread the person typed in (if any)."""

    def say(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        slack_api.post(
            client, channel=event["channel"], text=text, blocks=blocks,
            thread_ts=event.get("thread_ts"),
        )  # fmt: skip

    return say


def _typed(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    user, text, ts = event.get("user") or "", clean(event.get("text") or ""), event.get("ts", "")
    if not user or not text:
        return  # a file without a comment: nothing to answer
    deps, team_id, say = deps_of(context), team_of(context), _answer(client, event)
    word = word_of(text)

    def work() -> None:
        now = deps.clock.now()
        text = clean(named(event.get("text") or "", deps=deps, client=client, team_id=team_id))
        if word == Word.HELP:
            check = slack_api.privacy_check(client, deps.privacy)

            def is_private(channel: str) -> bool:
                # This DM is theirs; other DMs stay out, unasked (conversations.info on a DM
                # would need im:read).
                return channel != event["channel"] and (channel.startswith("D") or check(channel))

            with deps.read() as session:
                channels = home.channels_of(session=session, team_id=team_id, user_id=user)
            private = {c for c in channels if is_private(c)}  # Slack asked outside it
            with deps.read() as session:
                board = home.dashboard(
                    session=session, team_id=team_id, user_id=user, now=now, private=private
                )
                asked = standup_chat.waiting(
                    session=session, team_id=team_id, user_id=user, now=now
                )
            today = now.astimezone(deps.settings.zone).date()
            say(*views.help_message(board, today=today, waiting=asked))
            return
        said: ChatTurn | None
        with deps.transaction() as session:
            if word == Word.SKIP:
                said = standup_chat.skip_today(
                    session=session, team_id=team_id, user_id=user, now=now
                )
            elif word == Word.REPORT:
                said = standup_chat.report(session=session, team_id=team_id, user_id=user, now=now)
            else:
                said = standup_chat.typed(
                    session=session, team_id=team_id, user_id=user, text=text, ts=ts, now=now
                )
        if said is None:
            say(*views.capture_offer(text=text, ts=ts))
        else:
            say(*views.turn(said))

    deps.defer(work, answer=say)


def _edited(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    message = event.get("message") or {}
    before = event.get("previous_message") or {}
    if _from_a_bot(message, context) or message.get("text") == before.get("text"):
        return  # an unfurl or another change that is not an edit of the text
    user, text = message.get("user") or "", clean(message.get("text") or "")
    if not user or not text:
        return
    deps, team_id = deps_of(context), team_of(context)
    say = _answer(client, {"channel": event["channel"], "thread_ts": message.get("thread_ts")})

    def work() -> None:
        raw = message.get("text") or ""
        text = clean(named(raw, deps=deps, client=client, team_id=team_id))
        with deps.transaction() as session:
            said = standup_chat.edited(
                session=session,
                team_id=team_id,
                user_id=user,
                ts=message.get("ts", ""),
                text=text,
                now=deps.clock.now(),
            )
        if said is not None:
            say(*views.turn(said))

    deps.defer(work, answer=say)
