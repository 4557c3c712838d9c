"""Helpers every listener shares: deps, the acting person, answers, the admin check."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import BoltContext

from bot.deps import Deps
from bot.errors import InvalidInput
from bot.parsing.slack_text import normalize
from bot.services.actor import Actor
from bot.views.blocks import message

log = logging.getLogger(__name__)


def deps_of(context: BoltContext) -> Deps:
    """The app's shared dependencies."""
    deps: Deps = context["deps"]
    return deps


def actor_of(context: BoltContext, *, user_id: str, channel_id: str) -> Actor:
    """Who is acting and where, in the workspace's default zone."""
    deps = deps_of(context)
    # Every row is scoped by workspace; never store one under an empty team.
    team_id = team_of(context)
    return Actor(team_id=team_id, user_id=user_id, channel_id=channel_id, zone=deps.settings.zone)


def team_of(context: BoltContext) -> str:
    """The request's workspace; every row is scoped by it, so a request without one fails."""
    if not context.team_id:
        raise RuntimeError("request without a team id")
    return context.team_id


def action_of(body: dict[str, Any], context: BoltContext) -> tuple[Actor, dict[str, Any]]:
    """Who clicked, in which channel, and the action they clicked."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )
    actor = actor_of(context, user_id=body["user"]["id"], channel_id=channel)
    return actor, body["actions"][0]


STALE = "That button or form is out of date. Type the command again for a fresh one."
ID_MAX = 999_999_999


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    """A view's `private_metadata` as a dict; broken or forged metadata is a short answer
    (and a WARNING), never a traceback."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = None
    if not isinstance(meta, dict):
        log.warning("malformed private_metadata on view %s", view.get("callback_id"))
        raise InvalidInput(STALE)
    return meta


def whole(raw: Any, *, low: int = 1, high: int = ID_MAX, field: str | None = None) -> int:
    """A whole number from an interaction value (an id, an offset, a score), within
    `low`..`high`; anything else is a short answer and a WARNING."""
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        log.warning("malformed interaction value %r", str(raw)[:40])
        raise InvalidInput(STALE, field=field)
    return number


def day_of(raw: str | None, *, field: str) -> date | None:
    """A datepicker's `YYYY-MM-DD` (None when empty); a malformed one is a field error."""
    if not raw:
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        log.warning("malformed date value %r", str(raw)[:40])
        raise InvalidInput("Pick the date from the calendar.", field=field) from None


def number_of(action: dict[str, Any]) -> int:
    """The item number a button or select carries (`3` or `3:done`)."""
    raw = action.get("value") or (action.get("selected_option") or {}).get("value", "")
    return whole(str(raw).split(":", 1)[0])


def ephemeral(respond: Callable[..., Any]) -> Callable[[str], None]:
    """An `answer(text)` that replies only to the person, via the response_url."""

    def answer(text: str) -> None:
        respond(**message(text), replace_original=False)

    return answer


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery of an interaction or command: a view's id and hash (the
    same submit pressed twice), else the trigger id; None when the payload has neither."""
    view = body.get("view") or {}
    if body.get("type") == "view_submission" and view.get("id"):
        return f"view:{view['id']}:{view.get('hash', '')}"
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if trigger else None


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted modal's values by action id (text, user, date, time, option, or lists)."""
    values: dict[str, Any] = {}
    for block in ((view.get("state") or {}).get("values") or {}).values():
        for action_id, element in block.items():
            if "selected_options" in element:
                values[action_id] = [o["value"] for o in element["selected_options"] or []]
            elif "selected_users" in element:
                values[action_id] = list(element["selected_users"] or [])
            elif element.get("type") == "plain_text_input":
                # Typed text arrives as typed (not escaped); only stray spaces are cleaned.
                values[action_id] = normalize(element["value"]) if element.get("value") else None
            else:
                values[action_id] = (
                    element.get("value")
                    or element.get("selected_user")
                    or element.get("selected_date")
                    or element.get("selected_time")
                    or (element.get("selected_option") or {}).get("value")
                )
    return values
