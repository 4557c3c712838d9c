"""Which replica runs the ticker: the holder of a PostgreSQL session advisory lock."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

LEADER_LOCK = 0x7EA4100  # pg advisory lock key: "the ticker"


class Leadership:
    """Only one replica ticks: the holder of a PostgreSQL advisory lock (SQLite: always)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Any = None

    def held(self) -> bool:
        """Whether this process is the ticker now; takes the lock over when it is free."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:
                log.warning("lost the ticker lock's connection")
                self.release()
        conn = self.engine.connect()
        got = bool(
            conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar()
        )
        conn.commit()
        if got:
            self._conn = conn
            log.info("this replica runs the ticker")
        else:
            conn.close()
        return got

    def release(self) -> None:
        """Give the lock up (closing the session releases it)."""
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
