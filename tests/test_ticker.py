"""The ticker's background jobs: a long delivery neither stacks nor fills the log with warnings."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import pytest

from bot.clock import FrozenClock
from bot.scheduling.ticker import Ticker
from tests.conftest import wait_until


def test_a_delivery_longer_than_its_interval_runs_alone_and_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    running, most, runs = 0, 0, 0
    lock = threading.Lock()
    stopped = threading.Event()

    def deliver() -> None:  # a fan-out paced over longer than the 0.1 s interval
        nonlocal running, most, runs
        with lock:
            running += 1
            most = max(most, running)
        stopped.wait(0.6)
        with lock:
            running -= 1
            runs += 1

    # The injected clock is far from the wall (as the sandbox's is after "+1 day").
    clock = FrozenClock(datetime(2031, 1, 1, tzinfo=UTC))
    ticker = Ticker(
        tick=lambda: None,
        deliver=deliver,
        clock=clock,
        tick_every=60,
        deliver_every=0.1,
        interrupt=stopped.set,
    )
    caplog.set_level(logging.WARNING, logger="apscheduler")
    ticker.start()
    try:
        wait_until(lambda: runs >= 3, timeout=10, what="three deliveries")
    finally:
        started = time.monotonic()
        ticker.stop()
    assert time.monotonic() - started < 1.0, "stop interrupts the running delivery"
    assert most == 1
    assert not [r for r in caplog.records if "maximum number of running instances" in r.message]
