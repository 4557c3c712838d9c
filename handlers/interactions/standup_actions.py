"""Standup buttons and forms: Answer, Skip today, the answer modal and the setup modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.ids import ActionId, BlockId
from bot.parsing.standups import MEMBER_ZONES, When, parse_questions, parse_zone
from bot.services import standup_answers, standups
from bot.views import standups as views
from handlers import slack_api
from handlers.common import (
    actor_of,
    deps_of,
    ephemeral,
    form_values,
    metadata_of,
    team_of,
    whole,
)


def _run_id(body: dict[str, Any]) -> int:
    return whole(body["actions"][0].get("value"))


def handle_answer_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Open the answer form (prefilled when editing; last plan as context)."""
    deps = deps_of(context)
    # Looked up before the ack, so a run that is gone gets a clear answer instead of nothing.
    with deps.transaction() as session:
        form = standup_answers.answer_form(
            session=session,
            team_id=team_of(context),
            run_id=_run_id(body),
            user_id=body["user"]["id"],
        )
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=views.answer_modal(**form))


def handle_pause_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """*Pause my standups*: no prompts until `/standup back`."""
    ack()
    deps = deps_of(context)
    channel = str(body["actions"][0]["value"])
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    with deps.transaction() as session:
        standups.pause(session=session, actor=actor, now=deps.clock.now())
    ephemeral(respond)("Paused: no standup prompts until you type `/standup back`.")


def handle_skip_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """Skip today: no reminder, and the channel's count says so."""
    ack()
    deps = deps_of(context)

    def work() -> None:
        with deps.transaction() as session:
            standup_answers.skip(
                session=session,
                team_id=team_of(context),
                run_id=_run_id(body),
                user_id=body["user"]["id"],
                now=deps.clock.now(),
            )

    deps.defer(work, answer=ephemeral(respond))


def handle_answer_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    """Record the answers; the thread reply and counts follow through the outbox."""
    meta = metadata_of(view)
    values = form_values(view)
    count = sum(1 for key in values if key.startswith(ActionId.STANDUP_Q))
    answers = [str(values.get(f"{ActionId.STANDUP_Q}{n}") or "") for n in range(count)]
    deps = deps_of(context)
    with deps.transaction() as session:
        standup_answers.answer(
            session=session,
            team_id=team_of(context),
            run_id=whole(meta.get("run")),
            user_id=body["user"]["id"],
            answers=answers,
            now=deps.clock.now(),
        )
    ack()


def handle_setup_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Save the settings form: checked here, stored after the ack (it asks Slack for zones)."""
    meta = metadata_of(view)
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=meta.get("channel", ""))
    values = form_values(view)
    days = values.get(ActionId.SU_DAYS) or []
    if not days:
        raise InvalidInput("Pick at least one day.", field=BlockId.SU_DAYS)
    zone_text = str(values.get(ActionId.SU_ZONE) or "").strip()
    try:
        zone = None if zone_text.lower() == MEMBER_ZONES else parse_zone(zone_text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=BlockId.SU_ZONE) from exc
    participants = list(values.get(ActionId.SU_PARTICIPANTS) or [])
    if not participants:
        raise InvalidInput("Pick who takes part.", field=BlockId.SU_PARTICIPANTS)
    try:
        asked = parse_questions("|".join(str(values.get(ActionId.SU_QUESTIONS) or "").splitlines()))
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=BlockId.SU_QUESTIONS) from exc
    when = When(",".join(days), str(values.get(ActionId.SU_TIME) or "09:30"), zone)
    reminder = whole(values.get(ActionId.SU_REMINDER) or 120, low=0, high=24 * 60)
    ack()
    deps = deps_of(context)

    def work() -> None:
        slack_api.refresh_people(client, deps, actor.team_id, participants)
        with deps.transaction() as session:
            standups.configure(
                session=session,
                actor=actor,
                now=deps.clock.now(),
                when=when,
                participants=participants,
                questions=asked,
                reminder_minutes=reminder,
            )
        slack_api.post_ephemeral(
            client,
            channel=actor.channel_id,
            user=actor.user_id,
            text=f"Standup saved: {views.describe(when.weekdays)} at {when.local_time}.",
        )

    deps.defer(work, answer=None)


def handle_not_blocker_button(
    ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """*Not a blocker* under a standup answer: its author takes the blocker back."""
    ack()
    deps = deps_of(context)
    run_id, _, author = str(body["actions"][0].get("value") or "").partition(":")
    answer = ephemeral(respond)
    if not run_id.isdigit() or not author:
        answer("That button is out of date. Type `/blocker list` to see the open blockers.")
        return

    def work() -> None:
        with deps.transaction() as session:
            blocker = standup_answers.not_a_blocker(
                session=session,
                team_id=team_of(context),
                run_id=int(run_id),
                author_id=author,
                user_id=body["user"]["id"],
                now=deps.clock.now(),
            )
        answer(f"{blocker.ref} is gone: your answer is not a blocker. Nothing will remind you.")

    deps.defer(work, answer=answer)
