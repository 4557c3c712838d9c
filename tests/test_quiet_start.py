"""A fresh store starts quiet: occurrences that fell due before a schedule existed are not
"missed" (no skipped row, no warning), whether the first tick comes before or after the
sandbox's demo (captured a week in the past), or long after a store's first items."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.server import Sandbox
from storage.scheduling import Occurrence, Schedule
from tests.conftest import PRODUCT, Team, texts


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _kinds(box: Sandbox) -> dict[str, datetime]:
    with box.deps.sessions() as s:
        rows = s.scalars(select(Schedule).where(Schedule.channel_id == PRODUCT))
        return {r.kind: r.created_at for r in rows}


@pytest.mark.parametrize("first_tick", ["after the demo", "before the demo"])
def test_a_fresh_sandbox_starts_quiet_with_the_demo_s_schedules(
    box: Sandbox, caplog: pytest.LogCaptureFixture, first_tick: str
) -> None:
    caplog.set_level(logging.INFO)
    if first_tick == "before the demo":
        box.run_due()  # the background ticker's first tick can beat the demo's commands
    box.demo()
    box.run_due()
    box.clock.advance(timedelta(minutes=1))
    box.run_due()
    assert _warnings(caplog) == []
    with box.deps.sessions() as s:
        assert s.scalars(select(Occurrence).where(Occurrence.status == "skipped")).all() == []
    # #product has its items' default reminders and digest, from now on, and the standup.
    assert set(_kinds(box)) == {"standup", "reminders", "digest"}
    # The seeding's own answers ("Standup set…") are not shown to the person opening it.
    assert box.ws.ephemerals_for("U0ALICE") == []
    # Cards drawn "a week ago" are brought to today: overdue on the card iff in `/req list`.
    from storage.models import Requirement

    with box.deps.sessions() as s:
        due = s.scalars(select(Requirement.due_date).where(Requirement.number == 1)).one()
    today = box.clock.now().astimezone(box.deps.settings.zone).date()
    [card] = [m for m in box.ws.channel_messages(PRODUCT) if m["text"].startswith("REQ-1:")]
    assert due is not None
    assert ("overdue" in texts(card["blocks"])) == (due < today), (due, today, card)


def test_defaults_for_old_items_run_only_what_is_still_on_time(
    team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    """Items from days before the first tick: the default reminders' occurrences of those
    days were never owed; this morning's (within its catch-up) still runs."""
    caplog.set_level(logging.INFO)
    monday_0830_berlin = team.env.clock.now() + timedelta(minutes=30)
    team.env.clock.set(monday_0830_berlin - timedelta(days=3))
    team.env.req("new Export invoices to CSV")
    team.at(monday_0830_berlin)  # the store's first tick: 09:00 Berlin was 30 min ago
    assert _warnings(caplog) == []
    runs = team.rows(Occurrence)
    assert sorted((o.kind, o.status, o.due_at.hour) for o in runs) == [
        ("digest", "done", 8),
        ("reminders", "done", 8),
    ]


def test_building_the_app_with_a_bot_token_in_the_environment_warns_nothing(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # `run --http` reads SLACK_BOT_TOKEN; bolt reads it too and warned on every start that
    # our client wins over it.
    from bot.app import build
    from bot.config import Settings

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    settings = Settings(
        _env_file=None, slack_signing_secret="s", database_url=f"sqlite:///{tmp_path}/q.db"
    )  # type: ignore[call-arg]
    caplog.set_level(logging.INFO)
    _app, deps = build(settings)
    deps.worker.shutdown(wait=True)
    assert _warnings(caplog) == []
