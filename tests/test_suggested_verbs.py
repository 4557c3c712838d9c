"""The *Run* button of "Did you mean `/req new …`?" (issue 15): it runs the suggested command
with the same text, as the person, in their channel; once on a double press; forged or
oversized values are refused (signed block_actions through the stand-in)."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.items import Blocker, Feedback, Risk
from storage.models import Requirement
from storage.scheduling import Schedule
from tests.conftest import BOB, ENG, PM, PRODUCT, Env, texts

RUN = "run_suggested"


def _suggest(env: Env, command: str, text: str, *, user: str = PM, channel: str = PRODUCT) -> Any:
    """Type a command with a misspelt verb; the ephemeral answer as Slack shows it."""
    reply = env.driver.command(command, text, user=user, channel=channel)
    env.drain()
    assert reply.json()["response_type"] == "ephemeral"
    return env.last_ephemeral(user)


def _press(env: Env, answer: Any, *, user: str = PM, channel: str = PRODUCT, **kw: Any) -> None:
    assert (
        env.driver.click(answer, RUN, user=user, channel=channel, ephemeral=True, **kw).status
        == 200
    )
    env.drain()


def _count(env: Env, model: Any) -> int:
    with env.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [r.getMessage() for r in bad]


def test_run_button_captures_with_the_same_text_once(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    answer = _suggest(env, "/req", "nwe Fix A & B <beta> export <@U0BOB|bob> P1 due 2026-12-04")
    shown = answer["text"]
    assert "Did you mean `/req new`?" in shown
    assert "You typed: `/req nwe Fix A &amp; B &lt;beta&gt; export @bob P1 due 2026-12-04`" in shown
    assert "Run /req new" in texts(answer["blocks"])
    assert _count(env, Requirement) == 0
    before = copy.deepcopy(answer)  # what Slack showed when the second click left
    _press(env, answer)
    with env.sessions() as s:
        [req] = s.scalars(select(Requirement)).all()
        assert (req.title, req.owner_id, req.priority, req.requester_id, req.channel_id) == (
            "Fix A & B <beta> export", BOB, "P1", PM, PRODUCT,
        )  # fmt: skip
        assert str(req.due_date) == "2026-12-04"
    # The card is in the channel, as after typing it; the suggestion says what ran.
    assert env.channel()[-1]["text"].startswith("REQ-1: Fix A &amp; B &lt;beta&gt; export")
    assert "Ran `/req new" in answer["text"]
    # Pressed again (a double click reaches Slack twice): still one requirement.
    _press(env, before)
    assert _count(env, Requirement) == 1
    assert "counts once" in env.last_ephemeral(PM)["text"]
    _no_errors(caplog)


@pytest.mark.parametrize(
    ("command", "typed", "check"),
    [
        ("/feedback", "lsit", "list"),
        ("/blocker", "reslove BLK-1", "resolve"),
        ("/risk", "nwe Vendor may slip likelihood 4 impact 5", "new"),
        ("/standup", "shedule weekdays 09:30 Europe/Berlin", "schedule"),
        ("/digest", "stauts", "status"),
    ],
)
def test_every_command_with_verbs_runs_its_suggestion(
    env: Env, command: str, typed: str, check: str
) -> None:
    env.driver.command("/blocker", "Waiting on API keys", user=PM, channel=PRODUCT)
    env.driver.command("/feedback", "Dark mode please", user=PM, channel=PRODUCT)
    env.drain()
    answer = _suggest(env, command, typed)
    assert f"Did you mean `{command} {check}`?" in answer["text"]
    _press(env, answer)
    if check == "resolve":
        with env.sessions() as s:
            assert s.scalars(select(Blocker)).one().status == "resolved"
    elif check == "new":
        with env.sessions() as s:
            risk = s.scalars(select(Risk)).one()
            assert (risk.text, risk.likelihood, risk.impact) == ("Vendor may slip", 4, 5)
    elif check == "schedule":
        with env.sessions() as s:
            sched = s.scalars(select(Schedule).where(Schedule.kind == "standup")).one()
            assert (sched.weekdays, sched.local_time, sched.zones) == (
                "MO,TU,WE,TH,FR", "09:30", ["Europe/Berlin"],
            )  # fmt: skip
    elif check == "list":
        assert "FB-1" in answer["text"] + texts(answer.get("blocks"))
    else:
        assert "Weekly digest" in answer["text"] + texts(answer.get("blocks"))


def test_a_suggestion_whose_text_is_wrong_keeps_it_and_saves_nothing(env: Env) -> None:
    answer = _suggest(env, "/req", "nwe Ship pricing page due someday P1")
    _press(env, answer)
    said = env.last_ephemeral(PM)["text"]
    assert "I couldn't read `due someday` as a date" in said
    # The suggestion, with the text typed, is still there to copy.
    assert "Ship pricing page due someday P1" in answer["text"]
    assert _count(env, Requirement) == 0


def test_too_long_for_a_button_says_so_and_keeps_the_text(env: Env) -> None:
    title = "Long " + "word " * 420  # about 2100 characters
    answer = _suggest(env, "/req", f"nwe {title}")
    assert "too long for a button" in answer["text"]
    assert RUN not in str(answer["blocks"])
    assert title.strip()[:2000] in answer["text"] + texts(answer["blocks"])


@pytest.mark.parametrize(
    "value",
    [
        "/admin purge everything",  # not a teamloop command
        "/req nwe Fix it",  # not a verb of /req
        "/req",  # no verb at all
        "/req new " + "x" * 2100,  # over Slack's 2000-character limit
        "",
    ],
)
def test_forged_values_are_refused_with_a_warning_at_most(
    env: Env, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    answer = _suggest(env, "/req", "nwe Fix login")
    _press(env, answer, value=value)
    assert "out of date" in env.last_ephemeral(PM)["text"]
    assert _count(env, Requirement) == 0
    _no_errors(caplog)


def test_the_person_and_channel_come_from_slack_not_the_value(env: Env) -> None:
    """Bob presses a button in #eng whose value was made elsewhere: it runs as Bob, in #eng."""
    answer = _suggest(env, "/req", "nwe Fix login")
    _press(env, answer, user=BOB, channel=ENG)
    with env.sessions() as s:
        req = s.scalars(select(Requirement)).one()
        assert (req.requester_id, req.channel_id) == (BOB, ENG)
    assert _count(env, Feedback) == 0


def test_a_forgotten_verb_suggests_new_with_the_whole_text(env: Env) -> None:
    answer = _suggest(env, "/req", "Ship pricing page P1 <@U0BOB|bob>")
    assert "I don't know `/req ship`. Did you mean `/req new`?" in answer["text"]
    assert "Run /req new" in texts(answer["blocks"])
    _press(env, answer)
    with env.sessions() as s:
        [req] = s.scalars(select(Requirement)).all()
        assert (req.title, req.priority, req.owner_id) == ("Ship pricing page", "P1", BOB)
    # One word alone is no title: the verbs are listed, nothing is guessed.
    alone = _suggest(env, "/req", "frobnicate")
    assert "Did you mean" not in alone["text"] and "Run /req" not in texts(alone["blocks"] or [])
