"""The sandbox answers as real Slack does where a newcomer found it did not: a press on a button
that went away, unknown commands and a no-break space after the command name, channels
teamloop cannot post in, and ephemeral answers shown in the thread they belong to. Through
the page's own requests (`/ui/*`), as the browser sends them."""

from __future__ import annotations

import io
import json
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.encoding import split_command
from sandbox.server import Sandbox
from sandbox.ui import CHANGED
from tests.conftest import make_settings, texts
from tests.test_sandbox_retro import _port, post, state

ALICE, BOB, PRODUCT, LEADS = "U0ALICE", "U0BOB", "C0PRODUCT", "C0LEADS"


def raw_post(box: Sandbox, what: str, body: dict[str, Any]) -> tuple[int, bytes]:
    req = urllib.request.Request(
        f"{box.server.url}/ui/{what}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as answer:
        return answer.status, answer.read()


def _card(box: Sandbox, title: str) -> Any:
    assert post(box, "send", {"text": f"/req new {title}", "user": ALICE, "channel": PRODUCT}) == {}
    box.run_due()
    return next(m for m in state(box, ALICE, PRODUCT)["messages"] if title in (m["text"] or ""))


def test_a_press_on_a_button_that_went_away_gets_a_notice(box: Sandbox) -> None:
    card = _card(box, "Export invoices")
    button = next(
        el["action_id"]
        for b in card["blocks"]
        for el in b.get("elements") or ([b["accessory"]] if b.get("accessory") else [])
        if el.get("type") == "button"
    )
    calls = len(box.ws.calls)
    # The message is gone (a stale page): a notice, an HTTP 200 JSON answer, no request.
    status, body = raw_post(
        box, "action", {"user": ALICE, "channel": PRODUCT, "ts": "1.000001", "action_id": button}
    )
    assert (status, json.loads(body)) == (200, {"notice": CHANGED})
    # The message is there but no longer shows the button (replaced since the page drew it).
    gone = {"user": ALICE, "channel": PRODUCT, "ts": card["ts"], "action_id": "run_suggested"}
    assert post(box, "action", gone) == {"notice": CHANGED}
    # A Home button pressed before the Home was ever published.
    assert post(box, "action", {"user": BOB, "home": True, "action_id": button}) == {
        "notice": CHANGED
    }
    # A status menu choice the menu no longer offers (a stale page's options).
    menu = {"user": ALICE, "channel": PRODUCT, "ts": card["ts"], "action_id": "req_status"}
    assert post(box, "action", {**menu, "selected": "no_such_status"}) == {"notice": CHANGED}
    assert len(box.ws.calls) == calls  # nothing reached the app, so it called nothing
    # The message and the button are still there: the press is delivered.
    assert post(box, "action", {**gone, "action_id": button}) == {}


def test_an_unknown_command_gets_slackbots_answer(box: Sandbox) -> None:
    for typed in ("/foo", "/remove REQ-1"):
        assert post(box, "send", {"text": typed, "user": ALICE, "channel": PRODUCT}) == {}
    shown = state(box, ALICE, PRODUCT)["messages"]
    answers = [m for m in shown if m.get("ephemeral")]
    assert [m["user"] for m in answers] == ["USLACKBOT", "USLACKBOT"]
    assert answers[0]["text"].startswith("/foo is not a valid command. In Slack, all messages")
    assert answers[1]["text"].startswith("/remove is not a valid command.")
    assert not [m for m in state(box, BOB, PRODUCT)["messages"] if m.get("ephemeral")]


def test_a_no_break_space_ends_the_command_name() -> None:
    assert split_command("/req new Export") == ("/req", "new Export")
    assert split_command("/req\u00a0new Export") == ("/req", "\u00a0new Export")
    assert split_command("/req") == ("/req", "")
    with pytest.raises(ValueError):
        split_command("req new")


def test_a_command_typed_with_a_no_break_space_reaches_the_app(box: Sandbox) -> None:
    typed = "/req\u00a0new Export invoices to CSV P1"
    assert post(box, "send", {"text": typed, "user": ALICE, "channel": PRODUCT}) == {}
    box.run_due()
    shown = state(box, ALICE, PRODUCT)["messages"]
    assert not [m for m in shown if m.get("user") == "USLACKBOT"]
    assert any("Export invoices to CSV" in texts(m["blocks"]) for m in shown if m["blocks"])


def test_channels_teamloop_cannot_post_in(box: Sandbox) -> None:
    channels = {c["id"]: c for c in state(box, ALICE, PRODUCT)["channels"]}
    leads = channels[LEADS]
    assert (leads["name"], leads["is_private"], leads["bot_member"]) == ("leads", True, False)
    assert LEADS not in {c["id"] for c in state(box, "U0CAROL", PRODUCT)["channels"]}

    def menu(op: str, channel: str = PRODUCT) -> dict[str, Any]:
        assert post(box, "channel", {"user": ALICE, "channel": channel, "op": op}) == {}
        found: dict[str, Any] = next(
            c for c in state(box, ALICE, PRODUCT)["channels"] if c["id"] == channel
        )
        return found

    assert menu("invite_bot", LEADS)["bot_member"] is True
    assert box.ws.bot_user_id in box.ws.channels[LEADS]["members"]
    assert menu("remove_bot", LEADS)["bot_member"] is False
    assert menu("restrict")["posting_restricted"] is True
    assert box.ws.channels[PRODUCT]["posting_restricted"] is True
    assert menu("allow")["posting_restricted"] is False
    assert menu("archive")["is_archived"] is True
    assert menu("unarchive")["is_archived"] is False
    assert "error" in post(box, "channel", {"user": ALICE, "channel": PRODUCT, "op": "nuke"})
    # A person not in the channel has no menu for it.
    assert "error" in post(box, "channel", {"user": "U0CAROL", "channel": LEADS, "op": "archive"})


def test_the_terminal_has_slackbots_answer_and_the_channel_menu(tmp_path: Path) -> None:
    from sandbox.run import HELP

    settings = make_settings(f"sqlite:///{tmp_path}/sandbox.db", "http://unused/api/")
    settings = settings.model_copy(update={"port": 0})
    script = ["/foo bar", ":in #leads", ":channel invite-bot", ":channel archive", ":help", ":q"]
    shown = _terminal(settings, script, reset=True)
    assert "Slackbot (only visible to you):\n    /foo is not a valid command." in shown
    assert "alice in #leads>" in shown and shown.count("(sandbox) done") == 2
    assert ":channel remove-bot|invite-bot|archive" in HELP and "#leads" in HELP


def test_text_typed_in_the_terminal_is_a_message_and_help_in_the_dm_is_the_bots(
    tmp_path: Path,
) -> None:
    # A newcomer typed `help` in the DM and got the terminal's own help, not teamloop's.
    settings = make_settings(f"sqlite:///{tmp_path}/sandbox.db", "http://unused/api/")
    settings = settings.model_copy(update={"port": 0})
    shown = _terminal(settings, [":in dm", "help", ":in #product", "hello team", ":q"], reset=True)
    in_dm = shown.split("alice in the DM with teamloop>", 1)[1].split("alice in #product>")[0]
    assert "alice:\n    help" in in_dm and "*What teamloop can do*" in in_dm, in_dm
    assert ":react <n>" not in in_dm, in_dm
    assert shown.endswith("alice in #product> [0] alice:\n    hello team\nalice in #product> ")


def test_a_restarted_sandbox_takes_its_first_command_and_lets_old_cards_go(
    tmp_path: Path, sandbox_start: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    """A newcomer stops the sandbox and starts it again on the same store: the first command
    is a new capture (not taken for a re-delivery of the last run's trigger id), and a change
    to an item whose card went with the last run's chat history is not an error."""
    import logging

    from sqlalchemy import select

    from storage.items import ItemMessage
    from storage.migrate import upgrade
    from storage.models import Requirement

    settings = make_settings(f"sqlite:///{tmp_path / 'sandbox.db'}", "http://unused/api/")
    upgrade(settings.database_url)
    first = Sandbox(settings, _port(), start=sandbox_start).start(scheduler=False)
    first.driver.command("/req", "new Export invoices P1", user=ALICE, channel=PRODUCT)
    first.driver.say("help", user=ALICE, channel=first.ws.dm_channel(ALICE))
    first.settle()
    first.stop()

    again = Sandbox(settings, _port(), start=sandbox_start).start(scheduler=False)
    try:
        with caplog.at_level(logging.INFO):
            again.driver.command("/req", "new Dark mode P3", user=ALICE, channel=PRODUCT)
            again.driver.command("/req", "close REQ-1", user=ALICE, channel=PRODUCT)
            # The first message event of this run is answered (not taken for the last run's).
            again.driver.say("help", user=ALICE, channel=again.ws.dm_channel(ALICE))
            again.settle()
            answers = again.ws.channel_messages(again.ws.dm_channel(ALICE))
            assert any("What teamloop can do" in m["text"] for m in answers), answers
            again.jobs.deliver(linger=2.0)
        with again.deps.sessions() as session:
            titles = session.scalars(select(Requirement.title).order_by(Requirement.number))
            assert list(titles) == ["Export invoices", "Dark mode"]
            old_card = session.scalars(select(ItemMessage).where(ItemMessage.ref == "REQ-1"))
            assert [m.live for m in old_card] == [False]
        assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("message gone" in r.getMessage() for r in caplog.records)
    finally:
        again.stop()


def test_the_terminal_sandbox_updates_cards_after_a_change(tmp_path: Path) -> None:
    """`--terminal` has no ticker: it sends the outbox's due edits after each line, so a
    closed item's card shows what happened instead of buttons that would refuse."""
    from bot.config import Settings
    from sandbox.run import run_sandbox

    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 't.db'}")  # type: ignore[call-arg]
    lines = "/req new Export invoices to CSV P1\n/req close REQ-1\n:show\n:quit\n"
    out = io.StringIO()
    assert (
        run_sandbox(
            settings, reset=False, demo=False, terminal=True, stdin=io.StringIO(lines), stdout=out
        )
        == 0
    )
    last_card = out.getvalue().rsplit("== REQ-1", 1)[-1]  # as `:show` printed it last
    assert "✅ Done by @alice" in last_card, out.getvalue()
    assert "[Assign to me]" not in last_card, out.getvalue()


def test_the_terminal_presses_buttons_of_answers_only_you_see_and_keeps_a_form_on_error(
    tmp_path: Path,
) -> None:
    """A newcomer in `--terminal`: an ephemeral answer's buttons can be pressed (`:click e1
    …`), a menu's choice picked by its text, an answer or card changed since it was printed
    is printed again, and a form refused for one field stays open with everything typed."""
    from sqlalchemy import select

    from bot.config import Settings
    from storage.models import Requirement

    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 't.db'}")  # type: ignore[call-arg]
    lines = [
        "/req new Export invoices to CSV",
        "/req new Export invoices as CSV",  # its duplicate hint's buttons are in the channel
        "/feedback anonymus The dashboard is slow",  # answered only to alice, with buttons
        ":click e1 with my name",  # the answer is replaced: printed again
        ":click 0 in progress",  # a menu's choice; the card is edited: printed again
        ":click e9 vote",
        # The form: title, description, priority, owner, a date that is no date (asked
        # again: a date picker sends only dates), a past date (refused by teamloop), labels;
        # then again, Enter keeping each typed value, and a later date.
        "/req new",
        "Dark mode", "", "P1", "", "someday", "2020-01-06", "",
        "", "", "", "", "2026-12-31", "",
        ":quit",
    ]  # fmt: skip
    shown = _terminal(settings, lines)
    assert "(pressed Send with my name)" in shown and "FB-1" in shown, shown
    assert (
        "[e1] teamloop (only visible to you) (updated):\n    Sent with your name as FB-1" in shown
    )
    assert "(picked 🚧 In progress)\n[0] teamloop (edited):" in shown
    assert "*Status*: 🚧 In progress" in shown.split("[0] teamloop (edited):")[1]
    assert "no such message in `:click e9 vote`" in shown
    assert "Due date (YYYY-MM-DD)" in shown and "Title [Dark mode]" in shown, shown
    assert "(sandbox) `someday` is not a date: type it as YYYY-MM-DD" in shown, shown
    assert "! Mon 6 Jan 2020 is in the past. Pick today or a later date." in shown, shown
    assert "Due date (YYYY-MM-DD) [2020-01-06]" in shown, shown  # kept after the refusal
    from storage.db import make_engine, make_session_factory

    sessions = make_session_factory(make_engine(settings.database_url))
    with sessions() as session:
        dark = session.scalars(select(Requirement).where(Requirement.title == "Dark mode")).one()
    assert (dark.priority, dark.due_date.isoformat() if dark.due_date else None) == (
        "P1",
        "2026-12-31",
    )


def _terminal(settings: Any, lines: list[str], *, reset: bool = False) -> str:
    """What `sandbox --terminal` printed for `lines` typed in (it must exit 0)."""
    from sandbox.run import run_sandbox

    out = io.StringIO()
    stdin = io.StringIO("\n".join(lines) + "\n")
    code = run_sandbox(settings, reset=reset, demo=False, terminal=True, stdin=stdin, stdout=out)
    assert code == 0, out.getvalue()
    return out.getvalue()
