"""The duplicate check: is a new requirement (or feedback) something the channel already has?

Candidates come from the full-text index (open requirements of the same channel sharing any
content word, best first); the decision is made here, with one similarity measure on both
engines, so SQLite and PostgreSQL give the same hints. `bench/search.py` measures its
precision and recall on a labelled set of pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from bot.readmodels import Captured, Similar
from bot.services import requirements
from bot.services import search_index as store
from bot.services.actor import Actor
from storage.models import Requirement
from storage.search_text import content, signature

# At or above this similarity a requirement is offered as a duplicate (tuned on the
# labelled pairs in bench/duplicate_pairs.py).
THRESHOLD = 0.55
CANDIDATES = 12
# Share of a requirement's content words feedback must mention to be suggested for it.
SUGGEST_MIN = 0.75
# Each side has words the other lacks: more likely a near-miss than a rewording.
SWAP_PENALTY = 0.7


def _one_slip(a: str, b: str) -> bool:
    """One character wrong, missing, extra, or two swapped (`exprot`/`export`)."""
    if abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    if len(a) == len(b):
        rest_a, rest_b = a[start + 1 :], b[start + 1 :]
        swapped = (
            a[start : start + 2] == b[start : start + 2][::-1] and a[start + 2 :] == b[start + 2 :]
        )
        return rest_a == rest_b or swapped
    short, long_ = sorted((a, b), key=len)
    return short[start:] == long_[start + 1 :]


@lru_cache(maxsize=2048)
def _alike(a: str, b: str) -> bool:
    """Two words are one: equal, one a prefix of the other (`log`/`login`, `week`/`weekly`),
    a long shared start (`notify`/`notifications`), or one slip of the keyboard."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True
    if len(short) >= 5 and a[:5] == b[:5]:
        return True
    return len(short) >= 5 and _one_slip(a, b)


def _covered(mine: AbstractSet[str], theirs: AbstractSet[str]) -> set[str]:
    found = set(mine & theirs)  # the common case first; `_alike` only for the rest
    # Words shorter than 3 (CJK bigrams among them) are alike only when equal.
    longer = [t for t in theirs if len(t) >= 3]
    for word in mine - found:
        if len(word) >= 3 and any(_alike(word, t) for t in longer):
            found.add(word)
    return found


# Bounded small: the texts of one channel's recent look-alikes (RECENT) repeat; more would
# only pin memory in a long-running process.
@lru_cache(maxsize=1024)
def _profile(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(signature, content words, CJK characters) of a text, computed once per text."""
    words, chars = content(text)
    return frozenset(signature(text)), frozenset(words), frozenset(chars)


def similarity(a: str, b: str) -> float:
    """How alike two short texts are, 0..1.

    Shared content (words, loosely matched; CJK as character bigrams) as a Dice score,
    lowered when each side has content the other lacks: a duplicate adds or drops words
    ("Export invoices" / "Please export all invoices"), a near-miss swaps one for another
    ("Export invoices as CSV" / "… as PDF", "每周摘要" / "每日摘要").
    """
    (sa, wa, ca), (sb, wb, cb) = _profile(a), _profile(b)
    if not sa or not sb:
        return 0.0
    hits = len(_covered(sa, sb)) + len(_covered(sb, sa))
    score = hits / (len(sa) + len(sb))
    only_a = (wa - _covered(wa, wb)) | (ca - cb)
    only_b = (wb - _covered(wb, wa)) | (cb - ca)
    if only_a and only_b:
        score *= SWAP_PENALTY
    return score


def similar(
    *,
    session: Session,
    actor: Actor,
    text: str,
    exclude_id: int | None = None,
    limit: int = 3,
    threshold: float = THRESHOLD,
) -> list[Similar]:
    """Open requirements of the actor's channel that look like `text`, most alike first."""
    tokens = sorted(signature(text))
    if not tokens:
        return []
    candidates = store.similar_requirements(
        session,
        team_id=actor.team_id,
        channel_id=actor.channel_id,
        tokens=tokens,
        exclude_id=exclude_id,
        limit=CANDIDATES,
    )
    scored = [(similarity(text, c.title), c) for c in candidates]
    kept = sorted(
        ((score, c) for score, c in scored if score >= threshold),
        key=lambda sc: (-sc[0], -sc[1].votes, sc[1].number),
    )
    return [Similar(_requirement(c), score) for score, c in kept[:limit]]


def _requirement(c: store.Candidate) -> Requirement:
    """A detached requirement with what a hint shows (id, number, title, votes)."""
    return Requirement(id=c.id, number=c.number, title=c.title, votes=c.votes)


def suggest_requirement(*, session: Session, actor: Actor, text: str) -> Similar | None:
    """The open requirement of the channel that some feedback seems to be about: most of
    the requirement's content words appear in the feedback (which says more besides)."""
    tokens = sorted(signature(text))
    if not tokens:
        return None
    candidates = store.similar_requirements(
        session,
        team_id=actor.team_id,
        channel_id=actor.channel_id,
        tokens=tokens,
        exclude_id=None,
        limit=CANDIDATES,
    )
    said = signature(text)
    best: Similar | None = None
    for req in candidates:
        title = signature(req.title)
        if len(title) < 2:
            continue  # one shared word says too little
        score = len(_covered(title, said)) / len(title)
        if score >= SUGGEST_MIN and (best is None or score > best.score):
            best = Similar(_requirement(req), score)
    return best


def capture(
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    title: str,
    priority: str | None = None,
    owner_id: str | None = None,
    due: date | None = None,
    labels: Sequence[str] = (),
) -> Captured:
    """Quick capture: save at once, and say which open requirement it may duplicate."""
    req = requirements.create(
        session=session,
        actor=actor,
        now=now,
        title=title,
        priority=priority,
        owner_id=owner_id,
        due=due,
        labels=labels,
    )
    found = similar(session=session, actor=actor, text=req.title, exclude_id=req.id, limit=1)
    return Captured(req, found[0] if found else None)
