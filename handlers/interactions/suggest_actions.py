"""The *Run* button of "Did you mean `/req new …`?": runs the suggested command, as typed.

The button's value is the suggested command line in Slack's own text. A value is only a
claim (anyone can forge one), so it is read again from scratch: its command must be one of
teamloop's, its verb one that command has, its length within Slack's limit; the person and
the channel come from Slack's signed payload, never from the value. The command then runs
through the same listener as typing it, so it can do nothing the person could not type.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.errors import UserError
from bot.parsing.slack_text import echo, normalize, unescape
from bot.views.blocks import context as context_block
from bot.views.blocks import message
from bot.views.verbs import VALUE_MAX
from handlers.commands import blocker, digest, feedback, req, risk, search, standup
from handlers.commands.router import DELIVERY_KEY
from handlers.common import STALE, action_of, team_of

log = logging.getLogger(__name__)

Listener = Callable[[Ack, dict[str, Any], BoltContext, WebClient, Respond], None]
# Each command: its listener and its verbs (a suggestion names one of these).
COMMANDS: dict[str, tuple[Listener, frozenset[str]]] = {
    "/req": (req.handle_req, frozenset(req.VERBS)),
    "/feedback": (feedback.handle_feedback, frozenset(feedback.VERBS)),
    "/blocker": (blocker.handle_blocker, frozenset(blocker.VERBS)),
    "/risk": (risk.handle_risk, frozenset(risk.VERBS)),
    "/standup": (standup.handle_standup, frozenset(standup.VERBS)),
    "/digest": (digest.handle_digest, frozenset(digest.VERBS)),
    "/search": (search.handle_search, frozenset({"help"})),
}


def _suggested(value: str) -> tuple[str, str] | None:
    """The command and its text from a button value, or None when it is not a suggestion
    teamloop could have made (unknown command or verb, too long)."""
    if not value or len(value) > VALUE_MAX:
        return None
    name, _, text = normalize(unescape(value)).strip().partition(" ")
    found = COMMANDS.get(name)
    verb = text.split(" ", 1)[0].lower()
    if found is None or verb not in found[1]:
        return None
    return name, text.strip()


def handle_run_suggested(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Run the suggested command as the person who pressed, in the channel they pressed in;
    a double press counts once (keyed by the answer message the button is on)."""
    ack()
    actor, action = action_of(body, context)
    found = _suggested(str(action.get("value") or ""))
    if found is None or not actor.channel_id:
        log.warning("run-suggested button with a value teamloop never made; refused")
        respond(**message(STALE), replace_original=False)
        return
    name, text = found
    container = body.get("container") or {}
    pressed_on = container.get("message_ts") or body.get("trigger_id") or ""
    command = {
        "command": name,
        "text": text,
        "user_id": actor.user_id,
        "channel_id": actor.channel_id,
        "team_id": team_of(context),
        "trigger_id": body.get("trigger_id", ""),
        "response_url": body.get("response_url", ""),
        DELIVERY_KEY: f"suggested:{actor.channel_id}:{pressed_on}",
    }
    listener, _ = COMMANDS[name]
    inner = Ack()
    try:
        listener(inner, command, context, client, respond)
    except UserError as exc:
        # The suggestion stays on screen (with the text typed), the reason below it.
        respond(**message(exc.message), replace_original=False)
        return
    answer = json.loads(inner.response.body) if inner.response and inner.response.body else {}
    ran = f"Ran `{name} {echo(text, 200)}`."
    if answer.get("response_type") == "in_channel":
        respond(**answer, replace_original=False)
        respond(**message(ran, [context_block(ran)]), replace_original=True)
    elif answer:
        respond(**answer, replace_original=True)
    else:
        respond(**message(ran, [context_block(ran)]), replace_original=True)
