"""The one error handler: domain errors become short ephemeral answers, nothing else leaks."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse

from bot.deps import SORRY, unavailable
from bot.errors import UNAVAILABLE, FormErrors, UserError
from bot.ids import BlockId
from bot.parsing.slack_text import echo
from bot.views.blocks import message, section

log = logging.getLogger(__name__)

FIELD_BLOCKS = {
    "title": BlockId.REQ_TITLE,
    "description": BlockId.REQ_DESCRIPTION,
    "due": BlockId.REQ_DUE,
    "labels": BlockId.REQ_LABELS,
    "priority": BlockId.REQ_PRIORITY,
    "req_owner": BlockId.REQ_OWNER,
    "text": BlockId.ITEM_TEXT,
    "kind": BlockId.ITEM_KIND,
    "requirement": BlockId.ITEM_REQ,
    "likelihood": BlockId.RSK_LIKELIHOOD,
    "impact": BlockId.RSK_IMPACT,
    "mitigation": BlockId.RSK_MITIGATION,
    "review": BlockId.RSK_REVIEW,
    "owner": BlockId.REM_OWNER,
    **{
        b.value: b
        for b in (
            BlockId.RETRO_CATEGORY,
            BlockId.RETRO_TEXT,
            BlockId.RETRO_ANONYMOUS,
            BlockId.RETRO_ITEMS,
            BlockId.RETRO_LABEL,
            BlockId.ACT_TEXT,
            BlockId.ACT_DUE,
        )
    },
    # The standup setup form names its block ids as fields directly.
    **{
        b.value: b
        for b in (BlockId.SU_DAYS, BlockId.SU_ZONE, BlockId.SU_PARTICIPANTS, BlockId.SU_QUESTIONS)
    },
    **{f"q{n}": f"{BlockId.STANDUP_Q}{n}" for n in range(5)},
}


def _field_block(body: dict[str, Any], field: str | None) -> str:
    """The input block to show an error on: the field's, else the form's first input."""
    inputs = [
        b.get("block_id")
        for b in (body.get("view") or {}).get("blocks") or []
        if b.get("type") == "input"
    ]
    wanted = FIELD_BLOCKS.get(field or "", "")
    if wanted in inputs or not inputs:
        return wanted or BlockId.REQ_TITLE
    return str(inputs[0])


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(body), headers={"content-type": "application/json"}
    )


def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Turn an exception raised before the ack into the answer Slack shows the user.

    The database being unreachable is said so (with the command typed, so nothing is lost);
    an event then gets 503, so Slack delivers it again later instead of it being lost."""
    kind = body.get("type") or ("slash_command" if "command" in body else "")
    down = unavailable(error)
    if down:
        log.error("database unavailable on %s: %s", kind, type(error.__cause__ or error).__name__)
    elif not isinstance(error, UserError):
        log.error("listener failed on %s", kind, exc_info=error)
    text = error.message if isinstance(error, UserError) else SORRY
    if down:
        if kind == "event_callback":
            return BoltResponse(status=503, body="database unavailable; retry later")
        text = UNAVAILABLE
        if kind == "slash_command":
            typed = f"{body.get('command', '')} {body.get('text', '')}".strip()
            text += f" You typed: `{echo(typed, 300)}`"
    if kind == "view_submission":
        if isinstance(error, FormErrors):
            errors = {_field_block(body, f): m for f, m in error.errors.items()}
            return _json({"response_action": "errors", "errors": errors})
        field = error.field if isinstance(error, UserError) else None
        shown = error.in_form if isinstance(error, UserError) and not down else text
        return _json(
            {"response_action": "errors", "errors": {_field_block(body, field or "title"): shown}}
        )
    if kind in ("slash_command", "block_actions", "message_action", "shortcut"):
        quote = error.quote if isinstance(error, UserError) and not down else ""
        if quote:  # the short answer, and the typed text under it so nothing is lost
            return _json(message(text, [section(text), section(quote)]))
        return _json(message(text))
    return BoltResponse(status=200, body="")
