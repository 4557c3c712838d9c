"""Multi-workspace installs: slack_sdk's SQLAlchemy installation and OAuth state stores, with
tokens encrypted at rest (TEAMLOOP_ENCRYPTION_KEY), and the bot token of a workspace for the
outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, delete, insert, update

from bot.config import Settings
from storage.models import Workspace

log = logging.getLogger(__name__)
PREFIX = "enc:"
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
STATE_SECONDS = 600


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, encrypting tokens when a key is set, and remembering installs."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        super().__init__(
            client_id=settings.slack_client_id or "",
            engine=engine,
            bots_table_name="slack_bots",
            installations_table_name="slack_installations",
        )
        key = settings.teamloop_encryption_key
        self.fernet = Fernet(key.encode()) if key else None

    def _crypt(self, item: Any, fn: Callable[[str], str]) -> None:
        for name in TOKEN_FIELDS:
            value = getattr(item, name, None)
            if value:
                setattr(item, name, fn(value))

    def _seal(self, value: str) -> str:
        if self.fernet is None or value.startswith(PREFIX):
            return value
        return PREFIX + self.fernet.encrypt(value.encode()).decode()

    def _open(self, value: str) -> str:
        if not value.startswith(PREFIX):
            return value
        if self.fernet is None:
            raise RuntimeError("tokens are encrypted: set TEAMLOOP_ENCRYPTION_KEY")
        try:
            return self.fernet.decrypt(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError("TEAMLOOP_ENCRYPTION_KEY does not open the stored tokens") from exc

    def save(self, installation: Installation) -> None:
        """Store an install (tokens sealed) and mark the workspace installed again."""
        self._crypt(installation, self._seal)
        try:
            super().save(installation)
        finally:
            self._crypt(installation, self._open)
        self._installed(installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        """Store a bot (token sealed)."""
        self._crypt(bot, self._seal)
        try:
            super().save_bot(bot)
        finally:
            self._crypt(bot, self._open)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The newest bot of a workspace, tokens opened."""
        bot = super().find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is not None:
            self._crypt(bot, self._open)
        return bot

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The newest installation, tokens opened."""
        found = super().find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        if found is not None:
            self._crypt(found, self._open)
        return found

    def _installed(self, team_id: str | None) -> None:
        if not team_id:
            return
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(Workspace).where(Workspace.team_id == team_id).values(uninstalled_at=None)
            )
            if done.rowcount == 0:
                conn.execute(insert(Workspace).values(team_id=team_id, created_at=now))

    def bot_token(self, team_id: str) -> str | None:
        """The workspace's bot token, or None when teamloop is not installed there."""
        bot = self.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """OAuth states in the database (shared by all web workers), valid for ten minutes."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_SECONDS, engine=engine, table_name="slack_oauth_states"
    )


def purge_states(engine: Engine, *, now: datetime) -> int:
    """Delete expired OAuth states; returns how many."""
    store = state_store(engine)
    table = store.oauth_states
    naive = now.astimezone(UTC).replace(tzinfo=None)  # slack_sdk stores naive UTC
    with engine.begin() as conn:
        return int(conn.execute(delete(table).where(table.c.expire_at < naive)).rowcount or 0)
