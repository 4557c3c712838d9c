"""`/feedback anonymous …`, its near misses, and `/feedback replies …`: parse, call, answer.

The sender's user id is used only to answer them (ephemeral, by response_url); it is never
passed to a service, stored, or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.anon_parsing import Verdict, split_first
from bot.errors import InvalidInput
from bot.item_parsing import KINDS
from bot.services import anonymous
from bot.views import anonymous as views
from handlers.common import admin_check, deps_of, ephemeral

MEMBERS_MAX = 500
REPLIES_USAGE = "Type `/feedback replies <your code>`, or `/feedback replies <code> <reply>`."


def human_members(client: WebClient, channel_id: str) -> int:
    """How many people (not bots, not deactivated) are in the channel; 0 if Slack won't say."""
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
    team_id: str,
    channel_id: str,
    text: str,
    kind: str | None,
    answer: Callable[[dict[str, Any]], object],
    error: Callable[[str], object],
) -> None:
    """After the ack: count the channel's people, store the item, show the sender their code."""
    deps = deps_of(context)

    def work() -> None:
        _item, code = deps.run(
            anonymous.submit,
            team_id=team_id,
            channel_id=channel_id,
            text=text,
            kind=kind,
            human_members=human_members(client, channel_id),
            min_members=deps.settings.teamloop_anon_min_members,
            now=deps.clock.now(),
        )
        deps.run(anonymous.forget_write_order)
        answer(views.receipt(code))

    def tell(text: str) -> None:
        error(text)

    deps.defer(work, answer=tell)


def handle_anonymous(
    verdict: Verdict,
    word: str,
    rest: str,
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """`/feedback anonymous <text>` stores after the ack; a near miss only asks."""
    if verdict == "near":
        ack(views.did_you_mean(word, rest))
        return
    if not rest:
        raise InvalidInput("Say what your feedback is: `/feedback anonymous Standups run long`.")
    first, _, after = rest.partition(" ")
    kind = first.lower() if first.lower() in KINDS and after.strip() else None
    ack()
    submit_later(
        context,
        client,
        team_id=str(context.team_id),
        channel_id=command["channel_id"],
        text=after if kind else rest,
        kind=kind,
        answer=lambda body: respond(**body, replace_original=False),
        error=ephemeral(respond),
    )


def handle_replies(
    rest: str, ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient,
    respond: Respond,
) -> None:  # fmt: skip
    """`/feedback replies <code> [reply]` (the sender), `/feedback replies AN-XXXXXX` (a lead)."""
    code, text = split_first(rest)
    if not code:
        raise InvalidInput(REPLIES_USAGE)
    deps, team_id = deps_of(context), str(context.team_id)
    today = deps.clock.now().date()
    if code.count("-") >= 2:  # AN-XXXXXX-SECRET: the sender's private code

        def as_sender(*, session: Any) -> Any:
            item = anonymous.by_code(session=session, team_id=team_id, code=code)
            if text:
                anonymous.reply(
                    session=session, item=item, text=text, from_sender=True, now=deps.clock.now()
                )
            rows = anonymous.thread(session=session, item=item, for_sender=True, today=today)
            return views.thread(item, rows)

        answer = deps.run(as_sender)
        if text:
            deps.run(anonymous.forget_write_order)
        ack(answer)
        return
    is_admin, user_id = admin_check(client), command["user_id"]

    def as_lead() -> None:
        def read(*, session: Any) -> Any:
            item = anonymous.released_item(session=session, team_id=team_id, public_id=code)
            lead = anonymous.is_lead(
                session=session, team_id=team_id, channel_id=item.channel_id,
                user_id=user_id, admin=is_admin(user_id),
            )  # fmt: skip
            if not lead:
                raise InvalidInput(
                    "Only this channel's leads (workspace admins, or whoever set up its digest) "
                    f"read replies by id. If you sent it, {REPLIES_USAGE[0].lower()}"
                    f"{REPLIES_USAGE[1:]}"
                )
            rows = anonymous.thread(session=session, item=item, for_sender=False, today=today)
            return views.thread(item, rows)

        respond(**deps.run(read), replace_original=False)

    ack()
    deps.defer(as_lead, answer=ephemeral(respond))
