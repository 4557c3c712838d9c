"""Scheduled work wired together: the kinds (registered here, explicitly), the ticker and
the outbox sender, for `run` and for `jobs run-due`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.outbox.sender import Limits, Report, Sender, outbox_client
from bot.scheduling.leadership import Leadership
from bot.scheduling.occurrences import TickReport, tick
from bot.scheduling.registry import Kind, OccurrenceHandler, Registry
from bot.scheduling.ticker import Ticker
from bot.services import (
    cards,
    defaults,
    digest_post,
    reach,
    reminders,
    retention,
    retro_schedule,
    retros,
    search_index,
    standup_runs,
)
from storage.db import read, transaction
from storage.maintenance import refresh_statistics
from storage.scheduling import Occurrence, Schedule


def default_registry(settings: Settings | None = None) -> Registry:
    """Every kind of schedule teamloop runs, with how late each may still go out (`settings`
    for the rules that read one, e.g. TEAMLOOP_ANON_MIN_MEMBERS for scheduled retros)."""
    registry = Registry()
    # A standup prompt two hours late is noise: people have started their day.
    registry.register(Kind("standup", timedelta(hours=2), standup_runs.on_occurrence))
    # Channel work due at one instant is spread (TEAMLOOP_TICK_SPREAD); prompts are not.
    # Both read (and render) in a snapshot, so SQLite's writer is held only for their writes.
    registry.register(
        Kind("reminders", timedelta(hours=10), reminders.run, spread=True,
             prepare=reminders.prepare)
    )  # fmt: skip
    registry.register(
        Kind("digest", digest_post.CATCH_UP, digest_post.on_occurrence, spread=True,
             prepare=digest_post.prepare)
    )  # fmt: skip
    # A retro starts a 2-day collection: half a day late still leaves time to add items.
    registry.register(Kind("retro", timedelta(hours=12), _retro_handler(settings)))
    return registry


def _retro_handler(settings: Settings | None) -> OccurrenceHandler:
    """Scheduled retros with the anonymity rule of the app's own forms (read at each start)."""

    def run(*, session: Session, schedule: Schedule, occurrence: Occurrence, now: datetime) -> int:
        least = settings.teamloop_anon_min_members if settings else retros.ANONYMOUS_MIN
        return retro_schedule.on_occurrence(
            session=session, schedule=schedule, occurrence=occurrence, now=now,
            anonymous_min=least,
        )  # fmt: skip

    return run


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
    spread: timedelta = timedelta(0)
    retention: timedelta = timedelta(days=30)

    def tick(self) -> TickReport | None:
        """Record and run due occurrences, if this replica is the ticker."""
        if not self.leadership.held():
            return None
        return self._tick(spread=self.spread)

    def _tick(self, *, spread: timedelta = timedelta(0)) -> TickReport:
        now = self.clock.now()
        with transaction(self.sessions) as session:
            catch_up = {name: kind.catch_up for name, kind in self.registry.kinds.items()}
            defaults.ensure(session=session, zone=self.zone, now=now, catch_up=catch_up)
        with transaction(self.sessions) as session:
            # Retros whose collection or voting time ran out move on (board, summary).
            retros.advance(session=session, now=now)
        return tick(sessions=self.sessions, registry=self.registry, now=now, spread=spread)

    def deliver(self, *, linger: float = 0.0) -> Report:
        """Send what the outbox has due."""
        return self.sender.deliver(linger=linger)

    def run_due(self, *, linger: float) -> tuple[TickReport, Report]:
        """One tick as of now (whoever holds the ticker lock), then deliver.

        Unspread: `jobs run-due` runs every occurrence due at that instant, as documented."""
        ticked = self._tick()
        return ticked, self.deliver(linger=linger)

    def maintain(self) -> int:
        """Housekeeping: delete expired OAuth states (multi-workspace installs only)."""
        if not self.oauth:
            return 0
        from bot.installs import purge_states  # slack_sdk's OAuth stores: OAuth mode only

        return purge_states(self.sessions.kw["bind"], now=self.clock.now())

    def upkeep(self) -> dict[str, int]:
        """Daily (and at start): planner statistics, the search documents a stopped process
        did not write (`search_index.missing`), then the retention purge, a small batch
        per transaction. Returns rows deleted per table."""
        refresh_statistics(self.sessions.kw["bind"])
        # Looked for in a snapshot: the write lock only when there is something to write.
        with read(self.sessions) as session:
            docs = search_index.missing(session=session)
        if docs:
            with transaction(self.sessions) as session:
                search_index.write_missing(session=session, docs=docs)
        return self.purge()

    def purge(self) -> dict[str, int]:
        """Delete what is older than the retention and done (bot.services.retention)."""
        before = self.clock.now() - self.retention
        deleted = {"outbox": 0, "processed_events": 0, "reminder_log": 0}
        for name, purge in (
            ("outbox", retention.purge_outbox),
            ("processed_events", retention.purge_events),
        ):
            while True:
                with transaction(self.sessions) as session:
                    count = purge(session=session, before=before)
                deleted[name] += count
                if count < retention.BATCH:
                    break
        with self.sessions() as session:
            ids = retention.old_reminders(session=session, before=before)
        for start in range(0, len(ids), retention.BATCH):
            with transaction(self.sessions) as session:
                chunk = ids[start : start + retention.BATCH]
                deleted["reminder_log"] += retention.delete_reminders(session=session, ids=chunk)
        return deleted

    def ticker(self) -> Ticker:
        """The background scheduler running tick, deliver and housekeeping."""
        return Ticker(
            tick=self.tick,
            deliver=self.deliver,
            clock=self.clock,
            tick_every=self.tick_every,
            maintain=self.maintain,
            upkeep=self.upkeep,
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

    def unreachable(
        session: Session, team_id: str, channel_id: str, error: str, asked_by: str | None
    ) -> None:
        reach.learn(session=session, team_id=team_id, channel_id=channel_id, error=error,
                    now=clock.now(), zone=zone, asked_by=asked_by)  # fmt: skip

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
        registry=default_registry(settings),
        leadership=Leadership(engine),
        tick_every=settings.teamloop_tick_seconds,
        zone=settings.zone.key,
        oauth=settings.oauth_enabled,
        spread=timedelta(seconds=settings.teamloop_tick_spread),
        retention=timedelta(days=settings.teamloop_retention_days),
    )
