"""`/standup`: schedule, questions, now, off, away, back, status, setup, help."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput, NotFound
from bot.parsing.dates import example_date, read_date, say_date
from bot.parsing.slack_text import echo
from bot.parsing.standups import parse_questions, parse_when
from bot.services import standup_runs, standups
from bot.views import standups as views
from bot.views.blocks import Block, message
from bot.views.items import help_message
from handlers import slack_api
from handlers.commands.router import Call, Verb, route
from handlers.common import deps_of, ephemeral


def handle_standup(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/standup <verb> …`."""
    route(VERBS, ack, command, context, client, respond)


def _later(call: Call, work: Callable[[], str | Block]) -> None:
    """Run `work` after the ack (it talks to Slack), then answer the person."""

    def run() -> None:
        result = work()
        body = message(result) if isinstance(result, str) else result
        call.respond(**body, replace_original=False)

    deps_of(call.context).defer(run, answer=ephemeral(call.respond))


def schedule(call: Call) -> None:
    """`schedule <days> <HH:MM> [<zone>|member-zones]`."""
    deps = deps_of(call.context)
    when = parse_when(call.args, default_zone=deps.settings.zone.key)

    def work() -> Block:
        # Nothing is scheduled where prompts' threads could never be posted.
        slack_api.require_reach(
            call.client,
            call.actor.channel_id,
            read=True,
            user=call.actor.user_id,
            deps=call.deps,
            team_id=call.actor.team_id,
        )
        members, skipped = slack_api.refresh_members(call.client, deps, call.actor)
        with call.transaction() as session:
            sched = standups.configure(
                session=session, actor=call.actor, now=call.now, when=when, members=members
            )
        with call.transaction() as session:
            state = standups.status(session=session, actor=call.actor, now=call.now)
        zone = "each person's own time zone" if when.zone is None else when.zone
        return message(
            f"Standup set: {views.describe(sched.weekdays)} at {sched.local_time}, {zone}."
            + slack_api.skipped_note(skipped),
            standups.status_blocks(state),
        )

    _later(call, work)


def questions(call: Call) -> Block:
    """`questions q1 | q2 | q3`."""
    asked = parse_questions(call.rest)
    with call.transaction() as session:
        standups.set_questions(session=session, actor=call.actor, now=call.now, questions=asked)
    listed = "\n".join(f"{n}. {q}" for n, q in enumerate(asked, 1))
    return message(f"From the next standup on, I will ask:\n{listed}")


def now(call: Call) -> None:
    """Prompt everyone now (members and their statuses refreshed first)."""
    deps = deps_of(call.context)
    with call.transaction() as session:
        standups.get(
            session=session, actor=call.actor
        )  # a clear answer before the ack when there is no standup

    def work() -> str:
        slack_api.require_reach(
            call.client,
            call.actor.channel_id,
            read=True,
            user=call.actor.user_id,
            deps=call.deps,
            team_id=call.actor.team_id,
        )
        _members, skipped = slack_api.refresh_members(call.client, deps, call.actor)
        with call.transaction() as session:
            sched = standups.get(session=session, actor=call.actor)
        with deps.transaction() as session:
            _run, queued, held = standup_runs.start_now(
                session=session, schedule=sched, now=call.now
            )
        note = slack_api.skipped_note(skipped)
        return views.asked_now(queued, held) + note

    _later(call, work)


def off(call: Call) -> Block:
    """Stop the schedule."""
    with call.transaction() as session:
        switched = standups.switch_off(session=session, actor=call.actor, now=call.now)
    if not switched:
        return message("There is no standup running here. `/standup status` shows its settings.")
    return message(
        "Standup switched off. Answers so far are kept; `/standup schedule …` restarts it."
    )


def away(call: Call) -> Block:
    """`away until <date>`."""
    words = call.args[1:] if call.args[:1] == ["until"] else call.args
    if not words:
        raise InvalidInput(
            "Until when? Type `/standup away until friday` (or a date: `until "
            f"{example_date(call.today).isoformat()}`)."
        )
    read = read_date(" ".join(words), context=call.dates())
    until = read.value
    with call.transaction() as session:
        standups.set_away(session=session, actor=call.actor, now=call.now, until=until)
    how = f" (`{echo(' '.join(words), 40)}` {read.note})" if read.note else ""
    return message(
        f"Enjoy! No standup prompts until {say_date(until, today=call.today)} (included){how}. "
        "`/standup back` undoes it."
    )


def back(call: Call) -> Block:
    """Undo `away`."""
    with call.transaction() as session:
        standups.set_away(session=session, actor=call.actor, now=call.now, until=None)
    return message("Welcome back: you will get standup prompts again.")


def status(call: Call) -> Block:
    """The schedule, next prompt, today's counts."""
    with call.read() as session:
        state = standups.status(session=session, actor=call.actor, now=call.now)
    return message("Standup status", standups.status_blocks(state))


def setup(call: Call) -> None:
    """Open the settings form (the defaults when the channel has no standup yet)."""
    try:
        with call.transaction() as session:
            sched = standups.get(session=session, actor=call.actor)
    except NotFound:
        sched = None
    values = standups.setup_values(sched, default_zone=deps_of(call.context).settings.zone.key)
    view = views.setup_modal(channel_id=call.actor.channel_id, **values)
    call.client.views_open(trigger_id=call.trigger_id, view=view)


def help_(call: Call) -> Block:
    """The verbs."""
    return help_message("How to use /standup", views.STANDUP_HELP)


VERBS: dict[str, Verb] = {
    "schedule": schedule,
    "questions": questions,
    "now": now,
    "off": off,
    "away": away,
    "back": back,
    "status": status,
    "setup": setup,
    "help": help_,
}
