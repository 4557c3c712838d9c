"""Alembic environment: the URL comes from the caller's config, never from import time."""

from __future__ import annotations

from alembic import context

from storage import anonymous, items, reminders, retros, scheduling, search, standups  # noqa: F401  (registers their tables on Base.metadata)
from storage.db import make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata
# slack_sdk's installation and state stores define these (migration 0006 creates them).
SLACK_TABLES = {"slack_installations", "slack_bots", "slack_oauth_states"}


def _ours(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    table = getattr(obj, "table", None)
    table_name = name if kind == "table" else getattr(table, "name", None)
    return table_name not in SLACK_TABLES


def run_migrations_online() -> None:
    """Apply migrations on a live connection (a passed-in one, or a fresh engine)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", timeouts=False)
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=_ours,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
