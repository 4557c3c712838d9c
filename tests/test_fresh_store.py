"""A new SQLite store is built in one step (`storage.fresh`), and it is exactly the store the
migrations build: every object in `sqlite_master` (tables, FTS5 virtual tables and their shadow
tables, indexes, triggers), every row, the same Alembic revision."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from storage.fresh import SCHEMA, create, dump
from storage.migrate import current_revisions, ensure_current, script_heads, upgrade


def _describe(path: Path) -> dict[str, Any]:
    """Everything a store holds that a schema or a migration decides."""
    conn = sqlite3.connect(path)
    try:
        master = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        tables = [name for kind, name, _tbl, _sql in master if kind == "table"]
        rows = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}
        pragmas = {
            p: conn.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("user_version", "application_id", "journal_mode", "auto_vacuum", "encoding")
        }
        columns = {t: conn.execute(f'PRAGMA table_xinfo("{t}")').fetchall() for t in tables}
        return {"master": master, "rows": rows, "pragmas": pragmas, "columns": columns}
    finally:
        conn.close()


def test_a_new_store_is_exactly_what_the_migrations_build(tmp_path: Path) -> None:
    migrated, built = tmp_path / "migrated.db", tmp_path / "built.db"
    upgrade(f"sqlite:///{migrated}")
    assert ensure_current(f"sqlite:///{built}") is True
    assert current_revisions(f"sqlite:///{built}") == script_heads()
    want, got = _describe(migrated), _describe(built)
    kinds = {kind for kind, *_ in want["master"]}
    assert {"table", "index", "trigger"} <= kinds
    assert any("VIRTUAL TABLE" in (sql or "") and "fts5" in sql for *_, sql in want["master"])
    assert got == want
    assert ensure_current(f"sqlite:///{built}") is False  # at the head: nothing to do


def test_the_schema_script_is_what_the_migrations_build_today(tmp_path: Path) -> None:
    """A new migration without a new script fails here: run `python -m storage.fresh`."""
    path = tmp_path / "migrated.db"
    upgrade(f"sqlite:///{path}")
    assert SCHEMA.read_text(encoding="utf-8") == dump(str(path)), "python -m storage.fresh"


def test_only_a_store_without_tables_is_built_and_an_older_one_is_migrated(
    tmp_path: Path,
) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE mine (x INTEGER)")
    conn.commit()
    conn.close()
    assert create(f"sqlite:///{other}") is False
    conn = sqlite3.connect(other)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["mine"]
    conn.close()
    older = f"sqlite:///{tmp_path / 'older.db'}"
    upgrade(older, "0016")
    assert ensure_current(older) is True
    assert current_revisions(older) == script_heads()
    upgrade(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert _describe(tmp_path / "older.db") == _describe(tmp_path / "migrated.db")


def test_a_schema_script_behind_the_migrations_is_caught_up_by_alembic(tmp_path: Path) -> None:
    """A script stamped at an older revision still yields the head's schema (Alembic goes on
    from it), so a forgotten `python -m storage.fresh` costs time, never correctness."""
    behind = tmp_path / "behind.db"
    upgrade(f"sqlite:///{behind}", "0016")
    script = tmp_path / "schema.sql"
    script.write_text(dump(str(behind)), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert create(url, script) is True
    assert current_revisions(url) == {"0016"}
    upgrade(url)
    upgrade(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert _describe(tmp_path / "new.db") == _describe(tmp_path / "migrated.db")
