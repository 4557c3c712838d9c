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

from storage.db import upsert_insert
from storage.search import (
    INSERT,
    KINDS,
    SearchDoc,
    doc_values,
    missing_documents,
    requirement_text,
    scoped,
)
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


def missing(*, session: Session) -> list[dict[str, Any]]:
    """The search documents (`doc_values`) of items that have none: a quick capture's is
    written after the ack, and a process that stopped in between left it out. Reads every
    item id once (an anti-join on the documents' unique index: tens of milliseconds for
    100,000 items), so call it in a read transaction."""
    return missing_documents(session)


def write_missing(*, session: Session, docs: Sequence[dict[str, Any]]) -> int:
    """Write documents `missing` found, skipping any written since (the capture's own work
    may have got there first). Returns how many were new."""
    if not docs:
        return 0
    insert = upsert_insert(session.get_bind().dialect.name)
    stmt = insert(SearchDoc).on_conflict_do_nothing(index_elements=["kind", "item_id"])
    return session.connection().execute(stmt, list(docs)).rowcount


@dataclass(frozen=True)
class Match:
    """One search hit: which item, and its rank (higher is better)."""

    kind: str
    item_id: int
    rank: float
    channel_id: str


@dataclass(frozen=True)
class Scope:
    """Whose search: a workspace, the channel asked from, and the person asking."""

    team_id: str
    channel_id: str
    user_id: str


# Per kind: the item table, the columns that make an item "one's own", and the letter its
# scope tokens start with (migration 0014 writes the documents' tokens the same way).
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "requirement": ("requirements", ("owner_id", "requester_id")),
    "feedback": ("feedback", ("author_id",)),
    "blocker": ("blockers", ("reporter_id", "owner_id")),
}
_LETTER = {"requirement": "r", "feedback": "f", "blocker": "b"}


def scope_tokens(scope: Scope, kinds: Sequence[str]) -> list[str]:
    """The index tokens of what `scope` may see: per kind, the channel's items and the
    asker's own (a document carries `<letter><team><channel>` and one `<letter><team><user>`
    per owner, requester, author or reporter; Slack ids are letters and digits)."""
    team = scope.team_id.lower()
    return [
        f"{_LETTER[kind]}{team}{who.lower()}"
        for kind in kinds
        for who in dict.fromkeys((scope.channel_id, scope.user_id))
    ]


def open_token(team_id: str, channel_id: str) -> str:
    """The token every open requirement of a channel carries (closing one drops it)."""
    return f"o{team_id.lower()}{channel_id.lower()}"


def _visible(kinds: Sequence[str]) -> str:
    """Joins and conditions keeping the items of `kinds` the scope may see (the fuzzy
    search's rule; the word search matches the scope tokens in the index instead)."""
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


def _serial(session: Session) -> None:
    """No parallel workers for this transaction's next queries (PostgreSQL): a search reads a
    few hundred index entries, and the planner, misjudging how many a tsquery of rare tokens
    matches, would otherwise start workers that cost more (10-30 ms) than the whole query."""
    session.execute(sql("SELECT set_config('max_parallel_workers_per_gather', '0', true)"))


def fts_query(terms: Sequence[Term], dialect: str, *, any_term: bool = False) -> str:
    """The engine's query text: words as prefixes, CJK runs as phrases of their bigrams.

    Terms hold only letters and digits (see `search_text.words`), so quoting them is safe.
    On PostgreSQL the words match only the words' lexemes (weight A), never scope tokens.
    """
    parts: list[str] = []
    for term in terms:
        if dialect == "postgresql":
            if term.cjk:
                parts.append("(" + " <-> ".join(f"'{t}':A" for t in term.tokens) + ")")
            else:
                parts.append(f"'{term.word}':*A")
        else:
            parts.append(f'"{" ".join(term.tokens)}"' + ("" if term.cjk else "*"))
    if dialect == "postgresql":
        return (" | " if any_term else " & ").join(parts)
    return (" OR " if any_term else " AND ").join(parts)


def seen_query(terms: Sequence[Term], tokens: Sequence[str]) -> str:
    """The tsquery (PostgreSQL, read as is) of the documents one of `tokens` may see that
    have every term, over `teamloop_seen_words` (migration 0016): a word as a prefix, a CJK
    run as all its bigrams (that index has no positions: `tsv` checks the phrase).

    Terms and tokens hold only letters and digits, so quoting them is safe."""
    parts = []
    for term in terms:
        if term.cjk:
            alike = ("(" + " & ".join(f"'{t}/{g}'" for g in term.tokens) + ")" for t in tokens)
        else:
            alike = (f"'{t}/{term.word}':*" for t in tokens)
        parts.append("(" + " | ".join(alike) + ")")
    return " & ".join(parts)


def search(
    session: Session, *, scope: Scope, kinds: Sequence[str], terms: Sequence[Term], limit: int
) -> list[Match]:
    """Items of the given kinds the scope may see that have every term, best first.

    The asker's scope tokens are part of the match, so the engine ranks only visible
    documents and stops at `limit`; nothing is joined before the limit."""
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    tokens = scope_tokens(scope, kinds)
    params: dict[str, Any] = {"team": scope.team_id, "limit": limit}
    if dialect == "postgresql":
        _serial(session)
        words = fts_query(terms, dialect)
        params |= {"seen": seen_query(terms, tokens), "w": words}
        # The (token, word) pairs' index finds the visible matches (migration 0016); the
        # fence keeps the planner from also reading `tsv`'s index for the frequent words,
        # while `tsv` checks phrases and ranks the few hundred rows found.
        stmt = (
            "WITH seen AS MATERIALIZED (SELECT d.kind, d.item_id, d.channel_id, d.tsv "
            "FROM search_docs d WHERE teamloop_seen_words(d.words, d.scope) "
            "@@ CAST(:seen AS tsquery) AND d.team_id = :team) "
            "SELECT kind, item_id, ts_rank_cd(tsv, to_tsquery('simple', :w)) AS rank, "
            "channel_id FROM seen WHERE tsv @@ to_tsquery('simple', :w) "
            "ORDER BY rank DESC, item_id DESC LIMIT :limit"
        )
    else:
        who = " OR ".join(f'"{t}"' for t in tokens)
        params["q"] = f"{{words}} : ({fts_query(terms, dialect)}) AND {{scope}} : ({who})"
        # bm25 is lower-is-better; negated so every engine ranks higher-is-better. Only the
        # words column counts toward the rank.
        stmt = (
            "SELECT d.kind, d.item_id, -m.bm AS rank, d.channel_id FROM ("
            "SELECT rowid, bm25(search_fts, 1.0, 0.0, 0.0) AS bm FROM search_fts "
            "WHERE search_fts MATCH :q ORDER BY bm, rowid DESC LIMIT :limit) m "
            "JOIN search_docs d ON d.id = m.rowid WHERE d.team_id = :team "
            "ORDER BY m.bm, d.item_id DESC"
        )
    return [
        Match(str(kind), int(item_id), float(rank), str(channel))
        for kind, item_id, rank, channel in session.execute(sql(stmt), params)
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
            "SELECT d.kind, d.item_id, word_similarity(:q, d.plain) AS rank, d.channel_id "
            "FROM search_docs d "
            f"{_visible(kinds)} AND d.team_id = :team AND :q <% d.plain "
            "ORDER BY rank DESC, d.item_id DESC LIMIT :limit"
        )
    else:
        grams = sorted({folded[i : i + 3] for i in range(len(folded) - 2)} - {"   "})
        params["q"] = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
        stmt = (
            "SELECT d.kind, d.item_id, -bm25(search_tri) AS rank, d.channel_id FROM search_tri "
            "JOIN search_docs d ON d.id = search_tri.rowid "
            f"{_visible(kinds)} AND d.team_id = :team AND search_tri MATCH :q "
            "ORDER BY bm25(search_tri), d.item_id DESC LIMIT :limit"
        )
    return [
        Match(str(kind), int(item_id), float(rank), str(channel))
        for kind, item_id, rank, channel in session.execute(sql(stmt), params)
    ]


# The duplicate check (SQLite) ranks at most this many of a channel's open requirements
# sharing a word with the new text, the newest (a channel with more open look-alikes than
# this compares the newest only; bench/search.py's channels have about 45).
RECENT = 200


@dataclass(frozen=True)
class Candidate:
    """An open requirement the duplicate check may offer: what the check and the hint need."""

    id: int
    number: int
    title: str
    votes: int


def similar_requirements(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    tokens: Sequence[str],
    exclude_id: int | None,
    limit: int,
) -> list[Candidate]:
    """Open requirements of one channel sharing any of the tokens, best first (candidates
    for the duplicate check; the caller decides which are really alike).

    The channel's open token is matched in the index, so only the channel's open
    requirements are read, and at most RECENT of them."""
    if not tokens:
        return []
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"team": team_id, "limit": limit}
    opened = open_token(team_id, channel_id)
    if dialect == "postgresql":
        # Channel-prefixed content tokens in their own GIN index (migration 0014): one
        # channel's postings, ranked, the open ones told by their scope's open token (read
        # from the rows found, not a second index); only the `limit` best are joined.
        _serial(session)
        params |= {
            "q": " | ".join(f"'{scoped(channel_id, [token])}'" for token in tokens),
            "open": f" {opened} ",
        }
        # As on SQLite, only the RECENT newest matches are ranked: ranking every match
        # recomputed each one's vector, so a channel with thousands of look-alikes cost
        # 230 ms a capture at 6,000 (linear in them); now the ranking is bounded.
        vector = "to_tsvector('simple'::regconfig, d.scoped)"
        params["recent"] = RECENT
        stmt = (
            "SELECT r.id, r.number, r.title, r.votes FROM ("
            "SELECT n.item_id, ts_rank_cd(to_tsvector('simple'::regconfig, n.scoped), "
            "to_tsquery('simple', :q)) AS rank FROM ("
            f"SELECT d.item_id, d.scoped FROM search_docs d WHERE {vector} @@ "
            "to_tsquery('simple', :q) AND d.kind = 'requirement' AND d.team_id = :team "
            "AND position(:open in ' ' || d.scope || ' ') > 0 "
            "ORDER BY d.item_id DESC LIMIT :recent) n "
            "ORDER BY rank DESC, n.item_id DESC LIMIT :limit) m "
            "JOIN requirements r ON r.id = m.item_id ORDER BY m.rank DESC, m.item_id DESC"
        )
    else:
        # Channel-prefixed content tokens, whole: the postings read are this channel's only.
        # The engine walks the matches newest first and ranks (bm25) only the RECENT newest,
        # so the check costs about the same in a channel with thousands of open look-alikes.
        words = " OR ".join(f'"{scoped(channel_id, [token])}"' for token in tokens)
        params |= {"q": f'{{scoped}} : ({words}) AND {{scope}} : "{opened}"', "recent": RECENT}
        stmt = (
            "SELECT r.id, r.number, r.title, r.votes FROM ("
            "SELECT rowid, bm25(search_fts, 0.0, 1.0, 0.0) AS bm FROM search_fts "
            "WHERE search_fts MATCH :q ORDER BY rowid DESC LIMIT :recent) m "
            "JOIN search_docs d ON d.id = m.rowid JOIN requirements r ON r.id = d.item_id "
            "WHERE d.team_id = :team ORDER BY m.bm, m.rowid DESC LIMIT :limit"
        )
    # Only what the check and the hint need, in the same query: no second round trip.
    return [
        Candidate(row.id, row.number, row.title, row.votes)
        for row in session.execute(sql(stmt), params)
        if row.id != exclude_id
    ]
