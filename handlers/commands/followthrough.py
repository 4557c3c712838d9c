"""`/feedback ack FB-n`, `/feedback decline FB-n <reason>`, `/feedback link FB-n|AN-x REQ-m`.

Each falls back to recording the text as feedback when it doesn't name an item (`/feedback
ack the team's work` is feedback), as `/feedback list <words>` does."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.errors import InvalidInput
from bot.services import anonymous, feedback, followthrough, requirements
from bot.views.blocks import Block, message
from handlers.commands.router import Call
from handlers.common import ephemeral
from handlers.slack_api import admin_check

_FB = re.compile(r"(?i)^fb-(\d{1,9})$")
_AN = re.compile(r"(?i)^an-[a-z0-9]{6}$")
_REQ = re.compile(r"(?i)^req-(\d{1,9})$")
NOT_LEAD = (
    "Only this channel's leads (workspace admins, or whoever set up its digest) link "
    "anonymous items."
)

Capture = Callable[[Call], Block | None]


def ack(call: Call, capture: Capture) -> Block | None:
    """`ack FB-n`: acknowledged (the first step of follow-through)."""
    match = _FB.match(call.args[0]) if len(call.args) == 1 else None
    if match is None:
        return capture(call)
    with call.transaction() as session:
        fb = feedback.get(session=session, actor=call.actor, number=int(match.group(1)))
        followthrough.acknowledge(session=session, fb=fb, actor=call.actor, now=call.now)
        ref = fb.ref
    return message(f"{ref} acknowledged. Link it to a requirement when it is planned.")


def decline(call: Call, capture: Capture) -> Block | None:
    """`decline FB-n <reason>`."""
    match = _FB.match(call.args[0]) if call.args else None
    if match is None:
        return capture(call)
    reason = call.rest.partition(" ")[2]
    with call.transaction() as session:
        fb = feedback.get(session=session, actor=call.actor, number=int(match.group(1)))
        followthrough.decline(session=session, fb=fb, actor=call.actor, reason=reason, now=call.now)
        ref = fb.ref
    return message(f"{ref} declined; the reason is kept with it.")


def link(call: Call, capture: Capture) -> Block | None:
    """`link FB-n REQ-m` (anyone here) or `link AN-XXXXXX REQ-m` (a lead)."""
    args = [a for a in call.args if a.lower() != "to"]
    if len(args) != 2 or not _REQ.match(args[1]) or not (_FB.match(args[0]) or _AN.match(args[0])):
        return capture(call)
    number = int(_REQ.match(args[1]).group(1))  # type: ignore[union-attr]
    fb_match = _FB.match(args[0])
    if fb_match is not None:
        with call.transaction() as session:
            fb = feedback.link(
                session=session, actor=call.actor, now=call.now,
                number=int(fb_match.group(1)), requirement_number=number,
            )  # fmt: skip
            ref = fb.ref
        return message(f"{ref} is linked to REQ-{number}; its author hears when it ships.")
    is_admin, respond, public_id = admin_check(call.client), call.respond, args[0].upper()

    def as_lead() -> None:
        admin = is_admin(call.actor.user_id)
        with call.transaction() as session:
            req = requirements.get(session=session, actor=call.actor, number=number)
            item = followthrough.link_anonymous(
                session=session, team_id=call.actor.team_id, public_id=public_id, requirement=req
            )
            if not anonymous.is_lead(
                session=session, team_id=call.actor.team_id, channel_id=item.channel_id,
                user_id=call.actor.user_id, admin=admin,
            ):  # fmt: skip
                raise InvalidInput(NOT_LEAD)
        ephemeral(respond)(
            f"{public_id} is linked to REQ-{number}; its sender reads when it ships with their "
            "private code."
        )

    call.deps.defer(as_lead, answer=ephemeral(respond))
    return None
