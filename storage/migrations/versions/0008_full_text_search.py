"""full-text search: search documents and the engines' indexes over them

Revision ID: 0008
Revises: 0007_words
Create Date: 2026-11-30

SQLite: FTS5 tables (unicode61 with remove_diacritics 2 for words, trigram for fuzzy and
CJK matching) over `search_docs` as external content, kept in step by triggers.
PostgreSQL: a stored tsvector (`simple`) with a GIN index, and a pg_trgm GIN index.
Existing items are indexed here; `python -m bot search rebuild` does it again at any time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0008"
down_revision: str | None = "0007_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(words, scoped, content='search_docs', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE search_tri USING fts5(plain, content='search_docs', "
    "content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts(rowid, words, scoped) VALUES (new.id, new.words, new.scoped);
        INSERT INTO search_tri(rowid, plain) VALUES (new.id, new.plain);
    END""",
    """CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, words, scoped)
            VALUES ('delete', old.id, old.words, old.scoped);
        INSERT INTO search_tri(search_tri, rowid, plain) VALUES ('delete', old.id, old.plain);
    END""",
    """CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, words, scoped)
            VALUES ('delete', old.id, old.words, old.scoped);
        INSERT INTO search_tri(search_tri, rowid, plain) VALUES ('delete', old.id, old.plain);
        INSERT INTO search_fts(rowid, words, scoped) VALUES (new.id, new.words, new.scoped);
        INSERT INTO search_tri(rowid, plain) VALUES (new.id, new.plain);
    END""",
]

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_docs ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, words)) STORED",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
    "CREATE INDEX ix_search_docs_plain_trgm ON search_docs USING gin (plain gin_trgm_ops)",
]


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("plain", sa.Text(), nullable=False),
        sa.Column("scoped", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_docs")),
        sa.UniqueConstraint("kind", "item_id", name="uq_search_docs_kind_item"),
    )
    op.create_index("ix_search_docs_team_channel", "search_docs", ["team_id", "channel_id"])
    bind = op.get_bind()
    for statement in SQLITE if bind.dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)
    # Index what is already stored (imported here: the module is the one place that knows how).
    from storage.search import rebuild

    rebuild(Session(bind=bind))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DROP TABLE IF EXISTS search_tri")
    op.drop_index("ix_search_docs_team_channel", table_name="search_docs")
    op.drop_table("search_docs")
