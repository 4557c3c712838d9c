"""Search results: ranked hits with the matching words in bold (pure Block Kit builders)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.readmodels import Hit, Results
from bot.views.blocks import Block, context, escape, header, message, section, truncate
from storage.search_text import CJK_CHARS, Term, fold, is_cjk, unslack

SNIPPET_MAX = 280
_SEGMENT = re.compile(r"[^\W_]+|[\W_]+")
_CJK_SPLIT = re.compile(f"([{CJK_CHARS}]+)")
KIND_NAMES = {"requirement": "requirements", "feedback": "feedback", "blocker": "blockers"}


def highlight(text: str, terms: Sequence[Term]) -> str:
    """Escaped mrkdwn of `text` with every word matching a term in bold.

    A word matches when its folded form starts with a term (`Über` matches `uber`); in CJK
    text the term's characters themselves are bolded.
    """
    text = unslack(text)
    words = [t.word for t in terms if not t.cjk]
    runs = [t.word for t in terms if t.cjk]
    out: list[str] = []
    for piece in _CJK_SPLIT.split(text):
        if not piece:
            continue
        if is_cjk(piece):
            out.append(_bold_runs(piece, runs))
            continue
        for seg in _SEGMENT.findall(piece):
            folded = fold(seg)
            hit = seg[0].isalnum() and any(folded.startswith(w) for w in words)
            out.append(f"*{escape(seg)}*" if hit else escape(seg))
    return "".join(out)


def _bold_runs(piece: str, runs: Sequence[str]) -> str:
    marked = [False] * len(piece)
    for run in runs:
        start = piece.find(run)
        while start >= 0:
            marked[start : start + len(run)] = [True] * len(run)
            start = piece.find(run, start + 1)
    out, i = [], 0
    while i < len(piece):
        j = i
        while j < len(piece) and marked[j] == marked[i]:
            j += 1
        chunk = escape(piece[i:j])
        out.append(f"*{chunk}*" if marked[i] else chunk)
        i = j
    return "".join(out)


def _line(hit: Hit, terms: Sequence[Term], here: str) -> str:
    text = truncate(" — ".join(part for part in hit.text.splitlines() if part.strip()), SNIPPET_MAX)
    where = "" if hit.channel_id == here else f" · <#{hit.channel_id}>"
    votes = f" · {hit.votes} vote{'s' if hit.votes != 1 else ''}" if hit.votes else ""
    status = hit.status.replace("_", " ")
    return f"*{hit.ref}* {highlight(text, terms)}\n_{escape(status)}{votes}_{where}"


def results_message(results: Results, *, channel_id: str) -> Block:
    """The ephemeral answer to a search."""
    shown = truncate(results.query, 60)
    names = " and ".join(KIND_NAMES[k] for k in results.kinds) if len(results.kinds) < 3 else ""
    title = f"Search{' ' + names if names else ''}: “{shown}”"
    blocks: list[Block] = [header(title)]
    if not results.hits:
        blocks.append(
            section(
                f"Found nothing here for “{escape(shown)}”. Search looks at this channel's "
                "items and your own; try fewer or other words."
            )
        )
    if results.fuzzy and results.hits:
        blocks.append(context("No exact matches; these look close."))
    blocks.extend(section(_line(hit, results.terms, channel_id)) for hit in results.hits)
    notes = []
    if results.more:
        notes.append(f"Showing the best {len(results.hits)}; add words to narrow it down.")
    if results.hidden:
        notes.append(
            f"{results.hidden} match{'es' if results.hidden != 1 else ''} in private channels "
            "not shown here; search there."
        )
    if notes:
        blocks.append(context(" ".join(notes)))
    count = len(results.hits)
    return message(f"{count} result{'s' if count != 1 else ''} for “{escape(shown)}”", blocks)
