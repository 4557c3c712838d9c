"""The one router every slash command uses: the first word is the verb, each verb a function.

A command is a table of verbs and a one-line listener that calls `route`. A command whose
text may start with anything (`/feedback <text>`, `/blocker <text>`) names a `default` verb
that receives the whole text when the first word is not one of its verbs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps, Session
from bot.parsing.dates import DateContext
from bot.parsing.slack_text import normalize
from bot.parsing.verbs import looks_like_verb, nearest
from bot.services import deliveries, people, reach
from bot.services.actor import Actor
from bot.views import reach as reach_views
from bot.views import verbs as verb_views
from bot.views.blocks import Block
from handlers import slack_api
from handlers.common import actor_of, deps_of, ephemeral, team_of
from handlers.names import named


@dataclass
class Call:
    """One slash command invocation, parsed just enough to route it."""

    actor: Actor
    args: list[str]
    rest: str
    context: BoltContext
    client: WebClient
    respond: Respond
    trigger_id: str
    # The whole text after the command, verb included (for a command's default verb).
    text: str = ""
    # What identifies this delivery when it is not the trigger id (a pressed *Run* button
    # of "Did you mean …?": the answer message it was pressed on, so a double press counts once).
    delivery: str | None = None
    _dates: DateContext | None = field(default=None, repr=False)

    @property
    def deps(self) -> Deps:
        """The listener's dependencies."""
        return deps_of(self.context)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: `with call.transaction() as session: svc.fn(session=session, …)`."""
        with self.deps.transaction() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (no write lock): for lists, lookups and status."""
        with self.deps.read() as session:
            yield session

    def first_time(self, session: Session) -> bool:
        """Record this invocation's trigger id in `session`'s transaction; False when the
        same command was delivered before (its create must not run twice)."""
        return deliveries.first_time(
            session=session, team_id=self.actor.team_id, key=self.delivery_key, now=self.now
        )

    @property
    def delivery_key(self) -> str | None:
        """What identifies this delivery: the *Run* button's key, else the trigger id."""
        return self.delivery or (f"trigger:{self.trigger_id}" if self.trigger_id else None)

    @property
    def now(self) -> datetime:
        """The injected clock's now."""
        return self.deps.clock.now()

    @property
    def today(self) -> date:
        """Today in the actor's zone."""
        return self.actor.today(self.now)

    def dates(self) -> DateContext:
        """How this person's dates read: today in their own Slack zone, numeric dates in their
        locale's order (else TEAMLOOP_TIMEZONE / TEAMLOOP_DATE_ORDER).

        Read from the people table on first use only (most commands have no date); from then
        on `actor.zone` is the person's zone too, so "in the past" checks agree. A person whose
        locale is not stored yet is looked up with users.info after the ack. Kept in
        `deps.writing` for 5 minutes: a zone changed in Slack counts within that."""
        if self._dates is None:
            settings, who = self.deps.settings, (self.actor.team_id, self.actor.user_id)
            writing = self.deps.writing.get(who)
            if writing is None:
                with self.read() as session:
                    writing = people.writing_of(
                        session=session,
                        team_id=self.actor.team_id,
                        user_id=self.actor.user_id,
                        default_zone=settings.zone,
                        default_order=settings.teamloop_date_order,
                    )
                if writing.locale_known:  # else: asked below, and read again next time
                    self.deps.writing.put(who, writing)
            self.actor = replace(self.actor, zone=writing.zone)
            self._dates = DateContext(today=self.today, order=writing.order)
            if not writing.locale_known:
                deps, client, actor = self.deps, self.client, self.actor
                deps.defer(
                    lambda: slack_api.learn_person(client, deps, actor.team_id, actor.user_id),
                    answer=None,
                )
        return self._dates


Verb = Callable[[Call], Block | None]


def parse_call(
    command: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> tuple[str, Call]:
    """The verb (first word, lower case) and the rest of a slash command."""
    text = normalize(command.get("text") or "").strip()
    # Bare `<@U1>` / `<#C1>` get their names before any verb decodes the text.
    text = named(text, deps=deps_of(context), client=client, team_id=team_of(context))
    verb, _, rest = text.partition(" ")
    actor = actor_of(context, user_id=command["user_id"], channel_id=command["channel_id"])
    call = Call(
        actor,
        rest.split(),
        rest.strip(),
        context,
        client,
        respond,
        command.get("trigger_id", ""),
        text=text,
        delivery=command.get(DELIVERY_KEY),
    )
    return verb.lower(), call


ALREADY_DONE = "Already saved: Slack delivered this command twice, and it counts once."
# A key of the command dict that only teamloop's own *Run* button sets (see `Call.delivery`).
DELIVERY_KEY = "teamloop_delivery"


def unknown_verb(
    name: str, call: Call, verb: str, verbs: Mapping[str, Verb], default: Verb | None
) -> Block:
    """The answer to an unknown verb: the nearest one, what was typed (so nothing is lost),
    and a button that runs the nearest verb with the same text. No verb near it, and more
    words after it (`/req Ship pricing page P1`: the verb forgotten), the guess is `new`
    with the whole text, where the command has one."""
    guess, rest = nearest(verb, verbs), call.rest
    if guess is None and default is None and "new" in verbs and call.rest:
        guess, rest = "new", call.text
    return verb_views.unknown_verb(
        name=name,
        verb=verb,
        typed=call.text,
        guess=guess,
        rest=rest,
        has_default=default is not None,
    )


def route(
    verbs: Mapping[str, Verb],
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    *,
    default: Verb | None = None,
    words_only: bool = False,
) -> None:
    """Run the command's verb (`help` when none) and ack with its answer.

    Text that starts like a verb the command lacks is refused with the nearest verb, not
    handed to `default`, unless `words_only` (every word is a search word, as in `/search`).
    """
    verb, call = parse_call(command, context, client, respond)
    handler = verbs.get(verb or "help")
    guessed = not words_only and looks_like_verb(call.text.split(), verbs)
    if handler is None and default is not None and not guessed:
        handler = default
    if handler is None:
        ack(unknown_verb(command.get("command", ""), call, verb, verbs, default))
        return
    answer = handler(call)
    if answer is None:
        ack()
    else:
        ack(answer)


def unreachable_here(deps: Deps, actor: Actor, respond: Respond, code: str) -> None:
    """Slack refused a post in the command's channel with `code` (a capture's card, which
    then went through the response_url): record it, so the channel gets no digest or
    reminders that could never post, and tell the person at once what to do (the first time
    only; later captures there say nothing more). Runs after the ack; takes only what it
    uses, not the `Call` (work queued after a burst of acks keeps what it holds alive)."""
    with deps.transaction() as session:
        first = reach.known(session=session, team_id=actor.team_id, channel_id=actor.channel_id)
        reach.learn(
            session=session,
            team_id=actor.team_id,
            channel_id=actor.channel_id,
            error=code,
            now=deps.clock.now(),
            zone=deps.settings.zone.key,
        )
    if first is None:
        ephemeral(respond)(reach_views.no_schedules_here(code))
