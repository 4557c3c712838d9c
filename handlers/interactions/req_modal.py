"""The requirement form: opened by `/req new` or the `capture_requirement` shortcut."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import FormErrors, InvalidInput
from bot.ids import ActionId, BlockId
from bot.parsing.common import first_line
from bot.parsing.messages import message_text
from bot.parsing.requirements import parse_label
from bot.parsing.slack_text import normalize
from bot.services import deliveries, duplicates
from bot.services import requirement_changes as req_changes
from bot.services import requirements as reqs
from bot.services.actor import Actor
from bot.views import duplicates as dup_views
from bot.views import requirements as views
from handlers import slack_api
from handlers.cards import confirm_capture, record_posted
from handlers.common import actor_of, day_of, delivery_key, deps_of, ephemeral, metadata_of
from handlers.names import namer


def handle_capture_shortcut(
    ack: Ack, shortcut: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Open the form prefilled from the message (saying which open requirements look like
    it); the permalink is fetched on submit."""
    ack()
    msg = shortcut.get("message") or {}
    text = message_text(msg, namer(context, client))
    channel = (shortcut.get("channel") or {}).get("id", "")
    actor = actor_of(context, user_id=shortcut["user"]["id"], channel_id=channel)
    source_ts = shortcut.get("message_ts") or msg.get("ts")
    with deps_of(context).read() as session:
        ref = reqs.captured_as(session=session, actor=actor, channel_id=channel, ts=source_ts)
        alike = (
            [] if ref else duplicates.similar(session=session, actor=actor, text=first_line(text))
        )
    if ref is not None:  # no form that could only be refused
        ephemeral(respond)(reqs.already_captured(ref))
        return
    client.views_open(
        trigger_id=shortcut["trigger_id"],
        view=views.modal(
            channel_id=channel,
            title=first_line(text),
            description=text,
            source_channel_id=channel,
            source_ts=source_ts,
            thread_ts=msg.get("thread_ts"),
            similar=[dup_views.looks_like(s) for s in alike],
        ),
    )


def _value(state: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    found = dict((state.get(block) or {}).get(action) or {})
    if isinstance(found.get("value"), str):
        found["value"] = normalize(found["value"])  # typed text: only stray spaces cleaned
    return found


def _labels(raw: str | None) -> list[str]:
    labels = []
    for word in (raw or "").replace(",", " ").split():
        label = parse_label(word if word.startswith("#") else "#" + word)
        if label is None:
            raise InvalidInput(
                f"`{word[:30]}` is not a label: use letters, digits and dashes.", field="labels"
            )
        labels.append(label)
    return labels


def _field_errors(
    actor: Actor,
    now: datetime,
    title: str,
    description: str,
    due_raw: Any,
    labels_raw: Any,
    chosen: dict[str, Any],
) -> dict[str, str]:
    """Every wrong field of the form, each with its message."""
    errors: dict[str, str] = {}
    due = None
    try:
        due = day_of(due_raw, field="due")
    except InvalidInput as exc:
        errors["due"] = exc.in_form
    try:
        _labels(labels_raw)
    except InvalidInput as exc:
        errors["labels"] = exc.in_form
    found = reqs.form_errors(
        actor=actor, now=now, title=title, description=description, due=due, **chosen
    )
    return {**found, **errors}


def handle_modal_submit(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Validate and store; errors show on the field, the card is posted after the ack."""
    meta = metadata_of(view)
    state = (view.get("state") or {}).get("values") or {}
    user_id = body["user"]["id"]
    actor = actor_of(context, user_id=user_id, channel_id=meta.get("channel", ""))
    deps = deps_of(context)
    due_raw = _value(state, BlockId.REQ_DUE, ActionId.REQ_DUE).get("selected_date")
    title = _value(state, BlockId.REQ_TITLE, ActionId.REQ_TITLE).get("value") or ""
    description = _value(state, BlockId.REQ_DESCRIPTION, ActionId.REQ_DESCRIPTION).get("value")
    labels_raw = _value(state, BlockId.REQ_LABELS, ActionId.REQ_LABELS).get("value")
    chosen = {
        "priority": (
            _value(state, BlockId.REQ_PRIORITY, ActionId.REQ_PRIORITY).get("selected_option") or {}
        ).get("value"),
        "owner_id": _value(state, BlockId.REQ_OWNER, ActionId.REQ_OWNER).get("selected_user"),
    }
    errors = _field_errors(
        actor, deps.clock.now(), title, description or "", due_raw, labels_raw, chosen
    )
    if errors:
        raise FormErrors(errors)
    with deps.transaction() as session:
        if not deliveries.first_time(
            session=session, team_id=actor.team_id, key=delivery_key(body), now=deps.clock.now()
        ):
            ack()  # the same submit pressed twice: the first one created it
            return
        req = reqs.create(
            session=session,
            actor=actor,
            now=deps.clock.now(),
            title=title,
            description=description or "",
            **chosen,
            due=day_of(due_raw, field="due"),
            labels=_labels(labels_raw),
            source_channel_id=meta.get("source_channel"),
            source_ts=meta.get("source_ts"),
        )
    ack()

    def announce() -> None:
        today = actor.today(deps.clock.now())
        if req.source_ts and req.source_channel_id:
            link = slack_api.permalink(client, channel=req.source_channel_id, ts=req.source_ts)
            with deps.transaction() as session:
                updated = req_changes.set_permalink(
                    session=session, actor=actor, number=req.number, permalink=link
                )
            posted = confirm_capture(
                deps,
                client,
                actor,
                ref=req.ref,
                thread_ts=meta.get("thread") or req.source_ts,
                text=views.confirmation(updated),
                blocks=views.card(updated, today=today),
            )
            record_posted(deps, posted, team_id=actor.team_id, ref=req.ref)
            return
        posted = confirm_capture(
            deps,
            client,
            actor,
            ref=req.ref,
            text=views.card_text(req),
            blocks=views.card(req, today=today),
        )
        record_posted(deps, posted, team_id=actor.team_id, ref=req.ref)

    deps.defer(announce, answer=None)
