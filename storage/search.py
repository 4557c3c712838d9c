"""Full-text search on the database's own engine, over one table of search documents.

`search_docs` holds one row per requirement, feedback and blocker: its folded words
(`storage.search_text.index_text`) and folded plain text. The engines index that table:

- SQLite: FTS5 `search_fts` (unicode61, remove_diacritics 2) over the words, the
  channel-prefixed words (`scoped`: the duplicate check reads one channel's postings) and
  the scope tokens (who may see the item: see migration 0014), and FTS5 `search_tri`
  (trigram) over the plain text for fuzzy matching; triggers on `search_docs` and on the
  item tables keep both in step inside the writing transaction.
- PostgreSQL: a `scope` column set by triggers, a stored `tsvector` of the words (weight A)
  and the scope tokens (weight D) with a GIN index, a GIN index over every (scope token,
  word) pair (`teamloop_seen_words`, migration 0016: what the search matches), and a
  `pg_trgm` GIN index on the plain text.

This module holds the table and what a document is; the queries are in
`bot.services.search_index`. `rebuild` stays here, since migration 0008 indexes the items
already stored with it (and `python -m bot search rebuild` does the same at any time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.items import Blocker, Feedback
from storage.models import Base, Requirement
from storage.search_text import fold, index_text, signature

KINDS = ("requirement", "feedback", "blocker")
_TEXT_MAX = 4000


class SearchDoc(Base):
    """What the full-text indexes see of one item (kept in step by the item's writes)."""

    __tablename__ = "search_docs"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", name="uq_search_docs_kind_item"),
        Index("ix_search_docs_team_channel", "team_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[str] = mapped_column(String(32))
    words: Mapped[str] = mapped_column(Text)
    plain: Mapped[str] = mapped_column(Text)
    # Requirements only: each content word (`search_text.signature`: no stopwords, plural
    # `s` dropped, CJK as bigrams) prefixed with the channel id, so the duplicate check
    # reads only one channel's postings, and matches whole tokens (no prefix scans).
    scoped: Mapped[str] = mapped_column(Text, default="")


INSERT = insert(SearchDoc)


def doc_values(
    *, team_id: str, kind: str, item_id: int, channel_id: str, text: str
) -> dict[str, Any]:
    """The search document of one item's text."""
    text = text[:_TEXT_MAX]
    words = index_text(text)
    return {
        "team_id": team_id,
        "kind": kind,
        "item_id": item_id,
        "channel_id": channel_id,
        "words": words,
        "plain": fold(text),
        "scoped": scoped(channel_id, sorted(signature(text))) if kind == "requirement" else "",
    }


def scoped(channel_id: str, tokens: Sequence[str]) -> str:
    prefix = channel_id.lower()
    return " ".join(prefix + t for t in tokens)


def requirement_text(title: str, description: str) -> str:
    """The searchable text of a requirement."""
    return f"{title}\n{description}" if description else title


def _unindexed(model: Any, kind: str, missing: bool) -> Any:
    """`model`'s rows, or with `missing` only those without a search document (an anti-join
    on `uq_search_docs_kind_item`)."""
    if not missing:
        return lambda query: query
    found = select(SearchDoc.id).where(SearchDoc.kind == kind, SearchDoc.item_id == model.id)
    gone = ~found.exists()
    return lambda query: query.where(gone)


def _documents(session: Session, *, missing: bool = False) -> Iterable[dict[str, Any]]:
    only = _unindexed(Requirement, "requirement", missing)
    for r in session.execute(
        only(
            select(
                Requirement.id,
                Requirement.team_id,
                Requirement.channel_id,
                Requirement.title,
                Requirement.description,
            )
        )
    ):
        yield doc_values(
            team_id=r.team_id,
            kind="requirement",
            item_id=r.id,
            channel_id=r.channel_id,
            text=requirement_text(r.title, r.description),
        )
    for kind, model in (("feedback", Feedback), ("blocker", Blocker)):
        only = _unindexed(model, kind, missing)
        query = only(select(model.id, model.team_id, model.channel_id, model.text))
        for row in session.execute(query):
            yield doc_values(
                team_id=row.team_id,
                kind=kind,
                item_id=row.id,
                channel_id=row.channel_id,
                text=row.text,
            )


def missing_documents(session: Session) -> list[dict[str, Any]]:
    """The search documents (`doc_values`) of items that have none: quick captures whose
    document a stopped process did not get to write (`storage.capture`)."""
    return list(_documents(session, missing=True))


def rebuild(session: Session, *, batch: int = 2000) -> int:
    """Recompute every search document from the items; returns how many were written.

    The triggers index each document as it is inserted (scope tokens included). Also run by
    migration 0008, before 0014 gave SQLite's `search_fts` its own content: the FTS5
    commands differ between the two layouts."""
    conn = session.connection()
    conn.execute(delete(SearchDoc))
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Clear the engines' tables outright, whatever state they are in.
        conn.execute(sql("INSERT INTO search_tri(search_tri) VALUES ('delete-all')"))
        if _external_fts(conn):
            conn.execute(sql("INSERT INTO search_fts(search_fts) VALUES ('delete-all')"))
        else:
            conn.execute(sql("DELETE FROM search_fts"))
    count, chunk = 0, []
    for values in _documents(session):
        chunk.append(values)
        if len(chunk) >= batch:
            conn.execute(INSERT, chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        conn.execute(INSERT, chunk)
        count += len(chunk)
    if sqlite:
        conn.execute(sql("INSERT INTO search_tri(search_tri) VALUES ('rebuild')"))
        if _external_fts(conn):
            conn.execute(sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
    return count


def _external_fts(conn: Connection) -> bool:
    """Whether `search_fts` is migration 0008's external-content table (before 0014)."""
    ddl = conn.execute(
        sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_fts'")
    ).scalar()
    return "content='search_docs'" in (ddl or "")
