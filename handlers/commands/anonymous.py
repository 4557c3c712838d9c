"""`/feedback anonymous …`, its near misses, and `/feedback replies …`: parse, call, answer.

The sender's user id is used only to answer them (ephemeral, by response_url); it is never
passed to a service, stored, or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import InvalidInput
from bot.parsing.anonymous import Verdict, split_first
from bot.parsing.items import KINDS
from bot.parsing.slack_text import echo, plain
from bot.services import anonymous
from bot.views import anonymous as views
from bot.views.blocks import Block
from handlers.commands.router import Call
from handlers.common import deps_of, ephemeral, team_of
from handlers.slack_api import admin_check

MEMBERS_MAX = 500
REPLIES_USAGE = (
    "Type `/feedback replies &lt;your code&gt;`, or `/feedback replies &lt;code&gt; &lt;reply&gt;`."
)
NOT_LEAD = (
    "Only this channel's leads (workspace admins, or whoever set up its digest) read replies "
    "by id. If you sent it, type `/feedback replies &lt;your code&gt;`."
)


def human_members(client: WebClient, channel_id: str) -> int:
    """How many people (not bots, not deactivated) are in the channel; 0 if Slack won't say."""
    if channel_id.startswith("D"):
        return 0  # a DM: no crowd to hide in (and its members need a scope we don't ask for)
    members: list[str] = []
    try:
        for page in client.conversations_members(channel=channel_id, limit=200):
            members.extend(page.get("members") or [])
            if len(members) >= MEMBERS_MAX:
                break
    except SlackApiError:
        return 0  # a DM or a channel teamloop is not in: no crowd to hide in
    humans = 0
    for user_id in members[:MEMBERS_MAX]:
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError:
            continue
        if not (user.get("is_bot") or user.get("deleted") or user_id == "USLACKBOT"):
            humans += 1
    return humans


def submit_later(
    context: BoltContext,
    client: WebClient,
    *,
    channel_id: str,
    text: str,
    kind: str | None,
    answer: Callable[[dict[str, Any]], object],
    error: Callable[[str], object],
) -> None:
    """After the ack: count the channel's people, store the item, show the sender their code."""
    deps, team_id = deps_of(context), team_of(context)

    def work() -> None:
        members = human_members(client, channel_id)
        with deps.transaction() as session:
            _item, code = anonymous.submit(
                session=session,
                team_id=team_id,
                channel_id=channel_id,
                text=text,
                kind=kind,
                human_members=members,
                min_members=deps.settings.teamloop_anon_min_members,
                now=deps.clock.now(),
            )
        with deps.transaction() as session:
            anonymous.forget_write_order(session=session)
        answer(views.receipt(code))

    def tell(text: str) -> None:
        error(text)

    deps.defer(work, answer=tell)


def anonymous_verb(call: Call, verdict: Verdict, word: str, rest: str) -> Block | None:
    """`/feedback anonymous <text>` stores after the ack; a near miss only asks."""
    if verdict == "near":
        # The buttons carry the text as read (decoded once, here); their handlers store it
        # as is, and the question shows it through the one escape helper.
        text = plain(rest)
        if len(text) > views.VALUE_MAX:
            # The buttons carry the text (nothing is stored before the choice); too long to fit.
            raise InvalidInput(
                "Did you mean anonymous? Type `/feedback anonymous &lt;text&gt;` to send it "
                "without your name, or `/feedback &lt;text&gt;` to sign it. Nothing was saved."
                f"\n>{echo(rest, 300)}"
            )
        return views.did_you_mean(word, text)
    if not rest:
        raise InvalidInput("Say what your feedback is: `/feedback anonymous Standups run long`.")
    first, _, after = rest.partition(" ")
    kind = first.lower() if first.lower() in KINDS and after.strip() else None
    respond = call.respond
    submit_later(
        call.context,
        call.client,
        channel_id=call.actor.channel_id,
        text=plain(after if kind else rest),  # stored as read, like every item
        kind=kind,
        answer=lambda body: respond(**body, replace_original=False),
        error=ephemeral(respond),
    )
    return None


def replies(call: Call) -> Block | None:
    """`/feedback replies <code> [reply]` (the sender), `/feedback replies AN-XXXXXX` (a lead)."""
    code, raw = split_first(call.rest)
    text = plain(raw)
    if not code:
        raise InvalidInput(REPLIES_USAGE)
    deps, team_id, today = call.deps, team_of(call.context), call.now.date()
    if code.count("-") >= 2:  # AN-XXXXXX-SECRET: the sender's private code
        with deps.transaction() as session:
            item = anonymous.by_code(session=session, team_id=team_id, code=code)
            if text:
                anonymous.reply(
                    session=session, item=item, text=text, from_sender=True, now=call.now
                )
            answer = views.thread(
                item, anonymous.thread(session=session, item=item, for_sender=True, today=today)
            )
        if text:
            with deps.transaction() as session:
                anonymous.forget_write_order(session=session)
        return answer
    is_admin, user_id, respond = admin_check(call.client), call.actor.user_id, call.respond

    def as_lead() -> None:
        admin = is_admin(user_id)
        with deps.transaction() as session:
            item = anonymous.released_item(session=session, team_id=team_id, public_id=code)
            if not anonymous.is_lead(
                session=session, team_id=team_id, channel_id=item.channel_id,
                user_id=user_id, admin=admin,
            ):  # fmt: skip
                raise InvalidInput(NOT_LEAD)
            rows = anonymous.thread(session=session, item=item, for_sender=False, today=today)
            answer = views.thread(item, rows)
        respond(**answer, replace_original=False)

    deps.defer(as_lead, answer=ephemeral(respond))
    return None
