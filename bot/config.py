"""Settings from the environment (and `.env`), validated; read only when asked for."""

from __future__ import annotations

import logging
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.parsing.dates import DateOrder


class RunMode(StrEnum):
    """How `run` talks to Slack."""

    SOCKET = "socket"
    HTTP = "http"
    SANDBOX = "sandbox"


class Settings(BaseSettings):
    """Every variable of the public interface (see README)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///teamloop.db"
    teamloop_timezone: str = "UTC"
    # How numeric dates (`01/02/2027`) are read for people whose Slack locale is unknown.
    teamloop_date_order: DateOrder = DateOrder.DMY
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = "INFO"
    # Sending limits and the ticker (see README, "Scheduling and delivery").
    teamloop_send_budget: float = Field(default=300.0, gt=0)  # messages/minute/workspace
    teamloop_channel_interval: float = Field(default=1.0, ge=0)  # seconds between posts
    teamloop_send_attempts: int = Field(default=5, ge=1)
    teamloop_send_lease: float = Field(default=60.0, gt=0)
    teamloop_tick_seconds: float = Field(default=20.0, gt=0)
    # Digests and reminders due at one instant start spread over this many seconds (each
    # channel at its own fixed offset), so 09:00 is not one burst of writes.
    teamloop_tick_spread: float = Field(default=300.0, ge=0, le=3600)
    # Days finished outbox rows, processed event ids and old reminder log rows are kept.
    teamloop_retention_days: int = Field(default=30, ge=1)
    # Production: web worker processes, and the key that encrypts OAuth tokens at rest.
    teamloop_web_workers: int = Field(default=2, ge=1, le=64)
    teamloop_encryption_key: str | None = None
    # Anonymous feedback needs a crowd to hide in: fewer human members and it is refused.
    teamloop_anon_min_members: int = Field(default=5, ge=2)

    @field_validator("teamloop_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (try Europe/Berlin)") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r} (try INFO or DEBUG)")
        return level

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @property
    def zone(self) -> ZoneInfo:
        """The workspace default time zone."""
        return ZoneInfo(self.teamloop_timezone)

    def run_mode(self) -> RunMode:
        """Pick the mode DESIGN.md describes from the credentials present."""
        if self.slack_app_token and self.slack_bot_token:
            return RunMode.SOCKET
        if (self.slack_bot_token or self.oauth_enabled) and self.slack_signing_secret:
            return RunMode.HTTP
        return RunMode.SANDBOX

    @property
    def oauth_enabled(self) -> bool:
        """Multi-workspace: installs through OAuth instead of one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)
