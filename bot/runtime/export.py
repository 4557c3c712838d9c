"""`python -m bot export`: the store as JSON (with history) or CSV, on stdout."""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from bot.config import Settings
from bot.services import exports
from storage.db import make_engine, make_session_factory, transaction


def export(
    settings: Settings, *, kind: str, fmt: str, out: TextIO, team_id: str | None = None
) -> None:
    """Write every item of `kind` to `out` (of one workspace, when `team_id` is given)."""
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            rows = exports.KINDS[kind](session=session, with_history=fmt == "json")
            if team_id is not None:
                rows = [row for row in rows if row["team_id"] == team_id]
    finally:
        engine.dispose()
    if fmt == "json":
        json.dump({kind: rows}, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    write_csv(rows, out)


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """Flat CSV; list values joined with `;`."""
    if not rows:
        return
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
