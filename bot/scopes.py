"""The bot scopes teamloop asks for (the same list as `manifest.yml`; a test keeps them equal),
and what stops working without each, for `python -m bot doctor`."""

from __future__ import annotations

# Scope -> what a workspace loses when the bot token lacks it.
NEEDED_FOR: dict[str, str] = {
    "commands": "the slash commands (/req, /feedback, /blocker, /risk, /standup, /digest) "
    "and the message shortcuts",
    "chat:write": "every message teamloop posts: confirmations, standup prompts, digests, "
    "reminders",
    "chat:write.public": "posting into public channels teamloop was not invited to",
    "channels:history": "reactions and shortcuts on messages in public channels, and the "
    "outbox's check for a message already sent",
    "groups:history": "reactions and shortcuts on messages in private channels",
    "im:history": "the app's DM (message.im): typed standup answers, help, capture offers; "
    "the outbox's check for a DM already sent (standup prompts, nudges)",
    "channels:read": "standup participants and the Home tab's channel names (public channels); "
    "member_joined_channel / member_left_channel, channel_left, channel_archive",
    "groups:read": "standup participants and the Home tab's channel names (private channels); "
    "group_left, group_archive",
    "im:write": "opening DMs: standup prompts, reminders and nudges to a person",
    "users:read": "people's time zones, names and vacation statuses; user_change",
    "reactions:read": "capture by emoji reaction (reaction_added)",
    "files:write": "the weekly digest's chart",
}

BOT_SCOPES: tuple[str, ...] = tuple(NEEDED_FOR)


def missing_scopes(granted: set[str]) -> list[str]:
    """The bot scopes teamloop needs that `granted` lacks, in manifest order."""
    return [scope for scope in BOT_SCOPES if scope not in granted]
