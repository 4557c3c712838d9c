"""Run Alembic migrations programmatically (`python -m bot db upgrade`), and bring a store up to
date on start without importing Alembic when it already is (`ensure_current`).

Alembic (with mako and its DDL modules) costs a few hundred milliseconds and tens of MiB to
import; a process that starts on a store at the latest revision never needs it, and a new
SQLite store gets the migrations' schema in one step (`storage.fresh`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from storage.db import _normalise_url, make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision\b[^=]*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\b[^=]*=(.*)$", re.MULTILINE)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our scripts and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", _normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def script_heads() -> set[str]:
    """The head revision ids of the scripts in `migrations/versions`, read from their text
    (`revision = "…"`, `down_revision = …`) so Alembic need not be imported. A revision that
    no other names as its parent is a head; merge revisions (tuples of parents) count too."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


def current_revisions(url: str) -> set[str]:
    """The revision ids stamped in the database's `alembic_version` (empty when none)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return set(rows)
    except SQLAlchemyError:
        return set()  # no table yet: a fresh store
    finally:
        engine.dispose()


def ensure_current(url: str) -> bool:
    """Bring the store to the scripts' head unless it is there already; returns whether the
    store changed. Only a store stamped with exactly the one head is left alone. A SQLite file
    with no tables at all gets the schema the migrations build in one step (`storage.fresh`,
    stamped with its revision); anything else (a PostgreSQL store, an older one, an unreadable
    one, or a schema script behind the scripts) goes through Alembic, which decides."""
    from storage.fresh import create

    heads = script_heads()
    current = current_revisions(url)
    if len(heads) == 1 and current == heads:
        return False
    if not current and create(url) and current_revisions(url) == heads:
        return True
    upgrade(url)
    return True
