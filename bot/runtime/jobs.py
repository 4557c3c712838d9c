"""Scheduled work wired together: the kinds (registered here, explicitly), the ticker and
the outbox sender, for `run` and for `jobs run-due`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.outbox.sender import Limits, Report, Sender, outbox_client
from bot.scheduling.leadership import Leadership
from bot.scheduling.occurrences import TickReport, tick
from bot.scheduling.registry import Kind, Registry
from bot.scheduling.ticker import Ticker
from bot.services import cards, defaults, digest_post, reach, reminders, retros, standup_runs
from storage.db import transaction


def default_registry() -> Registry:
    """Every kind of schedule teamloop runs, with how late each may still go out."""
    registry = Registry()
    # A standup prompt two hours late is noise: people have started their day.
    registry.register(Kind("standup", timedelta(hours=2), standup_runs.on_occurrence))
    registry.register(Kind("reminders", timedelta(hours=10), reminders.run))
    registry.register(Kind("digest", digest_post.CATCH_UP, digest_post.on_occurrence))
    # A retro starts a 2-day collection: half a day late still leaves time to add items.
    registry.register(Kind("retro", timedelta(hours=12), retros.on_occurrence))
    return registry


def limits_from(settings: Settings) -> Limits:
    """Sending limits from the environment."""
    return Limits(
        channel_interval=settings.teamloop_channel_interval,
        per_minute=settings.teamloop_send_budget,
        max_attempts=settings.teamloop_send_attempts,
        lease=settings.teamloop_send_lease,
    )


@dataclass
class Jobs:
    """The ticker's and the sender's work, callable one step at a time."""

    sessions: sessionmaker[Session]
    clock: Clock
    sender: Sender
    registry: Registry
    leadership: Leadership
    tick_every: float = 20.0
    zone: str = "UTC"
    oauth: bool = False

    def tick(self) -> TickReport | None:
        """Record and run due occurrences, if this replica is the ticker."""
        if not self.leadership.held():
            return None
        return self._tick()

    def _tick(self) -> TickReport:
        now = self.clock.now()
        with transaction(self.sessions) as session:
            defaults.ensure(session=session, zone=self.zone, now=now)
        with transaction(self.sessions) as session:
            # Retros whose collection or voting time ran out move on (board, summary).
            retros.advance(session=session, now=now)
        return tick(sessions=self.sessions, registry=self.registry, now=now)

    def deliver(self, *, linger: float = 0.0) -> Report:
        """Send what the outbox has due."""
        return self.sender.deliver(linger=linger)

    def run_due(self, *, linger: float) -> tuple[TickReport, Report]:
        """One tick as of now (whoever holds the ticker lock), then deliver."""
        ticked = self._tick()
        return ticked, self.deliver(linger=linger)

    def maintain(self) -> int:
        """Housekeeping: delete expired OAuth states (multi-workspace installs only)."""
        if not self.oauth:
            return 0
        from bot.installs import purge_states  # slack_sdk's OAuth stores: OAuth mode only

        return purge_states(self.sessions.kw["bind"], now=self.clock.now())

    def ticker(self) -> Ticker:
        """The background scheduler running tick, deliver and housekeeping."""
        return Ticker(
            tick=self.tick,
            deliver=self.deliver,
            clock=self.clock,
            tick_every=self.tick_every,
            maintain=self.maintain,
            interrupt=self.sender.stop,
        )


def build_jobs(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    client: WebClient | None = None,
    limits: Limits | None = None,
) -> Jobs:
    """Wire the jobs for a process."""
    limits = limits or limits_from(settings)
    client = client or outbox_client(
        settings.slack_api_url, settings.slack_bot_token, limits.timeout
    )
    engine = sessions.kw["bind"]
    # Several workspaces: each one's own bot token, from the installation store.
    tokens = None
    if settings.oauth_enabled:
        from bot.installs import InstallationStore

        tokens = InstallationStore(settings, engine).bot_token
    zone = settings.zone.key

    def unreachable(session: Session, team_id: str, channel_id: str, error: str) -> None:
        reach.learn(session=session, team_id=team_id, channel_id=channel_id, error=error,
                    now=clock.now(), zone=zone)  # fmt: skip

    sender = Sender(
        sessions=sessions,
        client=client,
        clock=clock,
        limits=limits,
        tokens=tokens,
        render=cards.renderer(settings.zone, clock),
        unreachable=unreachable,
    )
    return Jobs(
        sessions=sessions,
        clock=clock,
        sender=sender,
        registry=default_registry(),
        leadership=Leadership(engine),
        tick_every=settings.teamloop_tick_seconds,
        zone=settings.zone.key,
        oauth=settings.oauth_enabled,
    )
