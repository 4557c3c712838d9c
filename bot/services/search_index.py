"""The search index's queries: writing an item's document, and matching on each engine.

Documents are written by the same transaction that writes the item (`add`, `index`); the
table and the engines' indexes over it are described in `storage.search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from storage.models import Requirement
from storage.search import INSERT, KINDS, SearchDoc, doc_values, requirement_text, scoped
from storage.search_text import Term, fold

__all__ = ["KINDS", "Match", "Scope", "add", "doc_values", "index", "requirement_text", "search"]


def index(
    session: Session, *, team_id: str, kind: str, item_id: int, channel_id: str, text: str
) -> None:
    """Write (or replace) an item's search document in the caller's transaction."""
    conn = session.connection()
    conn.execute(delete(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.item_id == item_id))
    conn.execute(
        INSERT,
        doc_values(team_id=team_id, kind=kind, item_id=item_id, channel_id=channel_id, text=text),
    )


def add(
    session: Session, *, team_id: str, kind: str, item_id: int, channel_id: str, text: str
) -> None:
    """Index a new item (no document exists yet: one insert, the capture's hot path)."""
    session.connection().execute(
        INSERT,
        doc_values(team_id=team_id, kind=kind, item_id=item_id, channel_id=channel_id, text=text),
    )


@dataclass(frozen=True)
class Match:
    """One search hit: which item, and its rank (higher is better)."""

    kind: str
    item_id: int
    rank: float


@dataclass(frozen=True)
class Scope:
    """Whose search: a workspace, the channel asked from, and the person asking."""

    team_id: str
    channel_id: str
    user_id: str


# Per kind: the item table, and the columns that make an item "one's own".
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "requirement": ("requirements", ("owner_id", "requester_id")),
    "feedback": ("feedback", ("author_id",)),
    "blocker": ("blockers", ("reporter_id", "owner_id")),
}


def _visible(kinds: Sequence[str]) -> str:
    """Joins and conditions keeping the items of `kinds` the scope may see (one query for
    every kind, so the engine matches the words once)."""
    joins, allowed = [], []
    for kind in kinds:
        table, people = _TABLES[kind]
        alias = f"t_{kind}"
        joins.append(f"LEFT JOIN {table} {alias} ON d.kind = '{kind}' AND {alias}.id = d.item_id")
        own = " OR ".join(f"{alias}.{col} = :user" for col in people)
        cond = f"({alias}.channel_id = :channel OR {own})"
        if kind == "feedback":
            # Anonymous feedback shows up only once its digest has shown it: an earlier hit
            # would tell searchers when it was sent, and so by whom.
            cond += f" AND ({alias}.anonymous = false OR {alias}.digested_at IS NOT NULL)"
        allowed.append(f"(d.kind = '{kind}' AND {cond})")
    return " ".join(joins) + " WHERE (" + " OR ".join(allowed) + ")"


def fts_query(terms: Sequence[Term], dialect: str, *, any_term: bool = False) -> str:
    """The engine's query text: words as prefixes, CJK runs as phrases of their bigrams.

    Terms hold only letters and digits (see `search_text.words`), so quoting them is safe.
    """
    parts: list[str] = []
    for term in terms:
        if dialect == "postgresql":
            if term.cjk:
                parts.append("(" + " <-> ".join(f"'{t}'" for t in term.tokens) + ")")
            else:
                parts.append(f"'{term.word}':*")
        else:
            parts.append(f'"{" ".join(term.tokens)}"' + ("" if term.cjk else "*"))
    if dialect == "postgresql":
        return (" | " if any_term else " & ").join(parts)
    return (" OR " if any_term else " AND ").join(parts)


def search(
    session: Session, *, scope: Scope, kinds: Sequence[str], terms: Sequence[Term], limit: int
) -> list[Match]:
    """Items of the given kinds the scope may see that have every term, best first."""
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    params = {
        "q": fts_query(terms, dialect),
        "team": scope.team_id,
        "channel": scope.channel_id,
        "user": scope.user_id,
        "limit": limit,
    }
    if dialect == "postgresql":
        stmt = (
            "SELECT d.kind, d.item_id, ts_rank_cd(d.tsv, q) AS rank "
            "FROM search_docs d CROSS JOIN to_tsquery('simple', :q) q "
            f"{_visible(kinds)} AND d.team_id = :team AND d.tsv @@ q "
            "ORDER BY rank DESC, d.item_id DESC LIMIT :limit"
        )
    else:
        # bm25 is lower-is-better; negate it so every engine ranks higher-is-better.
        stmt = (
            "SELECT d.kind, d.item_id, -bm25(search_fts) AS rank FROM search_fts "
            "JOIN search_docs d ON d.id = search_fts.rowid "
            f"{_visible(kinds)} AND d.team_id = :team AND search_fts MATCH :q "
            "ORDER BY bm25(search_fts), d.item_id DESC LIMIT :limit"
        )
        params["q"] = "{words} : (" + fts_query(terms, dialect) + ")"
    return [
        Match(str(kind), int(item_id), float(rank))
        for kind, item_id, rank in session.execute(sql(stmt), params)
    ]


def fuzzy(
    session: Session, *, scope: Scope, kinds: Sequence[str], text: str, limit: int
) -> list[Match]:
    """Items that share most character trigrams with `text` (typos, partial words)."""
    folded = fold(text).strip()
    if len(folded) < 3:
        return []
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {
        "team": scope.team_id,
        "channel": scope.channel_id,
        "user": scope.user_id,
        "limit": limit,
        "q": folded,
    }
    if dialect == "postgresql":
        # pg_trgm's default (0.6) misses one-letter typos in short words; the caller filters.
        session.execute(sql("SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)"))
        stmt = (
            "SELECT d.kind, d.item_id, word_similarity(:q, d.plain) AS rank FROM search_docs d "
            f"{_visible(kinds)} AND d.team_id = :team AND :q <% d.plain "
            "ORDER BY rank DESC, d.item_id DESC LIMIT :limit"
        )
    else:
        grams = sorted({folded[i : i + 3] for i in range(len(folded) - 2)} - {"   "})
        params["q"] = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
        stmt = (
            "SELECT d.kind, d.item_id, -bm25(search_tri) AS rank FROM search_tri "
            "JOIN search_docs d ON d.id = search_tri.rowid "
            f"{_visible(kinds)} AND d.team_id = :team AND search_tri MATCH :q "
            "ORDER BY bm25(search_tri), d.item_id DESC LIMIT :limit"
        )
    return [
        Match(str(kind), int(item_id), float(rank))
        for kind, item_id, rank in session.execute(sql(stmt), params)
    ]


def similar_requirements(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    tokens: Sequence[str],
    exclude_id: int | None,
    limit: int,
) -> list[Requirement]:
    """Open requirements of one channel sharing any of the tokens, best first (candidates
    for the duplicate check; the caller decides which are really alike). They come back
    detached, with id, number, title and votes only."""
    if not tokens:
        return []
    dialect = session.get_bind().dialect.name
    terms = [Term(t) for t in tokens]
    params: dict[str, Any] = {"team": team_id, "channel": channel_id, "limit": limit}
    open_only = "r.status NOT IN ('done', 'rejected', 'duplicate')"
    if dialect == "postgresql":
        params["q"] = " | ".join(
            "(" + " <-> ".join(f"'{t}'" for t in term.tokens) + ")" for term in terms
        )
        stmt = (
            "SELECT r.id, r.number, r.title, r.votes "
            "FROM search_docs d CROSS JOIN to_tsquery('simple', :q) q "
            "JOIN requirements r ON r.id = d.item_id "
            "WHERE d.kind = 'requirement' AND d.team_id = :team AND d.channel_id = :channel "
            f"AND d.tsv @@ q AND {open_only} "
            "ORDER BY ts_rank_cd(d.tsv, q) DESC, d.item_id DESC LIMIT :limit"
        )
    else:
        # Channel-prefixed tokens: the postings read are this channel's only.
        words = " OR ".join(
            '"' + scoped(channel_id, term.tokens) + '"' + ("" if term.cjk else "*")
            for term in terms
        )
        params["q"] = f"{{scoped}} : ({words})"
        stmt = (
            "SELECT r.id, r.number, r.title, r.votes "
            "FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid "
            "JOIN requirements r ON r.id = d.item_id "
            "WHERE d.kind = 'requirement' AND d.team_id = :team AND d.channel_id = :channel "
            "AND search_fts MATCH :q "
            f"AND {open_only} ORDER BY bm25(search_fts), d.item_id DESC LIMIT :limit"
        )
    # Only what the check and the hint need, in the same query: no second round trip.
    return [
        Requirement(id=row.id, number=row.number, title=row.title, votes=row.votes)
        for row in session.execute(sql(stmt), params)
        if row.id != exclude_id
    ]
