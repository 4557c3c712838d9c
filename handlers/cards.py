"""Posting an item's card after the ack, and recording where it is (issue 17).

A slash command's in_channel answer (the ack body or the response_url) returns no ts, so a
card posted that way could never be edited. The ack stays empty and fast; right after it,
on the worker, the card is posted with chat.postMessage and its channel and ts are recorded
in a short transaction of their own (never one held across the Slack call). Where teamloop
may not post (a private channel it is not in, a DM between people), the card goes through
the response_url as before: visible, but not recorded, so not edited later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import REACH_CODES
from bot.services import cards, reach
from bot.services.actor import Actor
from bot.views import reach as reach_views
from bot.views.blocks import Block, message
from handlers import slack_api
from handlers.commands.router import Call, unreachable_here
from handlers.common import ephemeral

log = logging.getLogger(__name__)


def post_card(
    call: Call,
    *,
    ref: str,
    text: str = "",
    blocks: list[Block] | None = None,
    extra: list[Block] | None = None,
    later: Callable[[], list[Block]] | None = None,
    make: Callable[[], tuple[str, list[Block]]] | None = None,
) -> None:
    """Post `ref`'s card in the command's channel after the ack, and record its ts.

    The card is `text` and `blocks`, or what `make` returns (text, blocks), built on the
    worker after the ack, off the person's wait. `extra`: blocks shown under the card;
    `later`: more of them, worked out on the worker after the ack (a lookup the person need
    not wait for, such as the duplicate hint)."""
    deps, client, respond, actor = call.deps, call.client, call.respond, call.actor

    def work() -> None:
        nonlocal text, blocks
        if make is not None:
            text, blocks = make()
        under = [*(extra or []), *(later() if later is not None else [])]
        shown = [*(blocks or []), *under]
        try:
            posted: Any = client.chat_postMessage(
                channel=actor.channel_id,
                text=text,
                blocks=shown,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            log.info("card %s via response_url: %s", ref, exc.response.get("error"))
            respond(**message(text, shown, in_channel=True), replace_original=False)
            if (code := str(exc.response.get("error"))) in REACH_CODES:
                unreachable_here(deps, actor, respond, code)
            return
        with deps.transaction() as session:
            cards.record(
                session=session,
                team_id=actor.team_id,
                ref=ref,
                channel_id=str(posted["channel"]),
                ts=str(posted["ts"]),
                now=deps.clock.now(),
                extra=under,
            )

    deps.defer(work, answer=ephemeral(respond))


def post_recorded(
    deps: Any,
    client: Any,
    respond: Any,
    *,
    channel_id: str,
    team_id: str,
    ref: str,
    text: str,
    blocks: list[Block],
) -> None:
    """Post `ref`'s card in `channel_id` and record its ts, from a listener's worker (never
    inside a transaction). Where Slack refuses the post, the card goes through the
    response_url instead (visible, not recorded). Raises nothing Slack answers."""
    try:
        posted: Any = client.chat_postMessage(
            channel=channel_id, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
        )
    except SlackApiError as exc:
        log.info("card %s via response_url: %s", ref, exc.response.get("error"))
        respond(**message(text, blocks, in_channel=True), replace_original=False)
        return
    record_posted(deps, posted, team_id=team_id, ref=ref)


def record_posted(
    deps: Any,
    posted: Any,
    *,
    team_id: str,
    ref: str,
    role: str = "card",
    extra: list[Block] | None = None,
) -> None:
    """Record a card or confirmation a listener posted itself (its chat.postMessage answer)."""
    if posted is None or not posted.get("ts"):
        return
    with deps.transaction() as session:
        cards.record(
            session=session,
            team_id=team_id,
            ref=ref,
            channel_id=str(posted["channel"]),
            ts=str(posted["ts"]),
            now=deps.clock.now(),
            role=role,
            extra=extra,
        )


def confirm_capture(
    deps: Any,
    client: Any,
    actor: Actor,
    *,
    ref: str,
    text: str,
    blocks: list[Block] | None = None,
    thread_ts: str | None = None,
) -> Any:
    """Post a form capture's confirmation (or card) in the actor's channel; returns Slack's
    answer, or None where Slack refused it because teamloop can't post there (a message
    shortcut in a private channel it is not in, a DM between people, an archived or
    restricted channel). Then, as for a command's card (`unreachable_here`), the channel is
    recorded so it gets no digest or reminders that could never post, and the person is
    told by DM that `ref` is saved and what to do: the form has no other answer."""
    try:
        return slack_api.post(
            client, channel=actor.channel_id, text=text, blocks=blocks, thread_ts=thread_ts
        )
    except SlackApiError as exc:
        code = str(exc.response.get("error"))
        if code not in REACH_CODES:
            raise
        log.info("confirmation of %s: %s in %s", ref, code, actor.channel_id)
    with deps.transaction() as session:
        reach.learn(
            session=session,
            team_id=actor.team_id,
            channel_id=actor.channel_id,
            error=code,
            now=deps.clock.now(),
            zone=deps.settings.zone.key,
        )
    slack_api.post(client, channel=actor.user_id, text=reach_views.no_schedules_here(code, ref=ref))
    return None
