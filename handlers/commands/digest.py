"""`/digest`: now, schedule, off, reminders, status, help."""

from __future__ import annotations

import calendar
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.parsing.standups import parse_days, parse_when
from bot.scheduling.recurrence import CODES, DAILY, next_instant
from bot.services import calendar as work_calendar
from bot.services import digest_post, schedules
from bot.views import reach as reach_views
from bot.views import reminders as views
from bot.views import standups as standup_views
from bot.views.blocks import Block, message
from bot.views.items import help_message
from handlers import slack_api
from handlers.commands.router import Call, Verb, route
from handlers.common import deps_of, ephemeral

SCHEDULE_USAGE = "/digest schedule monday 09:00 Europe/Berlin"
REMINDERS_USAGE = "/digest reminders 09:00 Europe/Berlin"


def handle_digest(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Route `/digest <verb> …`."""
    route(VERBS, ack, command, context, client, respond)


def now(call: Call) -> None:
    """Post the digest now, after the ack: first whether the bot can post here at all (so a
    digest that would die in the outbox is never promised), then the digest is queued."""
    deps = deps_of(call.context)
    answer = ephemeral(call.respond)

    def work() -> None:
        slack_api.require_reach(
            call.client,
            call.actor.channel_id,
            read=False,
            user=call.actor.user_id,
            deps=call.deps,
            team_id=call.actor.team_id,
        )
        with deps.transaction() as session:
            digest_post.post_now(session=session, actor=call.actor, now=deps.clock.now())
        answer("Putting this channel's digest together; it will appear here in a moment.")

    deps.defer(work, answer=answer)


def _set_later(call: Call, kind: str, weekdays: str, local_time: str, zone: str, done: str) -> None:
    """After the ack: only where teamloop can post (no schedule that could never post), save
    the schedule, then answer `done`."""
    answer = ephemeral(call.respond)

    def work() -> None:
        slack_api.require_reach(
            call.client,
            call.actor.channel_id,
            read=False,
            user=call.actor.user_id,
            deps=call.deps,
            team_id=call.actor.team_id,
        )
        _set(call, kind, weekdays, local_time, zone)
        answer(done)

    deps_of(call.context).defer(work, answer=answer)


def _set(call: Call, kind: str, weekdays: str, local_time: str, zone: str) -> None:
    with call.transaction() as session:
        schedules.set_for_channel(
            session=session,
            actor=call.actor,
            kind=kind,
            weekdays=weekdays,
            local_time=local_time,
            zone=zone,
            now=call.now,
        )


def schedule(call: Call) -> None:
    """`schedule <weekday> <HH:MM> [<zone>]`."""
    if not call.args:
        raise InvalidInput(f"When? Type `{SCHEDULE_USAGE}`.")
    one_day = f"The digest is weekly: give one day, e.g. `{SCHEDULE_USAGE}`."
    weekday = parse_days(call.args[0], hint=one_day)
    if "," in weekday:
        raise InvalidInput(one_day)
    when = parse_when(call.args, default_zone=call.actor.zone.key, usage=SCHEDULE_USAGE)
    if when.zone is None:
        raise InvalidInput(f"Give a time zone like Europe/Berlin: `{SCHEDULE_USAGE}`.")
    day = calendar.day_name[CODES.index(weekday)]
    done = f"The weekly digest will be posted here on {day} at {when.local_time} ({when.zone})."
    _set_later(call, "digest", weekday, when.local_time, when.zone, done)


def off(call: Call) -> Block:
    """No weekly digest in this channel."""
    _off(call, "digest")
    return message("No weekly digest here any more. `/digest schedule …` turns it back on.")


def _off(call: Call, kind: str) -> None:
    with call.transaction() as session:
        schedules.turn_off(session=session, actor=call.actor, kind=kind, now=call.now)


def reminders(call: Call) -> Block | None:
    """`reminders <HH:MM> [<zone>]` or `reminders off`."""
    if call.args[:1] == ["off"]:
        _off(call, "reminders")
        return message(
            "No more daily reminders for this channel. `/digest reminders 09:00` restarts them."
        )
    when = parse_when(call.args, default_zone=call.actor.zone.key, usage=REMINDERS_USAGE)
    if when.zone is None:
        raise InvalidInput(f"Give a time zone like Europe/Berlin: `{REMINDERS_USAGE}`.")
    done = f"Daily reminders will run at {when.local_time} ({when.zone})."
    _set_later(call, "reminders", DAILY, when.local_time, when.zone, done)
    return None


def holidays(call: Call) -> Block:
    """`holidays <country code>` or `holidays off`: nobody here is messaged on those days."""
    if not call.args:
        raise InvalidInput(
            "Which country? Type `/digest holidays DE` (a two-letter code), or "
            "`/digest holidays off`."
        )
    country = None if call.args[0].lower() == "off" else work_calendar.check_country(call.args[0])
    with call.transaction() as session:
        work_calendar.set_country(
            session=session,
            team_id=call.actor.team_id,
            channel_id=call.actor.channel_id,
            country=country,
            by=call.actor.user_id,
            now=call.now,
        )
    if country is None:
        return message("No public holidays observed here any more.")
    return message(
        f"Public holidays of {country} are days off here: no standups, reminders or channel "
        "posts on them. `/digest holidays off` undoes it."
    )


def status(call: Call) -> Block:
    """Both schedules of this channel."""
    with call.read() as session:
        rows = schedules.channel_schedules(session=session, actor=call.actor)
    lines = []
    for kind, label in (("digest", "Weekly digest"), ("reminders", "Daily reminders")):
        sched = rows.get(kind)
        if sched is None:
            lines.append(
                f"*{label}:* the default (09:00 {call.actor.zone.key}) once this channel has items"
            )
        elif not sched.active and (sched.config or {}).get(schedules.PAUSED):
            why = reach_views.paused_why(sched.config[schedules.PAUSED])
            lines.append(f"*{label}:* paused: {why}")
        elif not sched.active:
            lines.append(f"*{label}:* off")
        else:
            nxt = min(
                next_instant(
                    weekdays=sched.weekdays, local_time=sched.local_time, zone=z, after=call.now
                )
                for z in sched.zones
            )
            lines.append(
                f"*{label}:* {standup_views.describe(sched.weekdays)} at {sched.local_time} "
                f"({sched.zones[0]}), next {nxt:%a %d %b %H:%M} UTC"
            )
    return message("\n".join(lines))


def help_(call: Call) -> Block:
    """The verbs."""
    return help_message("How to use /digest", views.DIGEST_HELP)


VERBS: dict[str, Verb] = {
    "now": now,
    "schedule": schedule,
    "off": off,
    "reminders": reminders,
    "holidays": holidays,
    "status": status,
    "help": help_,
}
