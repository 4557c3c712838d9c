"""Planner statistics: SQLite's are gathered only when asked (PostgreSQL's autovacuum keeps
its own), and without them a query joining on an indexed column may walk a whole table."""

from __future__ import annotations

from sqlalchemy import Engine

# Rows ANALYZE samples per index on SQLite: approximate statistics in milliseconds even on a
# million-row table, so it never holds the write lock for long (sqlite.org/lang_analyze.html).
ANALYSIS_LIMIT = 1000


def refresh_statistics(engine: Engine) -> bool:
    """Refresh SQLite's planner statistics (`ANALYZE` with a sample limit, then `PRAGMA
    optimize`); True when it ran, False on PostgreSQL (autovacuum analyzes there)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        # Straight to the driver: no BEGIN around it, and PRAGMAs are per connection.
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        raw.execute("ANALYZE")
        raw.execute("PRAGMA optimize")
        raw.execute("PRAGMA analysis_limit=0")
    return True
