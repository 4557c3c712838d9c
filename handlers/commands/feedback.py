"""`/feedback [anonymous] [kind] <text> [REQ-n]`, `list`, `replies <code>`, `help`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Session
from bot.parsing.anonymous import split_first, verdict
from bot.parsing.items import KINDS, split_item
from bot.services import duplicates, feedback, feedback_states
from bot.services.actor import Actor
from bot.views import duplicates as dup_views
from bot.views import items as views
from bot.views.blocks import Block, message
from handlers.cards import post_card
from handlers.commands import followthrough as follow
from handlers.commands import search as search_cmd
from handlers.commands.anonymous import anonymous_verb, replies
from handlers.commands.router import ALREADY_DONE, Call, Verb, route


def handle_feedback(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/feedback …`: a verb, or else the feedback itself."""
    route(VERBS, ack, command, context, client, respond, default=capture)


def capture(call: Call) -> Block | None:
    """`/feedback [kind] <text> [REQ-n]`: record it and post its card. `anonymous` (or a near
    miss of it) never falls through to a signed, public card."""
    word, rest = split_first(call.text)
    anon = verdict(word)
    if anon != "no":
        return anonymous_verb(call, anon, word, rest)
    words = call.text.split()
    kind = words[0].lower() if words and words[0].lower() in KINDS else None
    if kind:
        words = words[1:]
    # A mention in feedback is part of what was said ("thanks @bob"), never an owner.
    item = split_item(
        " ".join(words), example="/feedback The export is too slow REQ-3", owners=False
    )
    with call.transaction() as session:
        if not call.first_time(session):
            return message(ALREADY_DONE)
        fb = feedback.create(
            session=session,
            actor=call.actor,
            now=call.now,
            text=item.text,
            kind=kind,
            requirement_number=item.requirement,
        )
        suggested = (
            duplicates.suggest_requirement(session=session, actor=call.actor, text=fb.text)
            if item.requirement is None
            else None
        )
        state = feedback.state_text(session=session, fb=fb)
    linked = f"REQ-{item.requirement}" if item.requirement else None
    extra = dup_views.suggestion_blocks(fb.number, suggested) if suggested is not None else []
    post_card(
        call,
        ref=fb.ref,
        text=views.card_text(fb.ref, fb.text),
        blocks=views.feedback_card(fb, linked=linked, state=state),
        extra=extra,
    )
    return None


def list_recent(call: Call) -> Block | None:
    """`/feedback list`: the channel's latest (`list <words>` is feedback that says "list…")."""
    if call.args:
        return capture(call)
    with call.read() as session:
        rows = _recent_with_links(session=session, actor=call.actor)
    return message("Recent feedback", views.feedback_list(rows))


def _recent_with_links(
    *, session: Session, actor: Actor
) -> list[tuple[feedback.Feedback, str | None]]:
    rows = feedback.recent(session=session, actor=actor)
    out: list[tuple[feedback.Feedback, str | None]] = []
    for fb in rows:
        req = feedback.requirement_of(session=session, requirement_id=fb.requirement_id)
        out.append((fb, feedback_states.summary_of(fb, req)))
    return out


def show_help(call: Call) -> Block:
    """The verbs."""
    return views.help_message("How to use /feedback", views.FEEDBACK_HELP)


VERBS: dict[str, Verb] = {
    "help": show_help,
    "list": list_recent,
    "replies": replies,
    "search": search_cmd.verb(("feedback",)),
    "ack": lambda call: follow.ack(call, capture),
    "decline": lambda call: follow.decline(call, capture),
    "link": lambda call: follow.link(call, capture),
}
