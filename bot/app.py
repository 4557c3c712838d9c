"""The app factory: one bolt App wired to settings, the store, the clock and a worker."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.deps import Deps, Worker
from bot.scopes import BOT_SCOPES
from storage.db import make_engine, make_session_factory

if TYPE_CHECKING:  # slack_sdk's OAuth stores load only in OAuth mode (`build`)
    from bot.installs import InstallationStore


def make_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client pointed at SLACK_API_URL, retrying 429s, 5xx and dropped connections."""
    client = WebClient(
        token=token or settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10
    )
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=1),
        ]
    )
    return client


def _oauth(settings: Settings, installs: InstallationStore) -> OAuthSettings:
    """Multi-workspace install: `/slack/install` and `/slack/oauth_redirect`."""
    from bot.installs import state_store

    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installs,
        installation_store_bot_only=True,
        state_store=state_store(installs.engine),
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
    )


def create_app(settings: Settings, **parts: Any) -> App:
    """Build the bolt App (see `build` for the parts a caller may supply)."""
    return build(settings, **parts)[0]


def build(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
    worker: Worker | None = None,
    client: WebClient | None = None,
) -> tuple[App, Deps]:
    """Build the bolt App and its deps; listeners are fast, so they run before the response."""
    logging.getLogger().setLevel(settings.log_level)
    if sessions is None:
        sessions = make_session_factory(make_engine(settings.database_url))
    worker = worker or Worker()
    installs = None
    if settings.oauth_enabled:
        from bot.installs import InstallationStore

        installs = InstallationStore(settings, sessions.kw["bind"])
    deps = Deps(
        settings=settings,
        sessions=sessions,
        clock=clock or SystemClock(),
        worker=worker,
        installs=installs,
    )
    # bolt reads SLACK_BOT_TOKEN itself and warns that our client (which carries that token,
    # the API URL and the timeouts) wins over it: true, expected, and not worth a line a start.
    logging.getLogger("slack_bolt.App").addFilter(_TokenSkippedFilter())
    app = App(
        # Named, so bolt does not walk the call stack (inspect.stack(), 60-180 ms) for one.
        name="teamloop.bolt",
        client=client or make_client(settings, token="" if installs else None),
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=True,
        listener_executor=worker,
        token_verification_enabled=False,
        oauth_settings=_oauth(settings, installs) if installs else None,
    )
    from handlers import register  # handlers depend on bot/, never the other way at import

    register(app, deps)
    # dateparser's language data (about 0.4 s) is loaded by whoever serves: after listening,
    # on a thread (`dates.warm_up_soon`), or before gunicorn's fork (`dates.warm_up`).
    return app, deps


class _TokenSkippedFilter(logging.Filter):
    """Drops bolt's "As you gave `client` as well, `token` will be unused" (see `build`)."""

    def __eq__(self, other: object) -> bool:  # one such filter however often apps are built
        return isinstance(other, _TokenSkippedFilter)

    __hash__ = logging.Filter.__hash__

    def filter(self, record: logging.LogRecord) -> bool:
        """False for that one warning."""
        return "`token` will be unused" not in record.getMessage()
