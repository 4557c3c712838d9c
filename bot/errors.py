"""Domain errors: each carries a short message that tells the user what to type instead."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; `message` is shown to them as-is (ephemeral)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(UserError):
    """The named item does not exist (in this workspace)."""


class NotAllowed(UserError):
    """The user may not do this."""


class InvalidInput(UserError):
    """The text could not be understood."""
