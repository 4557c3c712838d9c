"""Search across requirements, feedback and blockers, ranked by the database's engine.

What a person may find is what they may list today: the items of the channel they ask
from, plus their own (owner, requester, author, reporter) from elsewhere, except items of
private channels, which never show outside their channel. Anonymous feedback is stored
apart and never indexed; the index's feedback rule also keeps any anonymous row out until
its digest showed it (see `bot.services.search_index`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import InvalidInput
from bot.readmodels import Hit, Results
from bot.services import search_index as store
from bot.services.actor import Actor
from storage.items import Blocker, Feedback
from storage.models import Requirement
from storage.search import rebuild as rebuild_index
from storage.search_text import Term, fold, terms

__all__ = ["KINDS", "Hit", "Results", "Term", "rebuild", "run", "terms"]
KINDS = store.KINDS

LIMIT = 15
FETCH = 50
# A fuzzy hit must share at least this share of the query's character trigrams.
FUZZY_MIN = 0.5
PrivacyCheck = Callable[[str], bool]
EXAMPLES: dict[tuple[str, ...], str] = {
    ("requirement",): "/req search invoices csv",
    ("feedback",): "/feedback search export slow",
    ("blocker",): "/blocker search api keys",
}


def run(
    *,
    session: Session,
    actor: Actor,
    query: str,
    kinds: Sequence[str] = store.KINDS,
    is_private: PrivacyCheck,
    limit: int = LIMIT,
) -> Results:
    """Search what the actor may see, best first; typo-tolerant when nothing matches exactly."""
    wanted = terms(query)
    if not wanted:
        example = EXAMPLES.get(tuple(kinds), "/search invoices csv")
        raise InvalidInput(f"Search for what? Type `{example}`.")
    scope = store.Scope(team_id=actor.team_id, channel_id=actor.channel_id, user_id=actor.user_id)
    matches = store.search(session, scope=scope, kinds=kinds, terms=wanted, limit=FETCH)
    fuzzy = False
    if not matches:
        matches = _fuzzy(session, scope, kinds, query)
        fuzzy = bool(matches)
    # Private channels are told apart by the index's channel, so only the page is loaded.
    shown, hidden = [], 0
    for match in matches:
        if match.channel_id != actor.channel_id and is_private(match.channel_id):
            hidden += 1
        else:
            shown.append(match)
    hits = [hit for hit in _load(session, shown[: limit + 1]) if hit is not None]
    return Results(
        query=query,
        terms=wanted,
        hits=hits[:limit],
        more=len(hits) > limit,
        fuzzy=fuzzy,
        hidden=hidden,
        kinds=tuple(kinds),
    )


def _grams(text: str) -> set[str]:
    folded = " ".join(fold(text).split())
    return {folded[i : i + 3] for i in range(len(folded) - 2)}


def _fuzzy(
    session: Session, scope: store.Scope, kinds: Sequence[str], query: str
) -> list[store.Match]:
    candidates = store.fuzzy(session, scope=scope, kinds=kinds, text=query, limit=FETCH)
    wanted = _grams(query)
    if not wanted:
        return []
    kept = []
    for match, hit in zip(candidates, _load(session, candidates), strict=True):
        if hit is not None and len(wanted & _grams(hit.text)) / len(wanted) >= FUZZY_MIN:
            kept.append(match)
    return kept


def _load(session: Session, matches: Sequence[store.Match]) -> list[Hit | None]:
    """The items behind some matches, in the same order (None for one gone meanwhile)."""
    found: dict[tuple[str, int], Hit] = {}
    ids = {kind: [m.item_id for m in matches if m.kind == kind] for kind in store.KINDS}
    if ids["requirement"]:
        for r in session.scalars(select(Requirement).where(Requirement.id.in_(ids["requirement"]))):
            text = store.requirement_text(r.title, r.description)
            found["requirement", r.id] = Hit(
                "requirement", r.ref, text, r.status, r.channel_id, r.votes
            )
    if ids["feedback"]:
        for f in session.scalars(select(Feedback).where(Feedback.id.in_(ids["feedback"]))):
            status = f"{f.kind}, anonymous" if f.anonymous else f.kind
            found["feedback", f.id] = Hit("feedback", f.ref, f.text, status, f.channel_id)
    if ids["blocker"]:
        for b in session.scalars(select(Blocker).where(Blocker.id.in_(ids["blocker"]))):
            found["blocker", b.id] = Hit("blocker", b.ref, b.text, b.status, b.channel_id)
    return [found.get((m.kind, m.item_id)) for m in matches]


def rebuild(*, session: Session) -> int:
    """Recompute the whole search index from the items (`python -m bot search rebuild`)."""
    return rebuild_index(session)
