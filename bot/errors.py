"""Domain errors: each carries a short message that tells the user what to type instead."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; `message` is shown to them as-is (ephemeral)."""

    def __init__(
        self, message: str, *, field: str | None = None, in_form: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # What a form shows on the field instead (the typed text is still in it there).
        self.in_form = in_form or message
        # The typed text handed back (escaped mrkdwn), shown under the short answer.
        self.quote = ""

    @property
    def shown(self) -> str:
        """The answer with the typed text under it, for a one-string answer."""
        return f"{self.message}\n{self.quote}" if self.quote else self.message


class NotFound(UserError):
    """The named item does not exist (in this workspace)."""


class NotAllowed(UserError):
    """The user may not do this."""


class InvalidInput(UserError):
    """The text could not be understood."""


class FormErrors(InvalidInput):
    """Several fields of one form are wrong: `errors` maps each field to its message, all
    shown at once (Slack's `response_action: errors` takes block_id -> message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors


UNAVAILABLE = (
    "teamloop can't reach its database right now, so nothing was saved. "
    "Please try again in a minute."
)

INVITE = "Invite me with `/invite @teamloop`, then type it again."
# Slack's answers for a conversation the bot can't read or post in, and what to do instead.
_CANNOT_REACH = {
    "not_in_channel": f"I'm not in this channel. {INVITE}",
    "channel_not_found": (
        "I can't reach this conversation (a private channel I'm not in, or a DM between "
        f"people). {INVITE} Or use a channel I'm in."
    ),
    "is_archived": "This channel is archived, so I can't post here. Use an active channel.",
    "restricted_action": (
        "Apps may not post in this channel. Ask an admin to allow teamloop, or use another channel."
    ),
    # Announcement-style channels (chat.postMessage's documented errors): nobody but admins
    # may post at the top level there, so nothing teamloop schedules can go there either.
    "restricted_action_read_only_channel": (
        "This channel is read-only for apps. Ask an admin to allow teamloop, or use another "
        "channel."
    ),
    "restricted_action_thread_only_channel": (
        "This channel takes thread replies only, so I can't post here. Use another channel."
    ),
}

# Slack's error codes meaning "the bot can't post (or read) in this conversation".
REACH_CODES = frozenset(_CANNOT_REACH)


class CannotReach(UserError):
    """Slack won't let the bot read or post where it was asked to (`code` is Slack's error)."""

    def __init__(self, code: str) -> None:
        super().__init__(_CANNOT_REACH.get(code, _CANNOT_REACH["channel_not_found"]))
        self.code = code


def cannot_reach(code: str | None) -> CannotReach | None:
    """The user error for a Slack error code about reaching a channel, else None."""
    return CannotReach(code) if code in _CANNOT_REACH else None
