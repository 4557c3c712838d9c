"""Parsing for feedback, blockers and risks: kinds, scores, and refs inside free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import InvalidInput
from bot.parsing.common import parse_user
from bot.parsing.slack_text import echo, plain, retype, too_long

TEXT_MAX = 3000
KINDS = ("idea", "problem", "praise", "question")
_REF = re.compile(r"^REQ-(\d{1,9})$", re.IGNORECASE)
_PROBLEM = re.compile(
    r"\b(bug|broken|breaks?|error|fails?|failing|crash\w*|slow|can'?t|cannot|doesn'?t|"
    r"won'?t|issue|wrong|stuck)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(r"\b(thanks?|thank you|love|great|awesome|kudos|nice|brilliant)\b", re.I)
_QUESTION = re.compile(r"^(how|why|what|when|where|who|can|could|is|are|does|do|should)\b", re.I)


def detect_kind(text: str) -> str:
    """Guess idea / problem / praise / question from the words used."""
    stripped = text.strip()
    if stripped.endswith("?") or _QUESTION.match(stripped):
        return "question"
    if _PROBLEM.search(stripped):
        return "problem"
    if _PRAISE.search(stripped):
        return "praise"
    return "idea"


@dataclass(frozen=True)
class ItemText:
    """Free text with the REQ-n and @owner tokens taken out."""

    text: str
    requirement: int | None
    owner_id: str | None


def split_item(raw: str, *, example: str, owners: bool = True) -> ItemText:
    """Take a trailing REQ-n and @owner (any order) out of the text; the rest is the text.

    With `owners=False` (feedback has no owner) a mention is just part of the text.
    Raises InvalidInput, repeating the text, when it is empty or too long.
    """
    words = raw.split()
    requirement = owner = None
    while words:
        match = _REF.match(words[-1])
        user = parse_user(words[-1]) if owners else None
        if match and requirement is None:
            requirement = int(match.group(1))
        elif user and owner is None:
            owner = user
        else:
            break
        words.pop()
    text = plain(" ".join(words)).strip()
    if not text:
        raise InvalidInput(f"Say what it is about. Type `{example}`.")
    if len(text) > TEXT_MAX:
        raise too_long("Text is", TEXT_MAX, text)
    return ItemText(text, requirement, owner)


def parse_score(
    words: list[str], name: str, *, command: str = "/risk new"
) -> tuple[int | None, list[str]]:
    """Find `<name> N` (N in 1–5) in the words; returns (N or None, the other words).

    Raises InvalidInput for N outside 1–5, with `command` and the words typed again, N
    changed to the nearest allowed score (3 when N is not a number)."""
    for i, word in enumerate(words[:-1]):
        if word.lower() in (name, name[0]):
            value = words[i + 1]
            if not value.isdigit() or not 1 <= int(value) <= 5:
                # The person's own command back, the score moved to the nearest end of 1..5.
                fixed = str(min(int(value), 5) or 1) if value.isdigit() else "3"
                again = [*words[:i], word, fixed, *words[i + 2 :]]
                raise InvalidInput(
                    f"{name.title()} is 1 to 5, not `{echo(value, 10)}`: {retype(command, *again)}"
                )
            return int(value), words[:i] + words[i + 2 :]
    return None, words
