"""search scope in the index: who may see a document is matched by the engine, not joined

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-30

Each search document gets scope tokens (`storage.search.SCOPE_SQL`): its channel and the
people who own it, per kind, and for open requirements an `o` token of their channel. A
search matches its words AND the asker's tokens inside the index, so the engine ranks only
what the asker may see (a few hundred rows, not every match in the workspace), and the
duplicate check finds the channel's open requirements without joining them. Triggers on the
item tables keep the tokens in step (an owner, a status, an anonymous item's release).

On SQLite the duplicate check's channel-prefixed tokens (`scoped`) become whole content tokens
(see `storage.search.doc_values`), so every document is written again (`rebuild`).

SQLite: `search_fts` becomes an FTS5 table with its own content (words, scoped, scope): the
scope is computed by the insert trigger from the item row, and a row is deleted or updated by
rowid, which an external-content table cannot do without the old values.
PostgreSQL: `search_docs.scope`, set by a BEFORE INSERT trigger; `tsv` now holds the words
(weight A) and the scope tokens (weight D), so one GIN lookup intersects them; a GIN index
over the requirements' `scoped` tokens serves the duplicate check.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy.orm import Session

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The scope tokens of one item row (alias r, f or b), the same SQL on both engines; the
# query side (`bot.services.search_index.scope_tokens`) writes the asker's tokens alike.
_REQ = (
    "'r' || lower(r.team_id) || lower(r.channel_id)"
    " || ' r' || lower(r.team_id) || lower(r.requester_id)"
    " || coalesce(' r' || lower(r.team_id) || lower(r.owner_id), '')"
    " || CASE WHEN r.status IN ('done', 'rejected', 'duplicate') THEN ''"
    " ELSE ' o' || lower(r.team_id) || lower(r.channel_id) END"
)
_FB = (
    "CASE WHEN f.anonymous AND f.digested_at IS NULL THEN '' ELSE"
    " 'f' || lower(f.team_id) || lower(f.channel_id)"
    " || coalesce(' f' || lower(f.team_id) || lower(f.author_id), '') END"
)
_BL = (
    "'b' || lower(b.team_id) || lower(b.channel_id)"
    " || ' b' || lower(b.team_id) || lower(b.reporter_id)"
    " || coalesce(' b' || lower(b.team_id) || lower(b.owner_id), '')"
)
_ITEMS = (
    ("requirement", "requirements", "r", _REQ, "channel_id, requester_id, owner_id, status"),
    ("feedback", "feedback", "f", _FB, "channel_id, author_id, anonymous, digested_at"),
    ("blocker", "blockers", "b", _BL, "channel_id, reporter_id, owner_id"),
)


def _scope_of(kind: str, item_id: str) -> str:
    """SQL for the scope of the document (`kind`, `item_id` are SQL expressions)."""
    cases = " ".join(
        f"WHEN '{k}' THEN (SELECT {expr} FROM {table} {alias} WHERE {alias}.id = {item_id})"
        for k, table, alias, expr, _cols in _ITEMS
    )
    return f"coalesce(CASE {kind} {cases} END, '')"


def _sqlite() -> list[str]:
    steps = [
        "DROP TRIGGER IF EXISTS search_docs_ai",
        "DROP TRIGGER IF EXISTS search_docs_ad",
        "DROP TRIGGER IF EXISTS search_docs_au",
        "DROP TABLE IF EXISTS search_fts",
        "CREATE VIRTUAL TABLE search_fts USING fts5(words, scoped, scope, "
        "tokenize='unicode61 remove_diacritics 2')",
        f"""CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
            INSERT INTO search_fts(rowid, words, scoped, scope)
                VALUES (new.id, new.words, new.scoped, {_scope_of("new.kind", "new.item_id")});
            INSERT INTO search_tri(rowid, plain) VALUES (new.id, new.plain);
        END""",
        """CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
            DELETE FROM search_fts WHERE rowid = old.id;
            INSERT INTO search_tri(search_tri, rowid, plain) VALUES ('delete', old.id, old.plain);
        END""",
        f"""CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
            DELETE FROM search_fts WHERE rowid = old.id;
            INSERT INTO search_fts(rowid, words, scoped, scope)
                VALUES (new.id, new.words, new.scoped, {_scope_of("new.kind", "new.item_id")});
            INSERT INTO search_tri(search_tri, rowid, plain) VALUES ('delete', old.id, old.plain);
            INSERT INTO search_tri(rowid, plain) VALUES (new.id, new.plain);
        END""",
    ]
    for kind, table, _alias, _expr, cols in _ITEMS:
        steps.append(
            f"""CREATE TRIGGER {table}_search_scope AFTER UPDATE OF {cols} ON {table} BEGIN
                UPDATE search_fts SET scope = {_scope_of(f"'{kind}'", "new.id")}
                WHERE rowid = (SELECT id FROM search_docs
                               WHERE kind = '{kind}' AND item_id = new.id);
            END"""
        )
    return steps


def _postgresql() -> list[str]:
    steps = [
        "ALTER TABLE search_docs ADD COLUMN scope text NOT NULL DEFAULT ''",
        f"""CREATE FUNCTION teamloop_search_scope(k text, item integer) RETURNS text
            LANGUAGE sql STABLE AS $$ SELECT {_scope_of("k", "item")} $$""",
        """CREATE FUNCTION teamloop_search_docs_scope() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.scope := teamloop_search_scope(NEW.kind, NEW.item_id); RETURN NEW; END $$""",
        "CREATE TRIGGER search_docs_scope BEFORE INSERT OR UPDATE OF kind, item_id "
        "ON search_docs FOR EACH ROW EXECUTE FUNCTION teamloop_search_docs_scope()",
        """CREATE FUNCTION teamloop_item_search_scope() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE search_docs SET scope = teamloop_search_scope(TG_ARGV[0], NEW.id)
                WHERE kind = TG_ARGV[0] AND item_id = NEW.id;
                RETURN NULL;
            END $$""",
    ]
    for kind, table, _alias, _expr, cols in _ITEMS:
        steps.append(
            f"CREATE TRIGGER {table}_search_scope AFTER UPDATE OF {cols} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION teamloop_item_search_scope('{kind}')"
        )
    steps += [
        "UPDATE search_docs SET scope = teamloop_search_scope(kind, item_id)",
        "DROP INDEX ix_search_docs_tsv",
        "ALTER TABLE search_docs DROP COLUMN tsv",
        "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple'::regconfig, words), 'A') || "
        "setweight(to_tsvector('simple'::regconfig, scope), 'D')) STORED",
        "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
        # The duplicate check's channel-local tokens: a lookup reads one channel's postings.
        "CREATE INDEX ix_search_docs_scoped ON search_docs USING gin "
        "(to_tsvector('simple'::regconfig, scoped)) WHERE kind = 'requirement'",
    ]
    return steps


def upgrade() -> None:
    bind = op.get_bind()
    for statement in _sqlite() if bind.dialect.name == "sqlite" else _postgresql():
        op.execute(statement)
    # The documents again, through the new triggers: `scoped` now holds the channel's
    # content tokens (imported here: the module is the one place that knows how).
    from storage.search import rebuild

    rebuild(Session(bind=bind))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for _kind, table, *_rest in _ITEMS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_search_scope")
        for name in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(words, scoped, content='search_docs', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            """CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
            INSERT INTO search_fts(rowid, words, scoped) VALUES (new.id, new.words, new.scoped);
            INSERT INTO search_tri(rowid, plain) VALUES (new.id, new.plain);
        END"""
        )
        op.execute(
            """CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
            INSERT INTO search_fts(search_fts, rowid, words, scoped)
                VALUES ('delete', old.id, old.words, old.scoped);
            INSERT INTO search_tri(search_tri, rowid, plain) VALUES ('delete', old.id, old.plain);
        END"""
        )
        op.execute(
            """CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
            INSERT INTO search_fts(search_fts, rowid, words, scoped)
                VALUES ('delete', old.id, old.words, old.scoped);
            INSERT INTO search_tri(search_tri, rowid, plain) VALUES ('delete', old.id, old.plain);
            INSERT INTO search_fts(rowid, words, scoped) VALUES (new.id, new.words, new.scoped);
            INSERT INTO search_tri(rowid, plain) VALUES (new.id, new.plain);
        END"""
        )
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
        return
    for _kind, table, *_rest in _ITEMS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_search_scope ON {table}")
    op.execute("DROP TRIGGER IF EXISTS search_docs_scope ON search_docs")
    op.execute("DROP INDEX ix_search_docs_scoped")
    op.execute("DROP INDEX ix_search_docs_tsv")
    op.execute("ALTER TABLE search_docs DROP COLUMN tsv")
    op.execute("DROP FUNCTION teamloop_item_search_scope()")
    op.execute("DROP FUNCTION teamloop_search_docs_scope()")
    op.execute("DROP FUNCTION teamloop_search_scope(text, integer)")
    op.execute("ALTER TABLE search_docs DROP COLUMN scope")
    op.execute(
        "ALTER TABLE search_docs ADD COLUMN tsv tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, words)) STORED"
    )
    op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
