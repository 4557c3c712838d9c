"""`/req`: the first word is the verb; each verb is a short function (parse, call, answer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.parsing import (
    parse_capture,
    parse_date,
    parse_list_filter,
    parse_priority,
    parse_ref,
    parse_status,
    parse_user,
    shorten,
)
from bot.services import duplicates
from bot.services import requirements as reqs
from bot.services.actor import Actor
from bot.views import duplicates as dup_views
from bot.views import requirements as views
from bot.views.blocks import Block, message
from handlers.commands import search as search_cmd
from handlers.commands.merge import verb_merge
from handlers.common import actor_of, admin_check, deps_of, ephemeral


@dataclass
class Call:
    """One `/req` invocation, parsed just enough to route it."""

    actor: Actor
    args: list[str]
    rest: str
    context: BoltContext
    client: WebClient
    respond: Respond
    trigger_id: str

    def run(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a service in one transaction as this actor, now."""
        deps = deps_of(self.context)
        return deps.run(fn, actor=self.actor, **kwargs)

    @property
    def now(self) -> Any:
        return deps_of(self.context).clock.now()

    @property
    def today(self) -> Any:
        return self.actor.today(self.now)


def parse_call(
    command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> tuple[str, Call]:
    """The verb (first word, lower case) and the rest of a slash command."""
    text = (command.get("text") or "").strip()
    verb, _, rest = text.partition(" ")
    actor = actor_of(context, user_id=command["user_id"], channel_id=command["channel_id"])
    call = Call(
        actor, rest.split(), rest.strip(), context, client, respond, command.get("trigger_id", "")
    )
    return verb.lower(), call


def route(
    verbs: dict[str, Callable[[Call], Block | None]],
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
) -> None:
    """Run the command's verb (`help` when none) and ack with its answer."""
    verb, call = parse_call(command, context, client, respond)
    handler = verbs.get(verb or "help")
    if handler is None:
        name = command.get("command", "")
        ack(message(f"I don't know `{name} {shorten(verb)}`. Type `{name} help` for the verbs."))
        return
    answer = handler(call)
    if answer is None:
        ack()
    else:
        ack(answer)


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
    return message(f"{req.ref} {what}.", views.card(req, today=call.today))


def verb_new(call: Call) -> Block | None:
    """Quick capture, or the form when no title was given."""
    if not call.rest:
        call.client.views_open(
            trigger_id=call.trigger_id, view=views.modal(channel_id=call.actor.channel_id)
        )
        return None
    cap = parse_capture(call.rest, today=call.today)
    now = call.now
    got = call.run(
        duplicates.capture,
        now=now,
        title=cap.title,
        priority=cap.priority,
        owner_id=cap.owner_id,
        due=cap.due,
        labels=cap.labels,
    )
    req, blocks = got.requirement, views.card(got.requirement, today=call.today)
    if got.looks_like is not None:
        blocks += dup_views.hint_blocks(req.number, got.looks_like)
    return message(views.card_text(req), blocks, in_channel=True)


def verb_list(call: Call) -> Block:
    """This channel's requirements (or your own everywhere)."""
    flt = parse_list_filter(call.rest)
    page = call.run(reqs.find, flt=flt)
    return views.listing_message(
        page, pager={"v": "list", "q": call.rest}, mine=flt.mine, today=call.today
    )


def verb_show(call: Call) -> Block:
    """The card and its latest changes."""
    d = call.run(reqs.show, number=_ref(call, "/req show REQ-3"))
    return message(
        views.card_text(d.requirement),
        views.detail(d.requirement, d.changes, today=call.today, zone=call.actor.zone),
    )


def verb_status(call: Call) -> Block | None:
    """Move to a status; closing goes through the permission check after the ack."""
    number = _ref(call, "/req status REQ-3 in_progress")
    if len(call.args) < 2:
        raise InvalidInput("Which status? Type `/req status REQ-3 in_progress`.")
    status = parse_status(" ".join(call.args[1:]))
    _after_ack(
        call,
        "is now " + views.status_label(status),
        lambda now, is_admin: call.run(
            reqs.set_status, now=now, number=number, status=status, is_admin=is_admin
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
    why = " ".join(reason) or None
    _after_ack(
        call,
        "is closed",
        lambda now, is_admin: call.run(
            reqs.close, now=now, number=number, outcome=outcome, reason=why, is_admin=is_admin
        ),
    )
    return None


def _after_ack(call: Call, what: str, change: Callable[[Any, Any], Any]) -> None:
    """Permission checks may ask Slack who is an admin: do that after the ack."""
    deps = deps_of(call.context)
    is_admin = admin_check(call.client)

    def work() -> None:
        req = change(deps.clock.now(), is_admin)
        call.respond(**_updated(req, call, what), replace_original=False)

    deps.defer(work, answer=ephemeral(call.respond))


def verb_assign(call: Call) -> Block:
    """Give it an owner."""
    number = _ref(call, "/req assign REQ-3 @bob")
    owner = parse_user(call.args[1]) if len(call.args) > 1 else None
    if owner is None:
        raise InvalidInput(
            "Assign to whom? Type `/req assign REQ-3 @bob` and pick Bob from the autocomplete."
        )
    req = call.run(reqs.assign, now=call.now, number=number, owner_id=owner)
    return _updated(req, call, f"is now owned by <@{owner}>")


def verb_priority(call: Call) -> Block:
    """Change the priority."""
    number = _ref(call, "/req priority REQ-3 P1")
    prio = parse_priority(call.args[1]) if len(call.args) > 1 else None
    if prio is None:
        raise InvalidInput("Give a priority P0, P1, P2 or P3: `/req priority REQ-3 P1`.")
    req = call.run(reqs.set_priority, now=call.now, number=number, priority=prio)
    return _updated(req, call, f"is now {prio}")


def verb_due(call: Call) -> Block:
    """Set the due date."""
    number = _ref(call, "/req due REQ-3 friday")
    if len(call.args) < 2:
        raise InvalidInput(
            "When is it due? Type `/req due REQ-3 friday` or a date like `2026-12-04`."
        )
    due = parse_date(" ".join(call.args[1:]), today=call.today)
    req = call.run(reqs.set_due, now=call.now, number=number, due=due)
    return _updated(req, call, f"is due {due.isoformat()}")


def verb_vote(call: Call) -> Block:
    """+1."""
    req = call.run(reqs.vote, now=call.now, number=_ref(call, "/req vote REQ-3"))
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
