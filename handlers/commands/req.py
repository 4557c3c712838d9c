"""`/req`: the first word is the verb; each verb is a short function (parse, call, answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Session
from bot.errors import InvalidInput, NotAllowed
from bot.parsing.common import parse_ref, parse_user
from bot.parsing.dates import DateContext, example_date, read_date, say_date
from bot.parsing.requirements import (
    nearest_priority,
    parse_capture,
    parse_list_filter,
    parse_priority,
    parse_status,
)
from bot.parsing.slack_text import echo, plain, retype
from bot.services import duplicates
from bot.services import requirement_changes as req_changes
from bot.services import requirements as reqs
from bot.services.requirements import AdminCheck
from bot.views import duplicates as dup_views
from bot.views import requirements as views
from bot.views.blocks import Block, context, message
from bot.views.cards import DUE_NOTE, tagged
from handlers import slack_api
from handlers.cards import post_card
from handlers.commands import search as search_cmd
from handlers.commands.merge import verb_merge
from handlers.commands.router import ALREADY_DONE, Call, route
from handlers.common import deps_of, ephemeral


def handle_req(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/req <verb> …` to its verb."""
    route(VERBS, ack, command, context, client, respond)


def _ref(call: Call, usage: str) -> int:
    if not call.args:
        raise InvalidInput(f"Which requirement? Type `{usage}`.")
    return parse_ref(call.args[0], "REQ")


def _updated(req: Any, call: Call, what: str) -> Block:
    return message(f"{req.ref} {what}.", views.change_answer(req, what, today=call.today))


def verb_new(call: Call) -> Block | None:
    """Quick capture, or the form when no title was given."""
    if not call.rest:
        call.client.views_open(
            trigger_id=call.trigger_id, view=views.modal(channel_id=call.actor.channel_id)
        )
        return None
    # Only a capture with a due date needs the person's zone and date order (one read).
    dated = "due" in call.rest.lower().split()
    ctx = call.dates() if dated else DateContext(today=call.today)
    cap = parse_capture(call.rest, today=ctx.today, order=ctx.order)
    req = reqs.quick_capture(
        store=call.deps.capture(),
        actor=call.actor,
        now=call.now,
        title=cap.title,
        priority=cap.priority,
        owner_id=cap.owner_id,
        due=cap.due,
        labels=cap.labels,
        delivery_key=call.delivery_key,
    )
    if req is None:
        return message(ALREADY_DONE)
    extra: list[Block] = []
    if cap.due is not None and cap.due_note:
        note = context(views.due_note(cap.due_text, cap.due, cap.due_note))
        extra = tagged([note], DUE_NOTE)  # dropped from the card when the due date changes
    deps, actor = call.deps, call.actor

    def hint() -> list[Block]:
        # After the ack: the captures' search documents (this one's and any queued beside
        # it), then the lookup in a snapshot read, which holds no lock.
        reqs.index_captures(store=deps.capture())
        with deps.read() as session:
            alike = duplicates.similar(
                session=session, actor=actor, text=req.title, exclude_id=req.id, limit=1
            )
        return dup_views.hint_blocks(req.number, alike[0]) if alike else []

    today = call.today

    def card() -> tuple[str, list[Block]]:
        stored = req.requirement()
        return views.card_text(stored), views.card(stored, today=today)

    # The ack stays empty; the card is built and posted (and its ts kept) right after it.
    post_card(call, ref=req.ref, make=card, extra=extra, later=hint)
    return None


def verb_list(call: Call) -> Block:
    """This channel's requirements (or your own everywhere)."""
    flt = parse_list_filter(call.rest)
    with call.read() as session:
        page = reqs.find(session=session, actor=call.actor, flt=flt)
    return views.listing_message(
        page, pager={"v": "list", "q": call.rest}, mine=flt.mine, today=call.today
    )


def verb_show(call: Call) -> Block:
    """The card and its latest changes, their times in the person's own zone."""
    call.dates()  # the person's zone (from the people table; asked of Slack once)
    with call.read() as session:
        d = reqs.show(session=session, actor=call.actor, number=_ref(call, "/req show REQ-3"))
    return message(
        views.card_text(d.requirement),
        views.detail(
            d.requirement, d.changes, today=call.today, zone=call.actor.zone, outcome=d.outcome
        ),
    )


def verb_status(call: Call) -> Block | None:
    """Move to a status; closing goes through the permission check after the ack."""
    number = _ref(call, "/req status REQ-3 in_progress")
    if len(call.args) < 2:
        raise InvalidInput(f"Which status? Type `/req status REQ-{number} in_progress`.")
    status = parse_status(" ".join(call.args[1:]))
    _after_ack(
        call,
        "is now " + views.status_label(status),
        lambda session, now, is_admin: req_changes.set_status(
            session=session,
            actor=call.actor,
            now=now,
            number=number,
            status=status,
            is_admin=is_admin,
        ),
    )
    return None


def verb_close(call: Call) -> Block | None:
    """Close as done (default) or rejected, with a reason."""
    number = _ref(call, "/req close REQ-3 done shipped in 2.4")
    outcome, reason = "done", call.args[1:]
    if reason and reason[0].lower() in ("done", "rejected", "reject"):
        outcome = parse_status(reason[0])
        reason = reason[1:]
    why = plain(" ".join(reason)) or None
    _after_ack(
        call,
        "is closed",
        lambda session, now, is_admin: req_changes.close(
            session=session,
            actor=call.actor,
            now=now,
            number=number,
            outcome=outcome,
            reason=why,
            is_admin=is_admin,
        ),
    )
    return None


def _after_ack(
    call: Call, what: str, change: Callable[[Session, datetime, AdminCheck], reqs.Requirement]
) -> None:
    """Permission checks may ask Slack who is an admin: do that after the ack. A refusal
    hands the command back, so the person can pass it on to whoever may run it."""
    deps = deps_of(call.context)
    is_admin = slack_api.admin_check(call.client)
    typed = retype("/req", call.text)

    def work() -> None:
        try:
            with deps.transaction() as session:
                req = change(session, deps.clock.now(), is_admin)
        except NotAllowed as refused:
            refused.quote = f"Your command, to pass on: {typed}"
            raise
        call.respond(**_updated(req, call, what), replace_original=False)

    deps.defer(work, answer=ephemeral(call.respond))


def verb_assign(call: Call) -> Block:
    """Give it an owner."""
    number = _ref(call, "/req assign REQ-3 @bob")
    owner = parse_user(call.args[1]) if len(call.args) > 1 else None
    if owner is None:
        raise InvalidInput(
            f"Assign to whom? Type `/req assign REQ-{number} @bob` and pick the person from "
            "the autocomplete."
        )
    with call.transaction() as session:
        req = req_changes.assign(
            session=session, actor=call.actor, now=call.now, number=number, owner_id=owner
        )
    return _updated(req, call, f"is now owned by <@{owner}>")


def verb_priority(call: Call) -> Block:
    """Change the priority."""
    number = _ref(call, "/req priority REQ-3 P1")
    typed = call.args[1] if len(call.args) > 1 else ""
    prio = parse_priority(typed)
    if prio is None:
        said = f"`{echo(typed, 20)}` is not a priority; use" if typed else "Give a priority"
        raise InvalidInput(
            f"{said} P0, P1, P2 or P3 (P0 is the highest): "
            f"`/req priority REQ-{number} {nearest_priority(typed)}`."
        )
    with call.transaction() as session:
        req = req_changes.set_priority(
            session=session, actor=call.actor, now=call.now, number=number, priority=prio
        )
    return _updated(req, call, f"is now {prio}")


def verb_due(call: Call) -> Block:
    """Set the due date."""
    number = _ref(call, "/req due REQ-3 friday")
    if len(call.args) < 2:
        raise InvalidInput(
            f"When is it due? Type `/req due REQ-{number} friday` or a date like "
            f"`{example_date(call.today).isoformat()}`."
        )
    said = " ".join(call.args[1:])
    read = read_date(said, context=call.dates())
    due = read.value
    with call.transaction() as session:
        req = req_changes.set_due(
            session=session, actor=call.actor, now=call.now, number=number, due=due
        )
    what = f"is due {say_date(due, today=call.today)}"
    return _updated(req, call, what + (f" (`{echo(said, 40)}` {read.note})" if read.note else ""))


def verb_vote(call: Call) -> Block:
    """+1."""
    with call.transaction() as session:
        req = req_changes.vote(
            session=session, actor=call.actor, now=call.now, number=_ref(call, "/req vote REQ-3")
        )
    return _updated(req, call, f"has your vote ({req.votes} in all)")


def verb_help(call: Call) -> Block:
    """The verbs, with examples."""
    return message("How to use /req", views.help_blocks())


VERBS: dict[str, Callable[[Call], Block | None]] = {
    "new": verb_new,
    "list": verb_list,
    "ls": verb_list,
    "show": verb_show,
    "status": verb_status,
    "assign": verb_assign,
    "priority": verb_priority,
    "due": verb_due,
    "close": verb_close,
    "vote": verb_vote,
    "search": search_cmd.verb(("requirement",)),
    "merge": verb_merge,
    "help": verb_help,
}
