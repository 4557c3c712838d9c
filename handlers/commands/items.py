"""`/feedback`, `/blocker` and `/risk`: parse, call a service, answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.item_parsing import KINDS, parse_score, split_item
from bot.parsing import parse_ref, shorten
from bot.services import blockers, duplicates, feedback, risks
from bot.views import duplicates as dup_views
from bot.views import items as views
from bot.views.blocks import Block, message
from handlers.commands import search as search_cmd
from handlers.commands.req import Call, parse_call, route
from handlers.common import admin_check, deps_of, ephemeral

Verb = Callable[[Call], Block | None]


def _answer(ack: Ack, reply: Block | None) -> None:
    if reply is None:
        ack()
    else:
        ack(reply)


# -- /feedback --------------------------------------------------------------------------------
def handle_feedback(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """`/feedback [anonymous] [kind] <text> [REQ-n]`, `/feedback list`, `/feedback help`."""
    verb, call = parse_call(command, context, client, respond)
    if verb in ("", "help"):
        _answer(ack, views.help_message("How to use /feedback", views.FEEDBACK_HELP))
        return
    if verb == "search":
        _answer(ack, search_cmd.verb(("feedback",))(call))
        return
    if verb == "list" and not call.args:
        rows = call.run(_recent_with_links)
        _answer(ack, message("Recent feedback", views.feedback_list(rows)))
        return
    words = (command.get("text") or "").split()
    anonymous = words[0].lower() in ("anonymous", "anon")
    if anonymous:
        words = words[1:]
    kind = words[0].lower() if words and words[0].lower() in KINDS else None
    if kind:
        words = words[1:]
    item = split_item(" ".join(words), example="/feedback The export is too slow REQ-3")
    if item.owner_id:
        raise InvalidInput("Feedback has no owner; leave out the @mention, or use `/blocker`.")
    fb = call.run(
        feedback.create,
        now=call.now,
        text=item.text,
        kind=kind,
        anonymous=anonymous,
        requirement_number=item.requirement,
    )
    if anonymous:
        # Never posted now: the timing would tell who sent it.
        _answer(
            ack,
            message(
                f"Thanks. {fb.ref} is saved without your name and will appear in this channel's "
                "next digest, not now."
            ),
        )
        return
    linked = f"REQ-{item.requirement}" if item.requirement else None
    blocks = views.feedback_card(fb, linked=linked)
    if linked is None:
        suggested = call.run(duplicates.suggest_requirement, text=fb.text)
        if suggested is not None:
            blocks += dup_views.suggestion_blocks(fb.number, suggested)
    _answer(ack, message(f"{fb.ref}: {shorten(fb.text, 100)}", blocks, in_channel=True))


def _recent_with_links(*, session: Any, actor: Any) -> list[tuple[Any, str | None]]:
    rows = feedback.recent(session=session, actor=actor)
    return [
        (fb, feedback.requirement_ref(session=session, requirement_id=fb.requirement_id))
        for fb in rows
    ]


# -- /blocker ---------------------------------------------------------------------------------
def handle_blocker(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """`/blocker <text> [REQ-n] [@owner]`, `/blocker list`, `/blocker resolve BLK-n`."""
    verb, call = parse_call(command, context, client, respond)
    if verb in ("", "help"):
        _answer(ack, views.help_message("How to use /blocker", views.BLOCKER_HELP))
        return
    if verb == "search":
        _answer(ack, search_cmd.verb(("blocker",))(call))
        return
    if verb == "list" and not call.args:
        rows = call.run(blockers.open_in_channel)
        _answer(ack, message("Open blockers", views.blocker_list(rows, call.now)))
        return
    if verb == "resolve":
        if not call.args:
            raise InvalidInput("Which blocker? Type `/blocker resolve BLK-2`.")
        number = parse_ref(call.args[0], "BLK")
        deps, is_admin = deps_of(context), admin_check(client)

        def work() -> None:
            blk = call.run(blockers.resolve, now=deps.clock.now(), number=number, is_admin=is_admin)
            respond(
                **message(
                    f"{blk.ref} is resolved.",
                    views.blocker_card(blk, deps.clock.now()),
                    in_channel=True,
                ),
                replace_original=False,
            )

        deps.defer(work, answer=ephemeral(respond))
        ack()
        return
    item = split_item(command.get("text") or "", example="/blocker Waiting on API keys REQ-3 @bob")
    blk = call.run(
        blockers.create,
        now=call.now,
        text=item.text,
        owner_id=item.owner_id,
        requirement_number=item.requirement,
    )
    _answer(
        ack,
        message(
            f"{blk.ref}: {shorten(blk.text, 100)}",
            views.blocker_card(blk, call.now),
            in_channel=True,
        ),
    )


# -- /risk ------------------------------------------------------------------------------------
def handle_risk(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """`/risk new …`, `/risk list`, `/risk edit RSK-n`, `/risk close RSK-n`."""
    route(RISK_VERBS, ack, command, context, client, respond)


def risk_new(call: Call) -> Block:
    """Add a risk."""
    likelihood, words = parse_score(call.args, "likelihood")
    impact, words = parse_score(words, "impact")
    item = split_item(
        " ".join(words), example="/risk new Vendor API may slip likelihood 4 impact 5"
    )
    risk = call.run(
        risks.create,
        now=call.now,
        text=item.text,
        likelihood=likelihood,
        impact=impact,
        owner_id=item.owner_id,
    )
    return message(f"{risk.ref}: {shorten(risk.text, 100)}", views.risk_card(risk), in_channel=True)


def risk_list(call: Call) -> Block:
    """The register."""
    return message("Risk register", views.risk_list(call.run(risks.register)))


def _risk_ref(call: Call, usage: str) -> int:
    if not call.args:
        raise InvalidInput(f"Which risk? Type `{usage}`.")
    return parse_ref(call.args[0], "RSK")


def risk_close(call: Call) -> Block:
    """Close a risk."""
    risk = call.run(risks.close, now=call.now, number=_risk_ref(call, "/risk close RSK-1"))
    return message(f"{risk.ref} is closed.", views.risk_card(risk), in_channel=True)


def risk_edit(call: Call) -> None:
    """Open the risk's form."""
    risk = call.run(risks.get, number=_risk_ref(call, "/risk edit RSK-1"))
    call.client.views_open(
        trigger_id=call.trigger_id, view=views.risk_modal(risk, call.actor.channel_id)
    )


def risk_help(call: Call) -> Block:
    """The verbs."""
    return views.help_message("How to use /risk", views.RISK_HELP)


RISK_VERBS: dict[str, Verb] = {
    "new": risk_new,
    "add": risk_new,
    "list": risk_list,
    "ls": risk_list,
    "close": risk_close,
    "edit": risk_edit,
    "help": risk_help,
}
