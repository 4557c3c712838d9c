"""What people type in the app's DM: a few words (help, skip, report) and standup answers."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.parsing.slack_text import plain

# "1. x", "1) x", "1、x", "(1) x", "１．x" (full-width digits are normalised first).
_NUMBERED = re.compile(r"^\s*(?:\((\d{1,2})\)|(\d{1,2})\s*[.)、:：．])\s*", re.M)
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


class Word(StrEnum):
    """A command word typed alone in the DM (English and Chinese)."""

    HELP = "help"
    SKIP = "skip"
    REPORT = "report"


WORDS: dict[str, Word] = {
    "help": Word.HELP,
    "?": Word.HELP,
    "？": Word.HELP,
    "帮助": Word.HELP,
    "skip": Word.SKIP,
    "skip today": Word.SKIP,
    "跳过": Word.SKIP,
    "report": Word.REPORT,
    "standup": Word.REPORT,
    "汇报": Word.REPORT,
    "站会": Word.REPORT,
}


def clean(text: str) -> str:
    """Message text as the person reads it, through the one decoder (`slack_text.plain`):
    Slack's three entities decoded, mentions, channels and links made readable (`@bob`,
    `#general`, `spec (https://…)`), invisible characters dropped, no-break spaces made plain,
    outer whitespace trimmed."""
    return plain(text).strip()


def word_of(text: str) -> Word | None:
    """The command word `text` is (case and a trailing full stop ignored), or None."""
    return WORDS.get(text.strip().lower().rstrip(".!。！"))


def split_answers(text: str, count: int) -> list[str] | None:
    """`text` as `count` answers in the questions' order, or None when it is one answer.

    Tried in turn: numbered items (`1.`, `2)`, `3、`, `(4)`), paragraphs separated by blank
    lines, then lines; the first that gives exactly `count` parts wins.
    """
    if count < 2:
        return None
    normal = text.translate(_FULLWIDTH)
    for parts in (_numbered(normal), _paragraphs(normal), _lines(normal)):
        if parts is not None and len(parts) == count:
            return parts
    return None


def _numbered(text: str) -> list[str] | None:
    marks = list(_NUMBERED.finditer(text))
    numbers = [int(m.group(1) or m.group(2)) for m in marks]
    if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)):
        return None
    if text[: marks[0].start()].strip():
        return None
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [text[m.end() : end].strip() for m, end in zip(marks, ends, strict=True)]


def _paragraphs(text: str) -> list[str] | None:
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return parts if len(parts) > 1 else None


def _lines(text: str) -> list[str] | None:
    parts = [line.strip() for line in text.splitlines() if line.strip()]
    return parts if len(parts) > 1 else None
