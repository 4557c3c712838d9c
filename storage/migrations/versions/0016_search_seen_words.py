"""search: one GIN index over (who may see, word) pairs, so a search reads short postings

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

PostgreSQL only (SQLite's FTS5 already matches the scope column and the words apart, at a
few milliseconds). Since 0014 a search matched its words AND the asker's scope tokens in
`ix_search_docs_tsv`: GIN intersects a frequent word's postings (`contact:*`: 15,000 of
200,000 documents) with the asker's (about 6,700: the channel's items and their own),
8-10 ms whatever the answer's size, more on a busy machine (issue 22: p50 26-33 ms).

`teamloop_seen_words(words, scope)` pairs every scope token of a document (`r`, `f`, `b`:
who may see it, not the `o` open token) with every word, `<token>/<word>`; a search asks for
`<its tokens>/<word>:*`, whose postings are the visible matches only (about 500). The index
holds no positions (phrases are checked on `tsv`, which also ranks), and an expression
index keeps the heap as it is: the query never makes the engine recompute the expression.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Words longer than a tsvector lexeme may be (2,047 bytes, with the token) are left out, as
# to_tsvector leaves them out of `tsv`. IMMUTABLE: only its arguments and built-ins.
FUNCTION = """CREATE FUNCTION teamloop_seen_words(words text, scope text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(coalesce(array_agg(DISTINCT s || '/' || w), '{}'))
    FROM regexp_split_to_table(scope, ' ') AS s, regexp_split_to_table(words, ' ') AS w
    WHERE s ~ '^[rfb]' AND w <> '' AND octet_length(w) < 1900 $$"""
INDEX = (
    "CREATE INDEX ix_search_docs_seen ON search_docs USING gin (teamloop_seen_words(words, scope))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_docs_seen")
    op.execute("DROP FUNCTION teamloop_seen_words(text, text)")
