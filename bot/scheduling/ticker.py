"""The ticker: APScheduler running a small fixed set of interval jobs (tick, deliver, upkeep).

What a tick does is in occurrences.py; the database, not this process, decides that an
occurrence happens once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock

log = logging.getLogger(__name__)


class Ticker:
    """APScheduler running the fixed set of interval jobs: tick, deliver, maintain, upkeep."""

    def __init__(
        self,
        *,
        tick: Callable[[], Any],
        deliver: Callable[[], Any],
        clock: Clock,
        tick_every: float = 20.0,
        deliver_every: float = 1.0,
        maintain: Callable[[], Any] | None = None,
        upkeep: Callable[[], Any] | None = None,
        interrupt: Callable[[], Any] | None = None,
    ) -> None:
        self._tick, self._deliver, self.clock = tick, deliver, clock
        self._maintain, self._upkeep = maintain, upkeep
        # Asks a running delivery to wrap up, so stopping never waits for a whole fan-out.
        self._interrupt = interrupt
        self.tick_every, self.deliver_every = tick_every, deliver_every
        self.scheduler = BackgroundScheduler(
            timezone="UTC",
            # Never drop a late run (APScheduler's default grace is 1 s), never stack them.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> None:
        """Register the jobs (here and only here) and start the background thread."""
        _quiet_skips()
        # APScheduler keeps wall time; the injected clock may run ahead (the sandbox's).
        first = datetime.now(UTC)
        self.scheduler.add_job(
            self._guarded(self._tick),
            "interval",
            seconds=self.tick_every,
            id="tick",
            next_run_time=first,
        )
        self.scheduler.add_job(
            self._guarded(self._deliver),
            "interval",
            seconds=self.deliver_every,
            id="deliver",
            next_run_time=first,
        )
        if self._maintain is not None:
            # Housekeeping (expired OAuth states): hourly, first a minute after start.
            self.scheduler.add_job(
                self._guarded(self._maintain),
                "interval",
                seconds=3600,
                id="maintain",
                next_run_time=first + timedelta(minutes=1),
            )
        if self._upkeep is not None:
            # Statistics and the retention purge: at start (a fresh store has no statistics
            # yet), then daily. Small transactions, so it never holds up the tick or a capture.
            self.scheduler.add_job(
                self._guarded(self._upkeep),
                "interval",
                seconds=86_400,
                id="upkeep",
                next_run_time=first + timedelta(seconds=5),
            )
        self.scheduler.start()

    def poke(self) -> None:
        """Deliver now (after a listener queued something) instead of at the next interval."""
        job = self.scheduler.get_job("deliver")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def stop(self) -> None:
        """Stop the jobs: interrupt delivery, then wait for the running job to finish.

        Final for this process; SIGTERM handlers call it (see README, "Stopping").
        """
        if self._interrupt is not None:
            self._interrupt()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    @staticmethod
    def _guarded(job: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            # A job must survive a database blip: log it and let the next interval retry.
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed", getattr(job, "__name__", job))

        return run


class _SkipFilter(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached" warning.

    A delivery pacing a fan-out outlives its 1 s interval; the skipped run is the intended
    behaviour (max_instances=1: the running one picks up whatever is new), not a problem.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


def _quiet_skips() -> None:
    logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _SkipFilter) for f in logger.filters):
        logger.addFilter(_SkipFilter())
