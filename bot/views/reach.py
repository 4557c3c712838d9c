"""What teamloop says when it cannot post in a channel: the DM to whoever set up its
schedules, and the answer to a capture there. Pure; channel ids are Slack's own."""

from __future__ import annotations

from typing import Any

from bot.views.blocks import context, section

_KIND_NAMES = {"digest": "the weekly digest", "reminders": "daily reminders",
               "standup": "the standup"}  # fmt: skip
INVITE = "Invite me back with `/invite @teamloop` there and they start again."
# Why, and what to do, per Slack error.
_WHY = {
    "not_in_channel": f"I was removed from it. {INVITE}",
    "channel_not_found": f"I was removed from it, or it is private and I'm not in it. {INVITE}",
    "is_archived": (
        "It was archived. Unarchive it and they start again, or set them up in another channel."
    ),
    "restricted_action": (
        "Apps may not post there. Ask an admin to let teamloop post, then type the schedule "
        "command there again (e.g. `/digest schedule monday 09:00`)."
    ),
}


def _family(error: str) -> str:
    # Read-only and thread-only channels are restrictions on apps like any other: same advice.
    return "restricted_action" if error.startswith("restricted_action") else error


def _kinds(kinds: list[str]) -> str:
    names = [_KIND_NAMES.get(k, k) for k in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def paused_notice(
    *, channel_id: str, error: str, kinds: list[str]
) -> tuple[str, list[dict[str, Any]]]:
    """The one DM to a person whose schedules in `channel_id` were paused (text, blocks)."""
    error = _family(error)
    why = _WHY.get(error, _WHY["channel_not_found"])
    text = f"I can't post in <#{channel_id}> any more, so I paused {_kinds(kinds)} there. {why}"
    return text, [section(text), context("You get this once; nothing is posted there meanwhile.")]


def refused_digest(*, channel_id: str, error: str) -> str:
    """The DM to whoever typed `/digest now` when Slack refused the digest after all."""
    error = _family(error)
    why = {
        "restricted_action": "apps may not post there. Ask an admin to let teamloop post",
        "is_archived": "it was archived. Unarchive it",
    }.get(error, "I'm not in it. Invite me with `/invite @teamloop` there")
    return (
        f"The digest you asked for in <#{channel_id}> could not be posted: {why}, "
        "then type `/digest now` there again."
    )


def no_schedules_here(error: str, *, ref: str = "") -> str:
    """The answer after a capture in a channel teamloop can't post in: the item (`ref`, when
    the answer comes apart from its card) is saved, but no digest or reminders will come
    here, and what to do."""
    error = _family(error)
    what = {
        "not_in_channel": "I'm not in this channel",
        "is_archived": "this channel is archived",
        "restricted_action": "apps may not post in this channel",
    }.get(error, "I can't post in this conversation (a private channel I'm not in, or a DM)")
    todo = {
        "is_archived": " Unarchive it and they will.",
        "restricted_action": " Ask an admin to let teamloop post here and they will.",
    }.get(error, " Invite me with `/invite @teamloop` and they will.")
    saved = f"{ref} is saved" if ref else "Saved"
    return f"{saved}, but {what}, so no weekly digest or daily reminders will come here.{todo}"


def paused_why(error: str) -> str:
    """Why a schedule is paused and what to do, for the status answers."""
    error = _family(error)
    return "I can't post in this channel. " + _WHY.get(error, _WHY["channel_not_found"]).replace(
        " there", " here"
    )
