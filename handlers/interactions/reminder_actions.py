"""Buttons on reminder DMs: Snooze 1 day, Resolve/Done/Close, Reassign (with its form)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import InvalidInput
from bot.ids import ActionId
from bot.services import cards, nudges
from bot.services.actor import Actor
from bot.views import reminders as views
from handlers import slack_api
from handlers.common import actor_of, deps_of, ephemeral, form_values, metadata_of


def _target(body: dict[str, Any]) -> tuple[str, str]:
    ref, _, channel = str(body["actions"][0]["value"]).partition("|")
    return ref, channel


def _stale(
    context: BoltContext, actor: Actor, ref: str, respond: Respond, body: dict[str, Any]
) -> bool:
    """Refuse a button of a reminder that no longer applies (the item was closed or handed
    to someone else since), with a short answer saying what happened; True when refused."""
    deps = deps_of(context)
    with deps.transaction() as session:
        why = cards.stale_reason(
            session=session,
            team_id=actor.team_id,
            ref=ref,
            user_id=actor.user_id,
            zone=deps.settings.zone,
            # A lead's Home tab reassigns items that are not theirs; a reminder is the owner's.
            check_owner=str((body.get("channel") or {}).get("id", "")).startswith("D"),
        )
    if why is not None:
        ephemeral(respond)(why)
    return why is not None


def handle_snooze(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """No reminders about the item for a day."""
    ack()
    ref, channel = _target(body)
    deps = deps_of(context)
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    if _stale(context, actor, ref, respond, body):
        return
    with deps.transaction() as session:
        until = nudges.snooze(session=session, actor=actor, now=deps.clock.now(), ref=ref)
    ephemeral(respond)(f"Snoozed {ref}: no reminders about it until {until:%a %d %b %H:%M} UTC.")


def handle_stop(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """No more reminders about the item to this person."""
    ack()
    ref, channel = _target(body)
    deps = deps_of(context)
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    if _stale(context, actor, ref, respond, body):
        return
    with deps.transaction() as session:
        nudges.stop(session=session, actor=actor, now=deps.clock.now(), ref=ref)
    ephemeral(respond)(f"OK, no more reminders to you about {ref}. The digest still lists it.")


def handle_done(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Resolve the blocker, finish the requirement or close the risk."""
    ack()
    ref, channel = _target(body)
    deps, is_admin = deps_of(context), slack_api.admin_check(client)
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    if _stale(context, actor, ref, respond, body):
        return

    def work() -> None:
        with deps.transaction() as session:
            said = nudges.finish(
                session=session, actor=actor, now=deps.clock.now(), ref=ref, is_admin=is_admin
            )
        ephemeral(respond)(said)

    deps.defer(work, answer=ephemeral(respond))


def handle_reassign(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Ask who should own it."""
    ack()
    ref, channel = _target(body)
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    if _stale(context, actor, ref, respond, body):
        return
    client.views_open(trigger_id=body["trigger_id"], view=views.reassign_modal(ref, channel))


def handle_reassign_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Give the item its new owner; the person who reassigned it is told."""
    meta = metadata_of(view)
    owner = form_values(view).get(ActionId.REM_OWNER)
    if not owner:
        raise InvalidInput("Pick the new owner.", field="owner")
    deps = deps_of(context)
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=meta.get("channel", ""))
    with deps.transaction() as session:
        said = nudges.reassign(
            session=session, actor=actor, now=deps.clock.now(), ref=meta["ref"], owner_id=owner
        )
    ack()
    deps.worker.submit(slack_api.post, client, channel=actor.user_id, text=said)
