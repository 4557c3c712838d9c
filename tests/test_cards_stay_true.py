"""Issue 17, what a card shows beside its item stays true too: the note on how a due date was
read goes when the due date changes, a dismissed duplicate hint never comes back, and a
standup answer's thread reply follows the blocker it made, whatever path resolves it. And
`jobs run-due` and `/metrics` say how many messages expired after an outage."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.runtime.metrics import metrics_app
from storage.items import Blocker
from tests.conftest import BOB, PRODUCT, JobsEnv, Team, texts
from tests.test_cards_follow import card_of, follows
from tests.test_privacy_and_home import open_home
from tests.test_restart_and_replicas import MONDAY_0830, run_due, start_standup


def test_the_due_note_goes_when_the_due_date_changes(team: Team) -> None:
    env = team.env
    env.req("new Launch plan due next tuesday")
    note = "`next tuesday` means next week's Tuesday: *Tue 1 Dec 2026*"
    assert note in follows(team, "REQ-1")
    env.req("due REQ-1 friday")
    shown = follows(team, "REQ-1")
    assert "Fri 27 Nov 2026" in shown and "next tuesday" not in shown
    env.req("status REQ-1 in progress")  # later edits do not bring it back either
    assert "next tuesday" not in follows(team, "REQ-1")


def test_not_a_duplicate_drops_the_hint_for_good(team: Team) -> None:
    env = team.env
    env.req("new Dark mode toggle")
    env.req("new Dark mode toggle please", user=BOB)
    assert "Looks like REQ-1" in follows(team, "REQ-2")
    env.driver.click(card_of(team, "REQ-2"), "req_not_duplicate", user=BOB, channel=PRODUCT)
    env.drain()
    assert "Looks like" not in follows(team, "REQ-2")
    env.req("status REQ-2 in progress")
    env.req("vote REQ-2")
    shown = follows(team, "REQ-2")
    assert "In progress" in shown and "Looks like" not in shown and "Merge into" not in shown
    assert len(env.channel()) == 2  # one card each, edited in place


def _standup_blocker(team: Team) -> Any:
    """Bob's standup answer made BLK-1; his thread reply, as first posted."""
    team.env.clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    team.cmd("schedule weekdays 09:30 Europe/Berlin")
    team.at(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    team.answer(BOB, ["Importer", "Paging", "Waiting on staging access"])
    team.deliver()
    [reply] = team.replies(team.parents()[0])
    assert "Recorded as *BLK-1*" in texts(reply["blocks"])
    return copy.deepcopy(reply)  # as a client still showing it


def _reply_now(team: Team) -> tuple[str, list[str]]:
    team.deliver()
    [reply] = team.replies(team.parents()[0])
    return texts(reply["blocks"]), [b["type"] for b in reply["blocks"]]


def test_a_standup_blocker_resolved_by_command_updates_its_thread_reply(team: Team) -> None:
    env = team.env
    old = _standup_blocker(team)
    env.driver.command("/blocker", "resolve BLK-1", user=BOB, channel=PRODUCT)
    env.drain()
    shown, types = _reply_now(team)
    assert "BLK-1 · ✅ Resolved by <@U0BOB> · Mon 09:30" in shown, shown
    assert "Recorded as" not in shown and "actions" not in types  # no *Not a blocker* left
    assert "Waiting on staging access" in shown  # the answer itself stays
    env.driver.click(old, "standup_not_blocker", user=BOB, channel=PRODUCT)
    env.drain()
    assert "BLK-1 is already closed" in env.last_ephemeral(BOB)["text"]
    assert [b.status for b in team.rows(Blocker)] == ["resolved"]


def test_a_standup_blocker_resolved_on_the_home_tab_updates_its_thread_reply(
    team: Team,
) -> None:
    env = team.env
    _standup_blocker(team)
    home = {"ts": "0", "blocks": open_home(env, BOB)["blocks"]}
    env.driver.click(home, "home_blk_resolve", user=BOB, channel="")
    env.drain()
    shown, types = _reply_now(team)
    assert "BLK-1 · ✅ Resolved by <@U0BOB>" in shown and "actions" not in types


def test_not_a_blocker_still_says_so_and_not_resolved(team: Team) -> None:
    env = team.env
    old = _standup_blocker(team)
    env.driver.click(old, "standup_not_blocker", user=BOB, channel=PRODUCT)
    env.drain()
    shown, types = _reply_now(team)
    assert "not a blocker" in shown and "Resolved" not in shown and "actions" not in types


def _scrape(env: JobsEnv) -> str:
    said: list[str] = []
    body = metrics_app(env.sessions)({"REQUEST_METHOD": "GET"}, lambda s, h: said.append(s))
    return b"".join(body).decode()


def test_run_due_and_metrics_count_what_expired_after_an_outage(jobs_env: JobsEnv) -> None:
    start_standup(jobs_env)
    jobs_env.clock.set(MONDAY_0830)
    jobs_env.jobs.tick()  # Monday's prompt and thread parent queued; then the worker is down
    wednesday = MONDAY_0830 + timedelta(days=2) - timedelta(hours=1, minutes=30)  # 08:00 Berlin
    out = run_due(jobs_env, wednesday)
    assert out.returncode == 0, out.stderr
    assert "outbox: 0 sent" in out.stdout and "2 expired" in out.stdout, out.stdout
    assert 'teamloop_outbox_messages{status="expired"} 2.0' in _scrape(jobs_env)
    assert jobs_env.ws.calls_of("chat.postMessage") == []  # nothing of Monday was sent
