"""`/retro`: start, schedule, vote, action, done, actions, close, status, help."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput, NotAllowed
from bot.parsing.dates import say_date
from bot.parsing.requirements import parse_capture
from bot.parsing.slack_text import echo, retype
from bot.parsing.standups import parse_when
from bot.services import people, retro_actions, retro_board, retro_votes, retros, schedules
from bot.views import retros as views
from bot.views import standups as standup_views
from bot.views.blocks import Block, message
from bot.views.items import help_message
from handlers import slack_api
from handlers.commands.router import Call, Verb, route
from handlers.common import deps_of, ephemeral

START_USAGE = "/retro start in 2 days votes 3"
SCHEDULE_USAGE = "/retro schedule every 2 weeks friday 15:00 Europe/Berlin"
_IN = re.compile(r"^in\s+(\d{1,2})\s+(day|days|hour|hours)$")
_EVERY = re.compile(r"^every\s+(\d)\s+weeks?\s+")


def handle_retro(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/retro <verb> …`."""
    route(VERBS, ack, command, context, client, respond)


def _later(call: Call, work: Callable[[], str]) -> None:
    def run() -> None:
        call.respond(**message(work()), replace_original=False)

    deps_of(call.context).defer(run, answer=ephemeral(call.respond))


def _start_args(call: Call) -> tuple[timedelta, int]:
    """`[in N days|hours] [votes N]` in any order; anything else is refused, text kept."""
    rest, votes = call.rest.lower(), retros.DEFAULT_VOTES
    found = re.search(r"\bvotes\s+(\d{1,2})\b", rest)
    if found:
        votes, rest = int(found.group(1)), (rest[: found.start()] + rest[found.end() :]).strip()
    collect = retros.DEFAULT_COLLECT
    if rest:
        match = _IN.match(rest)
        if match is None:
            raise InvalidInput(
                f"I didn't understand `{echo(call.rest, 100)}`. Type `{START_USAGE}` (both "
                "parts optional; the collection lasts 2 days and everyone has 3 votes)."
            )
        amount, unit = int(match.group(1)), match.group(2)
        collect = timedelta(days=amount) if unit.startswith("day") else timedelta(hours=amount)
    if not 1 <= votes <= 10 or not timedelta(hours=1) <= collect <= timedelta(days=14):
        raise InvalidInput(
            f"Give 1 to 10 votes and 1 hour to 14 days, e.g. `{START_USAGE}`. "
            f"You typed: `/retro start {echo(call.rest, 100)}`."
        )
    return collect, votes


def start(call: Call) -> None:
    """Open a retro: members by DM (after the ack: it asks Slack who is here)."""
    collect, votes = _start_args(call)
    deps = deps_of(call.context)

    def work() -> str:
        slack_api.require_reach(
            call.client, call.actor.channel_id, read=True, user=call.actor.user_id
        )
        members, skipped = slack_api.refresh_members(call.client, deps, call.actor)
        with call.transaction() as session:
            _retro, queued = retros.start(
                session=session,
                team_id=call.actor.team_id,
                channel_id=call.actor.channel_id,
                facilitator_id=call.actor.user_id,
                members=members,
                now=call.now,
                collect_for=collect,
                votes_each=votes,
                zone=call.actor.zone,
                anonymous_min=deps.settings.teamloop_anon_min_members,
            )
        people_word = "person" if queued == 1 else "people"
        return (
            f"Retro open: I asked {queued} {people_word} by DM for items. "
            "`/retro vote` opens the voting early; `/retro close` ends it."
            + slack_api.skipped_note(skipped)
        )

    _later(call, work)


def schedule(call: Call) -> Block | None:
    """`schedule every 2 weeks friday 15:00 <zone>` or `schedule off`."""
    deps = deps_of(call.context)
    if call.rest.lower() == "off":
        with call.transaction() as session:
            off = schedules.switch_off(
                session=session, team_id=call.actor.team_id, channel_id=call.actor.channel_id,
                kind="retro", now=call.now,
            )  # fmt: skip
        return message("Retro schedule switched off." if off else "No retro is scheduled here.")
    text, every = call.rest, 1
    match = _EVERY.match(text.lower() + " ")
    if match:
        every, text = int(match.group(1)), text[match.end() :]
    if not 1 <= every <= 8:
        raise InvalidInput(f"Every 1 to 8 weeks, e.g. `{SCHEDULE_USAGE}`.")
    when = parse_when(text.split(), default_zone=deps.settings.zone.key, usage=SCHEDULE_USAGE)
    if when.zone is None:
        raise InvalidInput(f"A retro runs in one zone, e.g. `{SCHEDULE_USAGE}`.")

    def work() -> str:
        slack_api.require_reach(
            call.client, call.actor.channel_id, read=True, user=call.actor.user_id
        )
        members, _skipped = slack_api.refresh_members(call.client, deps, call.actor)
        with call.transaction() as session:
            schedules.upsert(
                session=session,
                team_id=call.actor.team_id,
                channel_id=call.actor.channel_id,
                kind="retro",
                weekdays=when.weekdays,
                local_time=when.local_time,
                zones=[str(when.zone)],
                now=call.now,
                config={"every_weeks": every, "members": members},
                actor_id=call.actor.user_id,
            )
        weeks = "every week" if every == 1 else f"every {every} weeks"
        days = standup_views.describe(when.weekdays)
        return (
            f"Retro scheduled {weeks}, {days} at {when.local_time} {when.zone}: each one "
            "collects items by DM for 2 days. `/retro schedule off` stops it."
        )

    _later(call, work)
    return None


def vote(call: Call) -> Block:
    """Close the collection now and post the board."""
    with call.transaction() as session:
        retro = retros.open_retro(
            session=session, team_id=call.actor.team_id, channel_id=call.actor.channel_id
        )
        if retro is None:
            raise InvalidInput("There is no open retro here. Type `/retro start` first.")
        retros.require_facilitator(retro, call.actor.user_id)
        retros.open_voting(session=session, retro=retro, now=call.now)
    return message("Voting is open: the board is in the retro's thread.")


def action(call: Call) -> Block:
    """`action <text> [@owner] [due <date>]`: ACT-n."""
    if not call.rest:
        raise InvalidInput(
            "Say what the action is: `/retro action Fix the flaky deploy @bob due friday`."
        )
    dates = call.dates()
    try:
        capture = parse_capture(call.rest, today=dates.today, order=dates.order)
    except InvalidInput as exc:  # the requirement grammar's answer, told for this command
        raise InvalidInput(exc.message.replace("`/req new ", "`/retro action ")) from exc
    try:
        with call.transaction() as session:
            act = retro_actions.create(
                session=session,
                actor=call.actor,
                now=call.now,
                text=capture.title,
                owner_id=capture.owner_id,
                due=capture.due,
            )
            ref = act.ref
    except NotAllowed as refused:  # not the facilitator: the action is kept, to pass on
        refused.quote = f"Your action, to pass on: {retype('/retro action', call.rest)}"
        raise
    owner = f" for <@{capture.owner_id}>" if capture.owner_id else ""
    due = f", due {say_date(capture.due, today=dates.today)}" if capture.due else ""
    if capture.due_note:  # a reading open to doubt is said, as on a requirement's card
        due += f" (`{echo(capture.due_text, 40)}` {capture.due_note})"
    return message(f"Added {ref}{owner}{due}.")


def _act_number(call: Call) -> int:
    match = re.fullmatch(r"(?i)(?:act-)?(\d{1,9})", call.args[0] if call.args else "")
    if match is None:
        raise InvalidInput(
            f"Which action? Type `/retro done ACT-3`. You typed: `/retro {echo(call.text, 100)}`."
        )
    return int(match.group(1))


def done(call: Call) -> Block:
    """`done ACT-n`."""
    number = _act_number(call)
    with call.transaction() as session:
        act = retro_actions.mark_done(
            session=session, actor=call.actor, now=call.now, number=number
        )
        ref = act.ref
    return message(f"{ref} is done. Thanks!")


def list_actions(call: Call) -> Block:
    """`actions`: the channel's open ones."""
    with call.transaction() as session:
        acts = retro_actions.open_of(
            session=session, team_id=call.actor.team_id, channel_id=call.actor.channel_id
        )
        owners = sorted({a.owner_id for a in acts if a.owner_id})
        known = people.known(session=session, team_id=call.actor.team_id, user_ids=owners)
        names = {u: people.name_of(known, u) for u in owners}
        text = views.actions_list(acts, names, call.today)
    return message(text)


def close(call: Call) -> Block:
    """Close the open retro and post its summary."""
    with call.transaction() as session:
        retro = retros.open_retro(
            session=session, team_id=call.actor.team_id, channel_id=call.actor.channel_id
        )
        if retro is None:
            raise InvalidInput("There is no open retro here. `/retro status` shows the last one.")
        retros.close(session=session, retro=retro, user_id=call.actor.user_id, now=call.now)
    return message("Retro closed: the summary is in the channel.")


def status(call: Call) -> Block:
    """Where the channel's retro is."""
    with call.transaction() as session:
        retro = retros.current(session=session, actor=call.actor)
        board = retro_board.board_of(session=session, retro=retro)
        voters = len(retro_votes.voters(session=session, retro=retro))
        text = views.status_text(retro, items=len(board.items), voters=voters)
    return message(text)


def help_(call: Call) -> Block:
    """The verbs."""
    return help_message("How to use /retro", views.RETRO_HELP)


VERBS: dict[str, Verb] = {
    "start": start,
    "schedule": schedule,
    "vote": vote,
    "action": action,
    "done": done,
    "actions": list_actions,
    "close": close,
    "status": status,
    "help": help_,
}
