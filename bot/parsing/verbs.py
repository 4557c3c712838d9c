"""Unknown verbs: the nearest known one, and whether free text is really a mistyped verb.

Pure functions shared by every command's router (handlers/commands/router.py); other parsers
(dates, anonymous feedback) may ask `nearest` too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

# Verbs of any teamloop command: a free-text command (`/feedback <text>`) that starts with one
# of these followed by an item id was meant as a verb (`/feedback show FB-1`).
ALL_VERBS = frozenset(
    (
        "new", "add", "list", "ls", "show", "status", "assign", "priority", "due", "close",
        "vote", "search", "edit", "resolve", "help", "schedule", "questions", "now", "off",
        "away", "back", "setup", "reminders", "merge", "replies", "delete", "remove", "view",
        "reopen", "open", "update", "get", "find",
    )
)  # fmt: skip
# Words people use for a verb a command spells differently.
_SYNONYMS = {
    "show": ("show", "list"),
    "view": ("show", "list"),
    "get": ("show", "list"),
    "display": ("show", "list"),
    "find": ("search", "list"),
    "ls": ("list",),
    "create": ("new", "add"),
    "add": ("new", "add"),
    "delete": ("close", "resolve", "off"),
    "remove": ("close", "resolve", "off"),
    "done": ("close", "resolve"),
    "stop": ("off",),
    "start": ("now", "schedule"),
    "update": ("edit", "status"),
    "open": ("new", "list"),
}
_ITEM_REF = re.compile(r"^[A-Za-z]{2,4}-[A-Za-z0-9-]{1,40}$")


def nearest(word: str, verbs: Collection[str]) -> str | None:
    """The known verb `word` most likely meant (a synonym or a close spelling), else None."""
    low = word.lower()
    for candidate in _SYNONYMS.get(low, ()):
        if candidate in verbs:
            return candidate
    close = difflib.get_close_matches(low, sorted(verbs), n=1, cutoff=0.6)
    return close[0] if close else None


def looks_like_verb(words: list[str], verbs: Collection[str]) -> bool:
    """Whether free text (`/feedback <text>`) starts with a verb that is not one of `verbs`.

    True for a verb of another command followed by nothing or an item id (`show FB-1`), or
    a near-miss of one of `verbs` standing (almost) alone (`lsit`, `reslove BLK-2`).
    """
    if not words:
        return False
    first, rest = words[0].lower(), words[1:]
    if first in verbs:
        return False
    bare = not rest or (len(rest) == 1 and bool(_ITEM_REF.match(rest[0])))
    if first in ALL_VERBS and bare:
        return True
    close = difflib.get_close_matches(first, sorted(verbs), n=1, cutoff=0.75)
    return bool(close) and bare
