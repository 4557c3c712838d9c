"""The duplicate check: is a new requirement (or feedback) something the channel already has?

Candidates come from the full-text index (open requirements of the same channel sharing any
content word, best first); the decision is made here, with one similarity measure on both
engines, so SQLite and PostgreSQL give the same hints. `bench/search.py` measures its
precision and recall on a labelled set of pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.services import requirements
from bot.services.actor import Actor
from storage import search as store
from storage.models import Requirement
from storage.search_text import fold, signature

# At or above this similarity a requirement is offered as a duplicate (tuned on the
# labelled pairs in bench/duplicate_pairs.py).
THRESHOLD = 0.5
CANDIDATES = 12


@dataclass(frozen=True)
class Similar:
    """An open requirement that looks like the new text, and how much (0..1)."""

    requirement: Requirement
    score: float


def _grams(text: str) -> set[str]:
    squashed = "".join(fold(text).split())
    return {squashed[i : i + 3] for i in range(len(squashed) - 2)}


def similarity(a: str, b: str) -> float:
    """How alike two short texts are, 0..1: shared content words (Dice), or shared
    character trigrams when the wording differs slightly (`log in`/`login`, typos)."""
    sa, sb = signature(a), signature(b)
    if not sa or not sb:
        return 0.0
    words = 2 * len(sa & sb) / (len(sa) + len(sb))
    ga, gb = _grams(a), _grams(b)
    chars = 2 * len(ga & gb) / (len(ga) + len(gb)) if ga and gb else 0.0
    return max(words, 0.9 * chars)


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
    scored = [Similar(r, similarity(text, r.title)) for r in candidates]
    kept = [s for s in scored if s.score >= threshold]
    kept.sort(key=lambda s: (-s.score, -s.requirement.votes, s.requirement.number))
    return kept[:limit]


@dataclass(frozen=True)
class Captured:
    """A requirement just captured, and the open one it looks like (if any)."""

    requirement: Requirement
    looks_like: Similar | None


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
